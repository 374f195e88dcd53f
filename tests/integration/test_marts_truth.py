"""Every mart after a real sync of both vendors equals what the sandbox's truth implies."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipelines.models import docs, sql_dir
from sources.sandbox import Sandbox
from sources.shared.windows import days_between
from tests.integration.conftest import query, sync
from tests.integration.truth_analyst_marts import (
    COLUMNS as ANALYST_COLUMNS,
)
from tests.integration.truth_analyst_marts import (
    analyst_truth,
    comparison_counts,
    drop_off,
)

DAYS = days_between(date(2026, 3, 27), date(2026, 3, 29))  # Berlin's DST day and a busy day
COUNTRY = {
    "United States": "US",
    "Germany": "DE",
    "United Kingdom": "GB",
    "France": "FR",
    "India": "IN",
    "Brazil": "BR",
    "Japan": "JP",
    "Canada": "CA",
}
DEVICE = {"Desktop": "desktop", "Tablet": "tablet", "Phone": "mobile"}


COLUMNS = {  # grain first, then the other columns in the order `expected` builds them
    "sites": ("site, vendor, website_id, website_name, domain, timezone", 3),
    "daily_traffic": (
        "site, vendor, day, website_id, sessions, page_views, avg_session_seconds, bounce_rate",
        3,
    ),
    "funnel_conversion": (
        "site, vendor, funnel_id, day, step_number, website_id, funnel_name, step_name, "
        "visitors, conversion_from_start, conversion_from_previous",
        5,
    ),
    "form_conversion": (
        "site, vendor, form_id, day, website_id, form_name, views, interactions, submissions, "
        "successes, interaction_rate, submission_rate, success_rate",
        4,
    ),
    "session_conversion": (
        "site, vendor, day, device, country_code, website_id, sessions, converted_sessions, "
        "conversion_rate",
        5,
    ),
    "vendor_comparison": (
        "site, day, metric, subject, pagesense_value, mouseflow_value, difference, "
        "relative_difference",
        4,
    ),
}


def stated(table: str, key: tuple, value: tuple) -> tuple:
    """The truth's values to the precision the mart's header states ("Rounded to N
    decimals"): equal within one unit of the last stated decimal (the truth's own float
    may sit on a rounding boundary), every other column as before (`approx`)."""
    columns, keys = {**COLUMNS, **ANALYST_COLUMNS}[table]
    names = [c.strip() for c in columns.split(",")][keys:]
    (mart,) = [m for m in docs.marts(sql_dir()) if m.name == table]
    meanings = {c.name: c.meaning for c in mart.columns}
    out = []
    for name, v in zip(names, value, strict=True):
        found = re.search(r"Rounded to (\d+) decimals", meanings.get(name, ""))
        unit = 10.0 ** -int(found.group(1)) if found and isinstance(v, float) else None
        out.append(pytest.approx(v, abs=unit) if unit else pytest.approx(v))
    return tuple(out)


def rows(warehouse: Path, table: str) -> dict[tuple, tuple]:
    columns, keys = {**COLUMNS, **ANALYST_COLUMNS}[table]
    out = {}
    for row in query(warehouse, f"select {columns} from analytics.{table}"):
        assert row[:keys] not in out, f"{table}: duplicate grain {row[:keys]}"
        out[row[:keys]] = row[keys:]
    return out


def expected(sandbox: Sandbox) -> dict[str, dict[tuple, tuple]]:
    """The marts computed straight from the sandbox's answers for whole days."""
    ps, mf = sandbox.pagesense_app, sandbox.mouseflow_app
    out: dict[str, dict[tuple, tuple]] = defaultdict(dict)
    for site in sandbox.world.sites:
        name = site.domain
        if site.pagesense_id:
            out["sites"][(name, "pagesense", site.pagesense_id)] = (
                ps.website(site)["name"],
                site.domain,
                site.pagesense_timezone,
            )
        if site.mouseflow_id:
            out["sites"][(name, "mouseflow", site.mouseflow_id)] = (
                site.domain,
                site.domain,
                sandbox.mouseflow_timezone,
            )
    for day in DAYS:
        nxt = day + timedelta(days=1)
        for site in ps.sites():
            wid, name = site.pagesense_id, site.domain
            t = ps.report(site, "traffic", day, day)["report"]["by_date"][0]
            out["daily_traffic"][(name, "pagesense", day)] = (
                wid,
                t["visitors"],
                t["page_views"],
                t["avg_session_duration"],
                t["bounce_rate"] / 100,
            )
            sessions = defaultdict(lambda: [0, 0])
            for rec in ps.recording_list(site, day, day):
                cell = sessions[(rec["device"], COUNTRY[rec["country"]])]
                cell[0] += 1
                cell[1] += rec["converted"]
            for (device, country), (n, won) in sessions.items():
                out["session_conversion"][(name, "pagesense", day, device, country)] = (
                    wid,
                    n,
                    won,
                    won / n,
                )
            for f in ps.funnel_defs(site):
                steps = ps.funnel_report(site, f["id"], day, day)["funnel"]["steps"]
                for s in steps:
                    v, first = s["visitors"], steps[0]["visitors"]
                    prev = steps[s["step"] - 2]["visitors"] if s["step"] > 1 else None
                    out["funnel_conversion"][(name, "pagesense", f["id"], day, s["step"])] = (
                        wid,
                        f["name"],
                        s["name"],
                        v,
                        v / first if first else None,
                        1.0 if prev is None else (v / prev if prev else None),
                    )
            for f in ps.form_defs(site):
                a = ps.form_report(site, f["id"], day, day)["analytics"]
                views = a["views"]
                out["form_conversion"][(name, "pagesense", f["id"], day)] = (
                    wid,
                    a["form_name"],
                    views,
                    a["interactions"],
                    a["submissions"],
                    None,
                    a["interactions"] / views if views else None,
                    a["submissions"] / views if views else None,
                    None,
                )
        for site in mf.sites():
            wid, name = site.mouseflow_id, site.domain
            recs = mf.recording_list(site, day, nxt)["recordings"]
            if recs:
                out["daily_traffic"][(name, "mouseflow", day)] = (
                    wid,
                    len(recs),
                    sum(r["pages"] for r in recs),
                    sum(r["duration"] for r in recs) / 1000 / len(recs),
                    sum(r["pages"] == 1 for r in recs) / len(recs),
                )
            sessions = defaultdict(lambda: [0, 0])
            for rec in recs:
                cell = sessions[(DEVICE[rec["device"]], rec["country"].upper())]
                cell[0] += 1
                cell[1] += "submit" in rec["tags"]
            for (device, country), (n, won) in sessions.items():
                out["session_conversion"][(name, "mouseflow", day, device, country)] = (
                    wid,
                    n,
                    won,
                    won / n,
                )
            for f in mf.funnel_list(site, day, nxt):
                counts = [s["count"] for s in f["steps"]]
                for i, s in enumerate(f["steps"]):
                    v = counts[i]
                    prev = counts[i - 1] if i else None
                    out["funnel_conversion"][(name, "mouseflow", f["funnelId"], day, i + 1)] = (
                        wid,
                        f["name"],
                        s["name"],
                        v,
                        v / counts[0] if counts[0] else None,
                        1.0 if prev is None else (v / prev if prev else None),
                    )
            for f in mf.form_list(site, day, nxt):
                views = f["visits"]
                out["form_conversion"][(name, "mouseflow", f["formId"], day)] = (
                    wid,
                    f["alias"],
                    views,
                    f["interactions"],
                    f["submits"],
                    f["success"],
                    *(
                        x / views if views else None
                        for x in (f["interactions"], f["submits"], f["success"])
                    ),
                )
    return out


def comparison(marts: dict[str, dict[tuple, tuple]]) -> dict[tuple, tuple]:
    """vendor_comparison from the expected marts, for sites and days both vendors have."""
    values: dict[tuple, dict[str, float]] = defaultdict(dict)
    for (site, vendor, day), row in marts["daily_traffic"].items():
        values[(site, day, "sessions", None)][vendor] = row[1]
        values[(site, day, "page_views", None)][vendor] = row[2]
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (site, vendor, day, _d, _c), row in marts["session_conversion"].items():
        totals[(site, vendor, day)][0] += row[1]
        totals[(site, vendor, day)][1] += row[2]
    for (site, vendor, day), (n, won) in totals.items():
        values[(site, day, "session_conversion_rate", None)][vendor] = won / n
    funnels: dict[tuple, dict[int, tuple]] = defaultdict(dict)
    for (site, vendor, _fid, day, step), row in marts["funnel_conversion"].items():
        funnels[(site, vendor, day, row[1])][step] = row[3]
    for (site, vendor, day, fname), steps in funnels.items():
        first, last = steps[min(steps)], steps[max(steps)]
        values[(site, day, "funnel_completion_rate", fname.lower())][vendor] = (
            last / first if first else None
        )
    for (site, vendor, _fid, day), row in marts["form_conversion"].items():
        values[(site, day, "form_submission_rate", row[1].lower())][vendor] = (
            row[4] / row[2] if row[2] else None
        )
    out = {}
    for (site, day, metric, subject), pair in values.items():
        if set(pair) != {"pagesense", "mouseflow"}:
            continue
        p, m = pair["pagesense"], pair["mouseflow"]
        diff = None if p is None or m is None else m - p
        rel = diff / p if diff is not None and p else None
        out[(site, day, metric, subject)] = (p, m, diff, rel)
    return out


def test_every_mart_equals_the_truth(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WAREHOUSE__THREADS")  # DuckDB's default threads, as most hosts run
    assert sync(warehouse, "--start", DAYS[0].isoformat(), "--end", DAYS[-1].isoformat()) == 0
    want = expected(sandbox)
    for mart in (
        "sites",
        "daily_traffic",
        "funnel_conversion",
        "form_conversion",
        "session_conversion",
    ):
        got = rows(warehouse, mart)
        assert got.keys() == want[mart].keys(), mart
        for key, value in want[mart].items():
            assert got[key] == stated(mart, key, value), (mart, key)
    got = {
        (s, d, m, (sub or "").lower() or None): v
        for (s, d, m, sub), v in rows(warehouse, "vendor_comparison").items()
    }
    assert got.keys() == comparison(want).keys()
    for key, value in comparison(want).items():
        assert got[key] == stated("vendor_comparison", key, value), key
    assert {k[2] for k in got} == {
        "sessions",
        "page_views",
        "session_conversion_rate",
        "funnel_completion_rate",
        "form_submission_rate",
    }

    # the comparison's counts: each side's numerator and denominator, and its value from them
    counts = {
        (s, d, m, (sub or "").lower() or None): tuple(row)
        for s, d, m, sub, *row in query(
            warehouse,
            "select site, day, metric, subject, pagesense_numerator, pagesense_denominator, "
            "mouseflow_numerator, mouseflow_denominator from analytics.vendor_comparison",
        )
    }
    assert counts == comparison_counts(want)
    # the analyst marts
    truth = {**analyst_truth(sandbox, DAYS), "funnel_drop_off": drop_off(want["funnel_conversion"])}
    for mart in ("pages", "goal_conversion", "ab_test_results", "funnel_drop_off"):
        got = rows(warehouse, mart)
        assert got.keys() == truth[mart].keys(), mart
        assert got, mart
        for key, value in truth[mart].items():
            assert got[key] == stated(mart, key, value), (mart, key)
