"""The commit order: which vendor's next chunk dlt commits next, in the one committing thread."""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, wait
from typing import TYPE_CHECKING

from sources.shared import stop
from sources.shared.errors import PageflowError

if TYPE_CHECKING:
    from pipelines.run.vendor_run import VendorRun


def commit_all(runs: list[VendorRun]) -> None:
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
