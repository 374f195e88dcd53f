"""Dashboards and cron side by side: readers never block a sync, and a sync never fails them.

The readers here are separate processes, as BI tools are: one holds a read-only connection
for the whole test, another opens a fresh one every 0.2 s, while syncs and a model build run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.cli import main
from sources.sandbox import Sandbox
from sources.shared.windows import yesterday
from tests.integration.conftest import assert_flat, query, sync, without

READER = textwrap.dedent(
    """
    import json, sys, time, duckdb
    path, stop, out = sys.argv[1:4]
    held = duckdb.connect(path, read_only=True)
    held.execute("select count(*) from mouseflow.recordings").fetchall()
    opens = failures = 0
    errors = []
    while True:
        try:
            probe = duckdb.connect(":memory:")  # a fresh database instance every time
            probe.execute(f"attach '{path}' as w (read_only)")
            probe.execute("select count(*) from w.analytics.daily_traffic").fetchall()
            probe.close()
            opens += 1
        except Exception as exc:
            failures += 1
            errors.append(str(exc)[:200])
        try:
            held.execute("select count(*) from analytics.daily_traffic").fetchall()
        except Exception as exc:
            failures += 1
            errors.append("held: " + str(exc)[:200])
        if __import__("os").path.exists(stop):
            break
        time.sleep(0.2)
    last_day = held.execute("select max(day) from mouseflow.recordings").fetchall()[0][0]
    json.dump({"opens": opens, "failures": failures, "errors": errors[:5],
               "held_last_day": str(last_day)}, open(out, "w"))
    """
)


def mouseflow_only(monkeypatch: pytest.MonkeyPatch) -> None:
    without(monkeypatch, "pagesense")


def test_readers_and_syncs_never_block_each_other(
    sandbox: Sandbox, warehouse: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_only(monkeypatch)
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    stop, out = isolated / "stop", isolated / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), str(stop), str(out)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)  # the reader holds its connection before the first sync starts
        for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
            assert sync(warehouse, "--start", day, "--end", day) == 0
        assert main(["models", "--warehouse", str(warehouse)]) == 0
    finally:
        stop.touch()
        _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    seen = json.loads(out.read_text())
    assert seen["failures"] == 0, seen["errors"]
    assert seen["opens"] >= 5
    assert seen["held_last_day"] == "2026-03-01"  # its snapshot, still queryable
    assert query(warehouse, "select max(day) from mouseflow.recordings")[0][0].isoformat() == (
        "2026-03-04"
    )


def test_a_long_lived_process_sees_a_new_sync_through_a_fresh_instance(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB caches one database per path and process: while any connection to the path
    is open, `duckdb.connect(path)` returns the old file. The README says what to do
    instead; this test is that advice, measured."""
    import duckdb

    mouseflow_only(monkeypatch)
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    held = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert sync(warehouse, "--start", "2026-03-02", "--end", "2026-03-02") == 0
        last = "select max(day)::varchar from mouseflow.recordings"
        with duckdb.connect(str(warehouse), read_only=True) as cached:
            assert cached.execute(last).fetchall() == [("2026-03-01",)]  # the cache's old file
        with duckdb.connect(":memory:") as fresh:
            fresh.execute(f"attach '{warehouse}' as w (read_only)")
            fresh.execute("use w")
            assert fresh.execute(last).fetchall() == [("2026-03-02",)]
    finally:
        held.close()
    with duckdb.connect(str(warehouse), read_only=True) as recycled:  # all closed: new file
        assert recycled.execute(last).fetchall() == [("2026-03-02",)]


def test_a_program_holding_the_file_read_write_makes_sync_exit_75_in_one_line(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_only(monkeypatch)
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(120)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for command in (
            ["sync", "--start", "2026-03-02", "--end", "2026-03-02"],
            ["models"],
            ["status"],
        ):
            done = run_cli(warehouse, *command)
            lines = done.stderr.strip().splitlines()
            assert done.returncode == 75, (command, done.stderr)
            assert "Traceback" not in done.stderr
            assert f"{warehouse} is held read-write by another program" in lines[-1]
            assert len([line for line in lines if "error" in line]) == 1
    finally:
        holder.kill()
        holder.wait()


def run_cli(warehouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command, *rest = args
    cli = [sys.executable, "-m", "pipelines.cli", "--log-level", "WARNING"]
    return subprocess.run(
        [*cli, command, "--warehouse", str(warehouse), *rest],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        cwd=Path.cwd(),
    )


def not_duckdb(tmp: Path) -> Path:
    path = tmp / "notes.duckdb"
    path.write_text("not a database, just text that happens to be long enough\n")
    return path


def under_a_file(tmp: Path) -> Path:
    (tmp / "plain-file").write_text("x")
    return tmp / "plain-file" / "wh.duckdb"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda tmp: tmp / "missing.duckdb", "no warehouse at", id="missing"),
        pytest.param(lambda tmp: tmp, "is a directory", id="directory"),
        pytest.param(not_duckdb, "is not a DuckDB database file", id="not-duckdb"),
        pytest.param(under_a_file, "is not a folder", id="unwritable"),
    ],
)
@pytest.mark.parametrize("command", ["status", "models"])
def test_bad_paths_give_one_line_and_exit_78(
    isolated: Path, capsys: pytest.CaptureFixture[str], make, expected: str, command: str
) -> None:
    path = make(isolated)
    code = main([command, "--warehouse", str(path)])
    err = capsys.readouterr().err
    if command == "status" and "not a folder" in expected:
        expected = "no warehouse at"  # status only reads: nothing to create
    assert code == 78, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and expected in err


@pytest.mark.slow(minutes=3)
def test_twenty_incremental_runs_keep_the_disk_flat(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_only(monkeypatch)
    first = yesterday(sandbox.mouseflow_timezone) - timedelta(days=3)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", first.isoformat())
    monkeypatch.setenv("SOURCES__MOUSEFLOW__LOOKBACK_DAYS", "2")
    sizes = []
    for _ in range(20):
        assert sync(warehouse) == 0
        folder = warehouse.with_name(warehouse.name + ".pageflow")
        sizes.append((folder_size(folder), warehouse.stat().st_size))
    # DuckDB keeps the blocks a re-fetched day freed and reuses them, so the second run is
    # larger than the first; from then on the sizes level off instead of growing.
    assert_flat(sizes)
    for column in (0, 1):
        assert max(size[column] for size in sizes) <= 2 * sizes[0][column], sizes
    staging = query(
        warehouse, "select count(*) from duckdb_schemas() where schema_name like '%_staging'"
    )
    assert staging == [(0,)]


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_the_published_file_is_read_by_duckdb_1_1(
    sandbox: Sandbox, warehouse: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_only(monkeypatch)
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-02") == 0
    python = old_duckdb(isolated / "duckdb-1.1")
    script = textwrap.dedent(
        """
        import sys, duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        names = con.execute(
            "select schema_name, table_name from duckdb_tables() union all "
            "select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        for schema, name in names:
            con.execute(f'select * from "{schema}"."{name}"').fetchall()
        rows = con.execute(
            "select vendor, count(*), sum(sessions) from analytics.daily_traffic group by 1"
        ).fetchall()
        print(duckdb.__version__, len(names), rows)
        """
    )
    done = subprocess.run(
        [str(python), "-c", script, str(warehouse)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    version, _, rest = done.stdout.partition(" ")
    assert version == OLD_DUCKDB
    expected = query(
        warehouse, "select vendor, count(*), sum(sessions) from analytics.daily_traffic group by 1"
    )
    assert rest.strip().endswith(str(expected))


OLD_DUCKDB = "1.1.0"


def old_duckdb(venv: Path) -> Path:
    """A throwaway virtualenv with DuckDB 1.1 (from the package index, as CI reaches it)."""
    uv = shutil.which("uv")
    python = venv / "bin" / "python"
    if uv:
        subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(venv)], check=True)
        install = [uv, "pip", "install", "-q", "--python", str(python)]
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run([*install, f"duckdb=={OLD_DUCKDB}", "pytz"], check=True, timeout=300)
    return python


def test_the_warehouse_its_folder_and_everything_in_it_are_private(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_only(monkeypatch)
    previous = os.umask(0o022)  # the usual umask: files would be world-readable
    try:
        assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    finally:
        os.umask(previous)
    folder = warehouse.with_name(warehouse.name + ".pageflow")
    assert warehouse.stat().st_mode & 0o777 == 0o640
    assert folder.stat().st_mode & 0o777 == 0o700
    inside = list(folder.rglob("*"))
    assert len(inside) > 5
    exposed = [p for p in inside if p.stat().st_mode & 0o007]
    assert exposed == []
