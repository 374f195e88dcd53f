"""Peak memory while loading N recordings through the real Mouseflow source into DuckDB.

Pages are served from one recorded ~5,000-row page whose ids and dates are rewritten per
window (each day's recordings start on that day, as the product requires), so the
benchmark itself holds one page, not the backfill. Windows are committed in chunks, as the
run loop does; memory must stay flat however many recordings go through. The figures
count only a complete run: every generated recording loaded, no window failed, or the
benchmark exits 1 saying what is missing.

    uv run python benchmarks/memory.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from benchmarks.load_path import SITE, complete, pipeline, recorded_pages
from pipelines.run.plan import chunk_windows
from pipelines.store.runtime import prepare_dlt_environment
from pipelines.store.warehouse import size_load
from sources.mouseflow import MouseflowClient, mouseflow_source
from sources.shared.resources import Chunk, Failures
from sources.shared.settings import SyncTuning
from sources.shared.windows import Window


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    prepare_dlt_environment()
    pages, windows = recorded_pages(5000)
    template = next(iter(pages.values()))
    per_page = template.count(b'"id":"')
    count = max(1, args.rows // per_page)
    days = [windows[0].day.fromordinal(windows[0].day.toordinal() + n) for n in range(count)]

    first, second = days[0].isoformat().encode(), (days[0] + timedelta(days=1)).isoformat()

    def handler(request: httpx.Request) -> httpx.Response:
        day = date.fromisoformat(request.url.params["fromdate"])
        n = days.index(day)
        # the template's day (and the next, where a session ended after midnight) moved to
        # this window's: every recording starts on the day it is served for
        body = template.replace(b'"id":"', b'"id":"%05d' % n).replace(second.encode(), b"\0")
        body = body.replace(first + b"T", day.isoformat().encode() + b"T")
        body = body.replace(b"\0", (day + timedelta(days=1)).isoformat().encode())
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    client = MouseflowClient(
        "http://recorded",
        "b",
        "b",
        page_size=10**6,
        transport=httpx.MockTransport(handler),
    )
    all_windows = [Window(SITE, "recordings", day) for day in days]
    chunks = chunk_windows(all_windows, SyncTuning.chunk_days)
    marks = {max(1, round(len(chunks) * q / 4)) for q in (1, 2, 3, 4)}
    failures = Failures()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        target = pipeline(Path(tmp), "memory")
        for number, chunk in enumerate(chunks, start=1):
            size_load(target, Path(tmp) / "memory.duckdb")  # as a sync does, chunk by chunk
            target.run(
                mouseflow_source(
                    client, Chunk(chunk, failures=failures), timezone_name="UTC", workers=2
                ),
                loader_file_format="parquet",
            )
            if number in marks:  # the peak so far: flat if memory does not grow with length
                done = sum(len(c) for c in chunks[:number]) * per_page
                print(f"  after {done:>9,} recordings: peak memory {peak_mb():,.0f} MB")
        seconds = time.perf_counter() - began
        rows = count * per_page
        complete(Path(tmp) / "memory.duckdb", rows, failures)
    print(
        f"loaded {rows:,} recordings in {seconds:.1f}s ({rows / seconds:,.0f} rows/s), "
        f"peak memory {peak_mb():,.0f} MB"
    )


if __name__ == "__main__":
    main()
