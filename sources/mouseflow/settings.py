"""Mouseflow constants: endpoints, regions, page sizes, defaults."""

from __future__ import annotations

from datetime import date, timedelta

VENDOR = "mouseflow"

REGION_URLS = {
    "us": "https://api-us.mouseflow.com",
    "eu": "https://api-eu.mouseflow.com",
}

# The first request of a window asks for PAGE_SIZE rows; when `count` says there are more,
# the window is fetched again with `limit` = count (Mouseflow lists have no offset); a
# window larger than the server's own cap is fetched in slices (see slices.py).
PAGE_SIZE = 1000

DEFAULT_CONVERSION_TAGS = ["submit"]
DEFAULT_LOOKBACK_DAYS = 3
DEFAULT_START_DAYS_AGO = 30

WEBSITES = "/websites"
WEBSITE = "/websites/{website_id}"
RECORDINGS = "/websites/{website_id}/recordings"
PAGELIST = "/websites/{website_id}/pagelist"
FUNNELS = "/websites/{website_id}/funnels"
FORMS = "/websites/{website_id}/forms"
FORM = "/websites/{website_id}/forms/{form_id}"
FEEDBACK = "/websites/{website_id}/feedback"


def window_params(day: date) -> dict[str, str]:
    """Mouseflow's window for one day: `todate` is exclusive, so it is the next day."""
    return {"fromdate": day.isoformat(), "todate": (day + timedelta(days=1)).isoformat()}
