"""The Mouseflow sync against the sandbox over real sockets, compared with its truth."""

from __future__ import annotations

import dataclasses
import logging
import math
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipelines.store.choose import open_warehouse
from sources.sandbox import Fault, Sandbox, World
from sources.sandbox.world import default_sites
from sources.shared.windows import days_between, yesterday
from tests.integration.conftest import (
    BUSY_DAY,
    BUSY_SESSIONS,
    assert_matches_truth,
    expected_mouseflow,
    folder_of,
    loaded_mouseflow,
    query,
    sync,
    without,
)

WINDOWED = {
    "/websites/{website_id}/recordings",
    "/websites/{website_id}/pagelist",
    "/websites/{website_id}/funnels",
    "/websites/{website_id}/forms",
    "/websites/{website_id}/forms/{form_id}",
    "/websites/{website_id}/feedback",
}


@pytest.fixture(autouse=True)
def mouseflow_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about Mouseflow: PageSense has no credentials here."""
    without(monkeypatch, "pagesense")


def windowed_days(sandbox: Sandbox) -> set[str]:
    return {e.day for e in sandbox.requests.entries("mouseflow") if e.endpoint in WINDOWED}


@pytest.mark.both_warehouses
def test_backfill_across_dst_with_a_busy_day_loads_exactly_the_truth(
    sandbox: Sandbox, warehouse: Path
) -> None:
    # Berlin springs forward on 2026-03-29 (a 23-hour day); the busy UTC day 03-28 holds
    # more recordings than the first page (1000) asks for.
    days = days_between(date(2026, 3, 27), date(2026, 3, 30))
    assert (
        sync(warehouse, "--vendor", "mouseflow", "--start", "2026-03-27", "--end", "2026-03-30")
        == 0
    )
    truth = expected_mouseflow(sandbox, days)
    assert_matches_truth(loaded_mouseflow(warehouse), truth)
    shop = "8fc2ace2-75bc-8ba4-b424-c8916670b990"
    busy = [k for k, v in truth["recordings"].items() if v[0] == BUSY_DAY and k[0] == shop]
    assert len(busy) > 1000  # the page-size growth path was needed
    grown = [
        e
        for e in sandbox.requests.entries("mouseflow", "/websites/{website_id}/recordings")
        if e.day == BUSY_DAY.isoformat() and e.website_id == shop and int(e.params["limit"]) > 1000
    ]
    assert len(grown) == 1 and int(grown[0].params["limit"]) >= len(busy)
    assert BUSY_SESSIONS > len(busy) > BUSY_SESSIONS * 0.5  # Berlin's 03-28 misses 1h of UTC
    # an explicit range never moves the incremental position (none was saved), and every
    # window it fetched is audited
    state = open_warehouse(str(warehouse)).pipeline("mouseflow").state
    assert not state.get("sources", {}).get("mouseflow", {}).get("positions")
    assert query(warehouse, "select count(*) from mouseflow.sync_windows") != [(0,)]


def test_busy_days_over_the_servers_cap_load_exactly_the_truth_in_slices(
    monkeypatch: pytest.MonkeyPatch, warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    busy = {date(2026, 3, d): 15_000 for d in (10, 11, 12)}
    sites = tuple(
        dataclasses.replace(site, busy_days=busy) if site.key == "shop" else site
        for site in default_sites()
    )
    with Sandbox(World(sites=sites), mouseflow_max_limit=5000) as capped:
        for key, value in capped.env().items():
            monkeypatch.setenv(key, value)
        without(monkeypatch, "pagesense")
        caplog.set_level(logging.INFO, logger="pageflow.mouseflow")
        assert sync(warehouse, "--start", "2026-03-10", "--end", "2026-03-12") == 0
        days = days_between(date(2026, 3, 10), date(2026, 3, 12))
        assert_matches_truth(loaded_mouseflow(warehouse), expected_mouseflow(capped, days))
        shop = capped.mouseflow_app.sites()[0].mouseflow_id
        calls = [
            e
            for e in capped.requests.entries("mouseflow", "/websites/{website_id}/recordings")
            if e.website_id == shop
        ]
    counts = query(
        warehouse,
        f"select day, count(*) from mouseflow.recordings where website_id = '{shop}' group by 1",
    )
    assert all(n > 5000 for _, n in counts)  # each day bigger than the largest page
    for day, n in counts:
        day_calls = [e for e in calls if e.day == day.isoformat()]
        # the first page, the ask for `count`, then slices: near ceil(count / cap)
        assert len(day_calls) <= 2 + math.ceil(n / 5000) + 3, (day, len(day_calls))
        assert any("visitmin" in e.params for e in day_calls)
    assert "fetched in" in caplog.text and "ceil(count / cap)" in caplog.text


def test_incremental_rerun_adds_nothing_and_asks_only_for_the_lookback(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    last = yesterday("Europe/Berlin")
    start = last - timedelta(days=5)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", start.isoformat())
    assert sync(warehouse) == 0
    first = loaded_mouseflow(warehouse)
    assert_matches_truth(first, expected_mouseflow(sandbox, days_between(start, last)))
    assert windowed_days(sandbox) == {d.isoformat() for d in days_between(start, last)}

    sandbox.requests.clear()
    assert sync(warehouse) == 0
    assert loaded_mouseflow(warehouse) == first
    lookback = {(last - timedelta(days=n)).isoformat() for n in range(3)}
    assert windowed_days(sandbox) == lookback

    # the folder beside the warehouse is gone: positions come back from the warehouse
    shutil.rmtree(folder_of(warehouse))
    sandbox.requests.clear()
    assert sync(warehouse) == 0
    assert windowed_days(sandbox) == lookback
    assert loaded_mouseflow(warehouse) == first


def test_throttling_and_server_errors_still_give_exactly_the_truth(
    sandbox: Sandbox, warehouse: Path
) -> None:
    sandbox.faults.add(Fault("429-retry-after", vendor="mouseflow", probability=0.2, retry_after=0))
    sandbox.faults.add(Fault("429", vendor="mouseflow", probability=0.125))
    # draws are sequential: 0.2 + 0.8 * 0.125 = 30% 429s, then 0.7 * (1 / 7) = 10% 503s
    sandbox.faults.add(Fault("503", vendor="mouseflow", probability=1 / 7))
    days = days_between(date(2026, 3, 1), date(2026, 3, 4))
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-04") == 0
    assert_matches_truth(loaded_mouseflow(warehouse), expected_mouseflow(sandbox, days))
    faults = [e for e in sandbox.requests.entries("mouseflow") if e.fault]
    assert len(faults) > 10  # the faults really happened


def test_a_malformed_page_names_the_window_and_stops_only_its_resource(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = "8fc2ace2-75bc-8ba4-b424-c8916670b990"
    monkeypatch.setenv("SOURCES__MOUSEFLOW__WEBSITE_IDS", f'["{site}"]')
    monkeypatch.setenv("SOURCES__MOUSEFLOW__CHUNK_DAYS", "1")
    sandbox.faults.add(
        Fault(
            "malformed",
            endpoint="/websites/{website_id}/pagelist",
            website_id=site,
            day="2026-03-03",
        )
    )
    code = sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-04")
    assert code == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    for part in (
        "mouseflow",
        site,
        "/websites/{website_id}/pagelist",
        "2026-03-03",
        "malformed JSON",
    ):
        assert part in last
    loaded_days = {row[0] for row in query(warehouse, "select distinct day from mouseflow.pages")}
    assert loaded_days == {date(2026, 3, 1), date(2026, 3, 2)}
    # a failing endpoint stops only its own resource: recordings of every day are loaded
    rec_days = {r[0] for r in query(warehouse, "select distinct day from mouseflow.recordings")}
    assert rec_days == {date(2026, 3, d) for d in (1, 2, 3, 4)}


@pytest.mark.both_warehouses
def test_second_sync_while_one_holds_the_lock_exits_75(
    sandbox: Sandbox, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_warehouse(str(warehouse)).lock():
        assert sync(warehouse) == 75
    assert "another sync holds" in capsys.readouterr().err
    assert sandbox.requests.entries() == []
