"""The run loop: every vendor at once, one commit per chunk of windows.

One `pipeline.run()` is one unit of commit (data and positions travel together), so a
backfill is cut into chunks of `chunk_days` website-days: a crash or a bad window loses
only the chunk in flight, and the next run resumes there.

All vendors fetch at the same time, each account with its own pool and pacer, while dlt
commits in this thread one chunk at a time, whichever vendor's next chunk is fetched
first: a vendor waiting for its rate-limit window never holds up another.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from pipelines import VENDORS, models, publish
from pipelines.conflicts import resolve_moved_recordings
from pipelines.failures import record_failures
from pipelines.plan import chunk_windows, gap_windows, plan_windows, saved_positions, with_gaps
from pipelines.prefetch import Prefetcher
from pipelines.progress import Progress
from pipelines.runtime import prepare_dlt_environment
from pipelines.vendors import Vendor, configured_vendor, registration, registrations
from pipelines.warehouse import Warehouse
from sources.shared import stop
from sources.shared.http import ConfigurationError, PageflowError
from sources.shared.resources import Chunk, Failures, Fetched
from sources.shared.windows import Window, yesterday

log = logging.getLogger("pageflow.sync")


@dataclass
class VendorResult:
    vendor: str
    skipped: bool = False
    windows: int = 0
    chunks: int = 0
    error: PageflowError | None = None
    seconds: float = 0.0
    rate_limited_seconds: float = 0.0  # of `seconds`, waiting for the vendor's limit
    resume: str = ""  # where the next run resumes, when this one stopped early


@dataclass
class SyncResult:
    vendors: list[VendorResult] = field(default_factory=list)
    models_error: PageflowError | None = None
    publish_error: PageflowError | None = None
    published: publish.Published | None = None
    stopped: bool = False

    def resume_points(self) -> str:
        """Where the next run starts, per vendor: its first chunk not committed."""
        points = [v.resume for v in self.vendors if v.resume]
        if points:
            return "; ".join(points)
        return "every chunk was committed; the next run builds the models and publishes"

    @property
    def error(self) -> PageflowError | None:
        errors = [v.error for v in self.vendors if v.error is not None]
        return (errors or [self.models_error or self.publish_error])[0]


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
    result = SyncResult()
    progress = Progress()
    with warehouse.lock() if take_lock else nullcontext(), ExitStack() as stack:
        warehouse.prepare()
        runs = []
        for name in vendors or VENDORS:
            outcome = VendorResult(name)
            result.vendors.append(outcome)
            run = _start(warehouse, name, outcome, start, end, progress, named=bool(vendors))
            if run is not None:
                stack.callback(run.finish)
                runs.append(run)
        if all(v.skipped for v in result.vendors):
            raise ConfigurationError(
                "no vendor has credentials configured: set "
                + " or ".join(r.credentials for r in registrations())
                + " (in .dlt/secrets.toml or the environment)"
            )
        progress.start()
        try:
            _commit_all(runs)
        finally:
            progress.close()
        stack.close()
        # after a stop request nothing more is written: no models, no publish (next run's)
        if build_models and warehouse.has_data() and not stop.requested():
            try:
                models.build(warehouse)
            except PageflowError as exc:
                result.models_error = exc
                log.error("models: %s", exc)
        if warehouse.has_data() and not stop.requested():
            result.published, result.publish_error = publish_safely(warehouse)
    result.stopped = stop.requested()
    return result


def publish_safely(
    warehouse: Warehouse,
) -> tuple[publish.Published | None, PageflowError | None]:
    """Publish what is committed; a failure keeps it in the working database for the next
    run to publish, and is reported rather than raised."""
    try:
        publish.drop_staging_copies(warehouse)
        return publish.publish(warehouse), None
    except PageflowError as exc:
        exc.args = (f"{exc}; everything synced is kept and the next run publishes it",)
        log.error("publish: %s", exc)
        return None, exc


def _start(
    warehouse: Warehouse,
    name: str,
    outcome: VendorResult,
    start: date | None,
    end: date | None,
    progress: Progress,
    named: bool = False,
) -> VendorRun | None:
    """The vendor's run, planned and fetching; None when it is skipped or failed to start."""
    try:
        vendor = configured_vendor(name, warehouse.folder)
    except PageflowError as exc:
        outcome.error = exc
        return None
    if vendor is None:
        if named:
            outcome.error = ConfigurationError(
                f"{name}: --vendor {name} was given, but no {name} credentials are configured "
                f"({registration(name).credentials})"
            )
            return None
        outcome.skipped = True
        log.info("%s: no credentials configured, skipped", name)
        return None
    run = VendorRun(warehouse, vendor, outcome, progress)
    try:
        run.prepare(start, end)
    except PageflowError as exc:
        run.fail(exc)
        return None
    except BaseException:
        run.finish()
        raise
    return run


def _commit_all(runs: list[VendorRun]) -> None:
    """Commit every vendor's chunks in order; when none is fetched, wait for the first
    window that comes back.

    Of the vendors whose next chunk is fetched, the one with the least still being fetched
    goes first: its pool is the nearest to running dry, and a commit lets it fetch more.
    Ties take turns.
    """
    turn = list(runs)
    while not stop.requested():
        waiting = [run for run in turn if run.pending]
        if not waiting:
            return
        ready = min((run for run in waiting if run.ready()), key=_backlog, default=None)
        if ready is None:
            futures = [f for run in waiting for f in run.head().values() if not f.done()]
            wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)  # or a stop request
            continue
        turn.remove(ready)
        turn.append(ready)  # the others go first next time
        try:
            ready.commit_next()
        except PageflowError as exc:
            ready.fail(exc)


def _backlog(run: VendorRun) -> int:
    return run.prefetch.backlog() if run.prefetch is not None else 0


class VendorRun:
    """One vendor's sync: its pipeline, its plan, the chunks fetched ahead, its outcome."""

    def __init__(
        self, warehouse: Warehouse, vendor: Vendor, outcome: VendorResult, progress: Progress
    ) -> None:
        self.warehouse = warehouse
        self.progress = progress
        self.vendor = vendor
        self.outcome = outcome
        self.started = time.monotonic()
        self.chunks: list[list[Window]] = []
        self.next = 0
        self.finished = False
        self.prefetch: Prefetcher | None = None
        self.pipeline = warehouse.pipeline(vendor.name)
        self.failures = Failures()

    def prepare(self, start: date | None, end: date | None) -> None:
        """Restore the state, plan the windows, and start fetching the first chunks."""
        vendor = self.vendor
        _finish_pending(self.pipeline, vendor.name)
        self.pipeline.sync_destination()  # restores positions if the folder is gone
        self.websites = vendor.websites()
        explicit = None
        if start is not None or end is not None:
            first = start or vendor.start_date
            last = end or max(yesterday(w.timezone) for w in self.websites)
            if first > last:
                raise ConfigurationError(f"--start {first} is after --end {last}")
            explicit = (first, last)
        windows = plan_windows(
            self.websites,
            vendor.resources,
            saved_positions(self.pipeline, vendor.name),
            start_date=vendor.start_date,
            lookback_days=vendor.lookback_days,
            explicit=explicit,
        )
        if explicit is None:
            windows = with_gaps(windows, gap_windows(self.warehouse, vendor.name, self.websites))
        self.move_positions = explicit is None
        self.chunks = chunk_windows(windows, vendor.tuning.chunk_days)
        self.progress.plan(len(windows))
        log.info(
            "%s: %d websites, %d windows in %d chunks",
            vendor.name,
            len(self.websites),
            len(windows),
            len(self.chunks),
        )
        if not self.chunks:
            websites = [w.detail for w in self.websites]
            _run(self.pipeline, vendor.source(Chunk(websites=websites)), vendor.name)
            self.finish()
            return
        self.prefetch = Prefetcher(vendor, self.chunks, self.failures)
        self.head()  # fetching starts now, while the other vendors get ready

    @property
    def pending(self) -> bool:
        return not self.finished and self.next < len(self.chunks)

    def head(self) -> dict[Window, Future[Fetched]]:
        """The next chunk's windows, being fetched (and the chunks after it, ahead)."""
        assert self.prefetch is not None
        return self.prefetch.results(self.next)

    def ready(self) -> bool:
        """Whether committing the next chunk would not wait: all fetched, or one failed."""
        futures = self.head().values()
        failed = any(f.done() and not f.cancelled() and f.exception() for f in futures)
        return failed or all(f.done() for f in futures)

    def commit_next(self) -> None:
        began = time.monotonic()
        number, chunk = self.next + 1, self.chunks[self.next]
        # the websites (and their definitions) travel with the first chunk: one commit less
        source = self.vendor.source(
            Chunk(
                chunk,
                websites=[w.detail for w in self.websites] if number == 1 else None,
                move_positions=self.move_positions,
                results=self.head(),
                failures=self.failures,
            )
        )
        if stop.requested():
            return  # nothing is committed after a stop request
        resolve_moved_recordings(self.warehouse, self.vendor.name, self.head())
        _run(self.pipeline, source, self.vendor.name)
        assert self.prefetch is not None
        self.prefetch.done(self.next)
        self.next += 1
        self.outcome.windows += len(chunk)
        self.outcome.chunks += 1
        days = sorted({w.day for w in chunk})
        sites = sorted({w.website_id for w in chunk})
        self.progress.advance(
            len(chunk),
            f"{self.vendor.name}: chunk {number}/{len(self.chunks)} committed: "
            f"{', '.join(sites)}, {days[0]}..{days[-1]}, {len(chunk)} windows, "
            f"{time.monotonic() - began:.1f}s",
        )
        if self.next == len(self.chunks):
            self.finish()

    def fail(self, exc: PageflowError) -> None:
        self.outcome.error = exc
        log.error("%s: stopped: %s", self.vendor.name, exc)
        self.finish()

    def finish(self) -> None:
        """Stop fetching, close the client, and record the time (once)."""
        if self.finished:
            return
        self.finished = True
        if self.next < len(self.chunks):
            first = self.chunks[self.next][0]
            self.outcome.resume = (
                f"{self.vendor.name}: {self.next} of {len(self.chunks)} chunks committed, "
                f"resumes at {first.day} ({first.website_id})"
            )
        if self.prefetch is not None:
            self.prefetch.close()
        self.vendor.close()
        prune_loaded_packages(self.pipeline)
        if self.outcome.error is None and self.failures.first:
            self.outcome.error = self.failures.errors()[0]
        if self.outcome.error is None or self.failures.first:
            record_failures(self.warehouse, self.vendor.name, self.failures)
        outcome = self.outcome
        outcome.seconds = time.monotonic() - self.started
        outcome.rate_limited_seconds = self.vendor.rate_limited_seconds
        log.info(
            "%s: %d windows in %d chunks, %.1fs (%.1fs waiting for the rate limit)",
            outcome.vendor,
            outcome.windows,
            outcome.chunks,
            outcome.seconds,
            outcome.rate_limited_seconds,
        )


def prune_loaded_packages(pipeline: dlt.Pipeline) -> None:
    """Completed load packages are never read again; dlt keeps them forever otherwise."""
    loaded = Path(pipeline.working_dir) / "load" / "loaded"
    if loaded.is_dir():
        for package in loaded.iterdir():
            shutil.rmtree(package, ignore_errors=True)


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
    """A package left by a crashed run is finished now, or dropped if it cannot be.

    Dropping restores the local state the package started from; when even that fails (a
    run killed while deleting a package leaves it half there), the local working folder
    goes and the state comes back from the warehouse (`sync_destination`), as after a lost
    folder: only what was committed counts, so nothing is skipped."""
    if not pipeline.has_pending_data:
        return
    log.warning("%s: finishing a load left pending by an earlier run", vendor)
    try:
        pipeline.run()
        return
    except PipelineStepFailed as exc:
        problem = type(exc.exception).__name__
    log.warning("%s: the pending load could not be finished (%s); dropping it", vendor, problem)
    try:
        pipeline.abort_packages()
    except (PipelineStepFailed, OSError) as exc:
        log.warning(
            "%s: the pending load could not be dropped cleanly (%s); starting again from "
            "the warehouse's committed state",
            vendor,
            type(exc).__name__,
        )
        pipeline.drop()
