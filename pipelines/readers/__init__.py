"""What readers get: everything read from the published warehouse, as any reader reads it.

Owns `pageflow status` (`status.py`: text, JSON, what to alert on) and the demo's summary,
the HTML report (`report.py`, its page and colours in `page.py`) and `pageflow export`
(`export.py`). Every function opens the published file read-only: it never waits for a
sync and never writes the warehouse.

May import: `pipelines.ledger` (status rows), `pipelines.store`, the registry
(`pipelines.vendors`) and `sources.shared.errors`. Not the run loop or the CLI.
"""
