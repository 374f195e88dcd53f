"""What both vendors' dlt resources share: windowed fetching, positions, the window claims.

A windowed resource fetches its windows concurrently, yields them in order, hands each
window's claim (what the vendor said it has beside what was loaded) to the run's ledger
recorder and advances the window's position in the source state, which is committed with
the same load. Which resources exist, and how each is stored, is each vendor's
declaration (`sources.shared.declare.Resource`); nothing here names one.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.extract.resource import DltResource

from sources.shared import stop
from sources.shared.declare import DAY_KEY, Claim, Fetched, Resource
from sources.shared.errors import VendorAPIError
from sources.shared.timestamps import ns_to_datetime
from sources.shared.windows import Window, utc_bounds

log = logging.getLogger("pageflow.sync")


def _no_hook(window: Window) -> None:
    return None


# Called after each window is handed to dlt: a no-op in every real run; the crash tests'
# launcher (tests/failpoints.py) sets it to kill the process there.
after_window: Callable[[Window], None] = _no_hook

# (window, the name of the vendor's claim, the claim): what the ledger records per window
Entry = tuple[Window, str | None, Claim]
# turns a chunk's entries into one dlt item for the ledger's table (`pipelines.ledger`)
Recorder = Callable[[list[Entry]], Any]


def positions_of(source_state: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The saved positions: website_id -> resource -> last synced day (ISO)."""
    return source_state.setdefault("positions", {})  # type: ignore[no-any-return]


Results = Mapping[Window, "Future[Fetched]"]


@dataclass(frozen=True)
class Chunk:
    """What one `pipeline.run()` of a vendor loads, and how."""

    windows: Sequence[Window] = ()
    websites: Sequence[dict[str, Any]] | None = None  # the websites' own rows, loaded too
    move_positions: bool = True  # False for an explicit --start/--end range
    results: Results | None = None  # answers fetched ahead (the prefetcher's futures)
    failures: Failures | None = None  # a resource that failed stops for its website
    ledger: Recorder | None = None  # where the windows' claims go (None: not recorded)


NOTHING = Chunk()  # no windows, no websites: a source that loads nothing


class Failures:
    """Windows whose endpoint failed for good in this run, first per (website, resource),
    and websites that could not be synced at all.

    A failure stops only its own resource for that website: its later windows are skipped
    (its position stays before the failed day, so the next run retries from there) while
    every other resource and website goes on and is committed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.first: dict[tuple[str, str], tuple[Window, VendorAPIError]] = {}
        self.websites: list[VendorAPIError] = []  # left out whole (see `Vendor.rejected`)

    def add(self, window: Window, exc: VendorAPIError) -> None:
        with self._lock:
            self.first.setdefault((window.website_id, window.resource), (window, exc))
        log.error("%s (this resource stops for this website; the rest goes on)", exc)

    def add_website(self, exc: VendorAPIError) -> None:
        with self._lock:
            self.websites.append(exc)
        log.error("%s (this website is left out; the rest goes on)", exc)

    def stopped(self, window: Window) -> bool:
        with self._lock:
            return (window.website_id, window.resource) in self.first

    def errors(self) -> list[VendorAPIError]:
        with self._lock:
            return [*self.websites, *(exc for _, exc in self.first.values())]

    def any(self) -> bool:
        with self._lock:
            return bool(self.first or self.websites)


def windowed_resource(
    resource: Resource,
    windows: Sequence[Window],
    fetch: Callable[[Window], Fetched],
    *,
    chunk: Chunk,
    workers: int,
    vendor: str = "",
) -> DltResource:
    """A merge resource over `windows` whose re-fetched days replace the old ones.

    `chunk.results` holds windows already being fetched (the run loop fetches the next
    chunks while dlt loads this one); windows not in it are fetched here, `workers` at a
    time.
    """
    dlt_resource = dlt.resource(
        _windowed(resource, list(windows), fetch, chunk, workers, vendor),
        name=resource.name,
        write_disposition="merge",
        merge_key=list(DAY_KEY),
        **resource.hints(),
    )
    if resource.unique_id:
        # every id was checked unique across the chunk's windows (see _windowed), so dlt's
        # merge may skip its own de-duplication: the costliest part of loading recordings
        dlt_resource.apply_hints(additional_table_hints={"x-stage-data-deduplicated": True})
    return dlt_resource


def windowed_resources(
    vendor: str,
    chunk: Chunk,
    resources: Sequence[Resource],
    fetchers: Mapping[str, Callable[[Window], Fetched]],
    *,
    workers: int,
) -> list[DltResource]:
    """One windowed resource per declared resource (in declaration order) with windows."""
    found = []
    for resource in resources:
        mine = [w for w in chunk.windows if w.resource == resource.name]
        if mine:
            fetch = fetchers[resource.name]
            found.append(
                windowed_resource(
                    resource, mine, fetch, chunk=chunk, workers=workers, vendor=vendor
                )
            )
    return found


@dataclass(frozen=True)
class Variant:
    """Rows a resource sends to a further day-grain table of its own (declared in its
    `Resource.variants`, which gives the key)."""

    table: str
    rows: list[dict[str, Any]]


def variant(rows: list[dict[str, Any]], table: str) -> Variant:
    return Variant(table, rows)


def _windowed(
    resource: Resource,
    windows: list[Window],
    fetch: Callable[[Window], Fetched],
    chunk: Chunk,
    workers: int,
    vendor: str,
) -> Iterator[Any]:
    results = chunk.results or {}
    failures = chunk.failures if chunk.failures is not None else Failures()
    seen: dict[Any, Window] = {}
    batch = _Batch(resource, chunk.ledger)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
    # at most two answers per worker wait to be handed to dlt, and an answer is let go
    # once dlt has it: a chunk's memory is a few windows, not all of them
    queue: deque[tuple[Window, Future[Fetched] | None]] = deque()
    upcoming = iter(windows)

    def fill() -> None:
        while len(queue) < 2 * workers and (window := next(upcoming, None)) is not None:
            ready = results.get(window)
            stopped = failures.stopped(window)
            queue.append((window, ready or (None if stopped else pool.submit(fetch, window))))

    try:
        fill()
        while queue:
            window, future = queue.popleft()
            fill()
            if future is None or failures.stopped(window):
                continue  # its resource failed earlier for this website: it stops there
            try:
                items, claim = _result(future)
            except VendorAPIError as exc:
                if exc.credentials_rejected:
                    raise  # credentials: the whole vendor stops
                failures.add(window, exc)
                continue
            del future
            if resource.unique_id:
                _check_unique(vendor, window, items, resource.unique_id, seen)
            yield from batch.add(window, items, claim)
            del items
            if chunk.move_positions:
                _advance(window)
            after_window(window)
    finally:
        for _, waiting in queue:
            if waiting is not None:
                waiting.cancel()
        pool.shutdown(wait=not stop.requested(), cancel_futures=True)
    yield from batch.flush()


def _result(future: Future[Fetched]) -> Fetched:
    """The window's answer; a stop request ends the wait (and the chunk's extract) at once."""
    while True:
        stop.check()
        try:
            return future.result(timeout=0.2)
        except FutureTimeout:
            continue


class _Batch:
    """A chunk's small rows gathered into one item per table.

    dlt computes a table schema for every item it is handed (milliseconds each), so the
    chunk's dict rows, variant rows and claims go to dlt as a few large lists rather than
    row by row; arrow tables are large already and pass straight through.
    """

    def __init__(self, resource: Resource, ledger: Recorder | None = None) -> None:
        self.resource = resource
        self.ledger = ledger
        self.rows: list[dict[str, Any]] = []
        self.variants: dict[str, list[dict[str, Any]]] = {}
        self.entries: list[Entry] = []

    def add(self, window: Window, items: list[Any], claim: Claim) -> Iterator[Any]:
        self.entries.append((window, self.resource.claim, claim))
        for item in items:
            if isinstance(item, dict):
                self.rows.append(item)
            elif isinstance(item, Variant):
                self.variants.setdefault(item.table, []).extend(item.rows)
            else:
                yield item

    def flush(self) -> Iterator[Any]:
        if self.rows:
            yield self.rows
        for table, rows in self.variants.items():
            hints = dlt.mark.make_hints(
                table_name=table,
                primary_key=list(self.resource.variants[table]),
                merge_key=list(DAY_KEY),
                write_disposition="merge",
            )
            yield dlt.mark.with_hints(rows, hints, create_table_variant=True)
        if self.entries and self.ledger is not None:
            yield self.ledger(self.entries)


def _check_unique(
    vendor: str, window: Window, items: list[Any], column: str, seen: dict[Any, Window]
) -> None:
    """A row id this chunk already loaded from another window would be a duplicate; both
    answers are equally new, so neither can win: an error naming both windows."""
    for table in items:
        ids = table.column(column).to_pylist()
        repeated = seen.keys() & set(ids)
        if repeated:
            first = sorted(repeated)[0]
            raise VendorAPIError(
                vendor,
                window.resource,
                f"`{column}` {first!r} came in the answers for both {seen[first].day} and "
                f"{window.day} in one run; re-sync both days once the vendor settles",
                website_id=window.website_id,
                window=f"{seen[first].day} and {window.day}",
                status=200,
            )
        seen.update(dict.fromkeys(ids, window))


def _advance(window: Window) -> None:
    positions = positions_of(dlt.current.source_state()).setdefault(window.website_id, {})
    day = window.day.isoformat()
    if positions.get(window.resource, "") < day:
        positions[window.resource] = day


def with_window(window: Window, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"website_id": window.website_id, "day": window.day, **row} for row in rows]


def shape_error(vendor: str, endpoint: str, window: Window, problem: object) -> VendorAPIError:
    return VendorAPIError(
        vendor,
        endpoint,
        f"unexpected answer: {problem}",
        website_id=window.website_id,
        window=window.day.isoformat(),
        status=200,
    )


def check_in_window(
    vendor: str, endpoint: str, window: Window, table: pa.Table, column: str, tz: str
) -> None:
    """Every row's own instant (UTC, naive) must lie in the window's local day: a row the
    vendor sent for another day would otherwise be loaded under this one."""
    if not table.num_rows:
        return
    start, end = utc_bounds(window.day, tz)
    values = table.column(column)
    lo = pa.scalar(int(start.timestamp()) * 10**9, pa.int64()).cast(values.type)
    hi = pa.scalar(int(end.timestamp()) * 10**9, pa.int64()).cast(values.type)
    outside = pc.or_(pc.less(values, lo), pc.greater_equal(values, hi))
    first = pc.index(outside, True).as_py()
    if first < 0:
        return
    ident = table.column("id")[first].as_py() if "id" in table.column_names else first
    instant = ns_to_datetime(values[first].cast(pa.int64()).as_py())
    raise shape_error(
        vendor,
        endpoint,
        window,
        f"row {ident!r} has {column} {instant:%Y-%m-%d %H:%M:%S} UTC, outside the window's "
        f"day ({window.day} in {tz})",
    )


def check_date(vendor: str, endpoint: str, window: Window, value: Any, what: str) -> None:
    """A date the vendor sent with a row (`date`, when sent) must be the window's day."""
    if value is not None and value != window.day.isoformat():
        raise shape_error(
            vendor, endpoint, window, f"{what} is dated {value!r}, not the window's day"
        )
