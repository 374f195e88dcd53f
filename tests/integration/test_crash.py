"""kill -9 at fixed points and at seeded random moments; one rerun gives exactly the truth."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from sources.sandbox import Fault, Sandbox
from sources.shared.windows import days_between
from tests.integration.conftest import (
    assert_matches_truth,
    expected_mouseflow,
    loaded_mouseflow,
    sync,
    without,
)

RANGE = ("--start", "2026-03-01", "--end", "2026-03-02")
DAYS = days_between(date(2026, 3, 1), date(2026, 3, 2))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def small_chunks(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    # after `sandbox`, which sets every vendor's credentials: these tests sync Mouseflow only
    without(monkeypatch, "pagesense")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__CHUNK_DAYS", "1")  # 4 commits of one website-day


def start(warehouse: Path, failpoint: str | None = None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if failpoint:
        env["PAGEFLOW_FAILPOINT"] = failpoint
    return subprocess.Popen(
        [sys.executable, "-m", "tests.failpoints", "sync", "--warehouse", str(warehouse), *RANGE],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "failpoint",
    [
        pytest.param("window:3", id="between-windows"),
        pytest.param("normalize:3", id="extracted-not-normalized"),
        pytest.param("load:3", id="normalized-not-loaded"),
        pytest.param("load-job:7", id="during-load"),
        pytest.param("state:4", id="during-state-write"),
    ],
)
def test_kill_at_a_fixed_point_then_one_rerun_gives_the_truth(
    sandbox: Sandbox, warehouse: Path, failpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    proc = start(warehouse, failpoint)
    assert proc.wait(timeout=120) == -signal.SIGKILL, "the fail point was never reached"
    with caplog.at_level(logging.WARNING):
        assert sync(warehouse, *RANGE) == 0
    assert_matches_truth(loaded_mouseflow(warehouse), expected_mouseflow(sandbox, DAYS))
    if failpoint.startswith(("load", "normalize")):
        assert "left pending by an earlier run" in caplog.text


def test_kill_mid_page_then_one_rerun_gives_the_truth(sandbox: Sandbox, warehouse: Path) -> None:
    sandbox.faults.add(
        Fault(
            "slow",
            vendor="mouseflow",
            day="2026-03-02",
            delay=3,
            endpoint="/websites/{website_id}/recordings",
        )
    )
    proc = start(warehouse)
    deadline = time.monotonic() + 60
    while not [e for e in sandbox.requests.entries("mouseflow") if e.fault == "slow"]:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # the page is on its way
    assert proc.wait() == -signal.SIGKILL
    sandbox.faults.clear()
    assert sync(warehouse, *RANGE) == 0
    assert_matches_truth(loaded_mouseflow(warehouse), expected_mouseflow(sandbox, DAYS))


def test_25_kills_at_seeded_random_moments_then_one_rerun_gives_the_truth(
    sandbox: Sandbox, warehouse: Path
) -> None:
    kills_then_the_truth(sandbox, warehouse, runs=25, moments=(0.2, 3.0), at_least=15)


@pytest.mark.slow
def test_on_a_lake_8_kills_at_seeded_random_moments_then_one_rerun_gives_the_truth(
    sandbox: Sandbox, lake: Path
) -> None:
    """A lake's run starts slower (the catalog, extensions) and commits slower (a catalog
    transaction per table), so its moments reach further into the run."""
    kills_then_the_truth(sandbox, lake, runs=8, moments=(1.0, 8.0), at_least=5)


def kills_then_the_truth(
    sandbox: Sandbox, warehouse: Path, runs: int, moments: tuple[float, float], at_least: int
) -> None:
    rng = random.Random(2026)
    killed = 0
    for _ in range(runs):
        proc = start(warehouse)
        time.sleep(rng.uniform(*moments))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
    assert killed >= at_least  # most runs died mid-way, at every stage from start-up to load
    assert sync(warehouse, *RANGE) == 0
    assert_matches_truth(loaded_mouseflow(warehouse), expected_mouseflow(sandbox, DAYS))


def test_a_package_half_deleted_by_a_killed_run_is_started_over_not_a_dead_end(
    sandbox: Sandbox, warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A run killed while deleting a pending package leaves it half there (seen once in the
    25-kills test): the next run can neither finish nor drop it, so it starts again from
    what the warehouse committed."""
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    proc = start(warehouse, "load:1")  # the next chunk normalized, never loaded
    assert proc.wait() == -signal.SIGKILL
    pipelines = warehouse.with_name(warehouse.name + ".pageflow") / "dlt"
    pending = list(pipelines.glob("*/load/normalized/*/new_jobs"))
    assert len(pending) == 1
    for job in pending[0].iterdir():
        job.unlink()
    pending[0].rmdir()  # as rmtree leaves a package it was killed in
    with caplog.at_level(logging.WARNING, logger="pageflow.sync"):
        assert sync(warehouse, *RANGE) == 0
    assert "starting again from the warehouse's committed state" in caplog.text
    assert_matches_truth(loaded_mouseflow(warehouse), expected_mouseflow(sandbox, DAYS))
