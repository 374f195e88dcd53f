"""Exact parsing of vendor timestamps into UTC epoch nanoseconds.

Mouseflow sends up to 7 fractional digits (100 ns ticks) and the account's UTC offset;
Python's datetime keeps only microseconds, so instants are carried as integer nanoseconds
and become `TIMESTAMP_NS` columns (UTC) in the warehouse.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pendulum

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})"
    r"(?:[.,](\d{1,9}))?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
NS = 1_000_000_000


def parse_instant_ns(text: str, naive_tz: str | None = None) -> int:
    """Nanoseconds since the Unix epoch (UTC) for an ISO 8601 timestamp.

    A timestamp without offset (Mouseflow's website `created`) is read in `naive_tz`;
    without `naive_tz` it is an error rather than a guess.
    """
    match = _ISO.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
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


def format_instant(ns: int, tz: str, digits: int = 7) -> str:
    """ISO 8601 in zone `tz` with `digits` fractional digits (`Z` for UTC offsets of 0 only
    when `tz` is UTC): how the sandbox writes Mouseflow timestamps."""
    seconds, nanos = divmod(ns, NS)
    local = datetime.fromtimestamp(seconds, ZoneInfo(tz))  # ZoneInfo caches per key: fast
    fraction = f".{str(nanos).zfill(9)[:digits]}" if digits else ""
    offset = local.strftime("%z")
    offset = "Z" if tz == "UTC" else f"{offset[:3]}:{offset[3:]}"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + offset
