"""What publishing costs: the wall time a sync spends making the readers' file, at N recordings.

A demo sync of the sandbox makes a real working database (dlt's tables, state, the
models); its Mouseflow recordings are then multiplied in SQL to N rows spread over days and
14-day loads, as a long backfill leaves them. Then, as an hourly cron run would:

1. a full publish (what the first run, and a compaction, costs);
2. an hourly incremental sync's worth of change: the lookback's 3 days and the new day of
   one website deleted and loaded again under a new load id (dlt's merge), models rebuilt;
3. the publish after it (only what changed), which is the cost every hourly run pays.

    uv run python -m benchmarks.publish [--rows 1000000 5000000]
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

from pipelines import models
from pipelines.cli.demo import run_demo
from pipelines.store.publish import publish
from pipelines.store.warehouse import Warehouse


def grow(warehouse: Warehouse, rows: int) -> str:
    """Mouseflow recordings multiplied to `rows`; returns the biggest website."""
    with warehouse.connect_work() as con:
        site, _ = con.execute(
            "select website_id, count(*) from mouseflow.recordings group by 1 order by 2 desc"
        ).fetchall()[0]
        total = con.execute("select count(*) from mouseflow.recordings").fetchall()[0][0]
        copies = max(1, rows // total)
        days = con.execute("select count(distinct day) from mouseflow.recordings").fetchall()
        span = days[0][0]
        # copy k moves the days back by (k mod 26) spans: about a year of history, each
        # 14-day stretch with the load id of the backfill chunk that would have loaded it
        con.execute(
            f"""
            insert into mouseflow.recordings
            select r.* replace (
                id || '-' || k as id,
                day - ((k % 26) * {span})::integer as day,
                created - to_days(((k % 26) * {span})::integer) as created,
                '1600000000.' || lpad(((k % 26) * {span} // 14)::varchar, 6, '0')
                    as _dlt_load_id
            )
            from mouseflow.recordings as r, range(1, {copies}) as copy(k)
            """
        )
        con.execute(
            "insert into mouseflow._dlt_loads (load_id, schema_name, status, inserted_at) "
            "select distinct _dlt_load_id, 'mouseflow', 0, now() from mouseflow.recordings "
            "where _dlt_load_id like '1600000000.%'"
        )
    return site


def hourly_change(warehouse: Warehouse, site: str) -> int:
    """Four days of one website (its busiest: the dearest case) replaced under a new load id,
    as dlt merges an hourly run's lookback."""
    load_id = f"{time.time():.6f}"
    with warehouse.connect_work() as con:
        con.execute(
            "create temp table days as select day from mouseflow.recordings "
            "where website_id = ? group by day order by count(*) desc limit 4",
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
            "insert into mouseflow._dlt_loads (load_id, schema_name, status, inserted_at) "
            "values (?, 'mouseflow', 0, now())",
            [load_id],
        )
        return con.execute("select count(*) from refetched").fetchall()[0][0]


def measure(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        warehouse = Warehouse.at(Path(tmp) / "warehouse.duckdb")
        run_demo(warehouse)
        site = grow(warehouse, rows)
        with warehouse.connect_work() as con:
            total = con.execute("select count(*) from mouseflow.recordings").fetchall()[0][0]
        began = time.perf_counter()
        models.build(warehouse)
        built = time.perf_counter() - began
        first = publish(warehouse, full=True)
        changed = hourly_change(warehouse, site)
        began = time.perf_counter()
        models.build(warehouse)
        rebuilt = time.perf_counter() - began
        hourly = publish(warehouse)
        size = warehouse.path.stat().st_size / 1e6
        print(
            f"{total:>10,} recordings ({size:,.0f} MB file): full publish {first.seconds:.2f}s; "
            f"hourly run ({changed:,} recordings re-fetched): models {rebuilt:.2f}s, "
            f"publish {hourly.seconds:.2f}s ({hourly.mode}, {hourly.rows_written:,} rows "
            f"written); first model build {built:.2f}s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    logging.disable(logging.INFO)
    here = os.getcwd()
    for rows in args.rows:
        measure(rows)
        os.chdir(here)


if __name__ == "__main__":
    main()
