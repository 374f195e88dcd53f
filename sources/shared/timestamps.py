"""Exact parsing of vendor timestamps into UTC epoch nanoseconds.

Mouseflow sends up to 7 fractional digits (100 ns ticks) and the account's UTC offset;
Python's datetime keeps only microseconds, so instants are carried as integer nanoseconds
and become `TIMESTAMP_NS` columns (UTC) in the warehouse.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pendulum

# The one pattern of a vendor timestamp, read by `parse_instant_ns` one at a time and by
# `sources.shared.arrow.instants_ns` vectorised (Arrow's regex needs the named groups); both
# trim surrounding whitespace first. `[0-9]`, not `\d`: Python's `\d` also matches other
# scripts' digits, Arrow's (RE2) does not.
ISO_8601 = (
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:[.,](?P<frac>[0-9]{1,9}))?(?P<tz>Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
_ISO = re.compile(ISO_8601)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
NS = 1_000_000_000


def parse_instant_ns(text: str, naive_tz: str | None = None) -> int:
    """Nanoseconds since the Unix epoch (UTC) for an ISO 8601 timestamp.

    A timestamp without offset (Mouseflow's website `created`) is read in `naive_tz`;
    without `naive_tz` it is an error rather than a guess.
    """
    match = _ISO.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    day_text, time_text, fraction, offset = match.groups()
    year, month, day = day_text.split("-")
    hour, minute, second = time_text.split(":")
    nanos = int((fraction or "").ljust(9, "0"))
    if offset is None:
        if naive_tz is None:
            raise ValueError(f"timestamp without UTC offset: {text!r}")
        local = pendulum.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tz=naive_tz
        )
        return int(local.timestamp()) * NS + nanos
    days = date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
    seconds = days * 86400 + int(hour) * 3600 + int(minute) * 60 + int(second)
    if offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds * NS + nanos


def ns_to_datetime(ns: int) -> datetime:
    """An aware UTC datetime for epoch nanoseconds (truncated to microseconds)."""
    return datetime.fromtimestamp(ns // 1000 / 1_000_000, tz=UTC)
