"""Mouseflow's REST API: basic auth, day windows, and complete lists without offsets."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import httpx
import pyarrow as pa

from sources.mouseflow import settings
from sources.mouseflow.settings import VENDOR
from sources.mouseflow.slices import SlicesDoNotAddUp, fetch_in_slices
from sources.shared.arrow import list_schema, read_page, rows_of, scalar
from sources.shared.errors import RowShapeError, VendorAPIError
from sources.shared.http import ApiClient, Call, WindowList
from sources.shared.pacing import AdaptivePacer
from sources.shared.retry import RetryPolicy
from sources.shared.shapes import check_ids, is_count, object_rows, parse_json

log = logging.getLogger("pageflow.mouseflow")


class MouseflowClient:
    """Read-only calls a sync needs; every answer is checked before it is trusted."""

    def __init__(
        self,
        base_url: str,
        email: str,
        api_key: str,
        *,
        page_size: int = settings.PAGE_SIZE,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        max_concurrency: int = 16,
    ) -> None:
        self.page_size = page_size
        # Mouseflow publishes no limit: 429s tell, and the whole account slows down
        self.pacer = AdaptivePacer(max_concurrency)
        self.busy_days: list[tuple[str, date, int, int, int]] = []  # (site, day, count, cap, calls)
        self.http = ApiClient(
            VENDOR,
            base_url,
            auth=httpx.BasicAuth(email, api_key),
            auth_hint=(
                "check SOURCES__MOUSEFLOW__EMAIL and SOURCES__MOUSEFLOW__API_KEY, and the data "
                f"centre: this account was asked at {base_url} (SOURCES__MOUSEFLOW__REGION us "
                "or eu, or SOURCES__MOUSEFLOW__BASE_URL)"
            ),
            policy=policy,
            pacer=self.pacer,
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
        call = Call.to(VENDOR, settings.WEBSITE, website_id=website_id)
        body = self.http.get_json(call)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise call.error(VENDOR, "website detail without an `id`")
        return body

    # -- windows ---------------------------------------------------------------------------
    def recordings(self, website_id: str, day: date) -> tuple[pa.Table, int]:
        """The window's recordings as an Arrow table (the fast path) and Mouseflow's count;
        a day larger than the server's cap is fetched in slices (see `slices`)."""
        try:
            return self._complete_list(settings.RECORDINGS, website_id, day, _recordings_page)
        except TooBusy as exc:
            busy = exc
        count, cap = busy.count, busy.received

        def fetch(visitmin: int, visitmax: int, limit: int) -> tuple[pa.Table, int, int]:
            call = self._call(
                settings.RECORDINGS, website_id, day, limit, visitmin=visitmin, visitmax=visitmax
            )
            return self._decoded(call, _recordings_page)

        try:
            sliced = fetch_in_slices(fetch, count, cap, busy.rows)
        except SlicesDoNotAddUp as exc:
            raise busy.call.error(VENDOR, f"busy day: {exc}", status=200) from None
        log.info(
            "mouseflow: website %s, %s: %d recordings over a server cap of %d: fetched in "
            "%d calls by visit length (ceil(count / cap) = %d, plus the 2 that found the cap)",
            website_id,
            day,
            count,
            cap,
            sliced.calls,
            math.ceil(count / cap),
        )
        self.busy_days.append((website_id, day, count, cap, sliced.calls))
        return sliced.table, count

    def pages(self, website_id: str, day: date) -> WindowList[dict[str, Any]]:
        decode = partial(_json_page, "pages", "displayUrl")
        try:
            rows, count = self._complete_list(settings.PAGELIST, website_id, day, decode)
        except TooBusy as busy:
            raise busy.error() from None
        return WindowList(rows, count)

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
        self,
        endpoint: str,
        website_id: str,
        day: date,
        limit: int | None = None,
        visitmin: int | None = None,
        visitmax: int | None = None,
        **path: str,
    ) -> Call:
        params: dict[str, Any] = settings.window_params(day)
        if limit is not None:
            params["limit"] = limit
        if visitmin is not None and visitmax is not None:
            params.update(visitmin=visitmin, visitmax=visitmax)
        return Call.to(
            VENDOR, endpoint, params, website_id=website_id, window=day.isoformat(), **path
        )

    def _complete_list(
        self, endpoint: str, website_id: str, day: date, decode: Decoder
    ) -> tuple[Any, int]:
        """A window's whole list: Mouseflow has no offset, so when `count` says there is
        more, ask again with `limit` = count (no ceiling of our own)."""
        limit = self.page_size
        while True:
            call = self._call(endpoint, website_id, day, limit)
            rows, received, count = self._decoded(call, decode)
            if received == count:
                return rows, count
            if received < limit:  # the server's own cap is below the window's size
                if not received:
                    raise call.error(
                        VENDOR, f"incomplete window: 0 of {count} rows came back", status=200
                    )
                raise TooBusy(call, rows, received, count)
            limit = count

    def _decoded(self, call: Call, decode: Decoder) -> tuple[Any, int, int]:
        body = self.http.get_bytes(call)
        try:
            rows, received, count = decode(body)
        except RowShapeError as exc:
            raise call.error(VENDOR, str(exc), status=200) from None
        if not is_count(count):
            raise call.error(VENDOR, "answer without a whole-number `count`", status=200)
        if received > count:
            raise call.error(VENDOR, f"{received} rows but `count` says {count}", status=200)
        return rows, received, count


class TooBusy(Exception):
    """A window with more rows than the server answers in one call."""

    def __init__(self, call: Call, rows: Any, received: int, count: int) -> None:
        super().__init__(f"{received} of {count}")
        self.call, self.rows, self.received, self.count = call, rows, received, count

    def error(self) -> VendorAPIError:
        return self.call.error(
            VENDOR,
            f"incomplete window: {self.received} of {self.count} rows came back; the API "
            "caps the list below the window's size and this list has no filters to split by",
            status=200,
        )


Decoder = Callable[[bytes], tuple[Any, int, Any]]  # body -> (rows, received, count)

RECORDING_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "token": pa.string(),
    "created": pa.string(),
    "lastActivity": pa.string(),
    "duration": pa.int64(),
    "pages": pa.int64(),
    "country": pa.string(),
    "city": pa.string(),
    "device": pa.string(),
    "browser": pa.string(),
    "os": pa.string(),
    "referrerType": pa.string(),
    "entryPage": pa.string(),
    "tags": pa.list_(pa.string()),
    "variables": pa.list_(pa.string()),
    "watched": pa.bool_(),
    "starred": pa.bool_(),
    "lng": pa.float64(),
    "lat": pa.float64(),
    "visitorId": pa.string(),
}
RECORDINGS_SCHEMA = list_schema("recordings", RECORDING_TYPES, count=pa.int64())


def _recordings_page(body: bytes) -> tuple[pa.Table, int, Any]:
    page = read_page(body, RECORDINGS_SCHEMA)
    rows = rows_of(page, "recordings")
    check_ids(rows, "id")
    return rows, rows.num_rows, scalar(page, "count")


def _json_page(key: str, id_field: str, body: bytes) -> tuple[list[dict[str, Any]], int, Any]:
    document = parse_json(body)
    rows = object_rows(document, key, id_field)
    return rows, len(rows), document.get("count")


def _rows(call: Call, body: Any, key: str | None, id_field: str) -> list[dict[str, Any]]:
    """The list in `body` (or under `key`), each an object with a unique, non-null id."""
    try:
        return object_rows(body, key, id_field)
    except RowShapeError as exc:
        raise call.error(VENDOR, str(exc), status=200) from None


__all__ = ["MouseflowClient", "VendorAPIError", "WindowList"]
