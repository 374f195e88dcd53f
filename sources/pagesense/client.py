"""PageSense's REST API: rate-limit pacing, limit/offset paging (tokens: `tokens.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import httpx
import pyarrow as pa

from sources.pagesense import settings
from sources.pagesense.settings import VENDOR
from sources.pagesense.tokens import TokenManager
from sources.shared.arrow import list_schema, read_page, rows_of, scalar
from sources.shared.errors import RowShapeError
from sources.shared.http import ApiClient, Call, WindowList
from sources.shared.pacing import RateLimitPacer
from sources.shared.retry import RetryPolicy
from sources.shared.shapes import check_ids, is_count, object_rows, parse_json

log = logging.getLogger("pageflow.pagesense")


class PageSenseClient:
    """Read-only calls a sync needs; lists are paged to the end and checked against totals."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenManager,
        *,
        page_size: int = settings.PAGE_SIZE,
        policy: RetryPolicy | None = None,
        pacer: RateLimitPacer | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.page_size = page_size
        self.tokens = tokens
        self.pacer = pacer or RateLimitPacer()
        self.http = ApiClient(
            VENDOR,
            base_url,
            headers=tokens.headers,
            on_unauthorized=tokens.invalidate,
            on_authorized=tokens.accepted,
            policy=policy,
            pacer=self.pacer,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()
        self.tokens.close()

    def websites(self) -> list[dict[str, Any]]:
        return self._rows(settings.WEBSITES, None, None, "websites").rows

    def definitions(self, website_id: str, kind: str) -> list[dict[str, Any]]:
        return self._rows(settings.DEFINITIONS[kind], website_id, None, kind).rows

    def recordings(self, website_id: str, day: date) -> tuple[pa.Table, int | None]:
        """The window's recordings as one Arrow table (the fast path) and the total (None
        when the answer claimed none: a single page without `pagination`)."""
        answer = self._paged(settings.RECORDINGS, website_id, day, "recordings", _arrow_page)
        tables = [t for t in answer.rows if t.num_rows]
        if not tables:
            return pa.table({}), answer.expected
        return pa.concat_tables(tables, promote_options="permissive"), answer.expected

    def heatmaps(self, website_id: str, day: date) -> WindowList[dict[str, Any]]:
        return self._rows(settings.HEATMAPS, website_id, day, "heatmaps")

    def poll_responses(
        self, website_id: str, poll_id: str, day: date
    ) -> WindowList[dict[str, Any]]:
        """A poll's responses submitted on the day, paged like every list, each with a
        `response_id` (not `id`)."""
        decode = partial(_json_page, "responses", "response_id")
        answer = self._paged(
            settings.POLL_RESPONSES, website_id, day, "responses", decode, poll_id=poll_id
        )
        return WindowList([row for page in answer.rows for row in page], answer.expected)

    def _rows(
        self, endpoint: str, website_id: str | None, day: date | None, key: str
    ) -> WindowList[dict[str, Any]]:
        answer = self._paged(endpoint, website_id, day, key)
        return WindowList([row for page in answer.rows for row in page], answer.expected)

    def funnel_data(self, website_id: str, funnel_id: str, day: date) -> dict[str, Any]:
        return self._object(settings.FUNNEL_DATA, website_id, day, "funnel", funnel_id=funnel_id)

    def form_analytics(self, website_id: str, form_id: str, day: date) -> dict[str, Any]:
        return self._object(settings.FORM_ANALYTICS, website_id, day, "analytics", form_id=form_id)

    def report(self, website_id: str, name: str, day: date) -> dict[str, Any]:
        return self._object(
            settings.REPORT, website_id, day, "report", report=name, dimensions="date"
        )

    def goal_conversions(self, website_id: str, goal_id: str, day: date) -> list[dict[str, Any]]:
        return self._items(
            settings.GOAL_CONVERSIONS, website_id, day, "conversions", goal_id=goal_id
        )

    def test_results(self, website_id: str, test_id: str, day: date) -> list[dict[str, Any]]:
        return self._items(settings.TEST_RESULTS, website_id, day, "results", test_id=test_id)

    def _items(
        self, endpoint: str, website_id: str, day: date, key: str, **path_args: str
    ) -> list[dict[str, Any]]:
        """An answer the reference does not show: a single object under `key` (one item),
        or a list of objects, paged with limit/offset when it carries `pagination`."""
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {}
        while True:
            call = self._call(endpoint, website_id, day, params, path_args)
            body = self.http.get_json(call)
            value = body.get(key) if isinstance(body, dict) else None
            if isinstance(value, dict) and not items:
                return [value]
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise call.error(VENDOR, f"answer without a `{key}` object or list", status=200)
            items += value
            pagination = body.get("pagination")
            if pagination is None:
                if params and value:
                    raise call.error(VENDOR, "a later page came without `pagination`", status=200)
                return items
            total = pagination.get("total") if isinstance(pagination, dict) else None
            if not is_count(total):
                raise call.error(VENDOR, "`pagination.total` is not a count", status=200)
            if len(items) >= total or not value:
                if len(items) != total:
                    raise call.error(
                        VENDOR,
                        f"{len(items)} items received but `pagination.total` is {total}",
                        status=200,
                    )
                return items
            params = {"limit": len(value), "offset": len(items)}

    # -- mechanics -------------------------------------------------------------------------
    def _call(
        self,
        endpoint: str,
        website_id: str | None,
        day: date | None,
        params: dict[str, Any],
        path_args: dict[str, str],
    ) -> Call:
        window = settings.window_params(day) if day is not None else {}
        return Call.to(
            VENDOR,
            endpoint,
            {**window, **params},
            website_id=website_id,
            window=day.isoformat() if day else None,
            **path_args,
        )

    def _object(
        self,
        endpoint: str,
        website_id: str,
        day: date,
        key: str,
        dimensions: str | None = None,
        **path_args: str,
    ) -> dict[str, Any]:
        params = {"dimensions": dimensions} if dimensions else {}
        call = self._call(endpoint, website_id, day, params, path_args)
        body = self.http.get_json(call)
        value = body.get(key) if isinstance(body, dict) else None
        if not isinstance(value, dict):
            raise call.error(VENDOR, f"answer without a `{key}` object", status=200)
        return value

    def _paged(
        self,
        endpoint: str,
        website_id: str | None,
        day: date | None,
        key: str,
        decode: Decoder | None = None,
        **path_args: str,
    ) -> WindowList[Any]:
        """Every page of a list, in order; the pagination total must match what came back.

        `decode` turns a page's body into (rows, ids, pagination); the default keeps rows as
        dicts, `_arrow_page` as Arrow tables (then `rows` holds one table per page).
        """
        decode = decode or partial(_json_page, key, "id")
        pages: list[Any] = []
        received = 0
        seen: set[str] = set()
        total: int | None = None
        while True:
            call = self._call(
                endpoint, website_id, day, {"limit": self.page_size, "offset": received}, path_args
            )
            try:
                rows, ids, pagination = decode(self.http.get_bytes(call))
            except RowShapeError as exc:
                raise call.error(VENDOR, str(exc), status=200) from None
            for ident in ids:
                if ident in seen:
                    raise call.error(
                        VENDOR, f"duplicate `id` {ident!r} (a repeated page?)", status=200
                    )
                seen.add(ident)
            pages.append(rows)
            received += len(ids)
            if pagination is None:
                if len(pages) > 1:
                    raise call.error(VENDOR, "a later page came without `pagination`", status=200)
                if len(ids) >= self.page_size:
                    raise call.error(
                        VENDOR,
                        f"a full page ({len(ids)} rows, limit {self.page_size}) came without "
                        "`pagination`: more may follow, so the window cannot be known complete",
                        status=200,
                    )
                return WindowList(pages, None)  # no pagination, not full: complete, unclaimed
            page_total = pagination.get("total") if isinstance(pagination, dict) else None
            if not is_count(page_total):
                raise call.error(VENDOR, "`pagination.total` is not a count", status=200)
            if total is not None and page_total != total:
                raise call.error(
                    VENDOR,
                    f"`pagination.total` changed from {total} to {page_total} while paging",
                    status=200,
                )
            total = page_total
            if not ids and received < total:
                raise call.error(
                    VENDOR,
                    f"empty page at offset {received} but `pagination.total` is {total}",
                    status=200,
                )
            if received >= total:
                break
        if received != total:
            raise call.error(
                VENDOR, f"{received} rows received but `pagination.total` is {total}", status=200
            )
        return WindowList(pages, total)


Decoder = Callable[[bytes], tuple[Any, list[str], Any]]  # body -> (rows, ids, pagination)

RECORDING_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "visitor_id": pa.string(),
    "session_duration": pa.int64(),
    "page_views": pa.int64(),
    "device": pa.string(),
    "browser": pa.string(),
    "os": pa.string(),
    "country": pa.string(),
    "city": pa.string(),
    "traffic_source": pa.string(),
    "converted": pa.bool_(),
    "errors": pa.list_(
        pa.struct([("type", pa.string()), ("message", pa.string()), ("timestamp", pa.int64())])
    ),
    "rage_clicks": pa.int64(),
    "dead_clicks": pa.int64(),
    "recording_url": pa.string(),
    "timestamp": pa.string(),
}
RECORDINGS_SCHEMA = list_schema(
    "recordings", RECORDING_TYPES, pagination=pa.struct([("total", pa.int64())])
)


def _json_page(key: str, ident: str, body: bytes) -> tuple[list[dict[str, Any]], list[str], Any]:
    document = parse_json(body)
    items = object_rows(document, key, ident)
    return items, [item[ident] for item in items], document.get("pagination")


def _arrow_page(body: bytes) -> tuple[pa.Table, list[str], Any]:
    page = read_page(body, RECORDINGS_SCHEMA)
    rows = rows_of(page, "recordings")
    check_ids(rows, "id")
    ids = rows.column("id").to_pylist() if rows.num_rows else []
    return rows, ids, scalar(page, "pagination")
