"""The committing thread: which vendor's chunk goes next, and a failing vendor stops alone."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from pipelines.run.commit import commit_all
from sources.shared.errors import PageflowError


class FakePrefetch:
    def __init__(self, backlog: int) -> None:
        self._backlog = backlog

    def backlog(self) -> int:
        return self._backlog


class FakeRun:
    """A vendor run with `chunks` chunks, all fetched, `backlog` windows still in flight."""

    def __init__(self, name: str, chunks: int, backlog: int, log: list[str]) -> None:
        self.name, self.left, self.log = name, chunks, log
        self.prefetch = FakePrefetch(backlog)
        self.failed: PageflowError | None = None

    @property
    def pending(self) -> bool:
        return self.left > 0 and self.failed is None

    def ready(self) -> bool:
        return True

    def head(self) -> dict[Any, Future[Any]]:
        return {}

    def commit_next(self) -> None:
        self.log.append(self.name)
        self.left -= 1
        if self.name == "broken":
            raise PageflowError("broken: bad window")

    def fail(self, exc: PageflowError) -> None:
        self.failed = exc


def test_the_vendor_nearest_to_running_dry_commits_first() -> None:
    log: list[str] = []
    busy = FakeRun("busy", chunks=2, backlog=5, log=log)
    dry = FakeRun("dry", chunks=2, backlog=0, log=log)
    commit_all([busy, dry])  # type: ignore[list-item]
    assert log == ["dry", "dry", "busy", "busy"]


def test_equal_vendors_take_turns() -> None:
    log: list[str] = []
    runs = [FakeRun(name, chunks=2, backlog=1, log=log) for name in ("a", "b")]
    commit_all(runs)  # type: ignore[arg-type]
    assert log == ["a", "b", "a", "b"]


def test_a_failing_vendor_stops_alone() -> None:
    log: list[str] = []
    broken = FakeRun("broken", chunks=3, backlog=0, log=log)
    fine = FakeRun("fine", chunks=2, backlog=1, log=log)
    commit_all([broken, fine])  # type: ignore[list-item]
    assert log == ["broken", "fine", "fine"]
    assert broken.failed is not None and fine.failed is None
