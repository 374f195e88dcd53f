"""The lake (DuckLake: PostgreSQL catalog, Parquet on the S3 server) against the sandbox:
its own promises. The file warehouse's promises run on it too (`both_warehouses`)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sources.sandbox import Sandbox
from sources.shared.windows import days_between
from tests.integration.conftest import (
    assert_matches_truth,
    expected_mouseflow,
    expected_pagesense,
    loaded_mouseflow,
    loaded_pagesense,
    query,
    sync,
)
from tests.lake_servers import CATALOG_PASSWORD, S3_KEY_ID, S3_SECRET, LakeUnderTest

DAYS = ("--start", "2026-03-27", "--end", "2026-03-29")
MARTS = (
    "daily_traffic",
    "funnel_conversion",
    "form_conversion",
    "session_conversion",
    "vendor_comparison",
    "customer_feedback",
)


def test_a_backfill_loads_exactly_the_truth_and_the_same_marts_as_the_file(
    sandbox: Sandbox, lake: LakeUnderTest, isolated: Path
) -> None:
    assert sync(lake, *DAYS) == 0
    days = days_between(date(2026, 3, 27), date(2026, 3, 29))
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


def test_no_secret_of_the_catalog_or_the_bucket_in_logs_files_or_tables(
    sandbox: Sandbox, lake: LakeUnderTest, isolated: Path
) -> None:
    env = {**os.environ, "PAGEFLOW_LOG_LEVEL": "DEBUG"}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sync", "--warehouse", str(lake), *DAYS],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    secrets = (CATALOG_PASSWORD, S3_SECRET, S3_KEY_ID)
    for secret in secrets:
        assert secret not in done.stdout + done.stderr
    files = [path for path in isolated.rglob("*") if path.is_file()]
    assert any("lake-work" in str(path) for path in files)  # dlt's folder was searched
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, path
    with lake.server.superuser(lake.database) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'public'"
        ).fetchall()
        dump = "".join(
            str(con.execute(f'select * from public."{name}"').fetchall()) for (name,) in tables
        )
    assert "ducklake_snapshot" in str(tables)
    for secret in secrets:
        assert secret not in dump
