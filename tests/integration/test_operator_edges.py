"""Every edge an operator can reach: one line, the documented exit code, no traceback, and
no work done (nor folders made) before a setting is known to be good."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import pytest

from pipelines.cli import main
from sources.sandbox import Fault, Sandbox
from sources.shared import stop
from tests.integration.conftest import sync, without


def last_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("level", ["debug", "Warning", " info "])
def test_log_levels_are_read_in_any_case(
    sandbox: Sandbox, level: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEFLOW_LOG_LEVEL", level)
    assert main(["check", "--vendor", "mouseflow"]) == 0
    monkeypatch.delenv("PAGEFLOW_LOG_LEVEL")
    assert main(["--log-level", level.strip(), "check", "--vendor", "mouseflow"]) == 0


@pytest.mark.parametrize(
    ("variable", "value", "command"),
    [
        ("PAGEFLOW_LOG_LEVEL", "bogus", ["status"]),
        ("PAGEFLOW_MAX_AGE_HOURS", "abc", ["status"]),
        ("PAGEFLOW_MAX_AGE_HOURS", "-3", ["status"]),
    ],
)
def test_a_bad_environment_setting_is_78_naming_it(
    variable: str,
    value: str,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(command) == 78
    assert variable in last_line(capsys)


def test_version_answers_whatever_the_environment_holds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAGEFLOW_MAX_AGE_HOURS", "abc")
    monkeypatch.setenv("PAGEFLOW_LOG_LEVEL", "bogus")
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("pageflow ")


@pytest.mark.parametrize("command", [["sync"], ["check"]])
def test_a_half_configured_vendor_is_78_naming_what_is_missing(
    sandbox: Sandbox,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.delenv("SOURCES__PAGESENSE__CLIENT_ID")  # the other two stay set
    assert main([*command, *(["--warehouse", "w.duckdb"] if command == ["sync"] else [])]) == 78
    line = last_line(capsys)
    assert "SOURCES__PAGESENSE__CLIENT_ID" in line and "missing" in line
    assert "CLIENT_SECRET" in line  # named as set, its value never printed
    assert sandbox.tokens.client_secret not in line
    assert not (isolated / "w.duckdb").exists()
    assert not (isolated / "w.duckdb.pageflow").exists()  # nothing left behind
    assert not sandbox.requests.entries("mouseflow")  # no work before the settings are good


@pytest.mark.parametrize("name", ["config.toml", "secrets.toml"])
@pytest.mark.parametrize("command", [["sync"], ["status"], ["check"]])
def test_a_toml_syntax_error_is_78_naming_the_file_and_line(
    isolated: Path, capsys: pytest.CaptureFixture[str], name: str, command: list[str]
) -> None:
    (isolated / ".dlt").mkdir()
    (isolated / ".dlt" / name).write_text('[sources.mouseflow]\nemail = "someone\n')
    assert main(command) == 78
    line = last_line(capsys)
    assert str(isolated / ".dlt" / name) in line and "line 2" in line


def test_a_start_in_the_future_is_78_before_any_work(
    sandbox: Sandbox, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync(isolated / "w.duckdb", "--start", "2999-01-01") == 78
    line = last_line(capsys)
    assert "--start 2999-01-01 is in the future" in line and "--end" not in line
    assert not sandbox.requests.entries()
    assert not any(p.name.startswith("w.duckdb") for p in isolated.iterdir())


def test_a_bad_setting_of_one_vendor_stops_the_run_before_any_work(
    sandbox: Sandbox,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOURCES__MOUSEFLOW__REGION", "mars")
    assert sync(isolated / "w.duckdb") == 78
    assert "SOURCES__MOUSEFLOW__REGION" in last_line(capsys)
    assert not sandbox.requests.entries()  # PageSense did not start either
    assert not (isolated / "w.duckdb.pageflow").exists()


@pytest.mark.parametrize("command", ["sync", "models", "demo"])
def test_a_warehouse_in_a_missing_folder_is_78_and_creates_nothing(
    isolated: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    target = isolated / "typo" / "dir" / "w.duckdb"
    assert main([command, "--warehouse", str(target)]) == 78
    assert "typo/dir does not exist" in last_line(capsys)
    assert not (isolated / "typo").exists()


def test_report_and_export_follow_one_rule_for_missing_folders(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both create what they are told to write, never the folders above it."""
    missing = isolated / "nowhere"
    assert main(["report", "--out", str(missing / "r.html")]) == 78
    assert main(["export", str(missing / "marts")]) == 78
    assert not missing.exists()
    err = capsys.readouterr().err
    assert err.count(f"the folder {missing} does not exist") == 2


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_check_against_an_unreachable_host_answers_in_seconds_with_75(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__MOUSEFLOW__EMAIL", "ops@example.com")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__API_KEY", "k")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__BASE_URL", f"http://127.0.0.1:{closed_port()}")
    began = time.monotonic()
    assert main(["check"]) == 75
    assert time.monotonic() - began < 15  # 54 s of retries before
    out = capsys.readouterr().out
    assert "unreachable" in out and "DIFFERENT" not in out


def test_check_with_rejected_credentials_says_rejected_not_different(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__PAGESENSE__REFRESH_TOKEN", "revoked")
    assert main(["check", "--vendor", "pagesense"]) == 78
    out = capsys.readouterr().out
    assert "rejected" in out and "DIFFERENT" not in out


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["synk"], "did you mean 'sync'?"),
        (["sync", "--vendr", "mouseflow"], "did you mean '--vendor'?"),
        (["status", "--max-age-hours", "-5"], "cannot be negative"),
    ],
)
def test_usage_errors_exit_2_with_the_nearest_command(
    argv: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert suggestion in capsys.readouterr().err


def test_a_stop_before_anything_was_fetched_says_so(
    sandbox: Sandbox,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    without(monkeypatch, "pagesense")
    sandbox.faults.add(Fault("slow", vendor="mouseflow", endpoint="/websites", delay=2.0))
    timer = threading.Timer(0.5, stop.request)
    timer.start()
    try:
        assert sync(isolated / "w.duckdb") == 143
    finally:
        timer.cancel()
    line = last_line(capsys)
    assert "nothing was fetched yet" in line and "every chunk was committed" not in line


def test_models_with_nothing_changed_publishes_nothing(
    sandbox: Sandbox, warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert sync(warehouse, "--start", "2026-03-27", "--end", "2026-03-28") == 0
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pageflow.publish"):
        assert main(["models", "--warehouse", str(warehouse)]) == 0
    published = [r.getMessage() for r in caplog.records if "published" in r.getMessage()]
    assert len(published) == 1 and "(changes)" in published[0]
    # the marts came out the same; only raw.build_clock changed, which stays unpublished
    assert "0 tables rewritten, 0 rows written" in published[0]
