"""How hard the HTTP layer tries: attempts, backoff, deadlines, the run's waiting budget,
and reading a vendor's `Retry-After`. One home for the numbers (`SyncTuning`'s defaults
are these)."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from dataclasses import dataclass


@dataclass
class RetryPolicy:
    """How hard to try: attempts per request, backoff shape, and total waiting per run."""

    max_attempts: int = 8  # failures per request: 5xx, timeouts, resets, 429s without a hint
    max_throttled: int = 20  # 429s that say when to come back (Retry-After / reset)
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_total_wait: float = 900.0
    timeout: float = 30.0  # seconds without a byte (connect, read, write): httpx's timeout
    # seconds an answer may take in all, from sending to the last byte: a vendor dripping
    # its body a few bytes at a time never trips `timeout`, so this ends the attempt,
    # retried like a timeout (an attempt lasts at most deadline + timeout)
    deadline: float = 120.0

    @classmethod
    def connection_test(cls) -> RetryPolicy:
        """How hard `pageflow check` tries: an answer within about ten seconds (two short
        attempts), so an unreachable host is "unreachable", not a minute of retries."""
        return cls(
            max_attempts=2,
            max_throttled=2,
            backoff_base=0.5,
            max_total_wait=2.0,
            timeout=4.0,
            deadline=8.0,
        )

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter" (a random wait between half the ceiling and
        the ceiling) for the `attempt`-th failure (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return rng.uniform(ceiling / 2, ceiling)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class WaitBudget:
    """Total seconds a run may spend waiting on retries, shared across threads."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0
        self._lock = threading.Lock()

    def take(self, seconds: float) -> bool:
        with self._lock:
            if self.spent + seconds > self.seconds:
                return False
            self.spent += seconds
            return True
