"""The load's DuckDB connection is memory-capped: by the warehouse's size, or as configured."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.store.settings import load_memory_cap, load_memory_limit
from pipelines.store.warehouse import Warehouse, size_load
from sources.shared.errors import ConfigurationError

MB = 1024 * 1024


def _load_settings(warehouse: Warehouse, *names: str) -> list[str]:
    pipeline = warehouse.pipeline("mouseflow")
    warehouse.size_load(pipeline)
    with pipeline.sql_client() as client:
        rows = client.execute_sql(
            "select " + ", ".join(f"current_setting('{name}')::varchar" for name in names)
        )
    assert rows is not None
    return [str(value) for value in rows[0]]


def test_a_new_warehouse_loads_under_the_floor_on_one_thread(tmp_path: Path) -> None:
    warehouse = Warehouse.at(tmp_path / "w.duckdb")
    assert _load_settings(warehouse, "memory_limit", "threads") == ["45.7 MiB", "1"]  # 48 MB


def test_the_cap_grows_with_the_working_database_up_to_its_ceiling() -> None:
    assert load_memory_cap(0) == "48MB"
    assert load_memory_cap(110 * MB) == "48MB"  # about 1M recordings
    assert load_memory_cap(410 * MB) == "136MB"  # 10M
    assert load_memory_cap(805 * MB) == "256MB"  # 20M: its merge needed 192MB
    assert load_memory_cap(20_000 * MB) == "256MB"


def test_the_cap_is_sized_again_before_each_load(tmp_path: Path) -> None:
    warehouse = Warehouse.at(tmp_path / "w.duckdb")
    pipeline = warehouse.pipeline("mouseflow")
    grown = tmp_path / "grown.duckdb"  # as big as a working database of about 5M recordings
    with grown.open("wb") as handle:
        handle.truncate(600 * MB)  # sparse: no disk used
    size_load(pipeline, grown)
    with pipeline.sql_client() as client:
        rows = client.execute_sql("select current_setting('memory_limit')")
    assert rows == [(_as_duckdb_shows(200),)]


def _as_duckdb_shows(mb: int) -> str:
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{mb}MB'")
        return str(con.sql("select current_setting('memory_limit')").fetchall()[0][0])


def test_the_cap_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE__LOAD_MEMORY_LIMIT", "1GB")
    assert load_memory_cap(805 * MB) == "1GB"
    assert _load_settings(Warehouse.at(tmp_path / "w.duckdb"), "memory_limit") == ["953.6 MiB"]


@pytest.mark.parametrize("value", ["lots", "128", "-1GB", "1 PB"])
def test_a_cap_that_is_not_a_size_is_a_configuration_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE__LOAD_MEMORY_LIMIT", value)
    with pytest.raises(ConfigurationError, match="WAREHOUSE__LOAD_MEMORY_LIMIT"):
        load_memory_limit()


def test_warehouse_threads_caps_duckdb_in_pageflows_connections(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.models.dbt import write_profile
    from pipelines.store.settings import duckdb_threads
    from sources.shared.errors import ConfigurationError

    warehouse = Warehouse(isolated / "w.duckdb")
    warehouse.folder.mkdir(mode=0o700)
    monkeypatch.setenv("WAREHOUSE__THREADS", "3")
    with warehouse.connect_work() as con:
        assert con.execute("select current_setting('threads')").fetchone() == (3,)
    write_profile(warehouse, isolated / "dbt")
    assert '"threads": 3' in (isolated / "dbt" / "profiles.yml").read_text()
    monkeypatch.delenv("WAREHOUSE__THREADS")
    assert duckdb_threads() is None
    with warehouse.connect_work() as con, duckdb.connect() as plain:
        default = plain.execute("select current_setting('threads')").fetchone()
        assert con.execute("select current_setting('threads')").fetchone() == default
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("WAREHOUSE__THREADS", bad)
        with pytest.raises(ConfigurationError, match="WAREHOUSE__THREADS"):
            duckdb_threads()
