"""Small SQL rules, once each: quoting text and paths, and asking whether a table exists."""

from __future__ import annotations

from pathlib import Path

import duckdb


def literal(text: str | None) -> str:
    """`text` as a SQL string literal (`null` for None)."""
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def quoted_path(path: Path) -> str:
    """A path to put between single quotes in DuckDB's `attach` or `copy`."""
    return str(path).replace("'", "''")


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether `schema.table` is a table or view of the connection's current database."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_catalog = "
        "current_database() and table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(found[0][0])


def relations(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(schema, name) of every table and view of the connection's current database, in
    one query (on a lake, each `table_exists` is a round trip to the catalog)."""
    return set(
        con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
    )


def same_rows(con: duckdb.DuckDBPyConnection, first: str, second: str) -> bool:
    """Whether two tables of the same columns hold the same rows: their counts and a hash
    of the multiset of their rows."""
    return same_rows_of(con, [(first, second)])[0]


def same_rows_of(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]]) -> list[bool]:
    """`same_rows` for every pair, in one statement that reads each table once: on a lake
    every statement costs catalog round trips, and every scan reads Parquet from the store."""
    if not pairs:
        return []
    digest = "(select (count(*), sum(hash(t))) from {} as t)"
    columns = ", ".join(
        f"{digest.format(first)} is not distinct from {digest.format(second)}"
        for first, second in pairs
    )
    row = con.execute(f"select {columns}").fetchone()
    return [bool(value) for value in row] if row else [False] * len(pairs)


def drop_staging_copies(con: duckdb.DuckDBPyConnection) -> None:
    """dlt's `<dataset>_staging` schemas hold copies of merged rows; nobody reads them."""
    for (schema,) in con.execute(
        "select schema_name from duckdb_schemas() where database_name = current_database() "
        "and schema_name like '%\\_staging' escape '\\'"
    ).fetchall():
        con.execute(f'drop schema "{schema}" cascade')
