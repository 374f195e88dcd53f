"""Every test runs in its own temporary directory with dlt's state kept inside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dlt.common.configuration.container import Container
from dlt.common.configuration.specs.pluggable_run_context import PluggableRunContext


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt-data"))
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    for key in list(os.environ):
        if key.startswith(("SOURCES__", "PAGEFLOW_", "WAREHOUSE__")):
            monkeypatch.delenv(key)
    # dlt reads .dlt/*.toml once per process: read this test's (empty) folder afresh
    Container()[PluggableRunContext].reload_providers()
    return tmp_path
