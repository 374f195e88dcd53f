"""Mouseflow's windowed resources, declared once each (see `sources.shared.declare`).

In the order a chunk fetches them; each keeps its own position. Adding one: a reader in
`fetch.py`, a line here, its raw columns in `sql/sources/mouseflow.toml` (README "Adding a
resource").
"""

from __future__ import annotations

from sources.mouseflow import fetch, settings
from sources.shared.declare import DAY, Resource, names, ns_utc

RESOURCES = (
    # replaced per (website_id, day): see the README ("recordings and merges")
    Resource(
        "recordings",
        settings.RECORDINGS,
        fetch.recordings,
        claim="count",
        columns={"created": ns_utc(), "last_activity": ns_utc(), "day": DAY},
        unique_id="id",
    ),
    Resource(
        "pages",
        settings.PAGELIST,
        fetch.pages,
        claim="count",
        primary_key=("website_id", "day", "display_url"),
    ),
    Resource(
        "funnel_steps",
        settings.FUNNELS,
        fetch.funnel_steps,
        primary_key=("website_id", "day", "funnel_id", "step_number"),
    ),
    Resource(
        "forms",
        settings.FORMS,
        fetch.forms,
        primary_key=("website_id", "day", "form_id"),
        variants={"form_fields": ("website_id", "day", "form_id", "target")},
    ),
    Resource(
        "feedback",
        settings.FEEDBACK,
        fetch.feedback,
        primary_key=("website_id", "day", "campaign_id"),
    ),
)
WINDOWED = names(RESOURCES)
