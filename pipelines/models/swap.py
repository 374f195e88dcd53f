"""The marts dbt built (in `analytics_build`) made the readers' `analytics`, all at once.

dbt commits each model on its own, so it builds where no reader looks; once every model
and test passed, one transaction replaces each mart in `analytics` with a copy of its build
and its comments (the marts are small: days, not recordings). A reader sees all marts of
one build or all of the previous one, on the file (whose published copy is made from this)
and on the lake (where this transaction is one catalog snapshot). A build that failed
leaves `analytics` as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.models.dbt import BUILD_SCHEMA
from pipelines.store.sql import literal, same_rows_of

MARTS_SCHEMA = "analytics"


@dataclass(frozen=True)
class _Table:
    kind: str  # "table" or "view"
    comment: str | None
    columns: tuple[tuple[str, str], ...]  # (name, type), in order
    column_comments: frozenset[tuple[str, str]]  # (name, comment), where one is set


def publish_marts(con: duckdb.DuckDBPyConnection, only: set[str] | None = None) -> None:
    """Copy every mart built in `analytics_build` (or those named in `only`: the marts this
    build rebuilt) into `analytics` with its comments (caller's transaction).

    A mart whose columns are unchanged keeps its table (its rows replaced, unless they are
    the same rows; its comments written only where they differ): on a lake, a new table or
    a comment is a change of the catalog's schema, which costs more than the rows
    themselves, and rows written are new Parquet files for upkeep to merge. An hourly run
    changes a few marts; the others are only read, all in one statement. The catalog is
    read once for both schemas: on a lake every query of it is a round trip to PostgreSQL."""
    con.execute(f"create schema if not exists {MARTS_SCHEMA}")
    built, published = _read_catalog(con, BUILD_SCHEMA), _read_catalog(con, MARTS_SCHEMA)
    if only is not None:
        built = {name: table for name, table in built.items() if name in only}
    kept = [
        name
        for name, new in sorted(built.items())
        if new.kind == "table"
        and (old := published.get(name)) is not None
        and old.kind == "table"
        and old.columns == new.columns
    ]
    pairs = [(f"{BUILD_SCHEMA}.{name}", f"{MARTS_SCHEMA}.{name}") for name in kept]
    unchanged = {name for name, same in zip(kept, same_rows_of(con, pairs), strict=True) if same}
    for name, new in sorted(built.items()):
        if new.kind != "table":
            continue
        source, target = f"{BUILD_SCHEMA}.{name}", f"{MARTS_SCHEMA}.{name}"
        old = published.get(name)
        if old is not None and old.kind == "view":  # an older pageflow's
            con.execute(f"drop view {target}")
            old = None
        if old is not None and old.columns == new.columns:
            if name not in unchanged:
                con.execute(f"delete from {target}")
                con.execute(f"insert into {target} select * from {source}")
            comment, columns = old.comment, old.column_comments
        else:
            con.execute(f"create or replace table {target} as select * from {source}")
            comment, columns = None, frozenset()
        if new.comment and new.comment != comment:
            con.execute(f"comment on table {target} is {literal(new.comment)}")
        for column, text in sorted(new.column_comments - columns):
            con.execute(f'comment on column {target}."{column}" is {literal(text)}')


def _read_catalog(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, _Table]:
    """The tables and views of `schema` in the current database: two queries."""
    relations = con.execute(
        "select table_name, 'table', comment from duckdb_tables() where database_name = "
        "current_database() and schema_name = $schema union all select view_name, 'view', "
        "comment from duckdb_views() where database_name = current_database() and "
        "schema_name = $schema",
        {"schema": schema},
    ).fetchall()
    columns: dict[str, list[tuple[str, str, str | None]]] = {}
    for table, column, data_type, comment in con.execute(
        "select table_name, column_name, data_type, comment from duckdb_columns() where "
        "database_name = current_database() and schema_name = ? "
        "order by table_name, column_index",
        [schema],
    ).fetchall():
        columns.setdefault(table, []).append((column, data_type, comment))
    return {
        name: _Table(
            kind,
            comment,
            tuple((c, t) for c, t, _ in columns.get(name, [])),
            frozenset((c, text) for c, _, text in columns.get(name, []) if text is not None),
        )
        for name, kind, comment in relations
    }
