"""An hourly sync on the file and on the lake, at two history sizes: wall time and disk.

For each kind of warehouse and each size: a 14-day sync of the sandbox (the lake's catalog
is a throwaway PostgreSQL, its data a local directory), Mouseflow's recordings multiplied
in SQL to N rows over about a year of days and backfill loads (`benchmarks.publish.grow`),
the models built in full, then one real incremental sync against the same sandbox, as cron
runs it every hour (the lookback's days of every website fetched again, merged, the models
of the changed days rebuilt, then the file published or the lake's upkeep). Printed: that
sync's wall time split into its steps, and the disk the warehouse takes (the file and its
folder; the lake's data directory and catalog database).

    uv run python -m benchmarks.lake [--rows 2000000 20000000]
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.publish import grow
from pipelines import models
from pipelines.cli.demo import environment
from pipelines.run.sync import sync
from pipelines.store import publish as publish_module
from pipelines.store import upkeep
from pipelines.store.lake import Lake
from pipelines.store.warehouse import Warehouse
from sources.sandbox import Sandbox
from sources.sandbox.postgres import ThrowawayPostgres
from sources.shared.windows import local_today

if TYPE_CHECKING:
    from pipelines.store.choose import AnyWarehouse


def folder_bytes(*paths: Path) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


@contextmanager
def timed_steps() -> Iterator[dict[str, float]]:
    """Wall time of the model build and of publishing/upkeep inside one sync."""
    steps = {"models": 0.0, "publish": 0.0}
    build, publish_safely = models.build, publish_module.publish_safely

    def timed_build(*args, **kwargs):
        began = time.perf_counter()
        try:
            return build(*args, **kwargs)
        finally:
            steps["models"] += time.perf_counter() - began

    def timed_publish(*args, **kwargs):
        began = time.perf_counter()
        try:
            return publish_safely(*args, **kwargs)
        finally:
            steps["publish"] += time.perf_counter() - began

    import pipelines.run.sync as run_sync

    models.build, run_sync.publish_safely = timed_build, timed_publish
    try:
        yield steps
    finally:
        models.build, run_sync.publish_safely = build, publish_safely


def measure(kind: str, rows: int, tmp: Path) -> str:
    with Sandbox() as sandbox, ThrowawayPostgres(tmp / "catalog") as server:
        start = local_today(sandbox.mouseflow_timezone) - timedelta(days=14)
        env = {
            **sandbox.env(),
            "SOURCES__MOUSEFLOW__START_DATE": start.isoformat(),
            "SOURCES__PAGESENSE__START_DATE": start.isoformat(),
            "WAREHOUSE__DATA_PATH": str(tmp / "data"),
            "WAREHOUSE__WORK_DIR": str(tmp / "work"),
        }
        with environment(env):
            warehouse: AnyWarehouse
            if kind == "lake":
                server.create_database("lake")
                warehouse = Lake.at("ducklake:postgres:" + server.conninfo("lake"))
            else:
                warehouse = Warehouse.at(tmp / "warehouse.duckdb")
            assert sync(warehouse).error is None
            grow(warehouse, rows)
            models.build(warehouse, full_refresh=True)  # the grown history modelled, as cron has it
            if kind == "lake":
                upkeep.maintain(warehouse)  # the grown history as merged files, as upkeep keeps it
            else:
                publish_module.publish(warehouse, full=True)
            with warehouse.connect_work() as con:
                total = con.execute("select count(*) from mouseflow.recordings").fetchall()[0][0]
            with timed_steps() as steps:
                began = time.perf_counter()
                outcome = sync(warehouse)
                wall = time.perf_counter() - began
            assert outcome.error is None, outcome.error
            if kind == "lake":
                with server.superuser("lake") as con:
                    catalog = con.execute("select pg_database_size('lake')").fetchone()[0]
                disk = folder_bytes(tmp / "data") + catalog
            else:
                disk = folder_bytes(warehouse.path, warehouse.folder)
    load = wall - steps["models"] - steps["publish"]
    last = "upkeep" if kind == "lake" else "publish"
    return (
        f"{kind:4} {total:>11,} recordings: hourly sync {wall:6.2f}s (fetch+load {load:5.2f}s, "
        f"models {steps['models']:5.2f}s, {last} {steps['publish']:5.2f}s), "
        f"disk {disk / 1e6:8.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000_000, 20_000_000])
    parser.add_argument("--kinds", nargs="+", default=["file", "lake"])
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    logging.disable(logging.INFO)
    here = os.getcwd()
    lines = []
    for rows in args.rows:
        for kind in args.kinds:
            with tempfile.TemporaryDirectory(prefix="pageflow-bench-") as tmp:
                os.chdir(tmp)
                lines.append(measure(kind, rows, Path(tmp)))
                print(lines[-1], flush=True)
                os.chdir(here)


if __name__ == "__main__":
    main()
