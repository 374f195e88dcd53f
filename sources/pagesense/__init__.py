"""The PageSense dlt source: websites, definitions, recordings, heatmaps, funnels, forms,
reports, goals and A/B tests, one website-local day per window.

One source instance covers one chunk of windows; the run loop in `pipelines/` picks them.

    tokens = TokenManager(accounts_url, client_id, client_secret, refresh_token)
    client = PageSenseClient(base_url, tokens)
    pipeline.run(pagesense_source(client, Chunk(windows), definitions=defs, timezones=zones))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract.resource import DltResource

from sources.pagesense import settings
from sources.pagesense.client import RECORDING_TYPES, PageSenseClient
from sources.pagesense.settings import VENDOR
from sources.pagesense.tokens import TokenManager
from sources.shared.arrow import finish
from sources.shared.resources import (
    NOTHING,
    Chunk,
    Fetched,
    audit,
    check_date,
    check_in_window,
    ns_utc,
    shape_error,
    variant,
    windowed_resources,
    with_window,
)
from sources.shared.shapes import RowShapeError, is_count
from sources.shared.windows import Window

# website_id -> kind ("funnels", "forms", "goals", "tests") -> definitions
Definitions = Mapping[str, Mapping[str, list[dict[str, Any]]]]


@dlt.source(name=VENDOR, max_table_nesting=0)
def pagesense_source(
    client: PageSenseClient,
    chunk: Chunk = NOTHING,
    *,
    definitions: Definitions,
    timezones: Mapping[str, str],
    workers: int = 4,
) -> list[DltResource]:
    """Resources for the chunk's windows; its websites and their definitions are loaded
    when it carries `websites`."""
    resources: list[DltResource] = []
    if chunk.websites is not None:
        resources.append(
            dlt.resource(
                list(chunk.websites), name="websites", write_disposition="merge", primary_key="id"
            )
        )
        resources += [definitions_resource(kind, definitions) for kind in settings.DEFINITIONS]
    fetchers = pagesense_fetchers(client, definitions, timezones)
    hints: dict[str, dict[str, Any]] = {
        "recordings": {
            # replaced per (website_id, day): see the README ("recordings and merges")
            "columns": {"timestamp": ns_utc(), "day": {"data_type": "date"}},
        },
        "heatmaps": {"primary_key": ["website_id", "day", "heatmap_id"]},
        "funnel_steps": {"primary_key": ["website_id", "day", "funnel_id", "step_number"]},
        "forms": {"primary_key": ["website_id", "day", "form_id"]},
        "reports": {"primary_key": ["website_id", "day"]},  # rows go to report_<name>
        "goal_conversions": {"primary_key": ["website_id", "day", "goal_id"]},
        "test_results": {"primary_key": ["website_id", "day", "test_id", "variation_id"]},
    }
    resources += windowed_resources(VENDOR, chunk, fetchers, hints, workers=workers)
    return resources


def pagesense_fetchers(
    client: PageSenseClient, definitions: Definitions, timezones: Mapping[str, str]
) -> dict[str, Callable[[Window], Fetched]]:
    """How each windowed resource fetches one window (thread-safe; no dlt inside);
    `timezones`: each website's zone, which its days are in."""
    return {
        "recordings": partial(_fetch_recordings, client, timezones),
        "heatmaps": partial(_fetch_heatmaps, client),
        "funnel_steps": partial(_fetch_funnel_steps, client, definitions),
        "forms": partial(_fetch_forms, client, definitions),
        "reports": partial(_fetch_reports, client),
        "goal_conversions": partial(_fetch_goal_conversions, client, definitions),
        "test_results": partial(_fetch_test_results, client, definitions),
    }


def definitions_resource(kind: str, definitions: Definitions) -> DltResource:
    """Funnel, form, goal or A/B test definitions of every website (`<kind>_definitions`)."""

    def rows() -> Iterator[dict[str, Any]]:
        for website_id, kinds in definitions.items():
            for item in kinds.get(kind, []):
                yield {"website_id": website_id, **item}

    return dlt.resource(
        rows(),
        name=f"{kind.removesuffix('s')}_definitions",
        write_disposition="merge",
        primary_key=["website_id", "id"],
    )


def fetch_definitions(client: PageSenseClient, website_id: str) -> dict[str, list[dict]]:
    """Every definition list of one website: fetched once per run, used by every window."""
    return {kind: client.definitions(website_id, kind) for kind in settings.DEFINITIONS}


def _fetch_recordings(
    client: PageSenseClient, timezones: Mapping[str, str], window: Window
) -> Fetched:
    rows, total = client.recordings(window.website_id, window.day)
    constants = {
        "website_id": pa.array([window.website_id] * rows.num_rows, pa.string()),
        "day": pa.array([window.day] * rows.num_rows, type=pa.date32()),
    }
    try:
        table = finish(rows, RECORDING_TYPES, ("timestamp",), constants)
    except RowShapeError as exc:
        raise shape_error(VENDOR, settings.RECORDINGS, window, exc) from None
    tz = timezones[window.website_id]
    check_in_window(VENDOR, settings.RECORDINGS, window, table, "timestamp", tz)
    items = [table] if table.num_rows else []
    return items, audit(window, table.num_rows, "pagination.total", total)


def _fetch_heatmaps(client: PageSenseClient, window: Window) -> Fetched:
    answer = client.heatmaps(window.website_id, window.day)
    rows = [
        {"heatmap_id": h["id"], **{k: v for k, v in h.items() if k != "id"}} for h in answer.rows
    ]
    return with_window(window, rows), audit(window, len(rows), "pagination.total", answer.expected)


def _defs(definitions: Definitions, window: Window, kind: str) -> list[dict[str, Any]]:
    return list(definitions.get(window.website_id, {}).get(kind, []))


def _fetch_funnel_steps(
    client: PageSenseClient, definitions: Definitions, window: Window
) -> Fetched:
    rows = []
    claimed: list[Any] = []  # each funnel's `total_visitors`: step 1's visitors, it says
    first_steps = 0
    for funnel in _defs(definitions, window, "funnels"):
        data = client.funnel_data(window.website_id, funnel["id"], window.day)
        steps = data.get("steps")
        claimed.append(data.get("total_visitors"))
        if not isinstance(steps, list):
            raise shape_error(VENDOR, settings.FUNNEL_DATA, window, "no `steps` list")
        for step in steps:
            if not isinstance(step, dict) or not is_count(step.get("step")):
                raise shape_error(
                    VENDOR,
                    settings.FUNNEL_DATA,
                    window,
                    f"funnel {funnel['id']}: a step without a `step` number",
                )
            rows.append(
                {
                    "funnel_id": funnel["id"],
                    "funnel_name": data.get("name"),
                    "step_number": step["step"],
                    "step_name": step.get("name"),
                    **{k: v for k, v in step.items() if k not in ("step", "name")},
                }
            )
            if step["step"] == 1 and is_count(step.get("visitors")):
                first_steps += step["visitors"]
    checked = bool(claimed) and all(is_count(c) for c in claimed)
    expected = sum(claimed) if checked else None
    return with_window(window, rows), audit(
        window, len(rows), "funnel total_visitors", expected, first_steps
    )


def _fetch_forms(client: PageSenseClient, definitions: Definitions, window: Window) -> Fetched:
    forms, fields, drops = [], [], []
    for form in _defs(definitions, window, "forms"):
        data = client.form_analytics(window.website_id, form["id"], window.day)
        forms.append(
            {
                "form_id": form["id"],
                **{
                    k: v
                    for k, v in data.items()
                    if k not in ("form_id", "field_analytics", "drop_off_points")
                },
            }
        )
        for name, target in (("field_analytics", fields), ("drop_off_points", drops)):
            for item in data.get(name) or []:
                if not isinstance(item, dict):
                    raise shape_error(
                        VENDOR, settings.FORM_ANALYTICS, window, f"`{name}` holds a non-object"
                    )
                target.append({"form_id": form["id"], **item})
    items: list[Any] = with_window(window, forms)
    for rows, table, key in (
        (fields, "form_fields", "field_name"),
        (drops, "form_drop_offs", "field"),
    ):
        if rows:
            items.append(
                variant(with_window(window, rows), table, ["website_id", "day", "form_id", key])
            )
    return items, audit(window, len(forms))


def _fetch_reports(client: PageSenseClient, window: Window) -> Fetched:
    items, count = [], 0
    claimed, summed = 0, 0  # the reports' `totals.visitors` against their by_date rows
    checked = False
    for name in settings.REPORTS:
        report = client.report(window.website_id, name, window.day)
        by_date = report.get("by_date")
        if not isinstance(by_date, list):
            raise shape_error(VENDOR, settings.REPORT, window, f"report {name}: no `by_date`")
        extras = {k: v for k, v in report.items() if k.startswith("by_") and k != "by_date"}
        rows = []
        for entry in by_date:
            if not isinstance(entry, dict) or entry.get("date") != window.day.isoformat():
                raise shape_error(
                    VENDOR,
                    settings.REPORT,
                    window,
                    f"report {name}: a `by_date` entry outside the window",
                )
            rows.append({**{k: v for k, v in entry.items() if k != "date"}, **extras})
        totals = report.get("totals")
        if isinstance(totals, dict) and is_count(totals.get("visitors")):
            checked = True
            claimed += totals["visitors"]
            summed += sum(r["visitors"] for r in rows if is_count(r.get("visitors")))
        if rows:
            items.append(
                variant(with_window(window, rows), f"report_{name}", ["website_id", "day"])
            )
            count += len(rows)
    expected = claimed if checked else None
    return items, audit(window, count, "totals.visitors", expected, summed)


def _fetch_goal_conversions(
    client: PageSenseClient, definitions: Definitions, window: Window
) -> Fetched:
    rows = []
    for goal in _defs(definitions, window, "goals"):
        items = client.goal_conversions(window.website_id, goal["id"], window.day)
        mine = [i for i in items if str(i.get("goal_id", goal["id"])) == str(goal["id"])]
        for item in mine:
            check_date(VENDOR, settings.GOAL_CONVERSIONS, window, item.get("date"), "a goal")
        if len(mine) > 1:
            problem = f"goal {goal['id']}: {len(mine)} answers for one day"
            raise shape_error(VENDOR, settings.GOAL_CONVERSIONS, window, problem)
        for item in mine:
            rows.append(
                {**{k: v for k, v in item.items() if k != "goal_id"}, "goal_id": goal["id"]}
            )
    return with_window(window, rows), audit(window, len(rows))


def _fetch_test_results(
    client: PageSenseClient, definitions: Definitions, window: Window
) -> Fetched:
    rows = []
    for test in _defs(definitions, window, "tests"):
        for data in client.test_results(window.website_id, test["id"], window.day):
            if str(data.get("test_id", test["id"])) != str(test["id"]):
                continue  # a list answer may carry other tests; each is fetched on its own
            check_date(VENDOR, settings.TEST_RESULTS, window, data.get("date"), "a test result")
            variations = data.get("variations")
            if variations is None and "id" not in data:
                variations = []  # a result with no variations yet
            for variation in variations if variations is not None else [data]:
                if not isinstance(variation, dict) or not variation.get("id"):
                    raise shape_error(
                        VENDOR,
                        settings.TEST_RESULTS,
                        window,
                        f"test {test['id']}: a variation without `id`",
                    )
                rows.append(
                    {
                        "test_id": test["id"],
                        "test_status": data.get("status"),
                        "confidence_level": data.get("confidence_level"),
                        "winning_variation": data.get("winning_variation"),
                        "variation_id": variation["id"],
                        **{k: v for k, v in variation.items() if k not in ("id", "test_id")},
                    }
                )
    return with_window(window, rows), audit(window, len(rows))


__all__ = [
    "PageSenseClient",
    "TokenManager",
    "fetch_definitions",
    "pagesense_fetchers",
    "pagesense_source",
]
