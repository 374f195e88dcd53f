"""The lake's upkeep after every run (and `pageflow maintain`): small files merged, old
snapshots expired, files no snapshot needs any more deleted.

Each dlt load and each model build writes small Parquet files and a few snapshots; left
alone, an hourly sync would grow the file count and the disk without end. Snapshots
younger than `WAREHOUSE__SNAPSHOT_RETENTION_DAYS` (default 7) stay for time travel
(`AT (TIMESTAMP => ...)`), so disk levels off at about that many days of changes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import duckdb

from pipelines.store.lake import Lake
from pipelines.store.lake_settings import ALIAS
from pipelines.store.sql import drop_staging_copies, literal
from sources.shared.errors import PageflowError

log = logging.getLogger("pageflow.lake")


@dataclass
class Upkept:
    files_before: int
    files_after: int
    snapshots_expired: int
    files_deleted: int
    seconds: float


def maintain(lake: Lake) -> Upkept:
    """Merge small files, expire old snapshots, delete unreferenced files; one line logged."""
    began = time.perf_counter()
    retention = lake.settings.retention_days
    with lake.connect_work() as con:
        try:
            before = _data_files(con)
            con.execute(f"call ducklake_merge_adjacent_files({literal(ALIAS)})")
            expired = con.execute(
                f"call ducklake_expire_snapshots({literal(ALIAS)}, "
                f"older_than => now() - to_microseconds(cast({retention * 86_400e6} as bigint)))"
            ).fetchall()
            deleted = con.execute(
                f"call ducklake_cleanup_old_files({literal(ALIAS)}, "
                f"older_than => now() - to_microseconds(cast({retention * 86_400e6} as bigint)))"
            ).fetchall()
            after = _data_files(con)
        except duckdb.Error as exc:
            raise lake.error(exc) from None
    done = Upkept(before, after, len(expired), len(deleted), time.perf_counter() - began)
    log.info(
        "lake upkeep: %d data files -> %d, %d snapshots expired, %d files deleted, %.2fs",
        done.files_before,
        done.files_after,
        done.snapshots_expired,
        done.files_deleted,
        done.seconds,
    )
    return done


def finish_lake(lake: Lake) -> PageflowError | None:
    """After a run on the lake: dlt's staging copies dropped, the upkeep, and the marts
    written to PostgreSQL when `WAREHOUSE__POSTGRES_MARTS` asks. A failure is reported,
    never undoes what the run committed: the next run tries again."""
    try:
        with lake.connect_work() as con:
            drop_staging_copies(con)
        maintain(lake)
        if lake.settings.postgres_marts:
            from pipelines.store.postgres_marts import write_marts

            write_marts(lake)
    except PageflowError as exc:
        exc.args = (f"{exc}; everything synced is kept and the next run tries again",)
        log.error("lake upkeep: %s", exc)
        return exc
    return None


def _data_files(con: duckdb.DuckDBPyConnection) -> int:
    """Data files the current snapshot reads, from the catalog's own table."""
    return con.execute(
        f'select count(*) from "__ducklake_metadata_{ALIAS}".ducklake_data_file '
        "where end_snapshot is null"
    ).fetchall()[0][0]
