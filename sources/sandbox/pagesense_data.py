"""What the fake PageSense account holds, computed from the shared world: websites, the
definitions of funnels, forms, goals and tests, and each window's recordings, heatmaps and
reports. `PageSenseApp` (pagesense_api.py) serves these over HTTP.

Days are each website's own `timezone`; `from_date`/`to_date` are both inclusive; rates
are percentages 0-100; countries are English names.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from datetime import date
from typing import Any

from sources.sandbox.server import ApiError
from sources.sandbox.world import NS, Session, Site, World
from sources.shared.windows import days_between, utc_bounds

REPORTS = ("overview", "traffic", "conversions", "behavior")
HEATMAPS = (
    ("Homepage Click Heatmap", "click", "/"),
    ("Products Scroll Heatmap", "scroll", "/products"),
)
GOALS = (("Purchase", "page_visit"), ("Newsletter signup", "form_submission"))
REVENUE_PER_PURCHASE = 49.0


# The demo's one real disagreement (README "The vendor sandbox"): PageSense counts this form
# viewed on every page load, Mouseflow where a visitor saw it; submission rates differ.
SITE_WIDE_FORM = "newsletter"


def numeric_id(*parts: str) -> str:
    """An 18-digit Zoho-style id, stable for the same parts."""
    digest = hashlib.sha1("|".join(parts).encode()).hexdigest()
    return "123456" + str(int(digest[:12], 16) % 10**12).zfill(12)


def pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def significance(control: dict[str, Any], variation: dict[str, Any]) -> float:
    """Percent confidence that the variation's rate differs from the control's (two-sided
    pooled z-test), as PageSense reports `statistical_significance`."""
    n1, n2 = control["visitors"], variation["visitors"]
    x1, x2 = control["conversions"], variation["conversions"]
    if not n1 or not n2:
        return 0.0
    pooled = (x1 + x2) / (n1 + n2)
    error = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if error == 0:
        return 0.0
    z = abs(x2 / n2 - x1 / n1) / error
    return round(100 * math.erf(z / math.sqrt(2)), 1)


class PageSenseData:
    """The account's data, day by day; no HTTP here."""

    def __init__(self, world: World) -> None:
        self.world = world

    def sites(self) -> list[Site]:
        return [site for site in self.world.sites if site.pagesense_id]

    def sessions(self, site: Site, start: date, end: date) -> list[Session]:
        """Sessions PageSense saw from local `start` through local `end` (inclusive)."""
        tz = site.pagesense_timezone
        start_ns = int(utc_bounds(start, tz)[0].timestamp()) * NS
        end_ns = int(utc_bounds(end, tz)[1].timestamp()) * NS
        return [
            s for s in self.world.sessions_between(site, start_ns, end_ns) if s.seen_by_pagesense
        ]

    def by_day(self, site: Site, start: date, end: date) -> list[tuple[date, list[Session]]]:
        return [(day, self.sessions(site, day, day)) for day in days_between(start, end)]

    # -- definitions -----------------------------------------------------------------------
    def website(self, site: Site) -> dict[str, Any]:
        return {
            "id": site.pagesense_id,
            "name": site.domain.split(".")[0].title(),
            "url": f"https://www.{site.domain}",
            "industry": "Retail",
            "timezone": site.pagesense_timezone,
            "currency": "USD",
            "status": "active",
            "created_time": "2025-01-15T10:00:00Z",
        }

    def funnel_defs(self, site: Site) -> list[dict[str, Any]]:
        return [
            {
                "id": numeric_id(site.key, f.funnel_key),
                "name": f.name,
                "steps": [{"name": n, "type": "page_visit", "url": p} for n, p in f.steps],
                "created_time": "2025-01-15T10:00:00Z",
            }
            for f in site.funnels
        ]

    def form_defs(self, site: Site) -> list[dict[str, Any]]:
        return [
            {
                "id": numeric_id(site.key, f.form_key),
                "name": f.name,
                "url": f"https://www.{site.domain}{f.path}",
                "selector": f.target,
                "status": "active",
            }
            for f in site.forms
        ]

    def goal_defs(self, site: Site) -> list[dict[str, Any]]:
        return [
            {
                "id": numeric_id(site.key, name),
                "name": name,
                "type": kind,
                "value": REVENUE_PER_PURCHASE if kind == "page_visit" else 0.0,
                "status": "active",
            }
            for name, kind in GOALS
        ]

    def test_defs(self, site: Site) -> list[dict[str, Any]]:
        return [
            {
                "id": numeric_id(site.key, "cta"),
                "name": "CTA colour",
                "type": "ab_test",
                "status": "running",
                "url": f"https://www.{site.domain}/",
                "variations": [
                    {"id": "var_original", "name": "Original", "traffic_split": 50},
                    {"id": "var_001", "name": "Green button", "traffic_split": 50},
                ],
                "created_time": "2025-01-15T10:00:00Z",
            }
        ]

    # -- windowed views --------------------------------------------------------------------
    def recording(self, session: Session) -> dict[str, Any]:
        salt = int(session.visitor[:4], 16)
        errors = (
            [
                {
                    "type": "JavaScript Error",
                    "message": "Cannot read property 'value' of null",
                    "timestamp": salt % 60,
                }
            ]
            if salt % 9 == 0
            else []
        )
        return {
            "id": numeric_id(session.key, "pagesense"),
            "visitor_id": f"vis_{session.visitor[:9]}",
            "session_duration": session.duration_ms // 1000,
            "page_views": session.pages,
            "device": session.device,
            "browser": session.browser,
            "os": "Windows 11",
            "country": session.country_name,
            "city": "",
            "traffic_source": session.referrer_type.lower(),
            "converted": session.converted,
            "errors": errors,
            "rage_clicks": salt % 3,
            "dead_clicks": salt % 4,
            "recording_url": f"https://pagesense.zoho.com/view/recording/{session.key[-8:]}",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(session.start_ns // NS)),
        }

    def recording_list(self, site: Site, start: date, end: date) -> list[dict[str, Any]]:
        sessions = sorted(self.sessions(site, start, end), key=lambda s: s.start_ns)
        return [self.recording(s) for s in sessions]

    def heatmap_list(self, site: Site, start: date, end: date) -> list[dict[str, Any]]:
        sessions = self.sessions(site, start, end)
        out = []
        for name, kind, path in HEATMAPS:
            views = sum(s.paths.count(path) for s in sessions)
            visitors = len({s.visitor for s in sessions if path in s.paths})
            out.append(
                {
                    "id": numeric_id(site.key, name),
                    "name": name,
                    "type": kind,
                    "url": f"https://www.{site.domain}{path}",
                    "status": "active",
                    "total_clicks": views * 3 + visitors,
                    "unique_visitors": visitors,
                    "data_points": views * 3 + visitors,
                    "created_time": "2025-01-15T10:00:00Z",
                }
            )
        return out

    def funnel_report(self, site: Site, funnel_id: str, start: date, end: date) -> dict:
        index = next(
            (i for i, f in enumerate(self.funnel_defs(site)) if f["id"] == funnel_id), None
        )
        if index is None:
            raise ApiError(404, "Funnel not found")
        funnel = site.funnels[index]
        sessions = self.sessions(site, start, end)
        counts = [
            sum(1 for s in sessions if s.funnel_depths[index] > k) for k in range(len(funnel.steps))
        ]
        steps = [
            {
                "step": k + 1,
                "name": name,
                "visitors": counts[k],
                "drop_off": 0 if k == 0 else counts[k - 1] - counts[k],
                "conversion_rate": pct(counts[k], counts[0]),
                "average_time": 30 + 15 * k,
            }
            for k, (name, _path) in enumerate(funnel.steps)
        ]
        return {
            "funnel": {
                "id": funnel_id,
                "name": funnel.name,
                "total_visitors": counts[0],
                "completed_visitors": counts[-1],
                "completion_rate": pct(counts[-1], counts[0]),
                "average_time": 60 * len(steps),
                "steps": steps,
            }
        }

    def form_report(self, site: Site, form_id: str, start: date, end: date) -> dict:
        index = next((i for i, f in enumerate(self.form_defs(site)) if f["id"] == form_id), None)
        if index is None:
            raise ApiError(404, "Form not found")
        form = site.forms[index]
        sessions = self.sessions(site, start, end)
        stages = [s.form_stages[index] for s in sessions]
        views, interactions, submissions = (sum(1 for x in stages if x >= n) for n in (1, 2, 3))
        if form.form_key == SITE_WIDE_FORM:  # in every page's footer: every page load a view
            views = sum(s.pages for s in sessions)
        fields = [
            {
                "field_name": target,
                "interactions": interactions * (10 - i) // 10,
                "corrections": interactions // (5 + i),
                "blank_submissions": submissions // 9,
                "average_time": 6.5 + i,
            }
            for i, (target, _a, _t) in enumerate(form.fields)
        ]
        drops = [
            {
                "field": target,
                "drop_offs": (interactions - submissions) // (i + 2),
                "drop_off_rate": pct((interactions - submissions) // (i + 2), interactions),
            }
            for i, (target, _a, _t) in enumerate(form.fields)
        ]
        return {
            "analytics": {
                "form_id": form_id,
                "form_name": form.name,
                "views": views,
                "interactions": interactions,
                "submissions": submissions,
                "abandonment_rate": pct(interactions - submissions, interactions),
                "average_completion_time": 40 + 20 * len(form.fields),
                "conversion_rate": pct(submissions, views),
                "field_analytics": fields,
                "drop_off_points": drops,
            }
        }

    def goal_report(self, site: Site, goal_id: str, start: date, end: date) -> dict:
        names = {g["id"]: g["name"] for g in self.goal_defs(site)}
        if goal_id not in names:
            raise ApiError(404, "Goal Not Found", code=10005)
        sessions = self.sessions(site, start, end)
        hits = [s for s in sessions if self._goal_hit(site, names[goal_id], s)]
        value = REVENUE_PER_PURCHASE if names[goal_id] == "Purchase" else 0.0
        return {
            "conversions": {
                "goal_id": goal_id,
                "goal_name": names[goal_id],
                "visitors": len(sessions),
                "conversions": len(hits),
                "conversion_rate": pct(len(hits), len(sessions)),
                "revenue": round(value * len(hits), 2),
            }
        }

    @staticmethod
    def _goal_hit(site: Site, name: str, session: Session) -> bool:
        if name == "Purchase":
            return bool(site.funnels) and session.funnel_depths[0] == len(site.funnels[0].steps)
        return bool(site.forms) and session.form_stages[0] >= 3

    def test_report(self, site: Site, test_id: str, start: date, end: date) -> dict:
        if test_id != numeric_id(site.key, "cta"):
            raise ApiError(404, "Test not found")
        sessions = self.sessions(site, start, end)
        variations = []
        for n, (vid, name) in enumerate(
            (("var_original", "Original"), ("var_001", "Green button"))
        ):
            arm = [s for s in sessions if int(s.visitor[-1], 16) % 2 == n]
            won = sum(1 for s in arm if s.converted)
            variations.append(
                {
                    "id": vid,
                    "name": name,
                    "visitors": len(arm),
                    "conversions": won,
                    "conversion_rate": pct(won, len(arm)),
                }
            )
        base = variations[0]["conversion_rate"]
        for v in variations:
            v["improvement"] = round(100 * (v["conversion_rate"] - base) / base, 2) if base else 0
        for v in variations[1:]:
            v["statistical_significance"] = significance(variations[0], v)
        confidence = max(v["statistical_significance"] for v in variations[1:])
        best = max(variations, key=lambda v: v["conversion_rate"])
        return {
            "results": {
                "test_id": test_id,
                "status": "running",
                "total_visitors": len(sessions),
                "confidence_level": confidence,
                "winning_variation": best["id"] if confidence >= 95 else None,
                "variations": variations,
            }
        }

    def report(self, site: Site, name: str, start: date, end: date) -> dict:
        rows = []
        for day, sessions in self.by_day(site, start, end):
            rows.append({"date": day.isoformat(), **self._report_row(site, name, sessions)})
        totals = self._report_row(site, name, self.sessions(site, start, end))
        report: dict[str, Any] = {
            "period": {"from": start.isoformat(), "to": end.isoformat()},
            "totals": totals,
            "by_date": rows,
        }
        if name == "traffic":
            sessions = self.sessions(site, start, end)
            for dim, attr in (("country", "country_name"), ("device", "device")):
                counts = Counter(getattr(s, attr) for s in sessions)
                report[f"by_{dim}"] = [
                    {
                        dim: key if dim == "country" else key.title(),
                        "visitors": n,
                        "percentage": pct(n, len(sessions)),
                    }
                    for key, n in counts.most_common()
                ]
        return {"report": report}

    def _report_row(self, site: Site, name: str, sessions: list[Session]) -> dict[str, Any]:
        visitors = len(sessions)
        views = sum(s.pages for s in sessions)
        purchases = sum(1 for s in sessions if self._goal_hit(site, "Purchase", s))
        converted = sum(1 for s in sessions if s.converted)
        if name == "traffic":
            return {
                "visitors": visitors,
                "page_views": views,
                "bounce_rate": pct(sum(1 for s in sessions if s.pages == 1), visitors),
                "avg_session_duration": round(
                    sum(s.duration_ms for s in sessions) / 1000 / visitors
                )
                if visitors
                else 0,
            }
        if name == "overview":
            return {
                "visitors": visitors,
                "unique_visitors": len({s.visitor for s in sessions}),
                "page_views": views,
                "conversions": converted,
                "conversion_rate": pct(converted, visitors),
            }
        if name == "conversions":
            return {
                "goal_conversions": converted + purchases,
                "purchases": purchases,
                "conversion_rate": pct(converted, visitors),
                "revenue": round(purchases * REVENUE_PER_PURCHASE, 2),
            }
        return {
            "avg_pages_per_session": round(views / visitors, 2) if visitors else 0.0,
            "rage_clicks": sum(int(s.visitor[:4], 16) % 3 for s in sessions),
            "dead_clicks": sum(int(s.visitor[:4], 16) % 4 for s in sessions),
            "error_sessions": sum(1 for s in sessions if int(s.visitor[:4], 16) % 9 == 0),
        }
