"""Runs that survive: a killed process resumes to exactly the truth; secrets never leak."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from sources.sandbox import Fault, Sandbox
from sources.shared.windows import days_between, local_today
from tests.integration.conftest import (
    assert_matches_truth,
    busy_world,
    expected_mouseflow,
    loaded_mouseflow,
    sync,
    without,
)


def start_sync(warehouse: Path, *args: str, log_level: str = "INFO") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "--log-level",
            log_level,
            "sync",
            "--warehouse",
            str(warehouse),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        cwd=Path(__file__).resolve().parents[2],
    )


def test_a_process_killed_mid_sync_resumes_to_exactly_the_truth(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__MOUSEFLOW__CHUNK_DAYS", "2")
    without(monkeypatch, "pagesense")
    # slow answers from the 4th day on, so the kill lands in the middle of the backfill
    for day in ("2026-03-04", "2026-03-05", "2026-03-06"):
        sandbox.faults.add(Fault("slow", vendor="mouseflow", day=day, delay=0.5))
    proc = start_sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-06")
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        seen.append(line)
        if "chunk 2/" in line or time.monotonic() > deadline:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert any("chunk 2/" in line for line in seen), "".join(seen)
    windowed = [e for e in sandbox.requests.entries("mouseflow") if e.day]
    assert windowed, "the sync was killed before it fetched anything"

    sandbox.faults.clear()
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-06") == 0
    days = days_between(date(2026, 3, 1), date(2026, 3, 6))
    assert_matches_truth(loaded_mouseflow(warehouse), expected_mouseflow(sandbox, days))


def test_no_secret_reaches_output_logs_state_or_warehouse(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, key = "canary-user@pageflow.invalid", "CANARY-KEY-7f3a9c"
    oauth = ("1000.CANARYCLIENT", "CANARY-SECRET-51d0", "1000.CANARY-REFRESH-93ab")
    with Sandbox(
        busy_world(),
        mouseflow_email=email,
        mouseflow_api_key=key,
        pagesense_credentials=oauth,
        pagesense_token_calls=25,
    ) as sb:
        for name, value in sb.env().items():
            monkeypatch.setenv(name, value)
        recent = local_today("UTC") - timedelta(days=3)  # not the machine's zone
        monkeypatch.setenv("SOURCES__PAGESENSE__START_DATE", recent.isoformat())
        monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", recent.isoformat())
        proc = start_sync(
            warehouse, "--start", "2026-03-01", "--end", "2026-03-02", log_level="DEBUG"
        )
        out, err = proc.communicate(timeout=120)
        # a rejected key must not leak either
        monkeypatch.setenv("SOURCES__MOUSEFLOW__API_KEY", key + "-WRONG")
        bad = start_sync(warehouse, log_level="DEBUG")
        bad_out, bad_err = bad.communicate(timeout=120)
        access_tokens = list(sb.tokens._tokens)
    assert proc.returncode == 0, err
    assert bad.returncode == 78, bad_err
    assert "401" in bad_err.strip().splitlines()[-1]
    assert len(access_tokens) > 2  # tokens expired and were refreshed during the run
    canaries = [
        key,
        email,
        base64.b64encode(f"{email}:{key}".encode()).decode(),
        *oauth[1:],
        *access_tokens,
    ]
    texts = {"stdout": out + bad_out, "stderr": err + bad_err}
    for path in warehouse.parent.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("latin-1")
    assert len(texts) > 5  # the warehouse, dlt state, traces and load packages were scanned
    kept = warehouse.with_name(warehouse.name + ".pageflow") / "pagesense-token.json"
    assert kept.stat().st_mode & 0o777 == 0o600  # the one place an access token may be
    for where, text in texts.items():
        allowed = set(access_tokens) if where == str(kept) else set()
        for canary in canaries:
            assert canary in allowed or canary not in text, f"secret found in {where}"
