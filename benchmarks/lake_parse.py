"""The first model build of several lakes in one process: wall time and CPU of each.

Each lake (its own catalog database on one throwaway PostgreSQL, its data in a local
directory) gets a one-day Mouseflow sync without models, then `models.build`. The first
build pays dbt's import and parse; a later lake reuses the parse when its profile is the
same text as the first's (`pipelines/models/dbt.py`), else it parses afresh.

    uv run python -m benchmarks.lake_parse [--lakes 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from pipelines import models
from pipelines.cli import main
from pipelines.store.lake import Lake
from sources.sandbox import Sandbox, World
from sources.sandbox.postgres import ThrowawayPostgres

PASSWORD = "benchmark-catalog-password"


def run(lakes: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="pageflow-lake-parse-"))
    base.chmod(0o755)  # the server runs as another user when this runs as root
    os.chdir(base)
    os.environ.update(RUNTIME__DLTHUB_TELEMETRY="false", DLT_DATA_DIR=str(base / "dlt"))
    with ThrowawayPostgres(base / "pg", password=PASSWORD) as server, Sandbox(World()) as sb:
        os.environ.update(sb.env(), WAREHOUSE__CATALOG_PASSWORD=PASSWORD)
        for key in ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"):
            os.environ.pop(f"SOURCES__PAGESENSE__{key}", None)
        for number in range(lakes):
            name = f"lake{number}"
            server.create_database(name)
            os.environ["WAREHOUSE__DATA_PATH"] = f"{base / name}/"
            os.environ["WAREHOUSE__WORK_DIR"] = str(base / f"{name}-work")
            spec = "ducklake:postgres:" + server.conninfo(name)
            day = ["--start", "2026-11-01", "--end", "2026-11-01"]
            assert main(["sync", "--no-models", "--warehouse", spec, *day]) == 0
            wall, cpu = time.perf_counter(), time.process_time()
            models.build(Lake.at(spec))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"lake {number}: first build {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lakes", type=int, default=3)
    run(parser.parse_args().lakes)
