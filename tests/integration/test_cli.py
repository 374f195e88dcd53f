"""The CLI as a user meets it: demo from nothing, status, skipped vendors, bad options."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from sources.sandbox import Sandbox
from tests.integration.conftest import query, sync


def test_demo_runs_from_nothing_and_prints_a_summary(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "pageflow demo" in out and "myshop.com" in out and "recordings" in out
    warehouse = isolated / "warehouse.duckdb"
    assert query(warehouse, "select count(*) > 100 from mouseflow.recordings") == [(True,)]
    assert (isolated / "warehouse.duckdb.pageflow" / "dlt").is_dir()


def test_status_shows_positions_rows_and_gaps(
    sandbox: Sandbox,
    isolated: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOURCES__PAGESENSE__CLIENT_ID")
    warehouse = isolated / "wh" / "a.duckdb"
    assert main(["status", "--warehouse", str(warehouse)]) == 78  # a path to fix
    assert "no warehouse at" in capsys.readouterr().err
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-02") == 0
    capsys.readouterr()
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("mouseflow")]
    assert len(rows) == 2 * 5  # two websites x five windowed resources
    assert all(row[3] == "2026-03-02" and row[-1] == "0" for row in rows)


def test_a_vendor_without_credentials_is_skipped_with_a_notice(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--warehouse", str(isolated / "w.duckdb")]) == 0
    err = capsys.readouterr().err
    assert "mouseflow skipped: no credentials configured" in err
    assert "pagesense skipped" in err


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            {"SOURCES__MOUSEFLOW__TIMEZONE": "Mars/Olympus"}, "unknown time zone", id="bad-timezone"
        ),
        pytest.param({"SOURCES__MOUSEFLOW__WEBSITE_IDS": "not json"}, "JSON list", id="bad-list"),
        pytest.param(
            {"SOURCES__MOUSEFLOW__WEBSITE_IDS": '["no-such-site"]'},
            "no-such-site",
            id="unknown-website",
        ),
    ],
)
def test_configuration_errors_exit_78_with_a_clear_last_line(
    sandbox: Sandbox,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    expected: str,
) -> None:
    monkeypatch.delenv("SOURCES__PAGESENSE__CLIENT_ID")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert sync(isolated / "w.duckdb") == 78
    assert expected in capsys.readouterr().err.strip().splitlines()[-1]


def test_start_after_end_is_refused(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync(isolated / "w.duckdb", "--start", "2026-03-05", "--end", "2026-03-01") == 78
    assert "after --end" in capsys.readouterr().err
