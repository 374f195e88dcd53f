"""The fake Mouseflow API: the reference's shapes, computed from the shared world.

Days are the account's time zone; `todate` is exclusive; lists have only `limit`
(default 50, capped at `max_limit`) and report the window's full `count`.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sources.sandbox.server import Answer, ApiError, Request
from sources.sandbox.timestamps import format_instant
from sources.sandbox.world import NS, Session, Site, World
from sources.shared.windows import days_between, utc_bounds

DEVICE_NAMES = {"desktop": "Desktop", "tablet": "Tablet", "mobile": "Phone"}
ENDPOINTS = (
    "/websites/{website_id}/recordings",
    "/websites/{website_id}/pagelist",
    "/websites/{website_id}/funnels",
    "/websites/{website_id}/forms",
    "/websites/{website_id}/forms/{form_id}",
    "/websites/{website_id}/feedback",
)


def short_id(*parts: str) -> str:
    """A Mouseflow-style 22-character id, stable for the same parts."""
    digest = hashlib.sha1("|".join(parts).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def recording_id(session: Session) -> str:
    return hashlib.sha1(f"{session.key}|mouseflow".encode()).hexdigest()[:32]


class MouseflowApp:
    """Routes and views of the fake Mouseflow account."""

    vendor = "mouseflow"
    prefix = ""

    def __init__(
        self,
        world: World,
        timezone: str,
        email: str,
        api_key: str,
        *,
        max_limit: int = 5000,
        default_limit: int = 50,
    ) -> None:
        self.world = world
        self.timezone = timezone
        self.max_limit = max_limit
        self.default_limit = default_limit
        self._auth = "Basic " + base64.b64encode(f"{email}:{api_key}".encode()).decode()

    # -- the App protocol ------------------------------------------------------------------
    def routes(self) -> list[tuple[str, Any]]:
        return [
            ("/websites", self.websites),
            ("/websites/{website_id}", self.website),
            ("/websites/{website_id}/recordings", self.recordings),
            ("/websites/{website_id}/pagelist", self.pagelist),
            ("/websites/{website_id}/funnels", self.funnels),
            ("/websites/{website_id}/forms", self.forms),
            ("/websites/{website_id}/forms/{form_id}", self.form),
            ("/websites/{website_id}/feedback", self.feedback),
        ]

    def authorize(self, request: Request) -> Answer | None:
        if request.headers.get("Authorization") != self._auth:
            return Answer(401, {"message": "Unauthorized -- Your API key is wrong."})
        return None

    def window_day(self, request: Request) -> str | None:
        return request.params.get("fromdate")

    def decorate(self, request: Request, answer: Answer) -> None:
        return None

    # -- helpers ---------------------------------------------------------------------------
    def sites(self) -> list[Site]:
        return [site for site in self.world.sites if site.mouseflow_id]

    def _site(self, request: Request) -> Site:
        site = self.world.site_by_vendor_id("mouseflow", request.path_args["website_id"])
        if site is None:
            raise ApiError(404, "The requested URL could not be found.")
        return site

    def _window(self, request: Request) -> tuple[date, date]:
        try:
            start = date.fromisoformat(request.params["fromdate"])
            end = date.fromisoformat(request.params["todate"])
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "Bad Request -- fromdate and todate (YYYY-MM-DD) needed.") from exc
        if end <= start:
            raise ApiError(400, "Bad Request -- todate must be after fromdate (it is exclusive).")
        return start, end

    def _limit(self, request: Request) -> int:
        try:
            limit = int(request.params.get("limit", self.default_limit))
        except ValueError as exc:
            raise ApiError(400, "Bad Request -- limit must be a number.") from exc
        return max(1, min(limit, self.max_limit))

    def sessions(self, site: Site, start: date, end: date) -> list[Session]:
        """Sessions Mouseflow recorded from local midnight of `start` to that of `end`."""
        start_ns = int(utc_bounds(start, self.timezone)[0].timestamp()) * NS
        end_ns = int(utc_bounds(end, self.timezone)[0].timestamp()) * NS
        return [
            s for s in self.world.sessions_between(site, start_ns, end_ns) if s.seen_by_mouseflow
        ]

    def local_day(self, session: Session) -> date:
        return datetime.fromtimestamp(session.start_ns // NS, ZoneInfo(self.timezone)).date()

    # -- views (also the truth: what a perfect sync must load) ------------------------------
    def website_detail(self, site: Site) -> dict[str, Any]:
        return {
            "id": site.mouseflow_id,
            "name": site.domain,
            "created": "2024-01-05T10:00:00",
            "status": "Recording",
            "thumb": f"{short_id(site.key)}.png",
            "readOnly": False,
            "domains": [f"www.{site.domain}", f"checkout.{site.domain}"],
            "recordingRate": 97,
            "alignment": "Center",
            "width": 1280,
            "pageIdentifiers": [],
            "encoding": "UTF-8",
            "anonymizeIps": True,
            "disableKeystrokes": False,
            "excludedIps": [],
            "mergeUrls": [],
            "cdnDomainName": "cdn.mouseflow.com",
            "isDemo": False,
        }

    def recording(self, site: Site, session: Session) -> dict[str, Any]:
        tags = []
        if any(stage >= 2 for stage in session.form_stages):
            tags.append("form-interact")
        if session.converted:
            tags.append("submit")
        rec_id = recording_id(session)
        return {
            "id": rec_id,
            "created": format_instant(session.start_ns, self.timezone),
            "lastActivity": format_instant(session.end_ns, self.timezone),
            "duration": session.duration_ms,
            "pages": session.pages,
            "country": session.country_code,
            "city": "",
            "isp": "Example ISP",
            "ip": "203.0.113.###",
            "lang": "en-US",
            "userAgent": f"Mozilla/5.0 {session.browser}",
            "browser": session.browser,
            "browserVersion": "120.0",
            "os": "Windows",
            "osVersion": "11",
            "device": DEVICE_NAMES[session.device],
            "referrer": "",
            "referrerType": session.referrer_type,
            "screenRes": "1920x1080",
            "entry": f"https://{site.domain}{session.paths[0]}",
            "entryPage": session.paths[0],
            "tags": tags,
            "variables": [],
            "watched": False,
            "starred": False,
            "lng": 10.4979,
            "lat": 52.3022,
            "visitorId": session.visitor,
            "playbackUrl": f"/websites/{site.mouseflow_id}/recordings/{rec_id}/play",
        }

    def recording_list(
        self,
        site: Site,
        start: date,
        end: date,
        filters: dict[str, str] | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        sessions = [s for s in self.sessions(site, start, end) if _kept(s, filters or {})]
        chart = Counter(self.local_day(s).isoformat() for s in sessions)
        newest_first = sorted(sessions, key=lambda s: s.start_ns, reverse=True)[:limit]
        return {
            "recordings": [self.recording(site, s) for s in newest_first],
            "chart": {
                day.isoformat(): chart.get(day.isoformat(), 0)
                for day in days_between(start, end - timedelta(days=1))
            },
            "count": len(sessions),
        }

    def page_list(self, site: Site, start: date, end: date) -> dict[str, Any]:
        views: Counter[str] = Counter()
        time_ms: defaultdict[str, int] = defaultdict(int)
        for session in self.sessions(site, start, end):
            for path in session.paths:
                views[path] += 1
                time_ms[path] += session.duration_ms // session.pages
        pages = [
            {
                "displayUrl": path,
                "uri": f"https://{site.domain}{path}",
                "title": f"{site.domain} {path}",
                "views": count,
                "visitTime": time_ms[path] // count,
                "engagementTime": time_ms[path] // count // 2,
                "clicks": count * 2 + len(path),
                "renderTime": 900 + len(path) * 10,
                "scroll": 40 + len(path) % 50,
                "fold": 800,
                "height": 2400,
                "size": 19000 + len(path),
            }
            for path, count in sorted(views.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return {"pages": pages, "count": len(pages)}

    def funnel_list(self, site: Site, start: date, end: date) -> list[dict[str, Any]]:
        sessions = self.sessions(site, start, end)
        return [
            {
                "funnelId": short_id(site.key, funnel.funnel_key),
                "name": funnel.name,
                "steps": [
                    {
                        "name": name,
                        "url": path,
                        "count": sum(1 for s in sessions if s.funnel_depths[index] > step),
                    }
                    for step, (name, path) in enumerate(funnel.steps)
                ],
            }
            for index, funnel in enumerate(site.funnels)
        ]

    def form_list(
        self, site: Site, start: date, end: date, detail: bool = False
    ) -> list[dict[str, Any]]:
        sessions = self.sessions(site, start, end)
        forms = []
        for index, form in enumerate(site.forms):
            stages = [s.form_stages[index] for s in sessions]
            interactions = sum(1 for stage in stages if stage >= 2)
            fields = []
            for position, (target, alias, kind) in enumerate(form.fields):
                field: dict[str, Any] = {
                    "target": target,
                    "alias": alias,
                    "type": kind,
                    "interactions": interactions * (10 - position) // 10,
                }
                if detail:
                    field.update(
                        startTime=1500 * (position + 1),
                        duration=4000 + 700 * position,
                        refills=interactions // (7 + position),
                        blanks=interactions // (20 + position),
                        dropped=interactions // (10 + position * 3),
                    )
                fields.append(field)
            forms.append(
                {
                    "formId": short_id(site.key, form.form_key),
                    "url": form.path,
                    "target": form.target,
                    "alias": form.name,
                    "fields": fields,
                    "visits": sum(1 for stage in stages if stage >= 1),
                    "interactions": interactions,
                    "submits": sum(1 for stage in stages if stage >= 3),
                    "success": sum(1 for stage in stages if stage >= 4),
                }
            )
        return forms

    def feedback_list(self, site: Site, start: date, end: date) -> list[dict[str, Any]]:
        sessions = self.sessions(site, start, end)
        shown = [s for s in sessions if s.pages >= 2]
        answered = [s for s in shown if int(s.visitor[:2], 16) % 8 == 0]
        chart = Counter(self.local_day(s) for s in answered)
        return [
            {
                "campaignId": short_id(site.key, "nps"),
                "name": "#1: How likely are you to recommend us?",
                "enabled": True,
                "triggerType": "delay",
                "triggerValue": 10000,
                "scope": "session",
                "steps": [
                    {
                        "stepId": "n1ps",
                        "type": "nps",
                        "text": "How likely are you to recommend us?",
                        "answers": [],
                    }
                ],
                "report": {
                    "impressions": len(shown),
                    "responses": len(answered),
                    "responseChart": {
                        f"{day.isoformat()}T00:00:00": chart.get(day, 0)
                        for day in days_between(start, end - timedelta(days=1))
                    },
                },
                "isLocked": False,
            }
        ]

    # -- handlers --------------------------------------------------------------------------
    def websites(self, request: Request) -> list[dict[str, Any]]:
        keep = ("id", "name", "created", "status", "thumb", "readOnly", "cdnDomainName", "isDemo")
        return [{k: self.website_detail(site)[k] for k in keep} for site in self.sites()]

    def website(self, request: Request) -> dict[str, Any]:
        return self.website_detail(self._site(request))

    def recordings(self, request: Request) -> dict[str, Any]:
        site = self._site(request)
        answer = self.recording_list(
            site, *self._window(request), filters=request.params, limit=self._limit(request)
        )
        return answer

    def pagelist(self, request: Request) -> dict[str, Any]:
        site = self._site(request)
        answer = self.page_list(site, *self._window(request))
        answer["pages"] = answer["pages"][: self._limit(request)]
        return answer

    def funnels(self, request: Request) -> list[dict[str, Any]]:
        return self.funnel_list(self._site(request), *self._window(request))

    def forms(self, request: Request) -> list[dict[str, Any]]:
        return self.form_list(self._site(request), *self._window(request))

    def form(self, request: Request) -> dict[str, Any]:
        site = self._site(request)
        for form in self.form_list(site, *self._window(request), detail=True):
            if form["formId"] == request.path_args["form_id"]:
                return form
        raise ApiError(404, "The requested URL could not be found.")

    def feedback(self, request: Request) -> list[dict[str, Any]]:
        return self.feedback_list(self._site(request), *self._window(request))

    def truth(self, *args: object, **kwargs: object) -> dict[str, dict]:
        """What a perfect sync of these local days must load (see sandbox/truth.py)."""
        from sources.sandbox.truth import mouseflow_truth

        return mouseflow_truth(self, *args, **kwargs)  # type: ignore[arg-type]


def _kept(session: Session, params: dict[str, str]) -> bool:
    """The recording list's filters: visit length (ms) and pages, both bounds inclusive,
    and the device; a count under filters counts only what they keep."""
    try:
        bounds = {
            key: int(params[key])
            for key in ("visitmin", "visitmax", "pagesmin", "pagesmax")
            if key in params
        }
    except ValueError as exc:
        raise ApiError(400, "Bad Request -- filters must be numbers.") from exc
    duration, pages = session.duration_ms, session.pages
    device = params.get("device")
    return (
        bounds.get("visitmin", duration) <= duration <= bounds.get("visitmax", duration)
        and bounds.get("pagesmin", pages) <= pages <= bounds.get("pagesmax", pages)
        and (device is None or DEVICE_NAMES[session.device].lower() == device.lower())
    )
