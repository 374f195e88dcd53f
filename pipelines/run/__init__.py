"""The run loop: a sync from plan to publish.

Owns what one `pageflow sync` (or `models`) does, in order: plan each vendor's windows
(`plan.py`: positions, lookback, the ledger's gaps, chunks), fetch chunks ahead
(`prefetch.py`), resolve rows that moved days (`conflicts.py`), commit chunk after chunk in
one thread (`commit.py`: which vendor goes next; `vendor_run.py`: one vendor's commits,
crashed loads finished or dropped), report progress (`progress.py`), then build the models
and publish (`sync.py`).

May import: `pipelines.ledger`, `pipelines.store`, the model runner (`pipelines.models`),
the registry (`pipelines.vendors`) and `sources`. Not the readers or the CLI.
"""
