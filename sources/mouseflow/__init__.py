"""The Mouseflow dlt source: websites, recordings, page list, funnels, forms and feedback.

One source instance covers one chunk of windows (website x resource x local day); the run
loop in `pipelines/` decides which windows and commits each chunk with one `run()`.

    client = MouseflowClient(base_url, email, api_key)
    source = mouseflow_source(client, windows, timezone="Europe/Berlin")
    pipeline.run(source)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract.resource import DltResource

from sources._arrow import RowShapeError, rows_to_table
from sources._http import VendorAPIError
from sources._timestamps import ns_to_datetime, parse_instant_ns
from sources._windows import Window
from sources.mouseflow import settings
from sources.mouseflow.client import MouseflowClient
from sources.mouseflow.settings import VENDOR

Fetched = tuple[list[Any], dict[str, Any]]  # (items for the table, audit row)

DAY_KEY = ["website_id", "day"]


def ns_utc() -> dict[str, Any]:
    """Column hint for exact UTC instants (TIMESTAMP_NS); a fresh dict, dlt mutates hints."""
    return {"data_type": "timestamp", "precision": 9, "timezone": False}


AUDIT_HINTS = dlt.mark.make_hints(
    table_name="sync_windows",
    primary_key=["website_id", "resource", "day"],
    write_disposition="merge",
)
RECORDING_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "token": pa.string(),
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


def positions_of(source_state: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The saved positions: website_id -> resource -> last synced day (ISO)."""
    return source_state.setdefault("positions", {})  # type: ignore[no-any-return]


@dlt.source(name=VENDOR, max_table_nesting=0)
def mouseflow_source(
    client: MouseflowClient,
    windows: Sequence[Window] = (),
    *,
    timezone_name: str = "UTC",
    websites: Sequence[dict[str, Any]] | None = None,
    move_positions: bool = True,
    workers: int = 4,
) -> list[DltResource]:
    """Resources for `windows`; `websites` (details with `domains`) are loaded when given."""
    resources: list[DltResource] = []
    if websites is not None:
        resources.append(websites_resource(list(websites), timezone_name))
    fetchers: dict[str, Callable[[Window], Fetched]] = {
        "recordings": partial(_fetch_recordings, client, timezone_name),
        "pages": partial(_fetch_pages, client),
        "funnel_steps": partial(_fetch_funnel_steps, client),
        "forms": partial(_fetch_forms, client),
        "feedback": partial(_fetch_feedback, client),
    }
    hints: dict[str, dict[str, Any]] = {
        "recordings": {
            "primary_key": ["website_id", "id"],
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
    for name in settings.WINDOWED_RESOURCES:
        mine = [w for w in windows if w.resource == name]
        if not mine:
            continue
        resource = dlt.resource(
            _windowed(mine, fetchers[name], move_positions, workers),
            name=name,
            write_disposition="merge",
            merge_key=DAY_KEY,
            **hints[name],
        )
        resources.append(resource)
    return resources


def websites_resource(websites: list[dict[str, Any]], timezone_name: str) -> DltResource:
    """Website details, `created` read in the account's zone (Mouseflow sends no offset)."""

    def rows() -> Iterator[dict[str, Any]]:
        for site in websites:
            row = dict(site)
            if isinstance(row.get("created"), str):
                row["created"] = ns_to_datetime(parse_instant_ns(row["created"], timezone_name))
            yield row

    return dlt.resource(rows(), name="websites", write_disposition="merge", primary_key="id")


def _windowed(
    windows: list[Window],
    fetch: Callable[[Window], Fetched],
    move_positions: bool,
    workers: int,
) -> Iterator[Any]:
    """Fetch windows concurrently, yield them in order, and advance each window's position."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mouseflow") as pool:
        futures = [pool.submit(fetch, window) for window in windows]
        try:
            for window, future in zip(windows, futures, strict=True):
                items, audit = future.result()
                yield from items
                yield dlt.mark.with_hints(audit, AUDIT_HINTS, create_table_variant=True)
                if move_positions:
                    _advance(window)
        finally:
            for future in futures:
                future.cancel()


def _advance(window: Window) -> None:
    positions = positions_of(dlt.current.source_state()).setdefault(window.website_id, {})
    day = window.day.isoformat()
    if positions.get(window.resource, "") < day:
        positions[window.resource] = day


def _audit(window: Window, expected: int, loaded: int) -> dict[str, Any]:
    return {
        "website_id": window.website_id,
        "resource": window.resource,
        "day": window.day,
        "expected": expected,
        "loaded": loaded,
        "synced_at": datetime.now(UTC),
    }


def _with_window(window: Window, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"website_id": window.website_id, "day": window.day, **row} for row in rows]


def _fetch_recordings(client: MouseflowClient, tz: str, window: Window) -> Fetched:
    answer = client.recordings(window.website_id, window.day)
    constants = {
        "website_id": window.website_id,
        "day": pa.array([window.day] * len(answer.rows), type=pa.date32()),
    }
    parse = partial(parse_instant_ns, naive_tz=tz)
    try:
        table = rows_to_table(
            answer.rows, RECORDING_TYPES, {"created": parse, "lastActivity": parse}, constants
        )
    except RowShapeError as exc:
        raise _shape_error(settings.RECORDINGS, window, exc) from None
    items = [table] if table.num_rows else []
    return items, _audit(window, answer.expected, table.num_rows)


def _fetch_pages(client: MouseflowClient, window: Window) -> Fetched:
    answer = client.pages(window.website_id, window.day)
    return _with_window(window, answer.rows), _audit(window, answer.expected, len(answer.rows))


def _fetch_funnel_steps(client: MouseflowClient, window: Window) -> Fetched:
    rows = []
    for funnel in client.funnels(window.website_id, window.day):
        for number, step in enumerate(funnel["steps"], start=1):
            if not isinstance(step, dict) or not _is_count(step.get("count")):
                raise _shape_error(
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
    return _with_window(window, rows), _audit(window, len(rows), len(rows))


def _fetch_forms(client: MouseflowClient, window: Window) -> Fetched:
    forms = client.forms(window.website_id, window.day)
    fields = []
    for form in forms:
        for name in ("visits", "interactions", "submits", "success"):
            if form.get(name) is not None and not _is_count(form[name]):
                raise _shape_error(settings.FORMS, window, f"form field `{name}` is not a count")
        report = client.form(window.website_id, form["formId"], window.day)
        targets = set()
        for position, fld in enumerate(report["fields"], start=1):
            target = fld.get("target") if isinstance(fld, dict) else None
            if not isinstance(target, str) or target in targets:
                raise _shape_error(
                    settings.FORM,
                    window,
                    f"a form field has a null or duplicate `target` (form {form['formId']})",
                )
            targets.add(target)
            fields.append({"form_id": form["formId"], "position": position, **fld})
    field_items = _with_window(window, fields)
    items: list[Any] = _with_window(window, forms)
    if field_items:
        items.append(
            dlt.mark.with_hints(
                field_items,
                dlt.mark.make_hints(
                    table_name="form_fields",
                    primary_key=["website_id", "day", "form_id", "target"],
                    merge_key=DAY_KEY,
                    write_disposition="merge",
                ),
                create_table_variant=True,
            )
        )
    return items, _audit(window, len(forms), len(forms))


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
    return _with_window(window, rows), _audit(window, len(rows), len(rows))


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _shape_error(endpoint: str, window: Window, problem: object) -> VendorAPIError:
    return VendorAPIError(
        VENDOR,
        endpoint,
        f"unexpected answer: {problem}",
        website_id=window.website_id,
        window=window.day.isoformat(),
        status=200,
    )


__all__ = ["MouseflowClient", "mouseflow_source", "positions_of"]
