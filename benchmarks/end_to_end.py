"""End to end against the sandbox over sockets with 100 ms latency: wall time against the
latency and rate-limit bounds, calls made against the minimum, and a rerun's calls.

The sandbox runs in a process of its own, so its work does not compete with pageflow's
for the interpreter.

    uv run python -m benchmarks.end_to_end [--days 14] [--latency 0.1] [--workers 8] [--alone-only]
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

from pipelines.run.sync import SyncResult, VendorResult, sync
from pipelines.store.warehouse import Warehouse
from sources.pagesense import settings as pagesense_settings
from sources.sandbox import Sandbox
from sources.sandbox.pagesense_polls import poll_defs
from sources.shared.windows import days_between, yesterday

RATE = (1000, 60.0)  # PageSense Enterprise: 1000 calls a minute


def minimum_calls(sandbox: Sandbox, days: dict[str, list]) -> dict[str, int]:
    """The fewest calls that can fetch these days: one per window and endpoint, pages of
    the largest size the API allows, definitions once."""
    mf, ps = sandbox.mouseflow_app, sandbox.pagesense_app
    need = {"mouseflow": 1, "pagesense": 1}  # the website lists
    for site in mf.sites():
        need["mouseflow"] += 1 + len(days["mouseflow"]) * (5 + len(site.forms))
    for site in ps.sites():
        need["pagesense"] += len(pagesense_settings.DEFINITIONS)  # each list once a run
        polls = poll_defs(site)
        for day in days["pagesense"]:
            recordings = len(ps.recording_list(site, day, day))
            reports = len(pagesense_settings.DEFAULT_REPORTS)
            need["pagesense"] += max(1, math.ceil(recordings / ps.max_limit)) + 1 + reports
            need["pagesense"] += len(site.funnels) + len(site.forms) + 2 + 1 + len(polls)
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
    parser.add_argument(
        "--alone-only",
        action="store_true",
        help="only Mouseflow alone (a long backfill without PageSense's minutes of waiting)",
    )
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
    windows = {
        "mouseflow": days_between(start, last),
        "pagesense": days_between(start, yesterday("America/New_York")),
    }
    least = sandbox.ask(("minimum", windows))
    print(
        f"backfill of {args.days} days, {args.latency * 1000:.0f} ms latency, "
        f"{args.workers} concurrent calls per vendor, PageSense {RATE[0]} calls/min"
    )
    print("one vendor alone:")
    result, wall, calls = backfill(sandbox, folder / "alone.duckdb", ["mouseflow"])
    report(result.vendors[0], calls["mouseflow"], least["mouseflow"], args)
    if args.alone_only:
        return

    # PageSense's budget is a fixed window aligned to the minute: start at the top of one,
    # so the figures do not depend on where in the minute the run began.
    time.sleep(RATE[1] - time.time() % RATE[1])
    print("both vendors side by side, from the top of a rate-limit minute:")
    warehouse = folder / "both.duckdb"
    result, wall, calls = backfill(sandbox, warehouse, None)
    for outcome in result.vendors:
        report(outcome, calls[outcome.vendor], least[outcome.vendor], args)
    latency_bound = sum(calls.values()) * args.latency / (args.workers * len(calls))
    rate_bound = calls["pagesense"] / (RATE[0] / RATE[1])
    print(
        f"  total      {wall:6.1f}s wall; latency bound {latency_bound:5.1f}s, rate-limit "
        f"bound {rate_bound:5.1f}s: {wall / max(latency_bound, rate_bound):.2f}x the larger "
        f"bound (the vendors' own walls add up to "
        f"{sum(v.seconds for v in result.vendors):.1f}s)"
    )
    backfill(sandbox, warehouse, None)  # a rerun with nothing new
    for vendor, days in sandbox.ask("calls").items():
        asked = sorted(day for day in days if day)
        print(
            f"  rerun {vendor:9}: {len(days)} calls, {len(asked)} windowed, "
            f"for days {asked[0]}..{asked[-1]} (the 3-day lookback)"
        )


def backfill(
    sandbox: RemoteSandbox, path: Path, vendors: list[str] | None
) -> tuple[SyncResult, float, dict[str, int]]:
    """A sync of `vendors` (default: both) into `path`: the result, wall time, calls made."""
    sandbox.ask("clear")
    began = time.perf_counter()
    result = sync(Warehouse.at(path), vendors, build_models=False)
    wall = time.perf_counter() - began
    assert result.error is None, result.error
    made = {vendor: len(days) for vendor, days in sandbox.ask("calls").items() if days}
    return result, wall, made


def report(outcome: VendorResult, calls: int, least: int, args: argparse.Namespace) -> None:
    """One vendor's wall time against its bounds, and its calls against the minimum."""
    vendor = outcome.vendor
    latency_bound = calls * args.latency / args.workers
    rate_bound = calls / (RATE[0] / RATE[1]) if vendor == "pagesense" else 0.0
    bound = max(latency_bound, rate_bound)
    print(
        f"  {vendor:9}  {outcome.seconds:6.1f}s wall; latency bound "
        f"{latency_bound:5.1f}s, rate-limit bound {rate_bound:5.1f}s: "
        f"{outcome.seconds / bound:.2f}x the larger bound"
    )
    if outcome.rate_limited_seconds:
        # a minute's calls may go at once, then wait for the reset; what is not waiting
        # is pageflow's own time
        working = outcome.seconds - outcome.rate_limited_seconds
        print(
            f"  {'':9}  of which {outcome.rate_limited_seconds:.1f}s waiting for the "
            f"rate-limit window; the other {working:.1f}s: "
            f"{working / latency_bound:.2f}x the latency bound"
        )
    print(f"  {'':9}  {calls} calls, minimum {least}: {calls / least:.3f}x")


if __name__ == "__main__":
    main()
