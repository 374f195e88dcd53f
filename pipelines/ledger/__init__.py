"""The ledger: what pageflow knows about its own syncs, per vendor, in the warehouse.

Owns two tables in each vendor's schema, and is the only code that creates, writes, reads
or updates them:

- `<vendor>.sync_windows`: one row per window fetched (website, resource, local day): what
  the vendor claimed beside what was loaded, and which load fetched it. Its rules live
  here: the gap rule (`windows.GAP`), a window marked for a re-fetch (`mark_refetch`, a
  moved recording's old day), the superseded-window rule the raw views apply
  (`windows.superseded`), and the status rows `pageflow status` prints.
- `<vendor>.sync_failures`: what the vendor's last run could not do (`failures.py`).

Their columns are declared once, with their meaning, in `tables.py`; the README's ledger
table is generated from that declaration (`python -m pipelines.ledger`) and a test fails
when it is stale.

May import: `pipelines.store` (SQL helpers) and `sources.shared` (windows, claims). Every
function takes a DuckDB connection: which database (the working one, the published one)
is the caller's business.
"""
