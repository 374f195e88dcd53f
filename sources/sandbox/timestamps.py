"""How the sandbox writes vendor timestamps (the reading side is `sources.shared.timestamps`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sources.shared.timestamps import NS


def format_instant(ns: int, tz: str, digits: int = 7) -> str:
    """ISO 8601 in zone `tz` with `digits` fractional digits (`Z` for UTC offsets of 0 only
    when `tz` is UTC): how the sandbox writes Mouseflow timestamps."""
    seconds, nanos = divmod(ns, NS)
    local = datetime.fromtimestamp(seconds, ZoneInfo(tz))  # ZoneInfo caches per key: fast
    fraction = f".{str(nanos).zfill(9)[:digits]}" if digits else ""
    offset = local.strftime("%z")
    offset = "Z" if tz == "UTC" else f"{offset[:3]}:{offset[3:]}"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + offset
