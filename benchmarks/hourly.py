"""What an hourly run's models and publish cost at N recordings (the cost goals of #22).

For each N: a demo sync of the sandbox makes a real working database, its Mouseflow
recordings are multiplied in SQL to N rows over about a year (`benchmarks.publish.grow`),
the models are built in full and the file published. Then an hourly run's change is made
as dlt leaves it: four days of the busiest website deleted and loaded again under a new
load id, their `sync_windows` rows recording that load. A fresh process (so dbt's start,
its import and its parse, is paid as a cron run pays it) then builds the models, which
rebuild only those days, and publishes; it reports its wall times and its peak memory.

    uv run python -m benchmarks.hourly --rows 2000000 20000000

The last line of each size: `hourly: models X s, publish Y s, peak Z MB at N recordings`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.publish import grow
from pipelines import models
from pipelines.cli.demo import run_demo
from pipelines.store.publish import publish
from pipelines.store.warehouse import Warehouse


def hourly_change(warehouse: Warehouse, site: str) -> int:
    """Four days of `site` re-fetched under a new load, as an hourly run's lookback: raw
    rows replaced (dlt's merge) and the windows' audit rows naming the new load."""
    load_id = f"{time.time():.6f}"
    with warehouse.connect_work() as con:
        con.execute(
            "create temp table days as select day from mouseflow.sync_windows "
            "where website_id = ? and resource = 'recordings' order by day desc limit 4",
            [site],
        )
        con.execute(
            "create temp table refetched as select * from mouseflow.recordings "
            "where website_id = ? and day in (select day from days)",
            [site],
        )
        con.execute(
            "delete from mouseflow.recordings "
            "where website_id = ? and day in (select day from days)",
            [site],
        )
        con.execute(
            "insert into mouseflow.recordings select * replace (? as _dlt_load_id) from refetched",
            [load_id],
        )
        con.execute(
            "update mouseflow.sync_windows set _dlt_load_id = ?, synced_at = now() "
            "where website_id = ? and day in (select day from days)",
            [load_id, site],
        )
        con.execute(
            "insert into mouseflow._dlt_loads (load_id, schema_name, status, inserted_at) "
            "values (?, 'mouseflow', 0, now())",
            [load_id],
        )
        return con.execute("select count(*) from refetched").fetchall()[0][0]


def own_peak_mb() -> float:
    """This process's peak resident memory since it started (VmHWM). Not `ru_maxrss`: on
    Linux that survives exec, so a child started by a big parent reports the parent's peak
    (it said 2.5 GB here for an hourly run that peaked under 0.8 GB)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_hourly(path: str) -> None:
    """In a fresh process: the hourly run's model build and publish, and the peak."""
    logging.disable(logging.INFO)
    warehouse = Warehouse.at(path)
    began = time.perf_counter()
    built = models.build(warehouse)
    modelled = time.perf_counter() - began
    published = publish(warehouse)
    peak = own_peak_mb()
    print(
        json.dumps(
            {
                "models": modelled,
                "publish": published.seconds,
                "peak": peak,
                "scope": built.plan.describe(),
                "full": built.plan.full,
            }
        )
    )


def cron_environment() -> dict[str, str]:
    """The environment of a cron run on a host where Python keeps its bytecode cache (its
    default): without it every start compiles dbt's and dlt's ~2,000 modules again (about
    3 s here, where PYTHONDONTWRITEBYTECODE is set). The cache is written once, here."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-c", "import dbt.cli.main, pipelines.models, pipelines.store.publish"],
        env=env,
        check=True,
    )
    return env


def measure(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        warehouse = Warehouse.at(Path(tmp) / "warehouse.duckdb")
        run_demo(warehouse)
        site = grow(warehouse, rows)
        with warehouse.connect_work() as con:
            total = con.execute("select count(*) from mouseflow.recordings").fetchall()[0][0]
        began = time.perf_counter()
        models.build(warehouse, full_refresh=True)
        full = time.perf_counter() - began
        publish(warehouse, full=True)
        changed = hourly_change(warehouse, site)
        env = cron_environment()
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.hourly", "--measure", str(warehouse.path)],
            capture_output=True,
            text=True,
            env=env,
        )
        if done.returncode:
            raise SystemExit(f"the hourly run failed: {done.stderr.strip().splitlines()[-3:]}")
        found = json.loads(done.stdout.strip().splitlines()[-1])
        assert not found["full"], "the hourly build rebuilt everything"
        size = warehouse.path.stat().st_size / 1e6
        print(
            f"{total:,} recordings ({size:,.0f} MB file): full model build {full:.1f} s; "
            f"hourly run ({changed:,} recordings re-fetched, {found['scope']})"
        )
        print(
            f"hourly: models {found['models']:.1f} s, publish {found['publish']:.1f} s, "
            f"peak {found['peak']:,.0f} MB at {total:,} recordings",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000_000, 20_000_000])
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    if args.measure:
        measure_hourly(args.measure)
        return
    logging.disable(logging.INFO)
    here = os.getcwd()
    for rows in args.rows:
        measure(rows)
        os.chdir(here)


if __name__ == "__main__":
    main()
