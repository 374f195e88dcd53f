"""PageSense's windowed resources, declared once each (see `sources.shared.declare`).

In the order a chunk fetches them; each keeps its own position. Definitions (funnels,
forms, goals, tests) are not windowed: they are listed once per run with the websites.
Adding one: a reader in `fetch.py`, a line here, its raw columns in
`sql/sources/pagesense.toml` (README "Adding a resource").
"""

from __future__ import annotations

from sources.pagesense import fetch, settings
from sources.shared.declare import DAY, Resource, names, ns_utc

RESOURCES = (
    # replaced per (website_id, day): see the README ("recordings and merges")
    Resource(
        "recordings",
        settings.RECORDINGS,
        fetch.recordings,
        claim="pagination.total",
        columns={"timestamp": ns_utc(), "day": DAY},
        unique_id="id",
    ),
    Resource(
        "heatmaps",
        settings.HEATMAPS,
        fetch.heatmaps,
        claim="pagination.total",
        primary_key=("website_id", "day", "heatmap_id"),
    ),
    Resource(
        "funnel_steps",
        settings.FUNNEL_DATA,
        fetch.funnel_steps,
        claim="funnel total_visitors",  # each funnel's step-1 visitors, it says
        primary_key=("website_id", "day", "funnel_id", "step_number"),
    ),
    Resource(
        "forms",
        settings.FORM_ANALYTICS,
        fetch.forms,
        primary_key=("website_id", "day", "form_id"),
        variants={
            "form_fields": ("website_id", "day", "form_id", "field_name"),
            "form_drop_offs": ("website_id", "day", "form_id", "field"),
        },
    ),
    Resource(
        "reports",
        settings.REPORT,
        fetch.reports,
        claim="totals.visitors",  # against the sum of the reports' by_date visitors
        primary_key=("website_id", "day"),
        variants={f"report_{name}": ("website_id", "day") for name in settings.REPORTS},
    ),
    Resource(
        "goal_conversions",
        settings.GOAL_CONVERSIONS,
        fetch.goal_conversions,
        primary_key=("website_id", "day", "goal_id"),
    ),
    Resource(
        "test_results",
        settings.TEST_RESULTS,
        fetch.test_results,
        primary_key=("website_id", "day", "test_id", "variation_id"),
    ),
    Resource(
        "poll_responses",
        settings.POLL_RESPONSES,
        fetch.poll_responses,
        claim="pagination.total",
        primary_key=("website_id", "day", "poll_id", "response_id"),
        columns={"submitted_at": ns_utc(), "day": DAY},
    ),
)
WINDOWED = names(RESOURCES)
