"""The faults a test can ask the sandbox for, and the seeded draw of which request gets one."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sources.sandbox.server import LoggedRequest

FAULT_KINDS = (
    "429",  # Too Many Requests without Retry-After
    "429-retry-after",  # Too Many Requests with Retry-After: `retry_after` seconds
    "500",
    "503",
    "slow",  # answer after `delay` seconds
    "drip",  # the whole answer, its body sent at `rate` bytes a second
    "malformed",  # truncated JSON with status 200
    "html",  # an HTML page with status 200
    "reset",  # the connection is closed without an answer
    # answers with status 200 whose content is wrong (`field` names the field to break):
    "missing-field",  # the first row lacks `field`
    "wrong-type",  # the first row's `field` holds text where a number/object belongs
    "null-key",  # the first row's `field` (an id) is null
    "duplicate-key",  # the first row appears twice
    "empty-page",  # the list is empty while count/pagination says there is more
    "repeat-page",  # a later page repeats the first one (offset ignored)
    "total-mismatch",  # count/pagination.total claims one row more than exists
    "new-field",  # every row gains an unknown field `field` (a sync must keep it)
    "no-pagination",  # a list answer without its `pagination` object (however full)
    "out-of-window",  # the first row's timestamp `field` moved 8 days later (count kept)
    "set-field",  # the first row's `field` set to `value` (e.g. another day's recording id)
)
BODY_FAULTS = frozenset(FAULT_KINDS[FAULT_KINDS.index("missing-field") :])


@dataclass
class Fault:
    """A fault to inject into matching requests; None matches anything."""

    kind: str
    vendor: str | None = None
    endpoint: str | None = None
    website_id: str | None = None
    day: str | None = None
    probability: float = 1.0
    times: int | None = None
    retry_after: float = 1.0
    retry_after_max: float | None = None  # Retry-After drawn from [retry_after, this]
    delay: float = 2.0
    rate: float = 8.0  # bytes a second, for "drip"
    field: str = "id"
    value: Any = None
    seed: int = 1

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {FAULT_KINDS}")
        self._rng = random.Random(self.seed)

    def retry_after_value(self) -> float:
        if self.retry_after_max is None:
            return self.retry_after
        return round(self._rng.uniform(self.retry_after, self.retry_after_max), 2)

    def matches(self, vendor: str, entry: LoggedRequest) -> bool:
        return (
            (self.vendor is None or self.vendor == vendor)
            and (self.endpoint is None or self.endpoint == entry.endpoint)
            and (self.website_id is None or self.website_id == entry.website_id)
            and (self.day is None or self.day == entry.day)
            and (self.times is None or self.times > 0)
            and (self.kind != "repeat-page" or entry.params.get("offset", "0") != "0")
        )


class FaultSet:
    """The faults in force, drawn with a seeded generator so a test run is repeatable."""

    def __init__(self, seed: int = 1) -> None:
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def draw(self, vendor: str, entry: LoggedRequest) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(vendor, entry) and self._rng.random() < fault.probability:
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None
