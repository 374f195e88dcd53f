"""How each PageSense resource reads one window: the calls, the checks, the rows.

Thread-safe and free of dlt: the run loop calls these from its fetch pool. Each returns
the window's items and its `Claim`; which resource is which, and how it is stored, is
declared in `resources.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa

from sources.pagesense import settings
from sources.pagesense.client import RECORDING_TYPES, PageSenseClient
from sources.pagesense.settings import VENDOR
from sources.shared.arrow import finish
from sources.shared.declare import Claim, Fetched
from sources.shared.errors import RowShapeError
from sources.shared.resources import (
    check_date,
    check_in_window,
    shape_error,
    variant,
    with_window,
)
from sources.shared.shapes import is_count
from sources.shared.timestamps import ns_to_datetime, parse_instant_ns
from sources.shared.windows import Window

# website_id -> kind ("funnels", "forms", "goals", "tests") -> definitions
Definitions = Mapping[str, Mapping[str, list[dict[str, Any]]]]


@dataclass(frozen=True)
class Context:
    """What every PageSense window reader needs: the client, each website's definitions
    and its time zone (which its days are in)."""

    client: PageSenseClient
    definitions: Definitions
    timezones: Mapping[str, str]
    reports: tuple[str, ...] = settings.DEFAULT_REPORTS  # which reports `reports` fetches


def recordings(ctx: Context, window: Window) -> Fetched:
    rows, total = ctx.client.recordings(window.website_id, window.day)
    constants = {
        "website_id": pa.array([window.website_id] * rows.num_rows, pa.string()),
        "day": pa.array([window.day] * rows.num_rows, type=pa.date32()),
    }
    try:
        table = finish(rows, RECORDING_TYPES, ("timestamp",), constants)
    except RowShapeError as exc:
        raise shape_error(VENDOR, settings.RECORDINGS, window, exc) from None
    tz = ctx.timezones[window.website_id]
    check_in_window(VENDOR, settings.RECORDINGS, window, table, "timestamp", tz)
    items = [table] if table.num_rows else []
    return items, Claim(table.num_rows, total)


def heatmaps(ctx: Context, window: Window) -> Fetched:
    answer = ctx.client.heatmaps(window.website_id, window.day)
    rows = [
        {"heatmap_id": h["id"], **{k: v for k, v in h.items() if k != "id"}} for h in answer.rows
    ]
    return with_window(window, rows), Claim(len(rows), answer.expected)


def _defs(ctx: Context, window: Window, kind: str) -> list[dict[str, Any]]:
    return list(ctx.definitions.get(window.website_id, {}).get(kind, []))


def funnel_steps(ctx: Context, window: Window) -> Fetched:
    rows = []
    claimed: list[Any] = []  # each funnel's `total_visitors`: step 1's visitors, it says
    first_steps = 0
    for funnel in _defs(ctx, window, "funnels"):
        data = ctx.client.funnel_data(window.website_id, funnel["id"], window.day)
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
    return with_window(window, rows), Claim(len(rows), expected, first_steps)


def forms(ctx: Context, window: Window) -> Fetched:
    forms, fields, drops = [], [], []
    for form in _defs(ctx, window, "forms"):
        data = ctx.client.form_analytics(window.website_id, form["id"], window.day)
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
    for rows, table in ((fields, "form_fields"), (drops, "form_drop_offs")):
        if rows:
            items.append(variant(with_window(window, rows), table))
    return items, Claim(len(forms))


def reports(ctx: Context, window: Window) -> Fetched:
    items, count = [], 0
    claimed, summed = 0, 0  # the reports' `totals.visitors` against their by_date rows
    checked = False
    for name in ctx.reports:
        report = ctx.client.report(window.website_id, name, window.day)
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
            items.append(variant(with_window(window, rows), f"report_{name}"))
            count += len(rows)
    expected = claimed if checked else None
    return items, Claim(count, expected, summed)


def goal_conversions(ctx: Context, window: Window) -> Fetched:
    rows = []
    for goal in _defs(ctx, window, "goals"):
        items = ctx.client.goal_conversions(window.website_id, goal["id"], window.day)
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
    return with_window(window, rows), Claim(len(rows))


def test_results(ctx: Context, window: Window) -> Fetched:
    rows = []
    for test in _defs(ctx, window, "tests"):
        for data in ctx.client.test_results(window.website_id, test["id"], window.day):
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
    return with_window(window, rows), Claim(len(rows))


def poll_responses(ctx: Context, window: Window) -> Fetched:
    """Every poll's responses of the day. `answer` is kept as JSON text (a string, a number
    or a list, by poll type); `score` as a whole number where the poll has one. A response
    submitted outside the window's local day fails the window, as a recording does."""
    rows: list[dict[str, Any]] = []
    totals: list[int | None] = []
    for poll in _defs(ctx, window, "polls"):
        answer = ctx.client.poll_responses(window.website_id, poll["id"], window.day)
        totals.append(answer.expected)
        for response in answer.rows:
            submitted = response.get("submitted_at")
            try:
                instant = parse_instant_ns(str(submitted), "UTC")
            except ValueError:
                problem = f"poll {poll['id']}: response {response['response_id']!r} has no time"
                raise shape_error(VENDOR, settings.POLL_RESPONSES, window, problem) from None
            score = _score(response.get("score"))
            rows.append(
                {
                    "poll_id": poll["id"],
                    **{k: v for k, v in response.items() if k not in ("answer", "score")},
                    "submitted_at": ns_to_datetime(instant),
                    "answer": orjson.dumps(response.get("answer")).decode(),
                    "score": score,
                }
            )
    instants = pa.table(
        {
            "id": [r["response_id"] for r in rows],
            "submitted_at": pa.array([r["submitted_at"] for r in rows], pa.timestamp("ns")),
        }
    )
    tz = ctx.timezones[window.website_id]
    check_in_window(VENDOR, settings.POLL_RESPONSES, window, instants, "submitted_at", tz)
    expected = sum(t for t in totals if t is not None) if totals and None not in totals else None
    return with_window(window, rows), Claim(len(rows), expected)


def _score(value: Any) -> int | None:
    """A poll score as a whole number; numbers sent as text are read (liberal), anything
    else is no score."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value if is_count(value) else None
