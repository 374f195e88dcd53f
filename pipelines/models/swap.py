"""The marts dbt built (in `analytics_build`) made the readers' `analytics`, all at once.

dbt commits each model on its own, so it builds where no reader looks; once every model
and test passed, one transaction replaces each mart in `analytics` with a copy of its build
and its comments (the marts are small: days, not recordings). A reader sees all marts of
one build or all of the previous one, on the file (whose published copy is made from this)
and on the lake (where this transaction is one catalog snapshot). A build that failed
leaves `analytics` as it was.
"""

from __future__ import annotations

import duckdb

from pipelines.models.dbt import BUILD_SCHEMA
from pipelines.store.sql import literal

MARTS_SCHEMA = "analytics"


def built_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? order by table_name",
            [BUILD_SCHEMA],
        ).fetchall()
    ]


def publish_marts(con: duckdb.DuckDBPyConnection, marts: list[str]) -> None:
    """Copy the built `marts` into `analytics` with their comments (caller's transaction).

    A mart whose columns are unchanged keeps its table (its rows replaced, its comments
    written only where they differ): on a lake, a new table or a comment is a change of the
    catalog's schema, which costs more than the rows themselves."""
    con.execute(f"create schema if not exists {MARTS_SCHEMA}")
    for name in marts:
        source, target = f"{BUILD_SCHEMA}.{name}", f"{MARTS_SCHEMA}.{name}"
        kind = _kind(con, MARTS_SCHEMA, name)
        if kind == "view":  # an older pageflow's
            con.execute(f"drop view {target}")
            kind = None
        built_comment, built_columns = _comments(con, BUILD_SCHEMA, name)
        if kind == "table" and _columns(con, MARTS_SCHEMA, name) == _columns(
            con, BUILD_SCHEMA, name
        ):
            con.execute(f"delete from {target}")
            con.execute(f"insert into {target} select * from {source}")
            comment, columns = _comments(con, MARTS_SCHEMA, name)
        else:
            con.execute(f"create or replace table {target} as select * from {source}")
            comment, columns = None, []
        if built_comment and built_comment != comment:
            con.execute(f"comment on table {target} is {literal(built_comment)}")
        for column, text in set(built_columns) - set(columns):
            con.execute(f'comment on column {target}."{column}" is {literal(text)}')


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[tuple[str, str]]:
    return [
        (c, t)
        for c, t in con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = "
            "current_database() and schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall()
    ]


def _kind(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    row = con.execute(
        "select table_type from information_schema.tables where table_catalog = "
        "current_database() and table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    if row is None:
        return None
    return "view" if row[0] == "VIEW" else "table"


def _comments(
    con: duckdb.DuckDBPyConnection, schema: str, name: str
) -> tuple[str | None, list[tuple[str, str]]]:
    table = con.execute(
        "select comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = "
        "current_database() and schema_name = ? and table_name = ? and comment is not null "
        "order by column_index",
        [schema, name],
    ).fetchall()
    return (table[0] if table else None), [(c, t) for c, t in columns]
