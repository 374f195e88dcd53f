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


def same_rows(con: duckdb.DuckDBPyConnection, first: str, second: str) -> bool:
    """Whether two tables of the same columns hold the same rows: their counts and a hash
    of the multiset of their rows."""
    row = con.execute(
        f"select (select count(*) from {first}) = (select count(*) from {second}) "
        f"and (select sum(hash(t)) from {first} as t) "
        f"is not distinct from (select sum(hash(t)) from {second} as t)"
    ).fetchone()
    return bool(row and row[0])


def drop_staging_copies(con: duckdb.DuckDBPyConnection) -> None:
    """dlt's `<dataset>_staging` schemas hold copies of merged rows; nobody reads them."""
    for (schema,) in con.execute(
        "select schema_name from duckdb_schemas() where database_name = current_database() "
        "and schema_name like '%\\_staging' escape '\\'"
    ).fetchall():
        con.execute(f'drop schema "{schema}" cascade')
