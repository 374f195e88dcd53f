"""The suite's guard against a test straddling a local midnight (tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import DAY_ZONES, seconds_to_next_midnight


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        ("2026-11-23T22:59:30", 30),  # Berlin (UTC+1 in winter)
        ("2026-07-01T21:59:00", 60),  # Berlin in summer (UTC+2)
        ("2026-11-23T04:59:50", 10),  # New York (UTC-5)
        ("2026-11-23T09:59:58", 2),  # Kiritimati (UTC+14)
        ("2026-11-23T23:59:59", 1),  # UTC
        ("2026-11-23T12:00:00", 11 * 3600),  # next: Berlin at 23:00 UTC
    ],
)
def test_seconds_to_the_next_local_midnight(now: str, seconds: int) -> None:
    at = datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert seconds_to_next_midnight(at) == seconds


def test_a_day_23_hours_long_is_23_hours_long() -> None:
    # 00:30 in Berlin on the day clocks go forward: the next midnight is 22.5 hours away
    at = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert seconds_to_next_midnight(at, ("Europe/Berlin",)) == 22.5 * 3600


def test_the_guard_covers_every_zone_the_sandbox_dates_by() -> None:
    assert {"UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati"} <= set(DAY_ZONES)
