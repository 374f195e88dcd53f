"""pageflow's run loop and command line."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VENDORS = ("pagesense", "mouseflow")  # both sync side by side
LATEST_ZONE = "Pacific/Kiritimati"  # UTC+14: no website's today is later than its today


def latest_today() -> date:
    """The latest calendar date anywhere on Earth now: no day after it has data yet."""
    return datetime.now(ZoneInfo(LATEST_ZONE)).date()
