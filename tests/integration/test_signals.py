"""A stop that stops: SIGTERM and SIGINT at seeded moments end a sync with 143 / 130 within
8 s (on a loaded machine), with one last line saying where it resumes, and a rerun gives
exactly the truth."""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parents[2]
CLI = (sys.executable, "-m", "pipelines.cli")
FIRST, LAST = "2026-03-01", "2026-03-03"
SHOP = "8fc2ace2-75bc-8ba4-b424-c8916670b990"
MOMENTS = 4  # per signal, each its own seeded moments: eight stops in all


def start(warehouse: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "sync", "--warehouse", str(warehouse), "--start", FIRST, "--end", LAST],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        cwd=ROOT,
    )


def wait_for_fetching(proc: subprocess.Popen[str]) -> list[str]:
    """stderr lines up to the plan's log line: from then on the run fetches and commits."""
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if "windows in" in line and "chunks" in line:
            return lines
    raise AssertionError("the sync ended before it planned: " + "".join(lines))


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_at_seeded_moments_stops_within_8s_and_a_rerun_gives_the_truth(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    # usually under 2 s; a stop that lands in a commit waits for it, and with three test
    # workers on two cores one such commit took 5.4 s: the bound is for a loaded machine
    stop_at_moments(sandbox, warehouse, monkeypatch, signum, MOMENTS, limit=8.0)


def test_on_a_lake_a_signal_stops_once_the_commit_in_flight_is_done(
    sandbox: Sandbox, lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit on a lake takes seconds (a catalog transaction per table): a stop waits for
    the one in flight, so the bound is wider than the file's 8 s; what follows is the same."""
    stop_at_moments(sandbox, lake, monkeypatch, signal.SIGTERM, 1, limit=15.0)


def stop_at_moments(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    signum: int,
    moments: int,
    limit: float,
) -> None:
    without(monkeypatch, "pagesense")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__WEBSITE_IDS", f'["{SHOP}"]')
    monkeypatch.setenv("SOURCES__MOUSEFLOW__CHUNK_DAYS", "1")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__WORKERS", "2")
    rng = random.Random(signum)
    expected = 128 + signum
    for moment in range(moments):
        # slow answers keep the run going for seconds; one window answers 429 with a 20 s
        # Retry-After, so some moments fall in that wait
        sandbox.faults.add(Fault("slow", vendor="mouseflow", delay=0.15))
        sandbox.faults.add(
            Fault("429-retry-after", vendor="mouseflow", day="2026-03-02", retry_after=20)
        )
        proc = start(warehouse)
        wait_for_fetching(proc)
        time.sleep(rng.uniform(0.0, 1.5))
        sent = time.monotonic()
        proc.send_signal(signum)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        took = time.monotonic() - sent
        last = err.strip().splitlines()[-1]
        assert proc.returncode == expected, f"moment {moment}: {proc.returncode}: {err[-800:]}"
        assert took < limit, f"moment {moment}: {took:.1f}s to stop"
        assert "Traceback" not in err
        assert "leaked" not in err, err[-800:]  # dbt's semaphores, released before the exit
        assert last.startswith(f"pageflow: stopped by {signal.Signals(signum).name}"), last
        assert "resumes at" in last or "every chunk was committed" in last, last
        sandbox.faults.clear()
        assert sync(warehouse, "--start", FIRST, "--end", LAST) == 0  # a rerun: the truth
        truth = expected_mouseflow(sandbox, days_between(date(2026, 3, 1), date(2026, 3, 3)))
        shop = {
            table: {k: v for k, v in rows.items() if k[0] == SHOP} for table, rows in truth.items()
        }
        assert_matches_truth(loaded_mouseflow(warehouse), shop)
