"""The CLI as a user meets it: demo from nothing, status, skipped vendors, bad options."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from sources.sandbox import Sandbox
from tests.integration.conftest import query, sync, without


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
    without(monkeypatch, "pagesense")
    warehouse = isolated / "wh" / "a.duckdb"
    assert main(["status", "--warehouse", str(warehouse)]) == 78  # a path to fix
    assert "no warehouse at" in capsys.readouterr().err
    warehouse.parent.mkdir()  # the first sync creates the file, not folders
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-02") == 0
    capsys.readouterr()
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("mouseflow")]
    assert len(rows) == 2 * 5  # two websites x five windowed resources
    assert all(row[4] == "2026-03-02" and row[-1] == "0" for row in rows)  # after the site


def test_no_vendor_configured_at_all_is_exit_78(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--warehouse", str(isolated / "w.duckdb")]) == 78
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "no vendor has credentials configured" in last
    assert "SOURCES__MOUSEFLOW__EMAIL" in last and "SOURCES__PAGESENSE__CLIENT_ID" in last


def test_a_vendor_without_credentials_is_skipped_with_a_notice_unless_named(
    sandbox: Sandbox, isolated: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without(monkeypatch, "pagesense")
    assert sync(isolated / "w.duckdb", "--start", "2026-03-01", "--end", "2026-03-01") == 0
    assert "pagesense skipped: no credentials configured" in capsys.readouterr().err
    named = sync(isolated / "w.duckdb", "--vendor", "pagesense")
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert named == 78 and "--vendor pagesense was given" in last


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        pytest.param(["--end", "2999-01-01"], {}, "--end 2999-01-01 is in the future", id="end"),
        pytest.param(
            [],
            {"SOURCES__MOUSEFLOW__START_DATE": "2999-01-01"},
            "SOURCES__MOUSEFLOW__START_DATE 2999-01-01 is in the future",
            id="start-date",
        ),
    ],
)
def test_days_in_the_future_are_exit_78(
    sandbox: Sandbox,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    without(monkeypatch, "pagesense")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert sync(isolated / "w.duckdb", *args) == 78
    assert expected in capsys.readouterr().err.strip().splitlines()[-1]
    assert sandbox.requests.entries() == []


def test_a_wrong_mouseflow_key_or_region_names_the_settings(
    sandbox: Sandbox,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    without(monkeypatch, "pagesense")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__API_KEY", "wrong")
    assert sync(isolated / "w.duckdb") == 78
    last = capsys.readouterr().err.strip().splitlines()[-1]
    for part in ("unauthorized", "SOURCES__MOUSEFLOW__API_KEY", "SOURCES__MOUSEFLOW__REGION"):
        assert part in last
    assert "wrong" not in last.replace("wrong type", "")


def test_an_unreachable_vendor_names_the_host_and_the_time_spent(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__MOUSEFLOW__EMAIL", "a@b.c")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__API_KEY", "k")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__BASE_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RETRY_ATTEMPTS", "2")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RETRY_BACKOFF", "0.05")
    assert sync(isolated / "w.duckdb") == 75
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "connection to 127.0.0.1:9 failed" in last and "gave up after 2 attempts in" in last


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
    without(monkeypatch, "pagesense")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert sync(isolated / "w.duckdb") == 78
    assert expected in capsys.readouterr().err.strip().splitlines()[-1]


def test_start_after_end_is_refused(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync(isolated / "w.duckdb", "--start", "2026-03-05", "--end", "2026-03-01") == 78
    assert "after --end" in capsys.readouterr().err


def test_check_reads_every_endpoint_once_and_touches_no_warehouse(
    sandbox: Sandbox, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = set(isolated.iterdir())
    assert main(["check"]) == 0
    out = capsys.readouterr().out.splitlines()
    for vendor, resources in (
        ("mouseflow", ("recordings", "pages", "funnel_steps", "forms", "feedback")),
        ("pagesense", ("recordings", "heatmaps", "funnel_steps", "forms", "reports")),
    ):
        for resource in resources:
            assert any(line.split()[:2] == [vendor, resource] and " ok " in line for line in out), (
                vendor,
                resource,
                out,
            )
    assert set(isolated.iterdir()) == before  # no warehouse, no folder


def test_check_names_a_broken_endpoint_and_exits_1(
    sandbox: Sandbox, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sources.sandbox import Fault

    sandbox.faults.add(
        Fault("malformed", vendor="pagesense", endpoint="/websites/{website_id}/heatmaps")
    )
    assert main(["check", "--vendor", "pagesense"]) == 1
    out = capsys.readouterr().out
    broken = [line for line in out.splitlines() if "DIFFERENT" in line]
    assert len(broken) == 1 and "/websites/{website_id}/heatmaps" in broken[0]
    assert "malformed JSON" in broken[0]


def test_check_with_rejected_credentials_is_exit_78(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__MOUSEFLOW__API_KEY", "wrong")
    assert main(["check", "--vendor", "mouseflow"]) == 78
    assert "unauthorized" in capsys.readouterr().out
