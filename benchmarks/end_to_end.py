"""End to end against the sandbox over sockets with 100 ms latency: wall time against the
latency and rate-limit bounds, calls made against the minimum, and a rerun's calls.

The sandbox runs in a process of its own, so its work does not compete with pageflow's
for the interpreter.

    uv run python -m benchmarks.end_to_end [--days 14] [--latency 0.1] [--workers 8]
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import tempfile
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

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


class RemoteSandbox:
    """The sandbox in a child process, driven over a pipe: env, call log, clear, stop."""

    def __init__(self, latency: float) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.proc = multiprocessing.Process(target=_serve, args=(child, latency), daemon=True)
        self.proc.start()
        self.env: dict[str, str] = self.conn.recv()

    def ask(self, command: object) -> Any:
        self.conn.send(command)
        return self.conn.recv()

    def stop(self) -> None:
        self.ask("stop")
        self.proc.join(timeout=10)


def _serve(conn: Connection, latency: float) -> None:
    with Sandbox(latency=latency, pagesense_rate_limit=RATE) as sandbox:
        conn.send(sandbox.env())
        while True:
            command = conn.recv()
            if command == "stop":
                conn.send(None)
                return
            if command == "clear":
                sandbox.requests.clear()
                conn.send(None)
            elif command == "calls":
                conn.send(
                    {
                        v: [e.day for e in sandbox.requests.entries(v)]
                        for v in ("mouseflow", "pagesense")
                    }
                )
            else:  # ("minimum", days per vendor)
                conn.send(minimum_calls(sandbox, command[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    sandbox = RemoteSandbox(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(sandbox, Path(tmp), args)
    finally:
        sandbox.stop()


def run(sandbox: RemoteSandbox, folder: Path, args: argparse.Namespace) -> None:
    os.environ.update(sandbox.env)
    last = yesterday("Europe/Berlin")
    start = last - timedelta(days=args.days - 1)
    for vendor in ("MOUSEFLOW", "PAGESENSE"):
        os.environ[f"SOURCES__{vendor}__START_DATE"] = start.isoformat()
        os.environ[f"SOURCES__{vendor}__WORKERS"] = str(args.workers)
    warehouse = Warehouse.at(folder / "w.duckdb")
    began = time.perf_counter()
    result = sync(warehouse, build_models=False)
    assert result.error is None, result.error
    per_vendor = {v.vendor: v.seconds for v in result.vendors}
    blocked = {v.vendor: v.rate_limited_seconds for v in result.vendors}
    wall = time.perf_counter() - began
    calls = {vendor: len(days) for vendor, days in sandbox.ask("calls").items()}
    windows = {
        "mouseflow": days_between(start, last),
        "pagesense": days_between(start, yesterday("America/New_York")),
    }
    least = sandbox.ask(("minimum", windows))
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
        if blocked[vendor]:
            # PageSense's budget is a fixed window: a minute's calls may go at once, then
            # wait for the reset. What is not waiting is pageflow's own time.
            working = per_vendor[vendor] - blocked[vendor]
            print(
                f"  {'':9}  of which {blocked[vendor]:.1f}s waiting for the rate-limit window; "
                f"the other {working:.1f}s: {working / latency_bound:.2f}x the latency bound"
            )
        print(
            f"  {'':9}  {calls[vendor]} calls, minimum {least[vendor]}: "
            f"{calls[vendor] / least[vendor]:.3f}x"
        )
    print(f"  total      {wall:6.1f}s wall")
    sandbox.ask("clear")
    sync(warehouse, build_models=False)
    for vendor, days in sandbox.ask("calls").items():
        asked = sorted(day for day in days if day)
        print(
            f"  rerun {vendor:9}: {len(days)} calls, {len(asked)} windowed, "
            f"for days {asked[0]}..{asked[-1]} (the 3-day lookback)"
        )


if __name__ == "__main__":
    main()
