"""The marts on small raw tables seeded by hand: exact rows, units, time zones, matching."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dlt.common.configuration.container import Container
from dlt.common.configuration.specs.pluggable_run_context import PluggableRunContext

from pipelines.models import ModelError, build, sql_dir
from tests.sql.raw_tables import RAW
from tests.sql.seed import mart, seed, warehouse_of, work_db

D = date.fromisoformat
approx = pytest.approx


@pytest.fixture
def built(isolated: Path) -> Path:
    path = work_db(isolated)
    seed(path, RAW)
    build(warehouse_of(path))
    return path


def test_sites_match_by_domain_and_keep_the_unpartnered(built: Path) -> None:
    assert mart(built, "sites", "vendor, website_id") == [
        ("shop.test", "mouseflow", "M1", "shop.test", "shop.test", "Europe/Berlin"),
        ("solo.example", "mouseflow", "M2", "solo.example", "solo.example", "Europe/Berlin"),
        ("shop.test", "pagesense", "P1", "Shop", "shop.test", "America/New_York"),
    ]


def test_daily_traffic(built: Path) -> None:
    assert mart(built, "daily_traffic", "vendor, day") == [
        ("shop.test", "mouseflow", "M1", D("2026-03-08"), 2, 3, approx(35.0), approx(0.5)),
        ("shop.test", "mouseflow", "M1", D("2026-03-29"), 2, 4, approx(60.0), approx(0.5)),
        ("shop.test", "pagesense", "P1", D("2026-03-07"), 10, 25, approx(120.0), approx(0.4)),
        ("shop.test", "pagesense", "P1", D("2026-03-08"), 4, 10, approx(60.0), approx(0.25)),
    ]


def test_funnel_conversion(built: Path) -> None:
    day = D("2026-03-08")
    assert mart(built, "funnel_conversion", "vendor, step_number") == [
        ("shop.test", "mouseflow", "M1", "mf1", "checkout", day, 1, "Cart", 80, 1.0, 1.0),
        ("shop.test", "mouseflow", "M1", "mf1", "checkout", day, 2, "Pay", 40, 0.5, 0.5),
        (
            "shop.test",
            "mouseflow",
            "M1",
            "mf1",
            "checkout",
            day,
            3,
            "Done",
            24,
            approx(0.3),
            approx(0.6),
        ),
        ("shop.test", "pagesense", "P1", "pf1", "Checkout", day, 1, "Cart", 100, 1.0, 1.0),
        ("shop.test", "pagesense", "P1", "pf1", "Checkout", day, 2, "Pay", 50, 0.5, 0.5),
        (
            "shop.test",
            "pagesense",
            "P1",
            "pf1",
            "Checkout",
            day,
            3,
            "Done",
            20,
            approx(0.2),
            approx(0.4),
        ),
    ]


def test_form_conversion(built: Path) -> None:
    day = D("2026-03-08")
    assert mart(built, "form_conversion", "vendor") == [
        ("shop.test", "mouseflow", "M1", "mform", "signup", day, 40, 30, 20, 15, 0.75, 0.5, 0.375),
        (
            "shop.test",
            "pagesense",
            "P1",
            "pform",
            "Signup",
            day,
            50,
            None,
            10,
            None,
            None,
            0.2,
            None,
        ),
    ]


def test_session_conversion_local_days_devices_and_countries(built: Path) -> None:
    assert mart(built, "session_conversion", "vendor, day, device, country_code") == [
        ("shop.test", "mouseflow", "M1", D("2026-03-08"), "desktop", "US", 1, 1, 1.0),
        ("shop.test", "mouseflow", "M1", D("2026-03-08"), "tablet", "FR", 1, 0, 0.0),
        ("shop.test", "mouseflow", "M1", D("2026-03-29"), "desktop", "US", 1, 0, 0.0),
        ("shop.test", "mouseflow", "M1", D("2026-03-29"), "mobile", "DE", 1, 1, 1.0),
        ("shop.test", "pagesense", "P1", D("2026-03-07"), "mobile", "US", 1, 1, 1.0),
        ("shop.test", "pagesense", "P1", D("2026-03-08"), "desktop", "DE", 1, 0, 0.0),
        ("shop.test", "pagesense", "P1", D("2026-03-08"), "desktop", None, 1, 1, 1.0),
    ]


def test_vendor_comparison(built: Path) -> None:
    day = D("2026-03-08")
    assert mart(built, "vendor_comparison", "metric") == [
        ("shop.test", day, "form_submission_rate", "Signup", 0.2, 0.5, approx(0.3), approx(1.5)),
        (
            "shop.test",
            day,
            "funnel_completion_rate",
            "Checkout",
            0.2,
            approx(0.3),
            approx(0.1),
            approx(0.5),
        ),
        ("shop.test", day, "page_views", None, 10.0, 3.0, -7.0, -0.7),
        ("shop.test", day, "session_conversion_rate", None, 0.5, 0.5, 0.0, 0.0),
        ("shop.test", day, "sessions", None, 4.0, 2.0, -2.0, -0.5),
    ]


def test_explicit_pairs_in_config_win(isolated: Path) -> None:
    (isolated / ".dlt").mkdir()
    (isolated / ".dlt" / "config.toml").write_text(
        '[sites.flagship]\npagesense = "P1"\nmouseflow = "M2"\n'
    )
    Container()[PluggableRunContext].reload_providers()
    path = work_db(isolated)
    seed(path, RAW)
    build(warehouse_of(path))
    assert [row[:3] for row in mart(path, "sites", "vendor, website_id")] == [
        ("shop.test", "mouseflow", "M1"),
        ("flagship", "mouseflow", "M2"),
        ("flagship", "pagesense", "P1"),
    ]


@pytest.mark.parametrize(
    ("other", "config"),
    [
        ("M9", ""),  # matched by domain: PageSense's partner is the lowest id, M1
        ("M0", '[sites."shop.test"]\npagesense = "P1"\nmouseflow = "M1"\n'),  # paired
    ],
    ids=["by-domain", "paired-in-config"],
)
def test_two_websites_of_one_vendor_on_one_domain_stay_apart(
    isolated: Path, other: str, config: str
) -> None:
    """Staging and production on one domain: the website matched to PageSense keeps the
    domain as its site (even against a lower id), the other is a site of its own, and no
    mart row mixes the two."""
    if config:
        (isolated / ".dlt").mkdir()
        (isolated / ".dlt" / "config.toml").write_text(config)
        Container()[PluggableRunContext].reload_providers()
    columns, websites = RAW["mouseflow.websites"]
    rec_columns, recordings = RAW["mouseflow.recordings"]
    staged = (other, "m9", D("2026-03-08"), "2026-03-08 12:00:00", 5000, 7, "us", "Desktop", "[]")
    raw = {
        **RAW,
        "mouseflow.websites": (columns, [*websites, (other, "shop.test", "Europe/Berlin")]),
        "mouseflow.recordings": (rec_columns, [*recordings, staged]),
    }
    path = work_db(isolated)
    seed(path, raw)
    build(warehouse_of(path))  # the grain checks pass: no (site, vendor, day) twice
    sites = {row[2]: row[0] for row in mart(path, "sites", "vendor, website_id")}
    assert sites == {
        other: f"shop.test [{other}]",
        "M1": "shop.test",
        "M2": "solo.example",
        "P1": "shop.test",
    }
    traffic = {
        (row[0], row[2]): row[4:6]
        for row in mart(path, "daily_traffic", "site, website_id, day")
        if row[1] == "mouseflow" and row[3] == D("2026-03-08")
    }
    assert traffic == {("shop.test", "M1"): (2, 3), (f"shop.test [{other}]", other): (1, 7)}
    sessions = [r for r in mart(path, "vendor_comparison", "day") if r[2] == "sessions"]
    assert [r[:6] for r in sessions if r[1] == D("2026-03-08")] == [
        ("shop.test", D("2026-03-08"), "sessions", None, 4.0, 2.0)  # M1's 2, not M1 + other
    ]


def test_a_vendor_never_synced_still_builds(isolated: Path) -> None:
    path = work_db(isolated)
    seed(path, {k: v for k, v in RAW.items() if k.startswith("mouseflow.")})
    build(warehouse_of(path))
    assert {row[1] for row in mart(path, "daily_traffic", "day")} == {"mouseflow"}
    assert mart(path, "vendor_comparison", "day") == []


def test_failing_sql_tests_roll_back_and_keep_the_previous_tables(built: Path) -> None:
    before = mart(built, "funnel_conversion", "vendor, step_number")
    with duckdb.connect(str(built)) as con:  # a later step with more visitors than step 1
        con.execute("update mouseflow.funnel_steps set count = 500 where step_number = 3")
    with pytest.raises(ModelError) as caught:
        build(warehouse_of(built))
    message = str(caught.value)
    assert "assert_funnel_steps_non_increasing" in message
    assert "assert_rates_within_0_1" in message
    assert mart(built, "funnel_conversion", "vendor, step_number") == before


def test_models_name_each_other_through_dbt() -> None:
    """Lineage comes from ref() and source(): no model names a schema itself."""
    import re

    named = re.compile(r"\b(raw|staging|intermediate|analytics)\.\w+")
    for path in (sql_dir() / "models").rglob("*.sql"):
        code = "\n".join(line.split("--")[0] for line in path.read_text().splitlines())
        assert not named.search(code), f"{path.name} names {named.search(code).group(0)}"


def test_every_model_states_its_grain() -> None:
    paths = list((sql_dir() / "models").rglob("*.sql"))
    assert len(paths) > 30
    for path in paths:
        assert path.read_text().startswith("-- grain: one row per "), path.name


def test_models_command(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.cli import main

    path = isolated / "w.duckdb"
    assert main(["models", "--warehouse", str(path)]) == 78
    assert "no warehouse" in capsys.readouterr().err
    seed(work_db(isolated, "w.duckdb"), RAW)
    assert main(["models", "--warehouse", str(path)]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1  # dbt prints nothing: its lines go to the log
    built = r"built 39 models \(every day \(first build of these models\)\); \d+ tests passed"
    assert re.search(built, out), out
    assert mart(path, "daily_traffic", "vendor, day") == mart(
        work_db(isolated, "w.duckdb"), "daily_traffic", "vendor, day"
    )  # published for readers


@pytest.mark.parametrize(
    "now",
    [
        "2026-03-10 23:30:00+00:00",  # 00:30 the next day in Berlin: Berlin's date counts
        "2026-03-10 12:00:00+00:00",
        "2026-03-10 22:59:59+00:00",  # 23:59:59 in Berlin
    ],
)
def test_days_inside_the_lookback_are_provisional(isolated: Path, now: str) -> None:
    clock = datetime.fromisoformat(now)
    today = clock.astimezone(ZoneInfo("Europe/Berlin")).date()  # the website's own today
    recent = {
        "mouseflow.websites": RAW["mouseflow.websites"],
        "mouseflow.recordings": (
            RAW["mouseflow.recordings"][0],
            [
                (
                    "M1",
                    f"x{n}",
                    today - timedelta(days=n),
                    f"{today - timedelta(days=n)} 12:00:00",
                    1000,
                    1,
                    "de",
                    "Desktop",
                    "[]",
                )
                for n in range(1, 7)
            ],
        ),
    }
    path = work_db(isolated)
    seed(path, recent)
    build(warehouse_of(path), now=clock)  # default lookback: 3 days
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("select day, is_final from analytics.daily_traffic").fetchall()
    final = {(today - day).days: is_final for day, is_final in rows}
    assert final == {1: False, 2: False, 3: False, 4: True, 5: True, 6: True}
