"""Recording load throughput: pageflow's Mouseflow source vs dlt's default path, same rows.

Pages are recorded from the sandbox once, then served from memory (httpx.MockTransport),
so the figures measure pageflow and dlt, not the network.

    uv run python benchmarks/load_path.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import dlt
import duckdb
import httpx
import orjson

from pipelines.store.runtime import prepare_dlt_environment
from pipelines.store.warehouse import load_destination
from sources.mouseflow import MouseflowClient, mouseflow_source
from sources.sandbox.mouseflow_api import MouseflowApp
from sources.sandbox.world import World, default_sites
from sources.shared.resources import Chunk, Failures
from sources.shared.windows import Window

PER_DAY = 5000
SITE = "8fc2ace2-75bc-8ba4-b424-c8916670b990"


def recorded_pages(rows: int) -> tuple[dict[str, bytes], list[Window]]:
    """One Mouseflow recordings answer per day, PER_DAY recordings each, as raw JSON."""
    sites = tuple(s for s in default_sites() if s.mouseflow_id == SITE)
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(max(1, rows // PER_DAY))]
    # a busy UTC day per local day: the world generates PER_DAY sessions for each
    busy = {d: PER_DAY for d in [*days, days[-1] + timedelta(days=1)]}
    world = World(sites=tuple(dataclasses.replace(s, busy_days=busy) for s in sites))
    app = MouseflowApp(world, "UTC", "bench", "bench", max_limit=10**6)
    pages = {}
    for day in days:
        answer = app.recording_list(world.sites[0], day, day + timedelta(days=1))
        pages[day.isoformat()] = orjson.dumps(answer)
    return pages, [Window(SITE, "recordings", day) for day in days]


def transport(pages: dict[str, bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        body = pages[request.url.params["fromdate"]]
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler)


def pipeline(folder: Path, name: str) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=load_destination(folder / f"{name}.duckdb"),
        dataset_name="mouseflow",
        pipelines_dir=str(folder / "dlt"),
    )


def pageflow_path(
    folder: Path, pages: dict[str, bytes], windows: list[Window], expected: int
) -> float:
    client = MouseflowClient(
        "http://recorded",
        "b",
        "b",
        page_size=10**6,
        transport=transport(pages),
    )
    failures = Failures()
    chunk = Chunk(windows, failures=failures)
    source = mouseflow_source(client, chunk, timezone_name="UTC", workers=2)
    began = time.perf_counter()
    pipeline(folder, "pageflow").run(source, loader_file_format="parquet")
    seconds = time.perf_counter() - began
    complete(folder / "pageflow.duckdb", expected, failures)
    return seconds


def complete(path: Path, expected: int, failures: Failures) -> None:
    """Figures come only from a complete run: every generated row loaded, no window failed
    (or the benchmark exits 1 saying what is missing)."""
    with duckdb.connect(str(path), read_only=True) as con:
        loaded = con.execute("select count(*) from mouseflow.recordings").fetchall()[0][0]
    if failures.any() or loaded != expected:
        print(
            f"incomplete run: {loaded:,} of {expected:,} generated recordings loaded, "
            f"{len(failures.errors())} windows failed; no figures",
            file=sys.stderr,
        )
        sys.exit(1)


def default_path(folder: Path, pages: dict[str, bytes], rows: int) -> tuple[float, int]:
    """dlt's default: plain dicts, default file format (insert_values)."""
    items = []
    for body in pages.values():
        items.extend(orjson.loads(body)["recordings"])
        if len(items) >= rows:
            break
    items = items[:rows]

    @dlt.resource(name="recordings", primary_key=["id"], write_disposition="merge")
    def recordings() -> object:
        yield items

    began = time.perf_counter()
    pipeline(folder, "default").run(recordings())
    return time.perf_counter() - began, len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--default-rows",
        type=int,
        default=20_000,
        help="rows for dlt's default path (it is slow; rows/s is what counts)",
    )
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    prepare_dlt_environment()
    pages, windows = recorded_pages(args.rows)
    rows = sum(orjson.loads(body)["count"] for body in pages.values())
    runs = []
    for _ in range(3):  # the median of three: this machine's timings wander
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(pageflow_path(Path(tmp), pages, windows, rows))
    seconds = sorted(runs)[1]
    ours = rows / seconds
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        d_seconds, d_rows = default_path(folder, pages, args.default_rows)
        theirs = d_rows / d_seconds
    print(
        f"pageflow source (arrow, parquet): {rows:>9,} recordings in {seconds:6.2f}s "
        f"= {ours:>9,.0f} rows/s"
    )
    print(
        f"dlt default path (dicts, insert): {d_rows:>9,} recordings in {d_seconds:6.2f}s "
        f"= {theirs:>9,.0f} rows/s"
    )
    print(f"ratio: {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()
