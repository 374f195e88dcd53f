from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pytest

from sources.sandbox.timestamps import format_instant
from sources.shared.arrow import instants_ns
from sources.shared.timestamps import parse_instant_ns

Reader = Callable[..., int]


def vectorised(text: str, naive_tz: str | None = None) -> int:
    """The Arrow path, as the recordings are read, for one value."""
    return instants_ns(pa.array([text]), naive_tz)[0].as_py()


# Every case holds for both readers of the one timestamp pattern.
both_readers = pytest.mark.parametrize(
    "read", [parse_instant_ns, vectorised], ids=["one-at-a-time", "vectorised"]
)

# 2015-09-23T07:46:08Z as epoch seconds
BASE = 1442994368


@pytest.mark.parametrize(
    ("text", "expected_ns"),
    [
        pytest.param(
            "2015-09-23T09:46:08.5452158+02:00",
            BASE * 10**9 + 545_215_800,
            id="mouseflow-7-digits-plus-offset",
        ),
        pytest.param("2015-09-23T07:46:08Z", BASE * 10**9, id="z-no-fraction"),
        pytest.param("2015-09-23T07:46:08.1Z", BASE * 10**9 + 100_000_000, id="one-digit"),
        pytest.param(
            "2015-09-23T07:46:08.123456789Z", BASE * 10**9 + 123_456_789, id="nine-digits"
        ),
        pytest.param(
            "2015-09-23T02:16:08.0000001-05:30",
            BASE * 10**9 + 100,
            id="negative-half-hour-offset-one-tick",
        ),
        pytest.param("2015-09-23T07:46:08+0000", BASE * 10**9, id="offset-without-colon"),
        pytest.param(
            "2015-09-23T09:46:08.5452158+02:00 ", BASE * 10**9 + 545_215_800, id="trailing-space"
        ),
        pytest.param("\t2015-09-23T07:46:08Z\n", BASE * 10**9, id="surrounding-whitespace"),
        pytest.param("2015-09-23 07:46:08,5Z", BASE * 10**9 + 500_000_000, id="space-and-comma"),
    ],
)
@both_readers
def test_timestamps_are_exact(read: Reader, text: str, expected_ns: int) -> None:
    assert read(text) == expected_ns


@pytest.mark.parametrize(
    ("text", "tz", "expected_ns"),
    [
        pytest.param("2015-04-25T18:20:55", "UTC", 1429986055 * 10**9, id="naive-utc"),
        pytest.param(
            "2015-04-25T18:20:55",
            "Europe/Berlin",
            (1429986055 - 7200) * 10**9,
            id="naive-berlin-summer",
        ),
        pytest.param(
            "2015-01-25T18:20:55",
            "Europe/Berlin",
            (1422210055 - 3600) * 10**9,
            id="naive-berlin-winter",
        ),
    ],
)
@both_readers
def test_naive_timestamps_are_read_in_the_given_zone(
    read: Reader, text: str, tz: str, expected_ns: int
) -> None:
    assert read(text, naive_tz=tz) == expected_ns


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2015-09-23", id="date-only"),
        pytest.param("yesterday", id="words"),
        pytest.param("2015-09-23T09:46:08.1234567890Z", id="ten-digits"),
        pytest.param("2015-13-23T09:46:08Z", id="month-13"),
        pytest.param("2015-09-23T07:46:08Z\nX", id="text-after-a-newline"),
        pytest.param("\u0662015-09-23T07:46:08Z", id="arabic-indic-digit"),
    ],
)
@both_readers
def test_garbage_is_rejected(read: Reader, text: str) -> None:
    with pytest.raises(ValueError):  # RowShapeError (the vectorised path) is a ValueError
        read(text)


@both_readers
def test_naive_timestamp_without_zone_is_an_error(read: Reader) -> None:
    with pytest.raises(ValueError, match="offset"):
        read("2015-04-25T18:20:55")


@pytest.mark.parametrize(
    ("ns", "tz"),
    [
        pytest.param(BASE * 10**9 + 545_215_800, "Europe/Berlin", id="summer"),
        pytest.param(1774746000 * 10**9 + 100, "Europe/Berlin", id="dst-switch-instant"),
        pytest.param(1761440400 * 10**9, "America/New_York", id="new-york"),
    ],
)
def test_format_then_parse_round_trips(ns: int, tz: str) -> None:
    text = format_instant(ns, tz)
    assert len(text.split(".")[1]) == len("5452158+02:00")
    assert parse_instant_ns(text) == ns
