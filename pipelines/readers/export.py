"""`pageflow export --format parquet DIR`: the marts as Parquet files, one per mart.

Read from the published warehouse (as any reader: it never waits for a sync). Each file is
written beside its final name under a hidden temporary name, flushed to disk and renamed
over the old file, so a notebook reading `DIR/daily_traffic.parquet` meanwhile sees the
previous export or this one, never half a file. Column descriptions travel as Parquet
key-value metadata (`comment:<column>`).
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.store.paths import parent_must_exist
from pipelines.store.publish import fsync
from pipelines.store.sql import literal, quoted_path
from pipelines.store.warehouse import Warehouse
from sources.shared.errors import ConfigurationError


def export_parquet(warehouse: Warehouse, directory: Path) -> list[Path]:
    """Write every `analytics` table to `directory/<table>.parquet`; the files written."""
    directory = directory.expanduser().resolve()
    if directory.exists() and not directory.is_dir():
        raise ConfigurationError(f"{directory} is a file: export needs a directory")
    parent_must_exist(directory)
    try:
        directory.mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create {directory}: {exc.strerror}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigurationError(f"{directory} is not writable")
    written = []
    with warehouse.connect() as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = "
                "current_database() and schema_name = 'analytics' order by table_name"
            ).fetchall()
        ]
        if not tables:
            raise ConfigurationError(
                f"{warehouse.name} has no marts yet: run `pageflow sync` (or `models`) first"
            )
        for table in tables:
            comments = con.execute(
                "select column_name, comment from duckdb_columns() where database_name = "
                "current_database() and schema_name = 'analytics' and table_name = ? "
                "and comment is not null",
                [table],
            ).fetchall()
            metadata = ", ".join(
                f"'comment:{column}': {literal(text)}" for column, text in comments
            )
            final = directory / f"{table}.parquet"
            temporary = directory / f".{table}.parquet.{os.getpid()}.tmp"
            try:
                con.execute(
                    f"copy (select * from analytics.{table}) to '{quoted_path(temporary)}' "
                    f"(format parquet, compression zstd"
                    + (f", kv_metadata {{{metadata}}}" if metadata else "")
                    + ")"
                )
                fsync(temporary)
                os.replace(temporary, final)
            finally:
                temporary.unlink(missing_ok=True)
            written.append(final)
    fsync(directory)
    return written
