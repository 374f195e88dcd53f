"""Polls and feedback: PageSense poll responses per day equal the sandbox's truth, and
customer_feedback's counts and NPS are the standard ones computed from that truth."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from sources.sandbox import Fault, Sandbox
from sources.sandbox.pagesense_polls import poll_defs
from sources.shared.windows import days_between
from tests.integration.conftest import query, sync, without

DAYS = days_between(date(2026, 3, 27), date(2026, 3, 29))
RESPONSES = "/websites/{website_id}/polls/{poll_id}/responses"
SHOP = "123456000000234567"


@pytest.fixture
def synced(sandbox: Sandbox, warehouse: Path) -> Path:
    assert sync(warehouse, "--start", str(DAYS[0]), "--end", str(DAYS[-1])) == 0
    return warehouse


def test_poll_responses_per_day_equal_the_truth(sandbox: Sandbox, synced: Path) -> None:
    truth = sandbox.pagesense_app.truth(DAYS)["poll_responses"]
    loaded = {
        row[:4]: row[4]
        for row in query(
            synced,
            "select website_id, day, poll_id, response_id, score from pagesense.poll_responses",
        )
    }
    assert truth and loaded == truth
    free_text = query(synced, "select count(*) from pagesense.poll_responses where score is null")
    assert free_text[0][0] > 0  # the choice poll's answers are kept raw


def test_customer_feedback_counts_and_nps_are_the_standard_ones(
    sandbox: Sandbox, synced: Path
) -> None:
    truth = sandbox.pagesense_app.truth(DAYS)["poll_responses"]
    types = {d["id"]: d["type"] for site in sandbox.pagesense_app.sites() for d in poll_defs(site)}
    scores: dict[tuple, list] = defaultdict(list)
    for (website_id, day, poll_id, _), score in truth.items():
        scores[(website_id, poll_id, day)].append(score)
    rows = query(
        synced,
        "select website_id, survey_id, day, survey_type, responses, promoters, passives, "
        "detractors, nps, average_score from analytics.customer_feedback "
        "where vendor = 'pagesense'",
    )
    assert {r[:3] for r in rows} == set(scores)
    for website_id, poll_id, day, kind, responses, pro, pas, det, nps, average in rows:
        given = scores[(website_id, poll_id, day)]
        assert responses == len(given)
        assert kind == {"NPS": "nps", "Rating Scale": "rating"}.get(types[poll_id], "single_choice")
        if kind == "nps":
            counts = Counter("p" if s >= 9 else "n" if s >= 7 else "d" for s in given)
            assert (pro, pas, det) == (counts["p"], counts["n"], counts["d"])
            assert nps == round(100 * (counts["p"] - counts["d"]) / len(given), 1)
        else:
            assert (pro, pas, det, nps) == (None, None, None, None)
        if kind == "rating":
            assert average == round(sum(given) / len(given), 2)
    mouseflow = query(
        synced,
        "select survey_type, sum(impressions), sum(responses) from analytics.customer_feedback "
        "where vendor = 'mouseflow' group by all",
    )
    assert mouseflow and all(r[0] == "nps" and r[1] >= r[2] > 0 for r in mouseflow)
    columns = {
        c
        for (c,) in query(
            synced,
            "select column_name from duckdb_columns() where table_name = 'customer_feedback'",
        )
    }
    assert "answer" not in columns  # free text never reaches a mart


def test_a_response_outside_its_day_fails_the_window(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    without(monkeypatch, "mouseflow")
    sandbox.faults.add(
        Fault(
            "out-of-window",
            vendor="pagesense",
            endpoint=RESPONSES,
            website_id=SHOP,
            day=str(DAYS[1]),
            field="submitted_at",
        )
    )
    assert sync(warehouse, "--start", str(DAYS[0]), "--end", str(DAYS[-1])) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert RESPONSES in line and str(DAYS[1]) in line and "outside the window's day" in line
    failed = query(warehouse, "select website_id, resource, day from pagesense.sync_failures")
    assert failed == [(SHOP, "poll_responses", DAYS[1])]


def test_the_sandbox_has_one_real_documented_disagreement(synced: Path) -> None:
    """PageSense counts the newsletter form viewed on every page load (README "The vendor
    sandbox"), so its submission rate is far below Mouseflow's: beyond noise every day."""
    rows = query(
        synced,
        "select day, within_noise, pagesense_value < mouseflow_value "
        "from analytics.vendor_comparison "
        "where metric = 'form_submission_rate' and subject = 'Newsletter'",
    )
    assert rows and all(not within and lower for _, within, lower in rows)
