"""How each Mouseflow resource reads one window: the calls, the checks, the rows.

Thread-safe and free of dlt: the run loop calls these from its fetch pool. Each returns
the window's items and its `Claim`; which resource is which, and how it is stored, is
declared in `resources.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from sources.mouseflow import settings
from sources.mouseflow.client import RECORDING_TYPES, MouseflowClient
from sources.mouseflow.settings import VENDOR
from sources.shared.arrow import finish
from sources.shared.declare import Claim, Fetched
from sources.shared.errors import RowShapeError
from sources.shared.resources import check_in_window, shape_error, variant, with_window
from sources.shared.shapes import is_count
from sources.shared.windows import Window


@dataclass(frozen=True)
class Context:
    """What every Mouseflow window reader needs: the client and the account's zone."""

    client: MouseflowClient
    timezone: str


def recordings(ctx: Context, window: Window) -> Fetched:
    tz = ctx.timezone
    rows, count = ctx.client.recordings(window.website_id, window.day)
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
    return items, Claim(table.num_rows, count)


def pages(ctx: Context, window: Window) -> Fetched:
    answer = ctx.client.pages(window.website_id, window.day)
    return with_window(window, answer.rows), Claim(len(answer.rows), answer.expected)


def funnel_steps(ctx: Context, window: Window) -> Fetched:
    rows = []
    for funnel in ctx.client.funnels(window.website_id, window.day):
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
    return with_window(window, rows), Claim(len(rows))


def forms(ctx: Context, window: Window) -> Fetched:
    forms = ctx.client.forms(window.website_id, window.day)
    fields = []
    for form in forms:
        for name in ("visits", "interactions", "submits", "success"):
            if form.get(name) is not None and not is_count(form[name]):
                problem = f"form field `{name}` is not a count"
                raise shape_error(VENDOR, settings.FORMS, window, problem)
        report = ctx.client.form(window.website_id, form["formId"], window.day)
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
        items.append(variant(field_items, "form_fields"))
    return items, Claim(len(forms))


def feedback(ctx: Context, window: Window) -> Fetched:
    rows = []
    for campaign in ctx.client.feedback(window.website_id, window.day):
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
    return with_window(window, rows), Claim(len(rows))
