from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sources.mouseflow import settings as mf
from sources.pagesense import settings as ps
from sources.shared.windows import (
    chunked,
    days_between,
    incremental_days,
    local_today,
    utc_bounds,
    yesterday,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("tz", "now", "expected"),
    [
        pytest.param("UTC", "2026-03-10T23:30:00+00:00", "2026-03-09", id="utc-late-evening"),
        pytest.param("Asia/Tokyo", "2026-03-10T23:30:00+00:00", "2026-03-10", id="tokyo-ahead"),
        pytest.param(
            "America/Los_Angeles", "2026-03-10T05:00:00+00:00", "2026-03-08", id="la-behind"
        ),
        pytest.param("Europe/Berlin", "2026-01-01T00:30:00+00:00", "2025-12-31", id="new-year"),
    ],
)
def test_yesterday_is_the_last_closed_local_day(tz: str, now: str, expected: str) -> None:
    assert yesterday(tz, datetime.fromisoformat(now)) == D(expected)


def test_local_today_differs_across_zones_at_the_same_instant() -> None:
    now = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)
    assert local_today("UTC", now) == D("2026-06-01")
    assert local_today("Asia/Kolkata", now) == D("2026-06-02")


@pytest.mark.parametrize(
    ("position", "start", "lookback", "last", "expected"),
    [
        pytest.param(
            None,
            "2026-03-01",
            3,
            "2026-03-04",
            ["03-01", "03-02", "03-03", "03-04"],
            id="first-sync-from-start-date",
        ),
        pytest.param(
            "2026-03-04",
            "2026-03-01",
            3,
            "2026-03-06",
            ["03-02", "03-03", "03-04", "03-05", "03-06"],
            id="lookback-plus-new",
        ),
        pytest.param(
            "2026-03-06",
            "2026-03-01",
            3,
            "2026-03-06",
            ["03-04", "03-05", "03-06"],
            id="nothing-new-only-lookback",
        ),
        pytest.param("2026-03-06", "2026-03-01", 0, "2026-03-06", [], id="no-lookback"),
        pytest.param(
            "2026-03-02",
            "2026-03-01",
            5,
            "2026-03-03",
            ["03-01", "03-02", "03-03"],
            id="lookback-stops-at-start-date",
        ),
        pytest.param("2026-04-01", "2026-03-01", 3, "2026-03-06", [], id="position-in-future"),
        pytest.param(None, "2026-03-10", 3, "2026-03-06", [], id="start-date-in-future"),
    ],
)
def test_incremental_days(
    position: str | None, start: str, lookback: int, last: str, expected: list[str]
) -> None:
    days = incremental_days(D(position) if position else None, D(start), lookback, D(last))
    assert [d.isoformat()[5:] for d in days] == expected


def test_incremental_days_rejects_negative_lookback() -> None:
    with pytest.raises(ValueError, match="lookback"):
        incremental_days(None, D("2026-01-01"), -1, D("2026-01-02"))


@pytest.mark.parametrize(
    ("day", "tz", "hours", "start_utc"),
    [
        pytest.param(
            "2026-03-29",
            "Europe/Berlin",
            23,
            "2026-03-28T23:00:00+00:00",
            id="berlin-spring-forward-23h",
        ),
        pytest.param(
            "2026-10-25",
            "Europe/Berlin",
            25,
            "2026-10-24T22:00:00+00:00",
            id="berlin-fall-back-25h",
        ),
        pytest.param(
            "2026-03-08",
            "America/New_York",
            23,
            "2026-03-08T05:00:00+00:00",
            id="new-york-spring-forward",
        ),
        pytest.param(
            "2026-11-01",
            "America/New_York",
            25,
            "2026-11-01T04:00:00+00:00",
            id="new-york-fall-back",
        ),
        pytest.param("2026-06-15", "UTC", 24, "2026-06-15T00:00:00+00:00", id="utc-plain"),
        pytest.param(
            "2026-06-15", "Asia/Kolkata", 24, "2026-06-14T18:30:00+00:00", id="half-hour-offset"
        ),
    ],
)
def test_utc_bounds_of_a_local_day(day: str, tz: str, hours: int, start_utc: str) -> None:
    start, end = utc_bounds(D(day), tz)
    assert start == datetime.fromisoformat(start_utc)
    assert (end - start).total_seconds() == hours * 3600


@pytest.mark.parametrize(
    ("day", "mouseflow", "pagesense"),
    [
        pytest.param(
            "2026-03-29", ("2026-03-29", "2026-03-30"), ("2026-03-29", "2026-03-29"), id="dst-day"
        ),
        pytest.param(
            "2026-12-31", ("2026-12-31", "2027-01-01"), ("2026-12-31", "2026-12-31"), id="year-end"
        ),
        pytest.param(
            "2028-02-28", ("2028-02-28", "2028-02-29"), ("2028-02-28", "2028-02-28"), id="leap-year"
        ),
    ],
)
def test_vendor_window_params(
    day: str, mouseflow: tuple[str, str], pagesense: tuple[str, str]
) -> None:
    # Mouseflow's todate is exclusive, PageSense's to_date inclusive: same single day.
    assert mf.window_params(D(day)) == {"fromdate": mouseflow[0], "todate": mouseflow[1]}
    assert ps.window_params(D(day)) == {"from_date": pagesense[0], "to_date": pagesense[1]}


def test_days_between_is_inclusive_and_empty_when_reversed() -> None:
    assert days_between(D("2026-02-27"), D("2026-03-01")) == [
        D("2026-02-27"),
        D("2026-02-28"),
        D("2026-03-01"),
    ]
    assert days_between(D("2026-03-02"), D("2026-03-01")) == []


def test_chunked() -> None:
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError):
        list(chunked([1], 0))
