"""Pacing requests under a vendor's advertised rate limit, shared by every thread of an account.

PageSense answers every call with `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (epoch seconds when the window refills). The pacer keeps its own count
of calls left in the current window, re-synchronised from each answer, and makes callers
wait for the reset instead of running into 429s. Calls still in flight are subtracted from
what the server reports, so concurrency never overshoots the budget.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx

from sources.shared import stop

log = logging.getLogger("pageflow.pacing")


def _header_int(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


class RateLimitPacer:
    """Thread-safe budget keeper driven by X-RateLimit-* headers."""

    def __init__(
        self,
        *,
        margin: float = 0.25,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = stop.sleep,
    ) -> None:
        self.margin = margin  # seconds added to the reset instant against clock skew
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.limit: int | None = None
        self.remaining: int | None = None  # calls we may still start in this window
        self.reset_at: float | None = None
        self.in_flight = 0
        # wall-clock seconds in which calls waited for a reset (overlapping waits of
        # several threads count once): the time the vendor's limit, not pageflow, cost
        self.blocked = 0.0
        self._blocked_until = 0.0

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                if self.reset_at is not None and now >= self.reset_at + self.margin:
                    # the window refilled; the next answer tells the exact count
                    self.remaining = self.limit
                    self.reset_at = None
                if self.remaining is None or self.remaining > 0:
                    if self.remaining is not None:
                        self.remaining -= 1
                    self.in_flight += 1
                    return
                wait = max((self.reset_at or now) + self.margin - now, 0.01)
                self.blocked += max(0.0, now + wait - max(now, self._blocked_until))
                self._blocked_until = max(self._blocked_until, now + wait)
            log.debug("rate limit budget spent; waiting %.2fs for the window to refill", wait)
            self._sleep(wait)

    def release(self) -> None:
        """A call that got no answer (timeout, reset connection)."""
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)

    def observe(self, response: httpx.Response) -> None:
        limit = _header_int(response, "X-RateLimit-Limit")
        remaining = _header_int(response, "X-RateLimit-Remaining")
        reset = _header_int(response, "X-RateLimit-Reset")
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
            if limit is not None:
                self.limit = limit
            if response.status_code == 429:
                self.remaining = 0
                if reset is not None:
                    self.reset_at = float(reset)
                return
            if remaining is None or reset is None:
                return
            server_left = max(0, remaining - self.in_flight)
            if self.reset_at is None or reset > self.reset_at:
                self.reset_at = float(reset)  # an answer from a newer window
                self.remaining = server_left
            elif reset == self.reset_at:
                current = self.remaining if self.remaining is not None else server_left
                self.remaining = min(current, server_left)

    def retry_delay(self, response: httpx.Response) -> float | None:
        """After a 429 without Retry-After: wait until the advertised reset."""
        reset = _header_int(response, "X-RateLimit-Reset")
        if reset is None:
            return None
        return max(0.0, reset + self.margin - self._clock())


class AdaptivePacer:
    """Concurrency that backs off on 429s, for vendors that publish no limit (Mouseflow).

    Additive increase, multiplicative decrease: every 429 halves the number of calls that
    may be in flight at once (shared by all threads of the account), every answered call
    lets it grow back by 1/limit. Calls waiting out a Retry-After hold no slot.
    """

    def __init__(self, max_concurrency: int, min_concurrency: int = 1) -> None:
        self.max = float(max_concurrency)
        self.min = float(min_concurrency)
        self.limit = self.max
        self.active = 0
        self.throttled = 0
        self._cond = threading.Condition()

    def acquire(self) -> None:
        with self._cond:
            while self.active >= int(self.limit):
                self._cond.wait(0.2)  # a slot, or a look at the stop flag
                stop.check()
            self.active += 1

    def release(self) -> None:
        with self._cond:
            self.active = max(0, self.active - 1)
            self._cond.notify()

    def observe(self, response: httpx.Response) -> None:
        with self._cond:
            self.active = max(0, self.active - 1)
            if response.status_code == 429:
                self.throttled += 1
                self.limit = max(self.min, self.limit / 2)
            else:
                self.limit = min(self.max, self.limit + 1 / self.limit)
            self._cond.notify_all()

    def retry_delay(self, response: httpx.Response) -> float | None:
        return None
