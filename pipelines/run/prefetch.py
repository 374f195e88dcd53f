"""Fetching ahead: the next chunks' windows are fetched while dlt commits the current one."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from sources.shared import stop
from sources.shared.declare import Fetched
from sources.shared.resources import Failures
from sources.shared.vendor import Vendor
from sources.shared.windows import Window


class Prefetcher:
    """Fetches the next chunks' windows while dlt loads the current one.

    One pool per vendor account (`workers` calls at once, all resources together) with a
    lookahead of `LOOKAHEAD` chunks, so memory stays bounded however long the backfill.
    """

    LOOKAHEAD = 3

    def __init__(self, vendor: Vendor, chunks: list[list[Window]], failures: Failures) -> None:
        self.vendor = vendor
        self.chunks = chunks
        self.failures = failures
        self.pool = ThreadPoolExecutor(vendor.tuning.workers, thread_name_prefix="prefetch")
        self.futures: dict[int, dict[Window, Future[Fetched]]] = {}

    def results(self, index: int) -> dict[Window, Future[Fetched]]:
        for ahead in range(index, min(index + 1 + self.LOOKAHEAD, len(self.chunks))):
            if ahead not in self.futures:
                self.futures[ahead] = {
                    w: self.pool.submit(self.vendor.fetch, w)
                    for w in self.chunks[ahead]
                    if not self.failures.stopped(w)  # its resource stopped for the website
                }
        return self.futures[index]

    def done(self, index: int) -> None:
        self.futures.pop(index, None)

    def backlog(self) -> int:
        """Windows handed to the pool and not yet back."""
        return sum(not f.done() for chunk in self.futures.values() for f in chunk.values())

    def close(self) -> None:
        for futures in self.futures.values():
            for future in futures.values():
                future.cancel()
        # on a stop, calls in flight are abandoned (their answers would not be committed)
        self.pool.shutdown(wait=not stop.requested(), cancel_futures=True)
