"""The fake PageSense API (v2): routes, OAuth, rate limits and paging over `PageSenseData`.

Every answer carries X-RateLimit-* headers for a fixed window; past the budget it answers
429. Access tokens come from the accounts server and expire after an hour, or after
`token_calls` calls when a test asks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sources.sandbox.pagesense_data import REPORTS, PageSenseData
from sources.sandbox.pagesense_polls import poll_defs, poll_responses
from sources.sandbox.server import Answer, ApiError, Request
from sources.sandbox.world import Site, World
from sources.sandbox.zoho import RateWindow, TokenStore


class PageSenseApp(PageSenseData):
    """Routes and handlers of the fake PageSense account."""

    vendor = "pagesense"
    prefix = "/api/v2"

    def __init__(
        self,
        world: World,
        tokens: TokenStore,
        rate: RateWindow,
        max_limit: int = 200,
        list_answers: bool = False,
    ) -> None:
        super().__init__(world)
        self.tokens, self.rate, self.max_limit = tokens, rate, max_limit
        # goal conversions and test results as lists with `pagination` (the reference shows
        # no answer for them; real servers and other fakes answer lists)
        self.list_answers = list_answers

    def routes(self) -> list[tuple[str, Any]]:
        w = "/websites/{website_id}"
        routes: list[tuple[str, Any]] = [
            ("/websites", self.websites),
            (f"{w}/recordings", self.recordings),
            (f"{w}/heatmaps", self.heatmaps),
            (f"{w}/funnels", lambda r: self._listing(r, "funnels", self.funnel_defs)),
            (f"{w}/funnels/{{funnel_id}}/data", self.funnel_data),
            (f"{w}/forms", lambda r: self._listing(r, "forms", self.form_defs)),
            (f"{w}/forms/{{form_id}}/analytics", self.form_analytics),
            (f"{w}/goals", lambda r: self._listing(r, "goals", self.goal_defs)),
            (f"{w}/goals/{{goal_id}}/conversions", self.goal_conversions),
            (f"{w}/tests", lambda r: self._listing(r, "tests", self.test_defs)),
            (f"{w}/tests/{{test_id}}/results", self.test_results),
            (f"{w}/polls", lambda r: self._listing(r, "polls", poll_defs)),
            (f"{w}/polls/{{poll_id}}/responses", self.poll_responses),
        ]
        routes += [(f"{w}/reports/{name}", self._report_handler(name)) for name in REPORTS]
        return routes

    def authorize(self, request: Request) -> Answer | None:
        allowed, remaining, reset = self.rate.take()
        request.rate = (self.rate.limit, remaining, reset)  # type: ignore[attr-defined]
        if not allowed:
            return Answer(429, {"code": 429, "message": "Rate limit exceeded"})
        header = request.headers.get("Authorization", "")
        if not header.startswith("Zoho-oauthtoken ") or not self.tokens.use(header[16:]):
            return Answer(
                401, {"code": "INVALID_OAUTHTOKEN", "message": "Invalid or expired access token"}
            )
        return None

    def window_day(self, request: Request) -> str | None:
        return request.params.get("from_date")

    def decorate(self, request: Request, answer: Answer) -> None:
        rate = getattr(request, "rate", None)
        if rate is not None:
            answer.headers.update(
                {
                    "X-RateLimit-Limit": str(rate[0]),
                    "X-RateLimit-Remaining": str(rate[1]),
                    "X-RateLimit-Reset": str(rate[2]),
                }
            )

    # -- helpers ---------------------------------------------------------------------------
    def _site(self, request: Request) -> Site:
        site = self.world.site_by_vendor_id("pagesense", request.path_args["website_id"])
        if site is None:
            raise ApiError(404, "Invalid Website", code=10001)
        return site

    def _window(self, request: Request) -> tuple[date, date]:
        try:
            start = date.fromisoformat(request.params["from_date"])
            end = date.fromisoformat(request.params["to_date"])
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "from_date and to_date (YYYY-MM-DD) are required") from exc
        if end < start:
            raise ApiError(400, "to_date is before from_date")
        return start, end

    def _page(self, request: Request, key: str, items: list[Any]) -> dict[str, Any]:
        try:
            limit = max(1, min(int(request.params.get("limit", 50)), self.max_limit))
            offset = max(0, int(request.params.get("offset", 0)))
        except ValueError as exc:
            raise ApiError(400, "limit and offset must be numbers") from exc
        return {
            key: items[offset : offset + limit],
            "pagination": {"total": len(items), "limit": limit, "offset": offset},
        }

    def _listing(self, request: Request, key: str, defs: Any) -> dict[str, Any]:
        return self._page(request, key, defs(self._site(request)))

    # -- handlers --------------------------------------------------------------------------
    def websites(self, request: Request) -> dict[str, Any]:
        return self._page(request, "websites", [self.website(s) for s in self.sites()])

    def recordings(self, request: Request) -> dict[str, Any]:
        site = self._site(request)
        return self._page(request, "recordings", self.recording_list(site, *self._window(request)))

    def heatmaps(self, request: Request) -> dict[str, Any]:
        site = self._site(request)
        return self._page(request, "heatmaps", self.heatmap_list(site, *self._window(request)))

    def funnel_data(self, request: Request) -> dict[str, Any]:
        return self.funnel_report(
            self._site(request), request.path_args["funnel_id"], *self._window(request)
        )

    def form_analytics(self, request: Request) -> dict[str, Any]:
        return self.form_report(
            self._site(request), request.path_args["form_id"], *self._window(request)
        )

    def goal_conversions(self, request: Request) -> dict[str, Any]:
        start, end = self._window(request)
        answer = self.goal_report(self._site(request), request.path_args["goal_id"], start, end)
        return self._as_list(answer, "conversions", start)

    def test_results(self, request: Request) -> dict[str, Any]:
        start, end = self._window(request)
        answer = self.test_report(self._site(request), request.path_args["test_id"], start, end)
        return self._as_list(answer, "results", start)

    def poll_responses(self, request: Request) -> dict[str, Any]:
        site = self._site(request)
        sessions = self.sessions(site, *self._window(request))
        responses = poll_responses(site, request.path_args["poll_id"], sessions)
        return self._page(request, "responses", responses)

    def _as_list(self, answer: dict[str, Any], key: str, day: date) -> dict[str, Any]:
        if not self.list_answers:
            return answer
        item = {"date": day.isoformat(), **answer[key]}
        return {key: [item], "pagination": {"total": 1, "limit": self.max_limit, "offset": 0}}

    def _report_handler(self, name: str) -> Any:
        return lambda request: self.report(self._site(request), name, *self._window(request))

    def truth(self, *args: object, **kwargs: object) -> dict[str, dict]:
        """What a perfect sync of these local days must load (see sandbox/truth.py)."""
        from sources.sandbox.truth import pagesense_truth

        return pagesense_truth(self, *args, **kwargs)  # type: ignore[arg-type]
