"""The ledger's declaration is what its tables are, and what the README says they are."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from pipelines.ledger import failures, windows
from pipelines.ledger.tables import FAILURES, WINDOWS, markdown
from sources.shared.declare import Claim
from sources.shared.resources import Failures
from sources.shared.windows import Window

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_ledger_reference_is_generated_from_the_declaration() -> None:
    assert markdown() in (ROOT / "README.md").read_text(), (
        "README's ledger reference is stale: run `uv run python -m pipelines.ledger`"
    )


def test_a_recorded_window_has_exactly_the_declared_columns_dlt_does_not_add() -> None:
    window = Window("site", "recordings", date(2026, 3, 1))
    item = windows.record([(window, "count", Claim(3, 4))])
    (row,) = item.data
    assert set(row) == set(WINDOWS.names) - {"_dlt_load_id"}
    assert (row["claim"], row["expected"], row["loaded"], row["rows"]) == ("count", 4, 3, 3)
    unchecked = windows.record([(window, "count", Claim(3))]).data[0]
    assert unchecked["claim"] is None and unchecked["expected"] is None


def test_failures_are_replaced_per_run_in_the_declared_table() -> None:
    con = duckdb.connect()
    found = Failures()
    from sources.shared.errors import VendorAPIError

    error = VendorAPIError("mouseflow", "/x", "broken", website_id="site", window="2026-03-01")
    found.add(Window("site", "forms", date(2026, 3, 1)), error)
    failures.record_failures(con, "mouseflow", found)
    columns = [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_name = 'sync_failures'"
        ).fetchall()
    ]
    assert tuple(columns) == FAILURES.names
    assert len(failures.failure_rows(con, ["mouseflow", "pagesense"])) == 1
    failures.record_failures(con, "mouseflow", Failures())
    assert failures.failure_rows(con, ["mouseflow"]) == []


def test_a_marked_window_is_a_gap_and_an_unchecked_one_never_is() -> None:
    con = duckdb.connect()
    con.execute("create schema mouseflow")
    con.execute(
        "create table mouseflow.sync_windows (website_id varchar, resource varchar, day date, "
        "expected bigint, loaded bigint)"
    )
    con.execute(
        "insert into mouseflow.sync_windows values ('s', 'recordings', '2026-03-01', 5, 5), "
        "('s', 'recordings', '2026-03-02', 5, 4), ('s', 'forms', '2026-03-01', null, 2)"
    )
    gaps = windows.gap_windows(con, "mouseflow", {"s"})
    assert gaps == [Window("s", "recordings", date(2026, 3, 2))]
    windows.mark_refetch(con, "mouseflow", [("s", "recordings", date(2026, 3, 1))])
    found = windows.gap_windows(con, "mouseflow", {"s"})
    assert sorted((w.resource, w.day.day) for w in found) == [("recordings", 1), ("recordings", 2)]
    assert windows.gap_windows(con, "mouseflow", {"other"}) == []
