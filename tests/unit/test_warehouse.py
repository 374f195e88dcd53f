"""The load's DuckDB connection is memory-capped, and the cap is configurable."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.store.settings import load_memory_limit
from pipelines.store.warehouse import Warehouse
from sources.shared.errors import ConfigurationError


def _load_setting(tmp_path: Path, name: str) -> str:
    pipeline = Warehouse.at(tmp_path / "w.duckdb").pipeline("mouseflow")
    with pipeline.sql_client() as client:
        rows = client.execute_sql(f"select current_setting('{name}')")
    assert rows is not None
    return str(rows[0][0])


def test_loads_run_under_the_default_cap(tmp_path: Path) -> None:
    assert _load_setting(tmp_path, "memory_limit") == "244.1 MiB"  # 256 MB


def test_the_cap_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE__LOAD_MEMORY_LIMIT", "1GB")
    assert _load_setting(tmp_path, "memory_limit") == "953.6 MiB"  # 1 GB


@pytest.mark.parametrize("value", ["lots", "128", "-1GB", "1 PB"])
def test_a_cap_that_is_not_a_size_is_a_configuration_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE__LOAD_MEMORY_LIMIT", value)
    with pytest.raises(ConfigurationError, match="WAREHOUSE__LOAD_MEMORY_LIMIT"):
        load_memory_limit()
