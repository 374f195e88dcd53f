"""`report`, `export`, `status --json` and its exit codes, progress, `--version`: after a real
sync of both vendors from the sandbox."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import build_parser, main
from pipelines.cli.parser import environment_settings
from sources.sandbox import Sandbox
from tests.integration.conftest import query, sync

ROOT = Path(__file__).resolve().parents[2]
FIRST, LAST = "2026-03-27", "2026-03-29"
SECTIONS = ("traffic", "side-by-side", "funnels", "forms", "feedback", "disagreements")


@pytest.fixture
def synced(sandbox: Sandbox, warehouse: Path) -> Path:
    assert sync(warehouse, "--start", FIRST, "--end", LAST) == 0
    return warehouse


def edit_published(warehouse: Path, *statements: str) -> None:
    """Change the published file the way a test may (pageflow itself never writes it)."""
    with duckdb.connect(str(warehouse)) as con:
        for statement in statements:
            con.execute(statement)


def test_report_is_one_offline_file_with_a_chart_per_section_from_the_warehouse(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_published(
        synced,
        "update analytics.funnel_conversion set step_name = 'Zebra step' where step_number = 2",
        "update analytics.vendor_comparison set within_noise = false, z_score = 7.25 "
        "where metric = 'sessions'",
    )
    out = synced.parent / "out" / "report.html"
    out.parent.mkdir()
    assert main(["report", "--warehouse", str(synced), "--out", str(out), "--days", "3"]) == 0
    assert str(out) in capsys.readouterr().out
    text = out.read_text()
    assert "http://" not in text and "https://" not in text  # nothing fetched from anywhere
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", text)  # nor from a file
    for section in SECTIONS:
        part = text.split(f'<section id="{section}">')[1].split("</section>")[0]
        assert part.count("<svg") == 1, section
    assert "Zebra step" in text  # the funnel chart reads the mart
    assert "7.2" in text.split('<section id="disagreements">')[1]  # the planted z, in the table
    assert f"{FIRST} to {LAST} (3 days)" in text
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary left


def test_report_needs_marts_and_a_file_path(isolated: Path, synced: Path) -> None:
    assert main(["report", "--warehouse", str(isolated / "none.duckdb")]) == 78
    assert main(["report", "--warehouse", str(synced), "--out", str(isolated)]) == 78


def test_export_writes_parquet_files_equal_to_the_marts(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = synced.parent / "exported"
    assert main(["export", "--format", "parquet", str(target), "--warehouse", str(synced)]) == 0
    marts = {
        name
        for (name,) in query(
            synced, "select table_name from duckdb_tables() where schema_name = 'analytics'"
        )
    }
    assert {p.name for p in target.iterdir()} == {f"{m}.parquet" for m in marts}
    with duckdb.connect(str(synced), read_only=True) as con:
        for mart in marts:
            file = str(target / f"{mart}.parquet")
            mine = con.execute(f"select * from analytics.{mart} order by all").fetchall()
            assert con.execute(f"select * from '{file}' order by all").fetchall() == mine
            keys = con.execute(f"select decode(key) from parquet_kv_metadata('{file}')").fetchall()
            assert ("comment:site",) in keys or mart == "vendor_comparison"
    assert main(["export", str(target / "daily_traffic.parquet"), "--warehouse", str(synced)]) == 78


def test_status_json_and_exit_codes(synced: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["status", "--json", "--warehouse", str(synced)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["healthy"] is True and document["problems"] == []
    assert {r["vendor"] for r in document["resources"]} == {"pagesense", "mouseflow"}
    assert all(r["gaps"] == 0 and r["synced_through"] == LAST for r in document["resources"])
    # stale: nothing synced within the last 0 hours
    assert main(["status", "--warehouse", str(synced), "--max-age-hours", "0"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert "not synced for more than 0 hours" in err[-1]
    # a gap: a day the audit says was not loaded
    edit_published(
        synced,
        "update mouseflow.sync_windows set loaded = null where resource = 'recordings' "
        f"and day = date '{LAST}'",
    )
    assert main(["status", "--json", "--warehouse", str(synced)]) == 3
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["healthy"] is False and "gaps" in document["problems"][0]
    assert "resources with gaps" in captured.err


def test_options_go_before_or_after_the_command_and_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    assert parser.parse_args(["sync", "--log-level", "DEBUG"]).log_level == "DEBUG"
    assert parser.parse_args(["--log-level", "WARNING", "status"]).log_level == "WARNING"
    args = parser.parse_args(["status"])
    environment_settings(args)
    assert args.log_level == os.environ.get("PAGEFLOW_LOG_LEVEL", "INFO")
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert re.fullmatch(r"pageflow \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def run_sync(warehouse: Path, day: str, terminal: bool) -> str:
    """stderr of a one-day sync, written to a terminal (a pty) or to a pipe."""
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "sync",
        "--warehouse",
        str(warehouse),
        "--start",
        day,
        "--end",
        day,
    ]
    env = {**os.environ, "COLUMNS": "100"}
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower, env=env, cwd=ROOT)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=120) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


def test_progress_is_a_bar_on_a_terminal_and_log_lines_off_one(
    sandbox: Sandbox, isolated: Path
) -> None:
    piped = run_sync(isolated / "a.duckdb", FIRST, terminal=False)
    assert re.search(r"chunk 1/\d+ committed: .*; \d+/\d+ windows", piped)
    assert "\r" not in piped and "%|" not in piped
    drawn = run_sync(isolated / "b.duckdb", FIRST, terminal=True)
    assert re.search(r"sync: +\d+%\|.*\| \d+/\d+ \[", drawn), drawn  # 40%|###   | 4/10 [...
    assert "committed:" not in drawn  # the per-chunk lines give way to the bar


HOSTILE = "<script>alert(1)</script> & $x$ \"q\" 'a'"


def test_every_vendor_string_in_the_report_is_text_not_markup(synced: Path) -> None:
    """Website, funnel, step, form and comparison names come from the vendors: a name that
    is markup renders as text (and a `$` is not taken for mathtext)."""
    appended = {
        "daily_traffic": ("site",),
        "session_conversion": ("site",),
        "vendor_comparison": ("site", "subject"),
        "funnel_conversion": ("site", "funnel_name", "step_name"),
        "form_conversion": ("site", "form_name"),
    }
    payload = HOSTILE.replace("'", "''")
    edit_published(
        synced,
        *(
            f"update analytics.{table} set {column} = {column} || '{payload}'"
            for table, columns in appended.items()
            for column in columns
        ),
        "update analytics.vendor_comparison set within_noise = false, z_score = 7.25 "
        "where metric = 'sessions'",
    )
    out = synced.parent / "report.html"
    assert main(["report", "--warehouse", str(synced), "--out", str(out), "--days", "3"]) == 0
    text = out.read_text()
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    body = text.split("<body>")[1]
    assert body.count("&lt;script&gt;") >= len(appended)  # in the charts and the table
    svg_text = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", body))
    assert "$x$" in svg_text  # a dollar sign stays a dollar sign in the charts


def test_the_report_says_the_period_it_has_and_labels_what_it_draws(synced: Path) -> None:
    out = synced.parent / "report.html"
    assert main(["report", "--warehouse", str(synced), "--out", str(out), "--days", "400"]) == 0
    text = out.read_text()
    assert f"{FIRST} to {LAST} (3 days)" in text  # not 400 days before the data started
    traffic = text.split('<section id="traffic">')[1].split("</section>")[0]
    assert "sessions</text>" in traffic and "% of sessions converted" in traffic  # y labels
    funnels = text.split('<section id="funnels">')[1].split("</section>")[0]
    assert "at step 1)" in funnels  # the count the percentages are of
    forms = text.split('<section id="forms">')[1].split("</section>")[0]
    assert "#2a6fdb" not in forms.lower() and "#e4572e" not in forms.lower()  # vendor colours
    assert "@media (max-width: 600px)" in text  # one column on a phone
    feedback = text.split('<section id="feedback">')[1].split("</section>")[0]
    assert "NPS " in feedback and "mean " in feedback  # scored polls say their score
