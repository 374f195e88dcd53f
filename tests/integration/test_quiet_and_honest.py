"""Honest benchmarks and a quiet sandbox: figures only from complete runs, and no traceback
in the test output when a client goes away."""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.load_path import complete
from sources.sandbox import Fault, Sandbox
from sources.shared.resources import Failures

ROOT = Path(__file__).resolve().parents[2]


def test_the_memory_benchmark_loads_exactly_what_it_generated(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", "--rows", "10000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "DLT_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "outside the window" not in done.stderr and "stops for this website" not in done.stderr
    assert "loaded 9,704 recordings" in done.stdout  # two days of the recorded page


def test_a_benchmark_run_that_lost_rows_gives_no_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    path = tmp_path / "bench.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema mouseflow")
        con.execute("create table mouseflow.recordings as select range as id from range(5)")
    complete(path, 5, Failures())  # complete: returns
    with pytest.raises(SystemExit) as done:
        complete(path, 6, Failures())
    assert done.value.code == 1
    assert "5 of 6 generated recordings loaded" in capsys.readouterr().err


def test_a_client_that_goes_away_mid_answer_prints_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with Sandbox() as sandbox:
        sandbox.faults.add(Fault("drip", vendor="mouseflow", rate=200.0))
        host = urlsplit(sandbox.mouseflow.url)
        basic = base64.b64encode(":".join(sandbox.mouseflow_credentials).encode())
        with socket.create_connection((host.hostname, host.port)) as conn:
            conn.sendall(
                b"GET /websites HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + basic + b"\r\n\r\n"
            )
            assert b" 200 " in conn.recv(64)  # the answer has begun
        time.sleep(1.0)  # the server writes on into a closed socket
        entries = sandbox.requests.entries("mouseflow")
    assert [e.fault for e in entries] == ["drip"]
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err
    assert "BrokenPipeError" not in err
