"""Incremental marts equal a full rebuild, row for row, after any sequence of syncs.

Each step below changes what the vendors answer or what a run fetches (backfills, plain
hourly runs, restated days, a day emptied, a recording moved to another day, a website's
days re-fetched). After every step's sync (whose model build rebuilds only the changed
days) the marts are compared with a full rebuild of a copy of the same working database,
built with the same clock.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.models import build
from pipelines.store.warehouse import Warehouse
from sources.sandbox import Fault, Sandbox
from sources.shared.windows import local_today, yesterday
from tests.integration.conftest import query, sync, without
from tests.lake_servers import LakeUnderTest

MF_SHOP = "8fc2ace2-75bc-8ba4-b424-c8916670b990"
RECORDINGS = "/websites/{website_id}/recordings"
FORMS = "/websites/{website_id}/forms"
ZONE = "Europe/Berlin"


def marts(work: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(work), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'analytics' "
                "order by table_name"
            ).fetchall()
        ]
        return {
            t: con.execute(f"select * from analytics.{t} order by all").fetchall() for t in tables
        }


def rebuilt_in_full(warehouse: Path, copy: Path) -> dict[str, list[tuple]]:
    """The marts a full rebuild of the same working database gives, with the same clock."""
    work = Warehouse(warehouse).work_path
    with duckdb.connect(str(work), read_only=True) as con:
        (now,) = con.execute("select built_at from raw.model_builds").fetchone()  # type: ignore[misc]
        full = con.execute("select full_refresh from raw.model_builds").fetchone()
    shutil.rmtree(copy.parent, ignore_errors=True)
    copy.parent.mkdir(parents=True)
    twin = Warehouse(copy)
    twin.folder.mkdir(mode=0o700)
    shutil.copyfile(work, twin.work_path)
    build(twin, now=now, full_refresh=True)
    assert full is not None
    return marts(twin.work_path)


KINDS = ("hourly", "backfill", "restate", "empty", "move", "refetch")


def steps(rng: random.Random, count: int) -> list[tuple[str, list[str]]]:
    """A random sequence of `count` (what changed, the sync's arguments)."""
    today = local_today("UTC")
    end = yesterday(ZONE)
    chosen: list[tuple[str, list[str]]] = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        if kind == "backfill":
            first = end - timedelta(days=rng.randint(8, 12))
            chosen.append((kind, ["--start", str(first), "--end", str(first + timedelta(days=2))]))
        elif kind == "restate":
            days = [today - timedelta(days=n) for n in rng.sample(range(1, 4), 2)]
            chosen.append((f"restate {days}", []))
        elif kind == "empty":
            day = end - timedelta(days=rng.randint(0, 2))
            chosen.append((f"empty {day}", ["--start", str(day), "--end", str(day)]))
        elif kind == "move":  # a run of the one day it moved to (its old day comes later)
            chosen.append(("move", ["--start", str(end), "--end", str(end)]))
        elif kind == "refetch":
            first = end - timedelta(days=rng.randint(3, 6))
            chosen.append((kind, ["--start", str(first), "--end", str(first + timedelta(days=1))]))
        else:
            chosen.append((kind, []))
    return chosen


@pytest.mark.slow(minutes=3)
def test_incremental_marts_equal_a_full_rebuild_after_any_sequence(
    sandbox: Sandbox, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a seeded sequence with every kind of step once (two sequences of five, seeds 3 and
    # 11, ran only backfills, moves and emptied days); the order is random
    sequence = steps(random.Random(69), len(KINDS))
    assert {what.split()[0] for what, _ in sequence} == set(KINDS)
    end = yesterday(ZONE)
    for vendor in ("MOUSEFLOW", "PAGESENSE"):
        monkeypatch.setenv(f"SOURCES__{vendor}__START_DATE", str(end - timedelta(days=4)))
    warehouse = isolated / "w.duckdb"
    assert sync(warehouse) == 0
    assert marts(Warehouse(warehouse).work_path) == rebuilt_in_full(
        warehouse, isolated / "f" / "w.duckdb"
    )
    incremental_builds = 0
    for what, args in sequence:
        sandbox.faults.clear()
        if what.startswith("restate"):
            for site in sandbox.world.sites:
                sandbox.world.restate(
                    site.key, [local_today("UTC") - timedelta(days=n) for n in (1, 2)]
                )
        elif what.startswith("empty"):
            # a valid, empty answer: the shop's forms of that day are gone
            sandbox.faults.add(
                Fault(
                    "empty-page",
                    vendor="mouseflow",
                    endpoint=FORMS,
                    website_id=MF_SHOP,
                    day=args[1],
                )
            )
        elif what == "move":
            with duckdb.connect(str(Warehouse(warehouse).work_path), read_only=True) as con:
                (moved,) = con.execute(
                    "select min(id) from mouseflow.recordings where website_id = ? and day = ?",
                    [MF_SHOP, end - timedelta(days=4)],  # outside the lookback
                ).fetchone()  # type: ignore[misc]
            sandbox.faults.add(
                Fault(
                    "set-field",
                    vendor="mouseflow",
                    endpoint=RECORDINGS,
                    website_id=MF_SHOP,
                    day=str(end),
                    value=moved,
                )
            )
        assert sync(warehouse, *args) == 0, what
        with duckdb.connect(str(Warehouse(warehouse).work_path), read_only=True) as con:
            (full,) = con.execute("select full_refresh from raw.model_builds").fetchone()  # type: ignore[misc]
        incremental_builds += not full
        got = marts(Warehouse(warehouse).work_path)
        want = rebuilt_in_full(warehouse, isolated / "f" / "w.duckdb")
        for table in want:
            assert got[table] == want[table], f"after {what}: {table} differs from a full rebuild"
        assert sum(map(len, got.values())) > 100
    assert incremental_builds == len(KINDS)  # every step's build was incremental


@pytest.mark.slow
def test_on_a_lake_an_incremental_build_over_many_days_equals_a_full_rebuild(
    sandbox: Sandbox, lake: LakeUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More changed website days than DuckLake keeps inline in its catalog (ten rows): the
    plan's table of changed days is then a Parquet file, which a table replaced by a query
    of itself in one transaction lost (every later build on a lake failed)."""
    without(monkeypatch, "pagesense")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__WEBSITE_IDS", f'["{MF_SHOP}"]')
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RESOURCES", '["recordings", "pages"]')
    assert sync(lake, "--start", "2026-03-01", "--end", "2026-03-02") == 0  # a full build
    assert sync(lake, "--start", "2026-03-03", "--end", "2026-03-20") == 0
    ((full, days),) = query(
        lake,
        "select (select full_refresh from raw.model_builds), "
        "(select count(*) from raw.changed_days)",
    )
    assert not full and days > 10
    sql = "select * from analytics.{} order by all"
    got = {t: query(lake, sql.format(t)) for t in ("daily_traffic", "pages")}
    assert main(["models", "--full-refresh", "--warehouse", str(lake)]) == 0
    for table, rows in got.items():
        assert rows == query(lake, sql.format(table)), table
    assert query(lake, "select max(day) from analytics.daily_traffic") == [(date(2026, 3, 20),)]


@pytest.mark.slow
def test_a_run_of_some_resources_builds_only_their_marts_and_equals_a_full_rebuild(
    sandbox: Sandbox, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Days long final (no is_final can change): a run of pages builds the pages mart
    only, a run of forms only the marts over forms, and after a build that did not finish
    every mart is built again; each time the marts equal a full rebuild."""
    from pipelines.models import dbt, swap

    chosen: list[list[str] | None] = []
    built: list[set[str]] = []
    run = dbt.run

    def recording(*args: object, **kwargs: object) -> dbt.DbtOutcome:
        chosen.append(kwargs.get("sources"))  # type: ignore[arg-type]
        outcome = run(*args, **kwargs)  # type: ignore[arg-type]
        built.append(
            {n.name.split(".", 1)[1] for n in outcome.models if n.name.startswith("analytics.")}
        )
        return outcome

    monkeypatch.setattr(dbt, "run", recording)
    warehouse = isolated / "w.duckdb"
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-04") == 0
    assert chosen == [None] and len(built[0]) == 13
    form_marts = {"form_conversion", "form_field_friction", "vendor_comparison"}
    steps = [
        ('["pages"]', '["heatmaps"]', ["--start", "2026-03-02", "--end", "2026-03-03"]),
        ('["forms"]', '["forms"]', ["--start", "2026-03-03", "--end", "2026-03-03"]),
    ]
    for mouseflow, pagesense, args in steps:
        monkeypatch.setenv("SOURCES__MOUSEFLOW__RESOURCES", mouseflow)
        monkeypatch.setenv("SOURCES__PAGESENSE__RESOURCES", pagesense)
        if mouseflow == '["forms"]':  # the vendor emptied the shop's forms of that day
            sandbox.faults.add(
                Fault("empty-page", vendor="mouseflow", endpoint=FORMS, website_id=MF_SHOP)
            )
        assert sync(warehouse, *args) == 0, mouseflow
        assert chosen[-1] is not None and built[-1]
        tables = ("__pages", "__heatmaps", "__forms", "__form_fields", "__form_drop_offs")
        assert all(source.endswith(tables) for source in chosen[-1]), chosen[-1]
        if mouseflow == '["pages"]':
            assert built[-1] == {"pages"}
        else:
            assert form_marts <= built[-1] and "pages" not in built[-1]
            assert "daily_traffic" not in built[-1]
        got = marts(Warehouse(warehouse).work_path)
        assert got == rebuilt_in_full(warehouse, isolated / "f" / "w.duckdb"), mouseflow
    assert not query(
        warehouse,
        "select * from analytics.form_conversion where vendor = 'mouseflow' "
        f"and website_id = '{MF_SHOP}' and day = date '2026-03-03'",
    )

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the swap broke")

    sandbox.faults.clear()
    monkeypatch.setattr(swap, "publish_marts", broken)
    assert sync(warehouse, "--start", "2026-03-02", "--end", "2026-03-02") != 0
    assert chosen[-1] is not None  # the failed build chose some marts
    monkeypatch.undo()  # every variable and the patches: a plain run of pages next
    monkeypatch.setattr(dbt, "run", recording)
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RESOURCES", '["pages"]')
    assert sync(warehouse, "--start", "2026-03-02", "--end", "2026-03-02") == 0
    assert chosen[-1] is None and len(built[-1]) == 13  # the unfinished build: all of them
    got = marts(Warehouse(warehouse).work_path)
    assert got == rebuilt_in_full(warehouse, isolated / "f" / "w.duckdb")
