"""End to end against the sandbox over sockets with 100 ms latency: wall time against the
latency and rate-limit bounds, calls made against the minimum, and a rerun's calls.

    uv run python -m benchmarks.end_to_end [--days 14] [--latency 0.1] [--workers 8]
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from pipelines.sync import sync
from pipelines.warehouse import Warehouse
from sources._windows import days_between, yesterday
from sources.sandbox import Sandbox

RATE = (1000, 60.0)  # PageSense Enterprise: 1000 calls a minute


def minimum_calls(sandbox: Sandbox, days: dict[str, list]) -> dict[str, int]:
    """The fewest calls that can fetch these days: one per window and endpoint, pages of
    the largest size the API allows, definitions once."""
    mf, ps = sandbox.mouseflow_app, sandbox.pagesense_app
    need = {"mouseflow": 1, "pagesense": 1}  # the website lists
    for site in mf.sites():
        need["mouseflow"] += 1 + len(days["mouseflow"]) * (5 + len(site.forms))
    for site in ps.sites():
        need["pagesense"] += 4  # funnel, form, goal and test definitions
        for day in days["pagesense"]:
            recordings = len(ps.recording_list(site, day, day))
            need["pagesense"] += max(1, math.ceil(recordings / ps.max_limit)) + 1 + 4
            need["pagesense"] += len(site.funnels) + len(site.forms) + 2 + 1
    return need


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    with (
        Sandbox(latency=args.latency, pagesense_rate_limit=RATE) as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        os.environ.update(sandbox.env())
        last = yesterday("Europe/Berlin")
        start = last - timedelta(days=args.days - 1)
        for vendor in ("MOUSEFLOW", "PAGESENSE"):
            os.environ[f"SOURCES__{vendor}__START_DATE"] = start.isoformat()
            os.environ[f"SOURCES__{vendor}__WORKERS"] = str(args.workers)
        warehouse = Warehouse.at(Path(tmp) / "w.duckdb")
        began = time.perf_counter()
        result = sync(warehouse, build_models=False)
        assert result.error is None, result.error
        per_vendor = {v.vendor: v.seconds for v in result.vendors}
        wall = time.perf_counter() - began
        calls = {v: len(sandbox.requests.entries(v)) for v in ("mouseflow", "pagesense")}
        windows = {
            "mouseflow": days_between(start, last),
            "pagesense": days_between(start, yesterday("America/New_York")),
        }
        least = minimum_calls(sandbox, windows)
        print(
            f"backfill of {args.days} days, {args.latency * 1000:.0f} ms latency, "
            f"{args.workers} concurrent calls per vendor, PageSense {RATE[0]} calls/min"
        )
        for vendor in ("mouseflow", "pagesense"):
            latency_bound = calls[vendor] * args.latency / args.workers
            rate_bound = calls[vendor] / (RATE[0] / RATE[1]) if vendor == "pagesense" else 0.0
            bound = max(latency_bound, rate_bound)
            print(
                f"  {vendor:9}  {per_vendor[vendor]:6.1f}s wall; latency bound "
                f"{latency_bound:5.1f}s, rate-limit bound {rate_bound:5.1f}s: "
                f"{per_vendor[vendor] / bound:.2f}x the larger bound"
            )
            print(
                f"  {'':9}  {calls[vendor]} calls, minimum {least[vendor]}: "
                f"{calls[vendor] / least[vendor]:.3f}x"
            )
        print(f"  total      {wall:6.1f}s wall")
        sandbox.requests.clear()
        sync(warehouse, build_models=False)
        for vendor in ("mouseflow", "pagesense"):
            windowed = [e for e in sandbox.requests.entries(vendor) if e.day]
            days_asked = sorted({e.day for e in windowed})
            print(
                f"  rerun {vendor:9}: {len(sandbox.requests.entries(vendor))} calls, "
                f"{len(windowed)} windowed, for days {days_asked[0]}..{days_asked[-1]} "
                f"(the 3-day lookback)"
            )


if __name__ == "__main__":
    main()
