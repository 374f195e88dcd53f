"""The run loop: which vendors, which windows, and one commit per chunk of windows.

One `pipeline.run()` is one unit of commit (data and positions travel together), so a
backfill is cut into chunks of `chunk_days` website-days: a crash or a bad window loses
only the chunk in flight, and the next run resumes there.
"""

from __future__ import annotations

import ctypes
import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from pipelines import VENDORS, failpoints, models
from pipelines.vendors import Vendor, Website, configured_vendor
from pipelines.warehouse import Warehouse
from sources import _resources
from sources._http import ConfigurationError, PageflowError
from sources._resources import Fetched
from sources._windows import Window, chunked, days_between, incremental_days, yesterday

log = logging.getLogger("pageflow.sync")


def prepare_dlt_environment() -> None:
    """Process-wide dlt settings pageflow relies on (set once, before any pipeline exists)."""
    limit_malloc_arenas()
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    # Parquet 2.6 keeps nanosecond timestamps (Mouseflow sends 100 ns ticks).
    os.environ.setdefault("DATA_WRITER__VERSION", "2.6")
    # Arrow tables get _dlt_load_id too: the models read only rows of completed loads.
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    # dlt warns on every arrow chunk whose hints differ from the inferred ones; errors show.
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (as MALLOC_ARENA_MAX would) before the fetch threads start.

    glibc gives each thread an arena of its own and rarely hands their free memory back, so
    with a pool of fetch threads the resident size crept up chunk after chunk of a long
    backfill; two arenas keep it flat (benchmarks/memory.py) at no measurable cost.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return  # glibc has read it already
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to do
    libc.mallopt(M_ARENA_MAX, arenas)


M_ARENA_MAX = -8  # from glibc's malloc.h


@dataclass
class VendorResult:
    vendor: str
    skipped: bool = False
    windows: int = 0
    chunks: int = 0
    error: PageflowError | None = None
    seconds: float = 0.0
    rate_limited_seconds: float = 0.0  # of `seconds`, waiting for the vendor's limit


@dataclass
class SyncResult:
    vendors: list[VendorResult] = field(default_factory=list)
    models_error: PageflowError | None = None

    @property
    def error(self) -> PageflowError | None:
        errors = [v.error for v in self.vendors if v.error is not None]
        return errors[0] if errors else self.models_error


def plan_windows(
    websites: Sequence[Website],
    resources: Sequence[str],
    positions: Mapping[str, Mapping[str, str]],
    *,
    start_date: date,
    lookback_days: int,
    explicit: tuple[date, date] | None = None,
) -> list[Window]:
    """Every window to fetch, website by website, day by day, resource by resource."""
    windows = []
    for site in websites:
        for resource in resources:
            if explicit is not None:
                days = days_between(*explicit)
            else:
                saved = positions.get(site.website_id, {}).get(resource)
                days = incremental_days(
                    date.fromisoformat(saved) if saved else None,
                    start_date,
                    lookback_days,
                    yesterday(site.timezone),
                )
            windows.extend(Window(site.website_id, resource, day) for day in days)
    windows.sort(key=lambda w: (w.website_id, w.day, resources.index(w.resource)))
    return windows


def chunk_windows(windows: Iterable[Window], chunk_days: int) -> list[list[Window]]:
    """Windows grouped into commits of at most `chunk_days` website-days."""
    groups = [list(g) for _, g in groupby(windows, key=lambda w: (w.website_id, w.day))]
    return [[w for group in batch for w in group] for batch in chunked(groups, chunk_days)]


def with_gaps(windows: list[Window], gaps: Iterable[Window]) -> list[Window]:
    """The plan plus earlier windows whose loaded rows did not add up, each once."""
    planned = set(windows)
    extra = [w for w in gaps if w not in planned]
    if not extra:
        return windows
    log.warning("re-fetching %d earlier windows that did not add up", len(extra))
    return sorted([*windows, *extra], key=lambda w: (w.website_id, w.day, w.resource))


def gap_windows(warehouse: Warehouse, vendor: str, websites: Sequence[Website]) -> list[Window]:
    """Windows the audit table records as incomplete (loaded differs from expected)."""
    if not warehouse.path.exists():
        return []
    wanted = {w.website_id for w in websites}
    with warehouse.connect() as con:
        found = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = 'sync_windows'",
            [vendor],
        ).fetchall()
        if not found[0][0]:
            return []
        rows = con.execute(
            f'select website_id, resource, day from "{vendor}".sync_windows '
            "where loaded is distinct from expected"
        ).fetchall()
    return [Window(site, resource, day) for site, resource, day in rows if site in wanted]


def saved_positions(pipeline: dlt.Pipeline, vendor: str) -> dict[str, dict[str, str]]:
    sources = pipeline.state.get("sources", {})
    return dict(sources.get(vendor, {}).get("positions", {}))


def sync(
    warehouse: Warehouse,
    vendors: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    build_models: bool = True,
    take_lock: bool = True,
) -> SyncResult:
    """Sync the named vendors (default: all with credentials) into `warehouse`, then
    rebuild the models (they read only completed loads, so a failed vendor is harmless)."""
    prepare_dlt_environment()
    failpoints.install()
    _resources.after_window = lambda window: failpoints.reach("window")
    result = SyncResult()
    with warehouse.lock() if take_lock else nullcontext():
        for name in vendors or VENDORS:
            started = time.monotonic()
            outcome = VendorResult(name)
            result.vendors.append(outcome)
            try:
                vendor = configured_vendor(name)
            except PageflowError as exc:
                outcome.error = exc
                continue
            if vendor is None:
                outcome.skipped = True
                log.info("%s: no credentials configured, skipped", name)
                continue
            try:
                _sync_vendor(warehouse, vendor, start, end, outcome)
            except PageflowError as exc:
                outcome.error = exc
                log.error("%s: stopped: %s", name, exc)
            finally:
                vendor.close()
                outcome.seconds = time.monotonic() - started
                outcome.rate_limited_seconds = vendor.rate_limited_seconds
                log.info(
                    "%s: %d windows in %d chunks, %.1fs (%.1fs waiting for the rate limit)",
                    name,
                    outcome.windows,
                    outcome.chunks,
                    outcome.seconds,
                    outcome.rate_limited_seconds,
                )
        if build_models and warehouse.path.exists():
            try:
                models.build(warehouse)
            except PageflowError as exc:
                result.models_error = exc
                log.error("models: %s", exc)
    return result


def _sync_vendor(
    warehouse: Warehouse,
    vendor: Vendor,
    start: date | None,
    end: date | None,
    outcome: VendorResult,
) -> None:
    pipeline = warehouse.pipeline(vendor.name)
    _finish_pending(pipeline, vendor.name)
    pipeline.sync_destination()  # restores positions from the warehouse if the folder is gone
    websites = vendor.websites()
    explicit = None
    if start is not None or end is not None:
        first = start or vendor.start_date
        last = end or max(yesterday(w.timezone) for w in websites)
        if first > last:
            raise ConfigurationError(f"--start {first} is after --end {last}")
        explicit = (first, last)
    windows = plan_windows(
        websites,
        vendor.resources,
        saved_positions(pipeline, vendor.name),
        start_date=vendor.start_date,
        lookback_days=vendor.lookback_days,
        explicit=explicit,
    )
    if explicit is None:
        windows = with_gaps(windows, gap_windows(warehouse, vendor.name, websites))
    chunks = chunk_windows(windows, vendor.tuning.chunk_days)
    log.info(
        "%s: %d websites, %d windows in %d chunks",
        vendor.name,
        len(websites),
        len(windows),
        len(chunks),
    )
    if not chunks:
        _run(pipeline, vendor.source([], websites=websites), vendor.name)
    move = explicit is None
    with Prefetcher(vendor, chunks) as prefetch:
        for number, chunk in enumerate(chunks, start=1):
            began = time.monotonic()
            results = prefetch.results(number - 1)
            # the websites (and their definitions) travel with the first chunk: one commit less
            source = vendor.source(
                chunk,
                websites=websites if number == 1 else None,
                move_positions=move,
                results=results,
            )
            _run(pipeline, source, vendor.name)
            prefetch.done(number - 1)
            outcome.windows += len(chunk)
            outcome.chunks += 1
            days = sorted({w.day for w in chunk})
            sites = sorted({w.website_id for w in chunk})
            log.info(
                "%s: chunk %d/%d committed: %s, %s..%s, %d windows, %.1fs",
                vendor.name,
                number,
                len(chunks),
                ", ".join(sites),
                days[0],
                days[-1],
                len(chunk),
                time.monotonic() - began,
            )


class Prefetcher:
    """Fetches the next chunks' windows while dlt loads the current one.

    One pool per vendor account (`workers` calls at once, all resources together) with a
    lookahead of `LOOKAHEAD` chunks, so memory stays bounded however long the backfill.
    """

    LOOKAHEAD = 2

    def __init__(self, vendor: Vendor, chunks: list[list[Window]]) -> None:
        self.vendor = vendor
        self.chunks = chunks
        self.pool = ThreadPoolExecutor(vendor.tuning.workers, thread_name_prefix="prefetch")
        self.futures: dict[int, dict[Window, Future[Fetched]]] = {}

    def results(self, index: int) -> dict[Window, Future[Fetched]]:
        for ahead in range(index, min(index + 1 + self.LOOKAHEAD, len(self.chunks))):
            if ahead not in self.futures:
                self.futures[ahead] = {
                    w: self.pool.submit(self.vendor.fetch, w) for w in self.chunks[ahead]
                }
        return self.futures[index]

    def done(self, index: int) -> None:
        self.futures.pop(index, None)

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        for futures in self.futures.values():
            for future in futures.values():
                future.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _run(pipeline: dlt.Pipeline, source: object, vendor: str) -> None:
    try:
        pipeline.run(source, loader_file_format="parquet")
    except PipelineStepFailed as exc:
        raise _unwrap(exc, vendor) from None


def _unwrap(exc: BaseException, vendor: str) -> PageflowError:
    """The PageflowError behind dlt's wrapper, or a plain one naming the failed step."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PageflowError):
            return current
        current = current.__cause__ or current.__context__
    step = getattr(exc, "step", "run")
    inner = getattr(exc, "exception", exc)
    return PageflowError(f"{vendor}: dlt {step} step failed: {type(inner).__name__}: {inner}")


def _finish_pending(pipeline: dlt.Pipeline, vendor: str) -> None:
    """A package left by a crashed run is finished now, or dropped if it cannot be."""
    if not pipeline.has_pending_data:
        return
    log.warning("%s: finishing a load left pending by an earlier run", vendor)
    try:
        pipeline.run()
    except PipelineStepFailed as exc:
        log.warning(
            "%s: the pending load could not be finished (%s); dropping it",
            vendor,
            type(exc.exception).__name__,
        )
        pipeline.drop_pending_packages()
