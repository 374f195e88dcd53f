"""Publishing the marts: a mart whose rows did not change is only read, not written again
(on a lake, rows written are a snapshot's change and new files for upkeep to merge)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.models.swap import publish_marts
from pipelines.store import extensions


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    """A DuckLake with its catalog in a local file: every commit is a snapshot whose
    changes DuckLake lists."""
    monkeypatch.setenv("WAREHOUSE__EXTENSION_DIRECTORY", str(tmp_path / "extensions"))
    con = extensions.connect()
    con.execute(
        f"attach 'ducklake:{tmp_path / 'catalog.ducklake'}' as lake "
        f"(data_path '{tmp_path / 'data'}/')"
    )
    con.execute("use lake")
    con.execute("create schema analytics_build")
    con.execute("create schema analytics")
    for schema, b in (("analytics_build", 2), ("analytics", 3)):
        con.execute(f"create table {schema}.same as select range as x from range(5)")
        con.execute(f"create table {schema}.changed as select range * {b} as x from range(5)")
    return con


def written_by_last_commit(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables whose rows the newest snapshot inserted or deleted (DuckLake names them
    by id, inlined or as files)."""
    changes = con.execute("select changes from lake.snapshots() order by snapshot_id").fetchall()
    ids = {
        int(i)
        for key, values in changes[-1][0].items()
        if "insert" in key or "delete" in key
        for i in values
    }
    names = con.execute(
        "select table_id, table_name from __ducklake_metadata_lake.main.ducklake_table "
        "where end_snapshot is null"
    ).fetchall()
    return {name for table_id, name in names if table_id in ids}


def test_only_the_marts_whose_rows_changed_are_written(lake: duckdb.DuckDBPyConnection) -> None:
    lake.begin()
    publish_marts(lake)
    lake.commit()
    assert written_by_last_commit(lake) == {"changed"}
    assert lake.execute("select list(x order by x) from analytics.changed").fetchone() == (
        [0, 2, 4, 6, 8],
    )


def test_a_mart_with_the_same_count_but_other_rows_is_rewritten(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    lake.execute("update analytics.same set x = x + 100 where x = 4")
    lake.begin()
    publish_marts(lake)
    lake.commit()
    rows = lake.execute("select list(x order by x) from analytics.same").fetchone()
    assert rows == ([0, 1, 2, 3, 4],)
