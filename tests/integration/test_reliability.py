"""Promises a cron user relies on: idempotence, restatement, throttling, outages, the lock,
the completeness audit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import dlt
import duckdb
import pytest

from pipelines.store.warehouse import Warehouse
from sources.sandbox import Fault, Sandbox
from sources.shared.windows import days_between, local_today, yesterday
from tests.integration.conftest import (
    assert_matches_truth,
    expected_mouseflow,
    expected_pagesense,
    loaded_mouseflow,
    loaded_pagesense,
    query,
    sync,
    without,
)

ROOT = Path(__file__).resolve().parents[2]
SHOP = "8fc2ace2-75bc-8ba4-b424-c8916670b990"
DOCS = "6793a2a8-9be8-42ce-4fb1-9107e379dfde"
RECORDINGS = "/websites/{website_id}/recordings"
FORMS = "/websites/{website_id}/forms"


def mouseflow_only(monkeypatch: pytest.MonkeyPatch) -> None:
    without(monkeypatch, "pagesense")


def snapshot(warehouse: Path, schema: str) -> dict[str, list[tuple]]:
    """Every raw table's content without dlt's bookkeeping columns."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "and table_name not like '\\_dlt%' escape '\\' and table_name <> 'sync_windows'",
                [schema],
            ).fetchall()
        ]
        out = {}
        for table in tables:
            columns = ", ".join(
                f'"{c}"'
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where "
                    "table_schema = ? and table_name = ? and column_name not like '\\_dlt%' "
                    "escape '\\'",
                    [schema, table],
                ).fetchall()
            )
            out[table] = con.execute(
                f'select {columns} from {schema}."{table}" order by all'
            ).fetchall()
        return out


def positions(warehouse: Path, vendor: str) -> dict:
    pipeline = Warehouse.at(warehouse).pipeline(vendor)
    pipeline.sync_destination()
    return pipeline.state["sources"][vendor]["positions"]


def windowed(sandbox: Sandbox, vendor: str = "mouseflow") -> list:
    return [e for e in sandbox.requests.entries(vendor) if e.day]


def test_idempotent_never_backwards_and_a_future_position_loads_nothing(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_only(monkeypatch)
    last = yesterday("Europe/Berlin")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", (last - timedelta(days=4)).isoformat())
    assert sync(warehouse) == 0
    first, where = snapshot(warehouse, "mouseflow"), positions(warehouse, "mouseflow")
    assert where[SHOP]["recordings"] == last.isoformat()

    assert sync(warehouse) == 0  # the second sync changes 0 rows
    assert snapshot(warehouse, "mouseflow") == first
    earlier = (last - timedelta(days=30)).isoformat()
    assert sync(warehouse, "--start", earlier, "--end", earlier) == 0
    assert positions(warehouse, "mouseflow") == where  # explicit ranges never move it
    first = snapshot(warehouse, "mouseflow")

    # a saved position in the future: nothing to fetch, at most one call per resource
    pipeline = Warehouse.at(warehouse).pipeline("mouseflow")

    @dlt.source(name="mouseflow")
    def move_ahead() -> object:
        @dlt.resource(name="noop")
        def noop() -> object:
            state = dlt.current.source_state()["positions"]
            for site in state.values():
                for resource in site:
                    site[resource] = "2099-01-01"
            yield from ()

        return noop

    pipeline.run(move_ahead())
    sandbox.requests.clear()
    assert sync(warehouse) == 0
    calls = sandbox.requests.entries("mouseflow")
    assert windowed(sandbox) == []
    assert len(calls) == len({(e.endpoint, e.website_id) for e in calls}) <= 3
    assert snapshot(warehouse, "mouseflow") == first
    assert {p for site in positions(warehouse, "mouseflow").values() for p in site.values()} == {
        "2099-01-01"
    }


@pytest.mark.both_warehouses
def test_a_day_restated_to_nothing_leaves_the_models(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_only(monkeypatch)
    last = yesterday("Europe/Berlin")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", (last - timedelta(days=2)).isoformat())
    assert sync(warehouse) == 0

    def forms_of(relation: str) -> dict[str, int]:
        rows = query(
            warehouse,
            f"select cast(day as varchar), count(*) from {relation} "
            f"where website_id = '{SHOP}' group by all",
        )
        return dict(rows)

    before = forms_of("mouseflow.forms")
    assert before.get(last.isoformat(), 0) > 0  # the shop has forms on its last day
    # the vendor now answers that day with no forms at all (a valid, empty answer)
    sandbox.faults.add(
        Fault("empty-page", vendor="mouseflow", endpoint=FORMS, website_id=SHOP, day=str(last))
    )
    assert sync(warehouse) == 0
    after = forms_of("mouseflow.forms")
    assert last.isoformat() not in after
    assert {d: n for d, n in before.items() if d != last.isoformat()} == after
    assert last.isoformat() not in forms_of("mouseflow.form_fields")
    marts = query(
        warehouse,
        "select count(*) from analytics.form_conversion "
        f"where vendor = 'mouseflow' and website_id = '{SHOP}' and day = '{last}'",
    )
    assert marts == [(0,)]
    # the raw tables themselves hold nothing of the emptied day either
    for table in ("forms", "form_fields"):
        stale = query(
            warehouse,
            f"select count(*) from mouseflow.{table} where website_id = '{SHOP}' "
            f"and day = '{last}'",
        )
        assert stale == [(0,)], table


def test_restated_days_inside_the_lookback_end_as_the_current_truth(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = yesterday("Europe/Berlin") - timedelta(days=6)
    for vendor in ("MOUSEFLOW", "PAGESENSE"):
        monkeypatch.setenv(f"SOURCES__{vendor}__START_DATE", start.isoformat())
    assert sync(warehouse) == 0
    today_utc = local_today("UTC")
    for site in sandbox.world.sites:  # the vendors restate the last days
        sandbox.world.restate(site.key, [today_utc - timedelta(days=n) for n in (1, 2)])
    before = loaded_mouseflow(warehouse)
    assert sync(warehouse) == 0
    mf_days = days_between(start, yesterday("Europe/Berlin"))
    after = loaded_mouseflow(warehouse)
    assert after != before  # the restatement reached the warehouse
    assert_matches_truth(after, expected_mouseflow(sandbox, mf_days))
    # each PageSense website's days end at yesterday in its own zone: from 23:00 to 05:00
    # UTC the Berlin website has one day more than the New York one
    truth: dict[str, dict] = {}
    for site in sandbox.world.sites:
        if site.pagesense_id is None:
            continue
        days = days_between(start, yesterday(site.pagesense_timezone))
        for table, rows in expected_pagesense(sandbox, days).items():
            mine = {k: v for k, v in rows.items() if k[0] == site.pagesense_id}
            truth.setdefault(table, {}).update(mine)
    loaded = loaded_pagesense(warehouse)
    for table in ("recordings", "report_traffic", "funnel_steps", "forms"):
        assert loaded[table] == truth[table], table
    finals = query(warehouse, "select site, vendor, day, is_final from analytics.daily_traffic")
    tz = {"mouseflow": "Europe/Berlin"}
    for site, vendor, day, is_final in finals:
        zone = tz.get(vendor) or ("America/New_York" if site == "myshop.com" else "Europe/Berlin")
        assert is_final == (day < local_today(zone) - timedelta(days=3)), (site, vendor, day)
    assert {f[3] for f in finals} == {True, False}


def test_throttling_and_resets_cost_at_most_1_6x_the_logical_calls(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ~500 logical calls: 30% answered 429 with Retry-After 0-2 s, 5% connection resets.
    # Each call then takes 1 / 0.65 = 1.54 attempts on average.
    mouseflow_only(monkeypatch)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__WORKERS", "16")
    sandbox.faults.add(
        Fault(
            "429-retry-after", vendor="mouseflow", probability=0.3, retry_after=0, retry_after_max=2
        )
    )
    sandbox.faults.add(Fault("reset", vendor="mouseflow", probability=0.05 / 0.7))
    assert sync(warehouse, "--start", "2026-02-01", "--end", "2026-03-08") == 0
    sent = sandbox.requests.entries("mouseflow")
    logical = {(e.path, tuple(sorted(e.params.items()))) for e in sent}
    assert {e.fault for e in sent} >= {"429-retry-after", "reset"}
    assert len(logical) > 450
    assert len(sent) <= 1.6 * len(logical), (len(sent), len(logical))
    days = days_between(date(2026, 2, 1), date(2026, 3, 8))
    assert_matches_truth(loaded_mouseflow(warehouse), expected_mouseflow(sandbox, days))


@pytest.mark.parametrize("kind", ["503", "429"])
def test_a_permanent_outage_exits_75_keeping_completed_windows(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    mouseflow_only(monkeypatch)
    last = yesterday("Europe/Berlin")
    start, broken = last - timedelta(days=3), last - timedelta(days=1)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", start.isoformat())
    monkeypatch.setenv("SOURCES__MOUSEFLOW__CHUNK_DAYS", "1")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RETRY_BACKOFF", "0.01")
    sandbox.faults.add(
        Fault(
            kind, vendor="mouseflow", endpoint=RECORDINGS, website_id=SHOP, day=broken.isoformat()
        )
    )
    assert sync(warehouse) == 75
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    for part in (SHOP, RECORDINGS, broken.isoformat(), "gave up after 8 attempts"):
        assert part in last_line
    attempts = [
        e
        for e in sandbox.requests.entries("mouseflow", RECORDINGS)
        if e.website_id == SHOP and e.day == broken.isoformat()
    ]
    assert len(attempts) == 8
    days = {
        r[0]
        for r in query(
            warehouse, f"select distinct day from mouseflow.recordings where website_id = '{SHOP}'"
        )
    }
    assert days == set(days_between(start, broken - timedelta(days=1)))
    assert (
        positions(warehouse, "mouseflow")[SHOP]["recordings"]
        == (broken - timedelta(days=1)).isoformat()
    )


def test_the_lock_answers_within_a_second_and_dies_with_its_holder(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_only(monkeypatch)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from pipelines.store.lock import SyncLock; lock = SyncLock(Path(sys.argv[1])); "
            "lock.__enter__(); print('held', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    began = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sync", "--warehouse", str(warehouse)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )
    # it did not wait for the holder (who holds for 60 s): the bound is far from both the
    # holder's 60 s and a slow machine's start-up, so it says "at once" without timing it
    assert second.returncode == 75 and time.monotonic() - began < 30
    assert "another sync holds" in second.stderr.strip().splitlines()[-1]
    assert sandbox.requests.entries() == []
    holder.send_signal(signal.SIGKILL)  # a killed run must not block the next one
    holder.wait()
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0


def test_windows_that_did_not_add_up_are_fetched_again(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pipelines.cli import main

    mouseflow_only(monkeypatch)
    last = yesterday("Europe/Berlin")
    old = last - timedelta(days=6)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", old.isoformat())
    assert sync(warehouse) == 0
    # as if a window had come back short, in the working database and the published file
    for path in (Warehouse.at(warehouse).work_path, warehouse):
        with duckdb.connect(str(path)) as con:
            con.execute(
                "update mouseflow.sync_windows set loaded = loaded - 1 "
                "where website_id = ? and resource = 'recordings' and day = ?",
                [SHOP, old],
            )
            con.execute(
                "delete from mouseflow.recordings where id = (select min(id) from "
                "mouseflow.recordings where website_id = ? and day = ?)",
                [SHOP, old],
            )
    capsys.readouterr()
    assert (
        main(["status", "--warehouse", str(warehouse)]) == 3
    )  # the deleted recording leaves a gap
    gaps = [
        line.split()
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("mouseflow") and SHOP in line and " recordings " in line
    ]
    assert gaps[0][-1] == "1"
    sandbox.requests.clear()
    assert sync(warehouse) == 0
    refetched = {
        e.day for e in sandbox.requests.entries("mouseflow", RECORDINGS) if e.website_id == SHOP
    }
    assert old.isoformat() in refetched
    assert_matches_truth(
        loaded_mouseflow(warehouse), expected_mouseflow(sandbox, days_between(old, last))
    )
    assert query(
        warehouse, "select count(*) from mouseflow.sync_windows where loaded <> expected"
    ) == [(0,)]
