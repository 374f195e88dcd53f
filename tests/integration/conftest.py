"""The sandbox on real sockets, and helpers comparing the warehouse with its truth."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.store.choose import open_warehouse
from pipelines.store.lake import Lake
from pipelines.store.paths import is_lake
from sources.sandbox import Sandbox, World
from sources.sandbox.world import default_sites
from sources.shared.timestamps import parse_instant_ns

BUSY_DAY = date(2026, 3, 28)  # UTC date with more recordings than the default page size
BUSY_SESSIONS = 1300


def busy_world() -> World:
    sites = tuple(
        dataclasses.replace(site, busy_days={BUSY_DAY: BUSY_SESSIONS})
        if site.key == "shop"
        else site
        for site in default_sites()
    )
    return World(sites=sites)


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(busy_world()) as sb:
        for key, value in sb.env().items():
            monkeypatch.setenv(key, value)
        yield sb


CREDENTIALS = {
    "pagesense": ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"),
    "mouseflow": ("EMAIL", "API_KEY"),
}


def without(monkeypatch: pytest.MonkeyPatch, vendor: str) -> None:
    """Unset every credential of `vendor`: it is skipped (some but not all would be 78)."""
    for key in CREDENTIALS[vendor]:
        monkeypatch.delenv(f"SOURCES__{vendor.upper()}__{key}", raising=False)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `both_warehouses` runs on the file and on a lake (PostgreSQL catalog,
    Parquet on the S3 server)."""
    if metafunc.definition.get_closest_marker("both_warehouses") is not None:
        metafunc.parametrize("warehouse_kind", ["file", "lake"])


@pytest.fixture
def warehouse_kind() -> str:
    return "file"


@pytest.fixture
def warehouse(isolated: Path, warehouse_kind: str, request: pytest.FixtureRequest) -> Path:
    """The file `warehouse.duckdb`, or (`both_warehouses`) a fresh lake, which tests pass
    around the same way: `str()` is what `--warehouse` gets."""
    if warehouse_kind == "lake":
        return request.getfixturevalue("lake")
    return isolated / "warehouse.duckdb"


def folder_of(warehouse: Path) -> Path:
    """The folder a sync keeps on this host: beside the file, or the lake's work folder."""
    return open_warehouse(str(warehouse)).folder


def assert_flat(sizes: list[tuple[int, ...]]) -> None:
    """Each column of twenty runs' sizes levels off instead of growing: the middle of runs
    10-19 is within 10% of the middle of runs 1-9 (run 0 starts from nothing), and no
    later run jumps past half again the largest earlier one. Medians, not maxima: a DuckDB
    file's free blocks make single runs swing by 10-20% either way (seen: 16.0-21.6 MB)."""
    assert len(sizes) >= 20, sizes
    for column in range(len(sizes[0])):
        series = [size[column] for size in sizes]
        early, late = series[1:10], series[10:]
        assert statistics.median(late) <= statistics.median(early) * 1.1, (column, series)
        assert max(late) <= max(early) * 1.5, (column, series)


def sync(warehouse: Path, *args: str) -> int:
    return main(["sync", "--warehouse", str(warehouse), *args])


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A reader's connection: the file read-only, or the lake attached read-only."""
    if is_lake(str(warehouse)):
        return Lake.at(str(warehouse)).connect()
    return duckdb.connect(str(warehouse), read_only=True)


def query(warehouse: Path, sql: str) -> list[tuple]:
    with connect(warehouse) as con:
        return con.sql(sql).fetchall()


def loaded_mouseflow(warehouse: Path) -> dict[str, dict]:
    """The warehouse in the shape of `MouseflowApp.truth`, failing on any duplicate key."""
    specs = {
        "recordings": (
            "select website_id, id, day, epoch_ns(created), pages from mouseflow.recordings",
            2,
        ),
        "pages": ("select website_id, day, display_url, views from mouseflow.pages", 3),
        "funnel_steps": (
            "select website_id, day, funnel_id, step_number, count from mouseflow.funnel_steps",
            4,
        ),
        "forms": (
            "select website_id, day, form_id, visits, interactions, submits, success "
            "from mouseflow.forms",
            3,
        ),
        "form_fields": (
            "select website_id, day, form_id, target, interactions, dropped "
            "from mouseflow.form_fields",
            4,
        ),
        "feedback": (
            "select website_id, day, campaign_id, impressions, responses from mouseflow.feedback",
            3,
        ),
    }
    return keyed(warehouse, specs)


def keyed(warehouse: Path, specs: dict[str, tuple[str, int]]) -> dict[str, dict]:
    """Each query's rows keyed by their first `n` columns, failing on any duplicate key."""
    out: dict[str, dict] = {}
    for table, (sql, key_len) in specs.items():
        values: dict = {}
        for row in query(warehouse, sql):
            key, rest = row[:key_len], row[key_len:]
            assert key not in values, f"duplicate {table} row {key}"
            values[key] = rest[0] if len(rest) == 1 else tuple(rest)
        out[table] = values
    return out


def expected_mouseflow(sandbox: Sandbox, days: list[date]) -> dict[str, dict]:
    """The sandbox's truth in the warehouse's shape (timestamps as exact nanoseconds)."""
    truth = sandbox.mouseflow_app.truth(days)
    truth["recordings"] = {
        key: (day, parse_instant_ns(created), pages)
        for key, (day, created, pages) in truth["recordings"].items()
    }
    return truth


def assert_matches_truth(loaded: dict[str, dict], truth: dict[str, dict]) -> None:
    for table, expected in truth.items():
        got = loaded[table]
        missing = expected.keys() - got.keys()
        extra = got.keys() - expected.keys()
        assert not missing and not extra, f"{table}: {len(missing)} missing, {len(extra)} extra"
        wrong = {k for k in expected if expected[k] != got[k]}
        assert not wrong, f"{table}: {len(wrong)} rows differ, e.g. {sorted(wrong)[:2]}"


def loaded_pagesense(warehouse: Path) -> dict[str, dict]:
    """The PageSense tables in the shape of `PageSenseApp.truth`."""
    specs = {
        "recordings": (
            "select website_id, id, day, epoch_ns(timestamp), page_views from pagesense.recordings",
            2,
        ),
        "heatmaps": ("select website_id, day, heatmap_id, total_clicks from pagesense.heatmaps", 3),
        "funnel_steps": (
            "select website_id, day, funnel_id, step_number, visitors from pagesense.funnel_steps",
            4,
        ),
        "forms": (
            "select website_id, day, form_id, views, interactions, submissions "
            "from pagesense.forms",
            3,
        ),
        "report_traffic": (
            "select website_id, day, visitors, page_views from pagesense.report_traffic",
            2,
        ),
        "goal_conversions": (
            "select website_id, day, goal_id, conversions from pagesense.goal_conversions",
            3,
        ),
        "test_results": (
            "select website_id, day, test_id, variation_id, conversions "
            "from pagesense.test_results",
            4,
        ),
        "poll_responses": (
            "select website_id, day, poll_id, response_id, score from pagesense.poll_responses",
            4,
        ),
    }
    return keyed(warehouse, specs)


def expected_pagesense(sandbox: Sandbox, days: list[date]) -> dict[str, dict]:
    truth = sandbox.pagesense_app.truth(days)
    truth["recordings"] = {
        key: (day, parse_instant_ns(ts), pages)
        for key, (day, ts, pages) in truth["recordings"].items()
    }
    return truth
