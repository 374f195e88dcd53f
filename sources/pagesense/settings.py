"""PageSense constants: endpoints, page size, defaults."""

from __future__ import annotations

from datetime import date

VENDOR = "pagesense"

BASE_URL = "https://pagesense.zoho.com/api/v2"
ACCOUNTS_URL = "https://accounts.zoho.com"
TOKEN_PATH = "/oauth/v2/token"

# The largest `limit` the API honours (lists are capped there); asking for it keeps the
# number of calls per window minimal.
PAGE_SIZE = 200

DEFAULT_LOOKBACK_DAYS = 3
DEFAULT_START_DAYS_AGO = 30

WEBSITES = "/websites"
RECORDINGS = "/websites/{website_id}/recordings"
HEATMAPS = "/websites/{website_id}/heatmaps"
FUNNELS = "/websites/{website_id}/funnels"
FUNNEL_DATA = "/websites/{website_id}/funnels/{funnel_id}/data"
FORMS = "/websites/{website_id}/forms"
FORM_ANALYTICS = "/websites/{website_id}/forms/{form_id}/analytics"
REPORT = "/websites/{website_id}/reports/{report}"
GOALS = "/websites/{website_id}/goals"
GOAL_CONVERSIONS = "/websites/{website_id}/goals/{goal_id}/conversions"
TESTS = "/websites/{website_id}/tests"
TEST_RESULTS = "/websites/{website_id}/tests/{test_id}/results"
POLLS = "/websites/{website_id}/polls"
POLL_RESPONSES = "/websites/{website_id}/polls/{poll_id}/responses"

REPORTS = ("overview", "traffic", "conversions", "behavior")
# the reports a mart reads (SOURCES__PAGESENSE__REPORTS chooses): traffic feeds daily_traffic,
# overview its unique_visitors; conversions and behavior feed no mart, so by default their
# calls (half the reports resource's, against the per-minute limit) are not made
DEFAULT_REPORTS = ("overview", "traffic")

# Definitions, fetched once per run with the websites.
DEFINITIONS = {
    "funnels": FUNNELS,
    "forms": FORMS,
    "goals": GOALS,
    "tests": TESTS,
    "polls": POLLS,
}


def window_params(day: date) -> dict[str, str]:
    """PageSense's window for one day: both `from_date` and `to_date` are inclusive."""
    return {"from_date": day.isoformat(), "to_date": day.isoformat()}
