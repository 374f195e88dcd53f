"""The analyst marts (pages, goals, A/B tests, funnel drop-off) and the comparison's counts,
computed straight from the sandbox's answers for whole days."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from urllib.parse import urlsplit

from sources.sandbox import Sandbox

COLUMNS = {  # grain first, then the other columns in the order the functions build them
    "funnel_drop_off": (
        "site, vendor, website_id, funnel_id, day, step_number, step_name, "
        "previous_step_name, previous_visitors, visitors, visitors_lost, drop_off_rate",
        6,
    ),
    "pages": (
        "site, vendor, website_id, day, page, page_url, views, visitors, avg_view_seconds, "
        "avg_engagement_seconds, clicks, scroll_reach, heatmaps",
        5,
    ),
    "goal_conversion": (
        "site, vendor, website_id, goal_id, day, goal_name, visitors, conversions, "
        "conversion_rate, revenue",
        5,
    ),
    "ab_test_results": (
        "site, vendor, website_id, test_id, day, variation_id, variation_name, is_control, "
        "visitors, conversions, conversion_rate, improvement, statistical_significance, "
        "confidence_level, is_winner",
        6,
    ),
}


def analyst_truth(sandbox: Sandbox, days: Sequence[date]) -> dict[str, dict[tuple, tuple]]:
    """pages, goal_conversion and ab_test_results as a perfect sync must build them."""
    ps, mf = sandbox.pagesense_app, sandbox.mouseflow_app
    out: dict[str, dict[tuple, tuple]] = defaultdict(dict)
    for day in days:
        nxt = day + timedelta(days=1)
        for site in mf.sites():
            key = (site.domain, "mouseflow", site.mouseflow_id, day)
            for page in mf.page_list(site, day, nxt)["pages"]:
                out["pages"][(*key, page["displayUrl"])] = (
                    page["uri"],
                    page["views"],
                    None,
                    page["visitTime"] / 1000,
                    page["engagementTime"] / 1000,
                    page["clicks"],
                    page["scroll"] / 100,
                    None,
                )
            recordings = mf.recording_list(site, day, nxt)["recordings"]
            if recordings:
                won = sum("submit" in r["tags"] for r in recordings)
                out["goal_conversion"][(*key[:3], "tag:submit", day)] = (
                    "submit",
                    len(recordings),
                    won,
                    won / len(recordings),
                    None,
                )
        for site in ps.sites():
            key = (site.domain, "pagesense", site.pagesense_id)
            for heatmap in ps.heatmap_list(site, day, day):
                out["pages"][(*key, day, urlsplit(heatmap["url"]).path or "/")] = (
                    heatmap["url"],
                    None,
                    heatmap["unique_visitors"],
                    None,
                    None,
                    heatmap["total_clicks"],
                    None,
                    1,
                )
            for goal in ps.goal_defs(site):
                c = ps.goal_report(site, goal["id"], day, day)["conversions"]
                out["goal_conversion"][(*key, goal["id"], day)] = (
                    c["goal_name"],
                    c["visitors"],
                    c["conversions"],
                    c["conversions"] / c["visitors"] if c["visitors"] else None,
                    c["revenue"],
                )
            for test in ps.test_defs(site):
                results = ps.test_report(site, test["id"], day, day)["results"]
                for v in results["variations"]:
                    significance = v.get("statistical_significance")
                    winner = results["winning_variation"]
                    out["ab_test_results"][(*key, test["id"], day, v["id"])] = (
                        v["name"],
                        v["id"] == "var_original",
                        v["visitors"],
                        v["conversions"],
                        v["conversions"] / v["visitors"] if v["visitors"] else None,
                        v["improvement"] / 100,
                        None if significance is None else significance / 100,
                        results["confidence_level"] / 100,
                        None if winner is None else v["id"] == winner,
                    )
    return out


def drop_off(funnel_conversion: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """funnel_drop_off from the expected funnel_conversion rows (keys: site, vendor,
    funnel_id, day, step; values: website_id, funnel_name, step_name, visitors, ...)."""
    out = {}
    for (site, vendor, funnel, day, step), row in funnel_conversion.items():
        previous = funnel_conversion.get((site, vendor, funnel, day, step - 1))
        if previous is None:
            continue
        lost = previous[3] - row[3]
        out[(site, vendor, row[0], funnel, day, step)] = (
            row[2],
            previous[2],
            previous[3],
            row[3],
            lost,
            lost / previous[3] if previous[3] else None,
        )
    return out


def comparison_counts(marts: dict[str, dict[tuple, tuple]]) -> dict[tuple, tuple]:
    """Per (site, day, metric, lower subject): each side's (numerator, denominator)."""
    sides: dict[tuple, dict[str, tuple]] = defaultdict(dict)
    for (site, vendor, day), row in marts["daily_traffic"].items():
        sides[(site, day, "sessions", None)][vendor] = (row[1], None)
        sides[(site, day, "page_views", None)][vendor] = (row[2], None)
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (site, vendor, day, _device, _country), row in marts["session_conversion"].items():
        totals[(site, vendor, day)][0] += row[2]
        totals[(site, vendor, day)][1] += row[1]
    for (site, vendor, day), (won, n) in totals.items():
        sides[(site, day, "session_conversion_rate", None)][vendor] = (won, n)
    funnels: dict[tuple, dict[int, int]] = defaultdict(dict)
    for (site, vendor, _funnel, day, step), row in marts["funnel_conversion"].items():
        funnels[(site, vendor, day, row[1].lower())][step] = row[3]
    for (site, vendor, day, name), steps in funnels.items():
        sides[(site, day, "funnel_completion_rate", name)][vendor] = (
            steps[max(steps)],
            steps[min(steps)],
        )
    for (site, vendor, _form, day), row in marts["form_conversion"].items():
        sides[(site, day, "form_submission_rate", row[1].lower())][vendor] = (row[4], row[2])
    return {
        key: (*pair["pagesense"], *pair["mouseflow"])
        for key, pair in sides.items()
        if set(pair) == {"pagesense", "mouseflow"}
    }
