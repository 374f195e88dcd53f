"""The lake (DuckLake: PostgreSQL catalog, Parquet on the S3 server) against the sandbox:
its own promises. The file warehouse's promises run on it too (`both_warehouses`)."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.models import ModelError, build
from pipelines.store.lake import Lake
from sources.sandbox import Fault, Sandbox
from sources.sandbox.postgres import ThrowawayPostgres, free_port
from sources.shared.windows import days_between, local_today, yesterday
from tests.integration.conftest import (
    assert_flat,
    assert_matches_truth,
    expected_mouseflow,
    expected_pagesense,
    keyed,
    loaded_mouseflow,
    loaded_pagesense,
    query,
    sync,
    without,
)
from tests.lake_servers import CATALOG_PASSWORD, S3_KEY_ID, S3_SECRET, LakeUnderTest
from tests.sql.test_analyst_marts import broken_project

ROOT = Path(__file__).resolve().parents[2]
CLI = (sys.executable, "-m", "pipelines.cli")
DAYS = ("--start", "2026-03-27", "--end", "2026-03-28")
MARTS = (
    "daily_traffic",
    "funnel_conversion",
    "form_conversion",
    "session_conversion",
    "vendor_comparison",
    "customer_feedback",
)


@pytest.mark.slow
def test_a_backfill_loads_exactly_the_truth_and_the_same_marts_as_the_file(
    sandbox: Sandbox, lake: LakeUnderTest, isolated: Path
) -> None:
    assert sync(lake, *DAYS) == 0
    days = days_between(date(2026, 3, 27), date(2026, 3, 28))
    assert_matches_truth(loaded_mouseflow(lake), expected_mouseflow(sandbox, days))
    assert_matches_truth(loaded_pagesense(lake), expected_pagesense(sandbox, days))
    # the data lives on the S3 server, not on this host
    assert len(lake.data_files()) > 10
    file = isolated / "file.duckdb"
    assert sync(file, *DAYS) == 0
    for mart in MARTS:
        ordered = f"select * exclude (is_final) from analytics.{mart} order by all"
        assert query(lake, ordered) == query(file, ordered), mart
        assert query(lake, f"select count(*) from analytics.{mart}") != [(0,)] or mart in (
            "customer_feedback",
        )
    # ns timestamps kept exactly (Mouseflow sends 100 ns ticks)
    assert (
        query(
            lake, "select count(*) from mouseflow.recordings where epoch_ns(created) % 1000 <> 0"
        )[0][0]
        > 0
    )
    # a mart that fails its tests: dbt wrote its build, the lake's marts were not committed
    sites = "select * from analytics.sites order by all"
    before = query(lake, sites)
    broken = broken_project(isolated / "broken", "sites", "union all select * from final")
    with pytest.raises(ModelError, match="grain_sites_vendor__website_id"):
        build(Lake.at(str(lake)), broken)
    assert query(lake, sites) == before
    doubled = query(lake, "select count(*) from analytics_build.sites")
    assert doubled == [(2 * len(before),)]


LAKE_READER = textwrap.dedent(
    """
    import json, os, sys, time
    from pipelines.store.lake import Lake
    spec, stop, out = sys.argv[1:4]
    lake = Lake.at(spec)
    held = lake.connect()
    held.execute("begin")
    first = held.execute("select max(day) from mouseflow.recordings").fetchall()[0][0]
    open(out + ".holding", "w").close()  # the test's next sync starts only now
    opens = failures = mixed = 0
    errors = []
    # within one run's marts, Mouseflow's sessions per day agree between two marts
    check = '''
        select count(*) from (
            select day, sum(sessions) as s from analytics.daily_traffic
            where vendor = 'mouseflow' group by day
        ) as t full join (
            select day, sum(sessions) as s from analytics.session_conversion
            where vendor = 'mouseflow' group by day
        ) as c using (day) where t.s is distinct from c.s
    '''
    while True:
        try:
            with lake.connect() as probe:  # a fresh connection every time
                mixed += probe.execute(check).fetchall()[0][0]
            opens += 1
        except Exception as exc:
            failures += 1
            errors.append(str(exc)[:200])
        try:
            now = held.execute("select max(day) from mouseflow.recordings").fetchall()[0][0]
            if now != first:
                failures += 1
                errors.append(f"held snapshot moved: {first} -> {now}")
            mixed += held.execute(check).fetchall()[0][0]
        except Exception as exc:
            failures += 1
            errors.append("held: " + str(exc)[:200])
        if os.path.exists(stop):
            break
        time.sleep(0.5)  # each probe attaches the lake afresh: ~0.1 s of CPU
    held.execute("commit")
    after = held.execute("select max(day) from mouseflow.recordings").fetchall()[0][0]
    json.dump({"opens": opens, "failures": failures, "errors": errors[:5], "mixed": mixed,
               "held_day": str(first), "after_commit": str(after)}, open(out, "w"))
    """
)
MF_SHOP = "8fc2ace2-75bc-8ba4-b424-c8916670b990"


def mouseflow_shop_only(monkeypatch: pytest.MonkeyPatch) -> None:
    without(monkeypatch, "pagesense")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__WEBSITE_IDS", f'["{MF_SHOP}"]')


@pytest.mark.slow
def test_a_held_transaction_keeps_its_snapshot_and_fresh_readers_never_fail_or_see_a_mix(
    sandbox: Sandbox, lake: LakeUnderTest, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_shop_only(monkeypatch)
    assert sync(lake, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    stop, out = isolated / "stop", isolated / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", LAKE_READER, str(lake), str(stop), str(out)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        # the reader holds its snapshot before the next sync starts (a sleep was too short
        # for a loaded machine: the reader's snapshot then already held the second run)
        holding = Path(str(out) + ".holding")
        deadline = time.monotonic() + 120
        while not holding.exists():
            assert reader.poll() is None, reader.communicate()[1]
            assert time.monotonic() < deadline, "the reader never took its snapshot"
            time.sleep(0.1)
        assert sync(lake, "--start", "2026-03-02", "--end", "2026-03-02") == 0
        assert main(["models", "--warehouse", str(lake)]) == 0
    finally:
        stop.touch()
        _, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    seen = json.loads(out.read_text())
    assert seen["failures"] == 0, seen["errors"]
    assert seen["mixed"] == 0
    assert seen["opens"] >= 3
    assert seen["held_day"] == "2026-03-01"
    assert seen["after_commit"] == "2026-03-02"  # after its commit, the newest run


def start_sync(lake: LakeUnderTest, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "sync", "--warehouse", str(lake), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_a_second_sync_from_another_process_exits_75_at_once_and_a_kill_releases_the_lock(
    sandbox: Sandbox, lake: LakeUnderTest, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_shop_only(monkeypatch)
    sandbox.faults.add(Fault("slow", vendor="mouseflow", delay=3.0))
    # the first sync runs with a work folder of its own: another host, as far as it knows
    monkeypatch.setenv("WAREHOUSE__WORK_DIR", str(isolated / "host-a"))
    first = start_sync(lake, "--start", "2026-03-01", "--end", "2026-03-02")
    try:
        deadline = time.monotonic() + 60
        while not sandbox.requests.entries("mouseflow"):
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        monkeypatch.setenv("WAREHOUSE__WORK_DIR", str(isolated / "host-b"))
        second = subprocess.run(
            [*CLI, "sync", "--warehouse", str(lake)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        # at once: it did not wait for the lock, the holder still runs (no bound in seconds:
        # a cold Python start took 10 s on a slow day)
        assert first.poll() is None
        assert second.returncode == 75, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "another sync holds the lake" in lines[0]
        assert f"pageflow sync pid {first.pid}" in lines[0]  # the holder, named
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    sandbox.faults.clear()
    # the killed holder's session is gone, and with it the lock: host B resumes
    assert sync(lake, "--start", "2026-03-01", "--end", "2026-03-02") == 0
    truth = expected_mouseflow(sandbox, days_between(date(2026, 3, 1), date(2026, 3, 2)))
    shop = {t: {k: v for k, v in rows.items() if k[0] == MF_SHOP} for t, rows in truth.items()}
    assert_matches_truth(loaded_mouseflow(lake), shop)


def test_a_run_on_another_host_resumes_from_the_positions_in_the_lake(
    sandbox: Sandbox, lake: LakeUnderTest, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_shop_only(monkeypatch)
    last = yesterday(sandbox.mouseflow_timezone)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", (last - timedelta(days=3)).isoformat())
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RESOURCES", '["recordings", "pages"]')
    monkeypatch.setenv("WAREHOUSE__WORK_DIR", str(isolated / "host-a"))
    assert sync(lake) == 0
    before = recordings_and_pages(lake)
    sandbox.requests.clear()
    today = local_today("UTC")  # the vendor restates its last two days meanwhile
    sandbox.world.restate("shop", [today - timedelta(days=n) for n in (1, 2)])
    monkeypatch.setenv("WAREHOUSE__WORK_DIR", str(isolated / "host-b"))  # nothing local
    assert sync(lake) == 0
    fetched = {
        e.day for e in sandbox.requests.entries("mouseflow", "/websites/{website_id}/recordings")
    }
    assert fetched == {(last - timedelta(days=n)).isoformat() for n in range(3)}  # lookback
    after = recordings_and_pages(lake)
    assert after["recordings"] != before["recordings"]  # the restatement reached the lake
    truth = expected_mouseflow(sandbox, days_between(last - timedelta(days=3), last))
    for table in ("recordings", "pages"):
        assert after[table] == {k: v for k, v in truth[table].items() if k[0] == MF_SHOP}


def recordings_and_pages(lake: LakeUnderTest) -> dict[str, dict]:
    """`loaded_mouseflow` for the two tables a sync of only those resources loads."""
    specs = {
        "recordings": (
            "select website_id, id, day, epoch_ns(created), pages from mouseflow.recordings",
            2,
        ),
        "pages": ("select website_id, day, display_url, views from mouseflow.pages", 3),
    }
    return keyed(lake, specs)


def test_two_lakes_never_share_anything(
    sandbox: Sandbox,
    lake: LakeUnderTest,
    postgres_server: ThrowawayPostgres,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mouseflow_shop_only(monkeypatch)
    assert sync(lake, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    postgres_server.create_database(lake.database + "_other")
    other = "ducklake:postgres:" + postgres_server.conninfo(lake.database + "_other")
    monkeypatch.setenv("WAREHOUSE__DATA_PATH", f"s3://{lake.bucket}/other/")
    monkeypatch.delenv("WAREHOUSE__WORK_DIR")  # the default: a folder per catalog
    capsys.readouterr()
    assert main(["status", "--warehouse", other]) == 78
    assert "no lake at" in capsys.readouterr().err
    assert sync(other, "--start", "2026-03-02", "--end", "2026-03-02") == 0
    assert query(other, "select distinct day::varchar from mouseflow.recordings") == [
        ("2026-03-02",)
    ]
    monkeypatch.setenv("WAREHOUSE__DATA_PATH", f"s3://{lake.bucket}/lake/")
    assert query(lake, "select distinct day::varchar from mouseflow.recordings") == [
        ("2026-03-01",)
    ]


@pytest.mark.slow(minutes=6)
def test_upkeep_keeps_files_and_disk_flat_over_twenty_hourly_runs(
    sandbox: Sandbox, lake: LakeUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    mouseflow_shop_only(monkeypatch)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RESOURCES", '["pages"]')
    first = yesterday(sandbox.mouseflow_timezone) - timedelta(days=2)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", first.isoformat())
    monkeypatch.setenv("SOURCES__MOUSEFLOW__LOOKBACK_DAYS", "1")
    monkeypatch.setenv("WAREHOUSE__SNAPSHOT_RETENTION_DAYS", "0")  # none kept for time travel
    sizes = []
    for _ in range(20):
        assert sync(lake) == 0
        objects = lake.store.client().list_objects_v2(Bucket=lake.bucket).get("Contents", [])
        sizes.append((len(objects), sum(o["Size"] for o in objects)))
    assert_flat(sizes)
    with lake.server.superuser(lake.database) as con:
        snapshots = con.execute("select count(*) from public.ducklake_snapshot").fetchone()[0]
    assert snapshots < 10  # expired run after run, not 20 runs' worth
    assert main(["maintain", "--warehouse", str(lake)]) == 0


def test_a_load_step_shares_one_duckdb_instance_and_leaves_no_catalog_session(
    sandbox: Sandbox,
    lake: LakeUnderTest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """dlt's load jobs (a dozen a step, in parallel threads) share one DuckDB instance with
    the lake attached once (not an instance and an attach each); when the step ends, the
    instance and its catalog sessions are gone."""
    mouseflow_shop_only(monkeypatch)
    caplog.set_level(logging.DEBUG, logger="pageflow.lake")
    assert sync(lake, *DAYS) == 0
    served = [int(n) for n in re.findall(r"instance closed after (\d+) connections", caplog.text)]
    assert served and max(served) >= 10, served
    with lake.server.superuser() as con:
        sessions = con.execute(
            "select count(*) from pg_stat_activity where datname = %s", [lake.database]
        ).fetchone()
    assert sessions == (0,)


def test_unreachable_catalog_75_bad_password_and_unusable_data_path_78_in_one_line(
    lake: LakeUnderTest,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run(spec: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["sync", "--warehouse", spec])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        for secret in (CATALOG_PASSWORD, S3_SECRET, "wrong-password-3f9"):
            assert secret not in err
        return code, err.strip().splitlines()[-1]

    nobody = lake.spec.replace(f"port={lake.server.port}", f"port={free_port()}")
    code, line = run(nobody)
    assert code == 75 and "out of reach" in line
    monkeypatch.setenv("WAREHOUSE__CATALOG_PASSWORD", "wrong-password-3f9")
    code, line = run(lake.spec)
    assert code == 78 and "refused" in line and "password" in line
    code, line = run(lake.spec + " password=wrong-password-3f9")
    assert code == 78 and "refused" in line
    monkeypatch.setenv("WAREHOUSE__CATALOG_PASSWORD", CATALOG_PASSWORD)
    (isolated / "a-file").write_text("")
    monkeypatch.setenv("WAREHOUSE__DATA_PATH", str(isolated / "a-file" / "lake"))
    code, line = run(lake.spec)
    assert code == 78 and "WAREHOUSE__DATA_PATH" in line
    monkeypatch.setenv("WAREHOUSE__DATA_PATH", "s3://no-such-bucket/lake/")
    code, line = run(lake.spec)
    assert code == 78 and "WAREHOUSE__DATA_PATH" in line
    monkeypatch.delenv("WAREHOUSE__DATA_PATH")
    code, line = run(lake.spec)
    assert code == 78 and "WAREHOUSE__DATA_PATH is required" in line


@pytest.mark.slow
def test_every_command_on_a_lake_marts_in_postgresql_and_no_secret_anywhere(
    sandbox: Sandbox,
    lake: LakeUnderTest,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One sync in a process of its own at DEBUG, with the marts also written to
    PostgreSQL; then status, report, export and models on the lake, a dashboard on the
    PostgreSQL marts through a second run, and every secret searched for everywhere."""
    import psycopg

    mouseflow_shop_only(monkeypatch)
    bi = lake.database + "_bi"
    lake.server.create_database(bi)
    url = f"postgresql://postgres:{CATALOG_PASSWORD}@127.0.0.1:{lake.server.port}/{bi}"
    monkeypatch.setenv("WAREHOUSE__POSTGRES_MARTS", url)
    env = {**os.environ, "PAGEFLOW_LOG_LEVEL": "DEBUG"}
    done = subprocess.run(
        [*CLI, "sync", "--warehouse", str(lake), "--start", "2026-03-01", "--end", "2026-03-01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    output = done.stdout + done.stderr
    assert "postgres marts:" in output

    capsys.readouterr()
    assert main(["status", "--warehouse", str(lake), "--json", "--max-age-hours", "1000"]) in (0, 3)
    status = json.loads(capsys.readouterr().out)
    assert status["warehouse"] == str(lake)
    assert {(r["vendor"], r["website_id"]) for r in status["resources"]} == {("mouseflow", MF_SHOP)}
    assert main(["report", "--warehouse", str(lake), "--out", str(isolated / "r.html")]) == 0
    assert "<title>pageflow report: 2026-03-01" in (isolated / "r.html").read_text()
    assert main(["export", "--warehouse", str(lake), str(isolated / "out")]) == 0
    assert (isolated / "out" / "daily_traffic.parquet").exists()
    assert main(["models", "--warehouse", str(lake)]) == 0
    comments = query(
        lake,
        "select comment from duckdb_tables() where schema_name = 'analytics' "
        "and table_name = 'daily_traffic'",
    )
    assert comments[0][0] and "Grain" in comments[0][0]

    dashboard = psycopg.connect(url)
    try:
        ordered = "select * from analytics.daily_traffic order by site, vendor, day"
        assert dashboard.execute(ordered).fetchall() == [tuple(r) for r in query(lake, ordered)]
        comment = dashboard.execute(
            "select obj_description('analytics.daily_traffic'::regclass)"
        ).fetchone()[0]
        assert "Grain" in comment
        tables = dashboard.execute(
            "select table_name from information_schema.tables where table_schema = 'analytics'"
        ).fetchall()
        assert {"daily_traffic", "session_conversion", "vendor_comparison"} <= {
            name for (name,) in tables
        }
        # a dashboard in the middle of a transaction does not hold the next run up
        assert sync(lake, "--start", "2026-03-02", "--end", "2026-03-02") == 0
        dashboard.commit()
        days = dashboard.execute(
            "select distinct day::text from analytics.daily_traffic order by 1"
        ).fetchall()
        assert days == [("2026-03-01",), ("2026-03-02",)]
    finally:
        dashboard.close()

    secrets = (CATALOG_PASSWORD, S3_SECRET, S3_KEY_ID)
    for secret in secrets:
        assert secret not in output + capsys.readouterr().err
    files = [path for path in isolated.rglob("*") if path.is_file()]
    assert any("lake-work" in str(path) for path in files)  # dlt's folder was searched
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, path
    for database in (lake.database, bi):
        with lake.server.superuser(database) as con:
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema not in ('pg_catalog', 'information_schema')"
            ).fetchall()
            dump = "".join(
                str(con.execute(f'select * from "{s}"."{n}"').fetchall()) for s, n in tables
            )
        assert tables
        for secret in secrets:
            assert secret not in dump, database


def test_demo_on_a_throwaway_lake(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pipelines.cli.demo

    monkeypatch.setattr(pipelines.cli.demo, "DEMO_DAYS", 3)  # the demo's path, fewer days
    assert main(["demo", "--lake", "demo-lake", "--out", str(isolated / "r.html")]) == 0
    out = capsys.readouterr().out
    assert "pageflow demo: synced the sandbox into ducklake:postgres:" in out
    assert "myshop.com" in out and "converted" in out
    assert list((isolated / "demo-lake" / "data").rglob("*.parquet"))
    assert (isolated / "r.html").exists()
    # a folder that holds something else is refused; a demo lake is replaced
    (isolated / "other").mkdir()
    (isolated / "other" / "keep.txt").write_text("mine")
    assert main(["demo", "--lake", "other"]) == 78
    assert (isolated / "other" / "keep.txt").exists()


def test_a_throwaway_postgres_whose_port_was_taken_starts_on_another() -> None:
    """The port is chosen below the kernel's ephemeral range, and a server whose port
    another process took before it started moves to a free one."""
    import shutil
    import socket
    import tempfile

    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    assert all(1024 <= free_port() < low for _ in range(20))
    folder = Path(tempfile.mkdtemp(prefix="pageflow-test-pg-"))
    try:
        server = ThrowawayPostgres(folder)
        taken = server.port
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", taken))
            squatter.listen()
            with server:
                assert server.port != taken
                with server.superuser() as con:
                    assert con.execute("select 1").fetchone() == (1,)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
