"""One vendor's sync: its pipeline, its plan, the chunks fetched ahead, its commits.

A chunk is one `pipeline.run()`: its rows, its ledger rows and its positions are
committed together, so a crash loses only the chunk in flight. A load left pending by a
crashed run is finished, or dropped and restored from the warehouse's committed state.
"""

from __future__ import annotations

import logging
import shutil
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from pipelines.ledger import failures as ledger_failures
from pipelines.ledger import windows as ledger
from pipelines.run.conflicts import resolve_moved_rows
from pipelines.run.plan import chunk_windows, plan_windows, saved_positions, with_gaps
from pipelines.run.prefetch import Prefetcher
from pipelines.run.progress import Progress
from pipelines.store.warehouse import Warehouse
from pipelines.vendors import Vendor, registration
from sources.shared import stop
from sources.shared.declare import Fetched
from sources.shared.errors import ConfigurationError, PageflowError
from sources.shared.resources import Chunk, Failures
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
    planned: bool = False  # its windows were planned (a stop before that fetched nothing)


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
        for exc in vendor.rejected:
            self.failures.add_website(exc)
        explicit = None
        if start is not None or end is not None:
            first = start or vendor.start_date
            last = end or max(yesterday(w.timezone) for w in self.websites)
            if first > last and end is None:
                raise ConfigurationError(
                    f"{vendor.name}: --start {first} is after the last complete day of its "
                    f"websites ({last}): nothing to sync yet"
                )
            if first > last:
                raise ConfigurationError(
                    f"{vendor.name}: --end {last} is before the first day to sync "
                    f"({first}, SOURCES__{vendor.name.upper()}__START_DATE)"
                )
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
            windows = with_gaps(windows, self._gaps())
        self.move_positions = explicit is None
        self.chunks = chunk_windows(windows, vendor.tuning.chunk_days)
        self.outcome.planned = True
        self.progress.plan(len(windows))
        log.info(
            "%s: %d websites, %d windows in %d chunks",
            vendor.name,
            len(self.websites),
            len(windows),
            len(self.chunks),
        )
        if not self.chunks:
            self._load(vendor.source(Chunk(websites=self.details())))
            self.finish()
            return
        self.prefetch = Prefetcher(vendor, self.chunks, self.failures)
        self.head()  # fetching starts now, while the other vendors get ready

    def details(self) -> list[dict]:
        """The websites' own rows, loaded with the first commit."""
        return [w.detail for w in self.websites]

    def _gaps(self) -> list[Window]:
        """Earlier windows the ledger records as incomplete, for this run's websites and
        chosen resources."""
        if not self.warehouse.has_data():
            return []
        with self.warehouse.connect_work() as con:
            wanted = {w.website_id for w in self.websites}
            gaps = ledger.gap_windows(con, self.vendor.name, wanted)
        return [w for w in gaps if w.resource in self.vendor.resources]

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
                websites=self.details() if number == 1 else None,
                move_positions=self.move_positions,
                results=self.head(),
                failures=self.failures,
                ledger=ledger.record,
            )
        )
        if stop.requested():
            return  # nothing is committed after a stop request
        resolve_moved_rows(self.warehouse, registration(self.vendor.name), self.head())
        self._load(source)
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

    def _load(self, source: object) -> None:
        """One `pipeline.run()`, its load cap sized to the warehouse as it is now."""
        self.warehouse.size_load(self.pipeline)
        _run(self.pipeline, source, self.vendor.name)

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
        if self.outcome.error is None and self.failures.any():
            self.outcome.error = self.failures.errors()[0]
        if (self.outcome.error is None or self.failures.any()) and self.warehouse.has_data():
            with self.warehouse.connect_work() as con:
                ledger_failures.record_failures(con, self.vendor.name, self.failures)
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
        raise _unwrap(exc, vendor, _load_cap(pipeline)) from None


def _load_cap(pipeline: dlt.Pipeline) -> str:
    """The memory cap `pipeline`'s loads ran under."""
    credentials = pipeline.destination.config_params.get("credentials")
    return str((getattr(credentials, "global_config", None) or {}).get("memory_limit", "?"))


def _unwrap(exc: BaseException, vendor: str, cap: str) -> PageflowError:
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
    if step == "load" and "Out of Memory Error" in str(inner):
        return PageflowError(
            f"{vendor}: loading ran out of DuckDB's memory cap (WAREHOUSE__LOAD_MEMORY_LIMIT, "
            f"now {cap}): set it higher; a merge into a table of N million rows needs "
            "about 10 MB per million"
        )
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
