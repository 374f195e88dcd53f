"""What a perfect sync must load, from each fake vendor's own answers for whole days.

Keyed by each raw table's grain, so a test compares the warehouse with it row for row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sources.sandbox.pagesense_polls import poll_truth

if TYPE_CHECKING:
    from sources.sandbox.mouseflow_api import MouseflowApp
    from sources.sandbox.pagesense_api import PageSenseApp


def mouseflow_truth(
    app: MouseflowApp, days: Iterable[date], website_ids: Iterable[str] | None = None
) -> dict:
    """What a perfect sync of these local days must load, keyed by each table's grain."""
    wanted = set(website_ids) if website_ids is not None else None
    out: dict[str, dict] = {
        name: {}
        for name in ("recordings", "pages", "funnel_steps", "forms", "form_fields", "feedback")
    }
    for site in app.sites():
        wid = site.mouseflow_id
        assert wid is not None
        if wanted is not None and wid not in wanted:
            continue
        for day in days:
            nxt = day + timedelta(days=1)
            for rec in app.recording_list(site, day, nxt)["recordings"]:
                out["recordings"][(wid, rec["id"])] = (day, rec["created"], rec["pages"])
            for page in app.page_list(site, day, nxt)["pages"]:
                out["pages"][(wid, day, page["displayUrl"])] = page["views"]
            for funnel in app.funnel_list(site, day, nxt):
                for number, step in enumerate(funnel["steps"], start=1):
                    out["funnel_steps"][(wid, day, funnel["funnelId"], number)] = step["count"]
            for form in app.form_list(site, day, nxt, detail=True):
                out["forms"][(wid, day, form["formId"])] = (
                    form["visits"],
                    form["interactions"],
                    form["submits"],
                    form["success"],
                )
                for fld in form["fields"]:
                    out["form_fields"][(wid, day, form["formId"], fld["target"])] = (
                        fld["interactions"],
                        fld["dropped"],
                    )
            for campaign in app.feedback_list(site, day, nxt):
                report = campaign["report"]
                out["feedback"][(wid, day, campaign["campaignId"])] = (
                    report["impressions"],
                    report["responses"],
                )
    return out


def pagesense_truth(app: PageSenseApp, days: Iterable[date]) -> dict[str, dict]:
    """What a perfect sync of these local days must load, keyed by each table's grain."""
    out: dict[str, dict] = {
        k: {}
        for k in (
            "recordings",
            "heatmaps",
            "funnel_steps",
            "forms",
            "report_traffic",
            "goal_conversions",
            "test_results",
            "poll_responses",
        )
    }
    for site in app.sites():
        wid = site.pagesense_id
        for day in days:
            for rec in app.recording_list(site, day, day):
                out["recordings"][(wid, rec["id"])] = (day, rec["timestamp"], rec["page_views"])
            for hm in app.heatmap_list(site, day, day):
                out["heatmaps"][(wid, day, hm["id"])] = hm["total_clicks"]
            for f in app.funnel_defs(site):
                for step in app.funnel_report(site, f["id"], day, day)["funnel"]["steps"]:
                    out["funnel_steps"][(wid, day, f["id"], step["step"])] = step["visitors"]
            for f in app.form_defs(site):
                a = app.form_report(site, f["id"], day, day)["analytics"]
                out["forms"][(wid, day, f["id"])] = (
                    a["views"],
                    a["interactions"],
                    a["submissions"],
                )
            row = app.report(site, "traffic", day, day)["report"]["by_date"][0]
            out["report_traffic"][(wid, day)] = (row["visitors"], row["page_views"])
            for g in app.goal_defs(site):
                c = app.goal_report(site, g["id"], day, day)["conversions"]
                out["goal_conversions"][(wid, day, g["id"])] = c["conversions"]
            for t in app.test_defs(site):
                for v in app.test_report(site, t["id"], day, day)["results"]["variations"]:
                    out["test_results"][(wid, day, t["id"], v["id"])] = v["conversions"]
            out["poll_responses"].update(poll_truth(site, app.sessions(site, day, day), day))
    return out
