"""Day windows: a website's local days, incremental ranges with lookback, vendor parameters.

A window is one local calendar day of one website. Its UTC span is 24 hours on most days,
23 or 25 hours on daylight-saving changes, and it is still one window.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

import pendulum

T = TypeVar("T")


def parse_day(text: str | date) -> date:
    """A `YYYY-MM-DD` string (or a date) as a date; anything else is a ValueError."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}") from exc


def check_timezone(tz: str) -> str:
    """The IANA zone name if pendulum knows it, else a ValueError naming it."""
    try:
        pendulum.timezone(tz)
    except Exception as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc
    return tz


LATEST_ZONE = "Pacific/Kiritimati"  # UTC+14: no website's today is later than its today


def latest_today() -> date:
    """The latest calendar date anywhere on Earth now: no day after it has data yet."""
    return pendulum.now(LATEST_ZONE).date()


def local_today(tz: str, now: datetime | None = None) -> date:
    """Today's date in the zone `tz`, at the instant `now` (default: the clock)."""
    instant = pendulum.now("UTC") if now is None else pendulum.instance(now)
    return instant.in_timezone(tz).date()


def yesterday(tz: str, now: datetime | None = None) -> date:
    """The last closed local day in `tz`: the newest day an incremental sync fetches."""
    return local_today(tz, now) - timedelta(days=1)


def days_between(start: date, end: date) -> list[date]:
    """Every day from `start` through `end`, both inclusive (empty when start > end)."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def incremental_days(
    position: date | None,
    start_date: date,
    lookback_days: int,
    last_day: date,
) -> list[date]:
    """The days an incremental sync fetches for one website and resource.

    `position` is the last day already synced (None before the first sync). The next sync
    re-fetches the last `lookback_days` synced days, never reaching before `start_date`, and
    goes on through `last_day` (yesterday in the website's zone). A position in the future
    gives no days at all.
    """
    if lookback_days < 0:
        raise ValueError("lookback_days must be 0 or more")
    if position is None:
        first = start_date
    else:
        first = max(position + timedelta(days=1 - lookback_days), start_date)
    return days_between(first, last_day)


def utc_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants where local `day` in `tz` starts (inclusive) and ends (exclusive)."""
    start = pendulum.datetime(day.year, day.month, day.day, tz=tz)
    end = start.add(days=1)
    return start.in_timezone("UTC"), end.in_timezone("UTC")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True, order=True)
class Window:
    """One resource of one website for one local day: the unit of fetching and of position."""

    website_id: str
    resource: str
    day: date
