"""The store: where a warehouse's bytes live and who may touch them.

Owns the published file readers open, the working database beside it
(`<file>.pageflow/work.duckdb`), the run lock, publishing (`publish.py`: written beside,
renamed over, DuckDB 1.1 format), dlt's process-wide settings (`runtime.py`), the
warehouse's own settings (`settings.py`) and the small SQL helpers every wing above uses
(`sql.py`: literals, quoted paths, "does this table exist"); and the other kind of
warehouse, the lake (`lake.py`: DuckLake with a PostgreSQL catalog, its lock, upkeep,
settings, extensions and the marts copied into PostgreSQL), chosen by `choose.py`.

May import: `sources.shared` (errors, settings) and dlt/duckdb. Nothing in `pipelines/`:
every other wing stands on this one.
"""
