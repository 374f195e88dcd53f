"""The marts as plain PostgreSQL tables, for BI tools that speak only PostgreSQL.

`WAREHOUSE__POSTGRES_MARTS = "postgresql://user@host:5432/db"` (a secret when it holds a
password): after each run on a lake, every `analytics.*` mart is written, with its table
and column comments, into a fresh schema that then takes the name `analytics`, all in one
PostgreSQL transaction. A dashboard sees the previous run's marts or this run's, never a
mix, and a dashboard's open transaction never holds the run up: the old schema is renamed
aside (a catalog-only change that waits for no reader) and dropped when no reader uses it
any more, at the latest on a later run.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import duckdb

from pipelines.store.lake import Lake
from pipelines.store.lake_lock import CatalogUnreachable
from pipelines.store.sql import literal
from sources.shared.errors import ConfigurationError, first_line

log = logging.getLogger("pageflow.lake")

SCHEMA = "analytics"
NEXT = "analytics__next"
OLD_PREFIX = "analytics__old_"
LOCK_TIMEOUT = "2s"  # a drop that would wait for a reader longer is left for a later run
# DuckDB types to PostgreSQL's; anything else travels as text
TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "HUGEINT": "numeric",
    "UBIGINT": "numeric",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP_NS": "timestamp",
}


def pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    return TYPES.get(duckdb_type, "text")


def write_marts(lake: Lake) -> int:
    """Copy every mart into PostgreSQL in one transaction; the number of rows written."""
    import psycopg

    url = lake.settings.postgres_marts
    if not url:
        return 0
    began = time.perf_counter()
    with lake.connect() as con:
        marts = _marts(con)
        try:
            target = psycopg.connect(url, connect_timeout=10, application_name="pageflow marts")
        except psycopg.Error as exc:
            raise _error(lake, exc) from None
        rows = 0
        try:
            with target.transaction():
                target.execute(f"drop schema if exists {NEXT} cascade")
                target.execute(f"create schema {NEXT}")
                for name, (comment, columns) in marts.items():
                    rows += _copy(con, target, name, comment, columns)
                stamp = time.strftime("%Y%m%d%H%M%S")
                exists = target.execute(
                    "select 1 from pg_namespace where nspname = %s", (SCHEMA,)
                ).fetchone()
                if exists:
                    target.execute(f'alter schema {SCHEMA} rename to "{OLD_PREFIX}{stamp}"')
                target.execute(f"alter schema {NEXT} rename to {SCHEMA}")
            _drop_old(target)
        except psycopg.Error as exc:
            raise _error(lake, exc) from None
        finally:
            target.close()
    log.info(
        "postgres marts: %d marts, %d rows written, %.2fs",
        len(marts),
        rows,
        time.perf_counter() - began,
    )
    return rows


def _marts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, list[tuple]]]:
    tables = con.execute(
        "select table_name, comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? order by table_name",
        [SCHEMA],
    ).fetchall()
    out: dict[str, tuple[str | None, list[tuple]]] = {}
    for name, comment in tables:
        columns = con.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where database_name = current_database() and schema_name = ? and table_name = ? "
            "order by column_index",
            [SCHEMA, name],
        ).fetchall()
        out[name] = (comment, columns)
    return out


def _copy(
    con: duckdb.DuckDBPyConnection, target: Any, name: str, comment: str | None, columns: list
) -> int:
    ddl = ", ".join(f'"{c}" {pg_type(t)}' for c, t, _ in columns)
    target.execute(f'create table {NEXT}."{name}" ({ddl})')
    if comment:
        target.execute(f'comment on table {NEXT}."{name}" is {literal(comment)}')
    for column, _, text in columns:
        if text:
            target.execute(f'comment on column {NEXT}."{name}"."{column}" is {literal(text)}')
    select = ", ".join(
        f'"{c}"' if pg_type(t) != "text" or t == "VARCHAR" else f'cast("{c}" as varchar)'
        for c, t, _ in columns
    )
    result = con.execute(f'select {select} from {SCHEMA}."{name}"')
    names = ", ".join(f'"{c}"' for c, _, _ in columns)
    written = 0
    with target.cursor().copy(f'copy {NEXT}."{name}" ({names}) from stdin') as copy:
        while batch := result.fetchmany(10_000):
            for row in batch:
                copy.write_row(row)
            written += len(batch)
    return written


def _drop_old(target: Any) -> None:
    """Drop the schemas earlier runs renamed aside, each unless a reader still uses it."""
    import psycopg

    old = target.execute(
        "select nspname from pg_namespace where nspname like %s", (OLD_PREFIX + "%",)
    ).fetchall()
    for (name,) in old:
        try:
            with target.transaction():
                target.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
                target.execute(f'drop schema "{name}" cascade')
        except psycopg.errors.LockNotAvailable:
            log.info("postgres marts: %s is still read; a later run drops it", name)


def _error(lake: Lake, exc: BaseException) -> Exception:
    import psycopg

    text = lake.settings.scrub(first_line(exc))
    if isinstance(exc, psycopg.OperationalError) and not any(
        word in text.lower() for word in ("authentication", "does not exist", "permission")
    ):
        return CatalogUnreachable(f"WAREHOUSE__POSTGRES_MARTS: the server is out of reach: {text}")
    return ConfigurationError(f"WAREHOUSE__POSTGRES_MARTS: writing the marts failed: {text}")
