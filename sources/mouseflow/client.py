"""Mouseflow's REST API: basic auth, day windows, and complete lists without offsets."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from sources._http import ApiClient, Call, RetryPolicy, VendorAPIError, WindowList
from sources._windows import mouseflow_params
from sources.mouseflow import settings
from sources.mouseflow.settings import VENDOR


class MouseflowClient:
    """Read-only calls a sync needs; every answer is checked before it is trusted."""

    def __init__(
        self,
        base_url: str,
        email: str,
        api_key: str,
        *,
        page_size: int = settings.PAGE_SIZE,
        max_page_size: int = settings.MAX_PAGE_SIZE,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.page_size = page_size
        self.max_page_size = max(max_page_size, page_size)
        self.http = ApiClient(
            VENDOR,
            base_url,
            auth=httpx.BasicAuth(email, api_key),
            policy=policy,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    # -- definitions -----------------------------------------------------------------------
    def websites(self) -> list[dict[str, Any]]:
        call = Call(settings.WEBSITES, "/websites")
        body = self.http.get_json(call)
        return _rows(call, body, None, "id")

    def website(self, website_id: str) -> dict[str, Any]:
        call = Call(settings.WEBSITE, f"/websites/{website_id}", website_id=website_id)
        body = self.http.get_json(call)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise call.error(VENDOR, "website detail without an `id`")
        return body

    # -- windows ---------------------------------------------------------------------------
    def recordings(self, website_id: str, day: date) -> WindowList:
        return self._complete_list(settings.RECORDINGS, website_id, day, "recordings", "id")

    def pages(self, website_id: str, day: date) -> WindowList:
        return self._complete_list(settings.PAGELIST, website_id, day, "pages", "displayUrl")

    def funnels(self, website_id: str, day: date) -> list[dict[str, Any]]:
        call = self._call(settings.FUNNELS, website_id, day)
        funnels = _rows(call, self.http.get_json(call), None, "funnelId")
        for funnel in funnels:
            if not isinstance(funnel.get("steps"), list):
                raise call.error(VENDOR, f"funnel {funnel['funnelId']} without a `steps` list")
        return funnels

    def forms(self, website_id: str, day: date) -> list[dict[str, Any]]:
        call = self._call(settings.FORMS, website_id, day)
        return _rows(call, self.http.get_json(call), None, "formId")

    def form(self, website_id: str, form_id: str, day: date) -> dict[str, Any]:
        call = self._call(settings.FORM, website_id, day, form_id=form_id)
        body = self.http.get_json(call)
        if not isinstance(body, dict) or not isinstance(body.get("fields"), list):
            raise call.error(VENDOR, "form report without a `fields` list")
        return body

    def feedback(self, website_id: str, day: date) -> list[dict[str, Any]]:
        call = self._call(settings.FEEDBACK, website_id, day)
        return _rows(call, self.http.get_json(call), None, "campaignId")

    # -- mechanics -------------------------------------------------------------------------
    def _call(
        self, endpoint: str, website_id: str, day: date, limit: int | None = None, **path: str
    ) -> Call:
        params: dict[str, Any] = mouseflow_params(day)
        if limit is not None:
            params["limit"] = limit
        return Call(
            endpoint,
            endpoint.format(website_id=website_id, **path),
            params,
            website_id=website_id,
            window=day.isoformat(),
        )

    def _complete_list(
        self, endpoint: str, website_id: str, day: date, key: str, id_field: str
    ) -> WindowList:
        """A window's whole list: Mouseflow has no offset, so ask again with a larger limit."""
        limit = self.page_size
        while True:
            call = self._call(endpoint, website_id, day, limit)
            body = self.http.get_json(call)
            rows = _rows(call, body, key, id_field)
            count = body.get("count")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise call.error(VENDOR, "answer without a whole-number `count`")
            if len(rows) > count:
                raise call.error(VENDOR, f"{len(rows)} rows but `count` says {count}")
            if len(rows) == count:
                return WindowList(rows, count)
            if len(rows) < limit:
                raise call.error(
                    VENDOR,
                    f"incomplete window: {len(rows)} of {count} rows came back for "
                    f"limit={limit}; the API caps the list below the window's size",
                )
            if limit >= self.max_page_size:
                raise call.error(
                    VENDOR,
                    f"incomplete window: {count} rows exceed the largest page "
                    f"({self.max_page_size}) and Mouseflow lists have no offset",
                )
            limit = min(max(count, limit + 1), self.max_page_size)


def _rows(call: Call, body: Any, key: str | None, id_field: str) -> list[dict[str, Any]]:
    """The list in `body` (or under `key`), each an object with a unique, non-null id."""
    items = body if key is None else (body.get(key) if isinstance(body, dict) else None)
    if not isinstance(items, list):
        where = f"`{key}`" if key else "the answer"
        raise call.error(VENDOR, f"{where} is not a list")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise call.error(VENDOR, "a list item is not an object")
        ident = item.get(id_field)
        if not isinstance(ident, str) or not ident:
            raise call.error(VENDOR, f"a row has a null or non-text `{id_field}`")
        if ident in seen:
            raise call.error(VENDOR, f"duplicate `{id_field}` {ident!r} in one answer")
        seen.add(ident)
    return items


__all__ = ["MouseflowClient", "VendorAPIError", "WindowList"]
