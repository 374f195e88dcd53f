"""The Mouseflow dlt source: websites, recordings, page list, funnels, forms and feedback.

One source instance covers one chunk of windows (website x resource x local day); the run
loop in `pipelines/` decides which windows and commits each chunk with one `run()`.

    client = MouseflowClient(base_url, email, api_key)
    source = mouseflow_source(client, Chunk(windows), timezone_name="Europe/Berlin")
    pipeline.run(source)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract.resource import DltResource

from sources.mouseflow import settings
from sources.mouseflow.client import RECORDING_TYPES, MouseflowClient
from sources.mouseflow.settings import VENDOR
from sources.shared.arrow import finish
from sources.shared.resources import (
    NOTHING,
    Chunk,
    Fetched,
    audit,
    check_in_window,
    ns_utc,
    positions_of,
    shape_error,
    variant,
    windowed_resources,
    with_window,
)
from sources.shared.shapes import RowShapeError, is_count
from sources.shared.timestamps import ns_to_datetime, parse_instant_ns
from sources.shared.windows import Window


@dlt.source(name=VENDOR, max_table_nesting=0)
def mouseflow_source(
    client: MouseflowClient,
    chunk: Chunk = NOTHING,
    *,
    timezone_name: str = "UTC",
    workers: int = 4,
) -> list[DltResource]:
    """Resources for the chunk's windows; its `websites` (details with `domains`) are
    loaded when given."""
    resources: list[DltResource] = []
    if chunk.websites is not None:
        resources.append(websites_resource(list(chunk.websites), timezone_name))
    fetchers = mouseflow_fetchers(client, timezone_name)
    hints: dict[str, dict[str, Any]] = {
        "recordings": {
            # replaced per (website_id, day): see the README ("recordings and merges")
            "columns": {
                "created": ns_utc(),
                "last_activity": ns_utc(),
                "day": {"data_type": "date"},
            },
        },
        "pages": {"primary_key": ["website_id", "day", "display_url"]},
        "funnel_steps": {"primary_key": ["website_id", "day", "funnel_id", "step_number"]},
        "forms": {"primary_key": ["website_id", "day", "form_id"]},
        "feedback": {"primary_key": ["website_id", "day", "campaign_id"]},
    }
    resources += windowed_resources(VENDOR, chunk, fetchers, hints, workers=workers)
    return resources


def mouseflow_fetchers(
    client: MouseflowClient, timezone_name: str
) -> dict[str, Callable[[Window], Fetched]]:
    """How each windowed resource fetches one window (thread-safe; no dlt inside)."""
    return {
        "recordings": partial(_fetch_recordings, client, timezone_name),
        "pages": partial(_fetch_pages, client),
        "funnel_steps": partial(_fetch_funnel_steps, client),
        "forms": partial(_fetch_forms, client),
        "feedback": partial(_fetch_feedback, client),
    }


def websites_resource(websites: list[dict[str, Any]], timezone_name: str) -> DltResource:
    """Website details, `created` read in the account's zone (Mouseflow sends no offset)."""

    def rows() -> Iterator[dict[str, Any]]:
        for site in websites:
            row = dict(site)
            row["account_timezone"] = timezone_name  # Mouseflow days are the account's zone
            if isinstance(row.get("created"), str):
                row["created"] = ns_to_datetime(parse_instant_ns(row["created"], timezone_name))
            yield row

    return dlt.resource(rows(), name="websites", write_disposition="merge", primary_key="id")


def _fetch_recordings(client: MouseflowClient, tz: str, window: Window) -> Fetched:
    rows, count = client.recordings(window.website_id, window.day)
    constants = {
        "website_id": pa.array([window.website_id] * rows.num_rows, pa.string()),
        "day": pa.array([window.day] * rows.num_rows, type=pa.date32()),
    }
    try:
        table = finish(rows, RECORDING_TYPES, ("created", "lastActivity"), constants, tz)
    except RowShapeError as exc:
        raise shape_error(VENDOR, settings.RECORDINGS, window, exc) from None
    check_in_window(VENDOR, settings.RECORDINGS, window, table, "created", tz)
    items = [table] if table.num_rows else []
    return items, audit(window, table.num_rows, "count", count)


def _fetch_pages(client: MouseflowClient, window: Window) -> Fetched:
    answer = client.pages(window.website_id, window.day)
    return with_window(window, answer.rows), audit(
        window, len(answer.rows), "count", answer.expected
    )


def _fetch_funnel_steps(client: MouseflowClient, window: Window) -> Fetched:
    rows = []
    for funnel in client.funnels(window.website_id, window.day):
        for number, step in enumerate(funnel["steps"], start=1):
            if not isinstance(step, dict) or not is_count(step.get("count")):
                raise shape_error(
                    VENDOR,
                    settings.FUNNELS,
                    window,
                    f"funnel {funnel['funnelId']} step {number} has no whole-number `count`",
                )
            rows.append(
                {
                    "funnel_id": funnel["funnelId"],
                    "funnel_name": funnel.get("name"),
                    "step_number": number,
                    "step_name": step.get("name"),
                    "url": step.get("url"),
                    "count": step["count"],
                }
            )
    return with_window(window, rows), audit(window, len(rows))


def _fetch_forms(client: MouseflowClient, window: Window) -> Fetched:
    forms = client.forms(window.website_id, window.day)
    fields = []
    for form in forms:
        for name in ("visits", "interactions", "submits", "success"):
            if form.get(name) is not None and not is_count(form[name]):
                problem = f"form field `{name}` is not a count"
                raise shape_error(VENDOR, settings.FORMS, window, problem)
        report = client.form(window.website_id, form["formId"], window.day)
        targets = set()
        for position, fld in enumerate(report["fields"], start=1):
            target = fld.get("target") if isinstance(fld, dict) else None
            if not isinstance(target, str) or target in targets:
                raise shape_error(
                    VENDOR,
                    settings.FORM,
                    window,
                    f"a form field has a null or duplicate `target` (form {form['formId']})",
                )
            targets.add(target)
            fields.append({"form_id": form["formId"], "position": position, **fld})
    field_items = with_window(window, fields)
    items: list[Any] = with_window(window, forms)
    if field_items:
        items.append(
            variant(field_items, "form_fields", ["website_id", "day", "form_id", "target"])
        )
    return items, audit(window, len(forms))


def _fetch_feedback(client: MouseflowClient, window: Window) -> Fetched:
    rows = []
    for campaign in client.feedback(window.website_id, window.day):
        report = campaign.get("report") or {}
        row = {k: v for k, v in campaign.items() if k not in ("report", "campaignId")}
        rows.append(
            {
                "campaign_id": campaign["campaignId"],
                **row,
                "impressions": report.get("impressions"),
                "responses": report.get("responses"),
            }
        )
    return with_window(window, rows), audit(window, len(rows))


__all__ = ["MouseflowClient", "mouseflow_fetchers", "mouseflow_source", "positions_of"]
