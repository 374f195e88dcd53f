"""Self-describing marts and honest comparisons, on raw tables seeded by hand."""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.models import ModelError, build, docs, sql_dir
from pipelines.store.publish import publish
from tests.sql.raw_tables import FUNNEL
from tests.sql.raw_tables import RAW as MODELS_RAW
from tests.sql.seed import seed, warehouse_of, work_db

D = date.fromisoformat
DAY = D("2026-03-08")
RAW = {
    "pagesense.websites": (
        {"id": "varchar", "name": "varchar", "url": "varchar", "timezone": "varchar"},
        [("P1", "Shop", "https://shop.test/", "UTC"), ("P2", "Blog", "https://blog.test", "UTC")],
    ),
    "mouseflow.websites": (
        {"id": "varchar", "name": "varchar", "account_timezone": "varchar"},
        [("M1", "shop.test", "UTC")],
    ),
    # 1 of 10 against 3 of 9 completions: a large relative difference, and noise
    "pagesense.funnel_steps": (
        {**FUNNEL, "visitors": "bigint"},
        [("P1", DAY, "pf", "Checkout", 1, "Cart", 10), ("P1", DAY, "pf", "Checkout", 2, "Done", 1)],
    ),
    "mouseflow.funnel_steps": (
        {**FUNNEL, "count": "bigint"},
        [("M1", DAY, "mf", "checkout", 1, "Cart", 9), ("M1", DAY, "mf", "checkout", 2, "Done", 3)],
    ),
    # 100 of 1000 against 300 of 1000 submissions: not noise
    "pagesense.forms": (
        {
            "website_id": "varchar",
            "day": "date",
            "form_id": "varchar",
            "form_name": "varchar",
            "views": "bigint",
            "interactions": "bigint",
            "submissions": "bigint",
        },
        [("P1", DAY, "pform", "Signup", 1000, 500, 100)],
    ),
    "mouseflow.forms": (
        MODELS_RAW["mouseflow.forms"][0],
        [("M1", DAY, "mform", "signup", 1000, 600, 300, 250)],
    ),
}


@pytest.fixture
def built(isolated: Path) -> Path:
    path = work_db(isolated)
    seed(path, RAW)
    build(warehouse_of(path))
    return path


def comparison(path: Path) -> dict[str, tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select metric, pagesense_value, mouseflow_value, relative_difference, "
            "pagesense_numerator, pagesense_denominator, mouseflow_numerator, "
            "mouseflow_denominator, z_score, within_noise from analytics.vendor_comparison"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_the_noise_flag_tells_1_against_3_from_a_real_difference(built: Path) -> None:
    rows = comparison(built)
    funnel = rows["funnel_completion_rate"]
    assert funnel[:3] == pytest.approx((0.1, 3 / 9, (3 / 9 - 0.1) / 0.1))  # +233%
    assert funnel[3:7] == (1, 10, 3, 9)
    assert funnel[8] is True  # 1 vs 3 completions: chance could do that
    form = rows["form_submission_rate"]
    assert form[3:7] == (100, 1000, 300, 1000)
    assert form[7] > 1.96 and form[8] is False  # 10% vs 30% of 1000 views: not chance
    assert abs(form[2]) < abs(funnel[2])  # ranked by raw percentage, the noise came first


def test_each_side_is_its_numerator_over_its_denominator(built: Path) -> None:
    for metric, row in comparison(built).items():
        pagesense, mouseflow, _, ps_num, ps_den, mf_num, mf_den, _, _ = row
        assert pagesense == pytest.approx(ps_num / ps_den), metric
        assert mouseflow == pytest.approx(mf_num / mf_den), metric


def test_sites_say_which_vendors_track_them(built: Path) -> None:
    with duckdb.connect(str(built), read_only=True) as con:
        rows = con.execute(
            "select site, vendor, site_vendors, tracked_by_both from analytics.sites order by all"
        ).fetchall()
    assert rows == [
        ("blog.test", "pagesense", "pagesense", False),
        ("shop.test", "mouseflow", "mouseflow,pagesense", True),
        ("shop.test", "pagesense", "mouseflow,pagesense", True),
    ]


def test_every_mart_column_is_described_and_counts_are_bigint(built: Path) -> None:
    warehouse = warehouse_of(built)
    publish(warehouse)  # readers see the same descriptions
    for path in (built, warehouse.path):
        with duckdb.connect(str(path), read_only=True) as con:
            columns = con.execute(
                "select table_name, column_name, data_type, comment from duckdb_columns() "
                "where schema_name = 'analytics'"
            ).fetchall()
            tables = con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'analytics'"
            ).fetchall()
        marts = {p.stem for p in (sql_dir() / "models" / "marts").glob("*.sql")}
        assert {t for t, _ in tables} == marts
        assert all(comment and "Grain: one row per" in comment for _, comment in tables)
        assert all(comment for *_, comment in columns), [c for c in columns if not c[3]]
        assert not [c for c in columns if c[2] == "HUGEINT"]
        types = {(t, c): kind for t, c, kind, _ in columns}
        assert types[("vendor_comparison", "pagesense_numerator")] == "BIGINT"
        assert types[("session_conversion", "converted_sessions")] == "BIGINT"


def test_the_readme_mart_reference_is_the_yml_s_own() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert docs.readme_section(readme) == docs.markdown(sql_dir()), (
        "README's mart reference is stale: run `uv run python -m pipelines.models.docs`"
    )


def test_the_warehouse_s_comments_and_types_are_the_yml_s(built: Path) -> None:
    """dbt persisted every description; every column the yml names exists with its type,
    and the yml names every column (so the README's types are the warehouse's)."""
    with duckdb.connect(str(built), read_only=True) as con:
        for mart in docs.marts(sql_dir()):
            comment = con.execute(
                "select comment from duckdb_tables() where schema_name = 'analytics' "
                "and table_name = ?",
                [mart.name],
            ).fetchone()
            assert comment == (mart.about,)
            assert "Grain: one row per " + ", ".join(mart.grain) in mart.about.replace(
                " (the website's local date)", ""
            ).replace(" (steps 2 and on)", "").replace(" (subject null for site metrics)", ""), (
                mart.name
            )
            columns = con.execute(
                "select column_name, lower(data_type), comment from duckdb_columns() "
                "where schema_name = 'analytics' and table_name = ? order by column_index",
                [mart.name],
            ).fetchall()
            assert columns == [(c.name, c.data_type, c.meaning) for c in mart.columns]


def broken_project(tmp_path: Path, mart: str, change: str) -> Path:
    """A copy of the dbt project with one mart's SQL changed: `change` appended, or its
    final `select * from final` made `change` when `change` starts with "select"."""
    root = tmp_path / "sql"
    shutil.copytree(sql_dir(), root)
    path = root / "models" / "marts" / f"{mart}.sql"
    sql = path.read_text()
    if change.startswith("select"):
        assert sql.count("select * from final") == 1
        path.write_text(sql.replace("select * from final", change))
    else:
        path.write_text(sql + change)
    return root


@pytest.mark.parametrize(
    ("mart", "change", "error"),
    [
        (
            "sites",
            "union all select * from final",
            r"tests failed, marts left as they were: grain_sites_vendor__website_id: 3 rows$",
        ),
        ("sites", "where no_such_column", r"model analytics.sites did not build: .*no_such_column"),
        # the tests that read the catalog run after this build's marts, not before them
        (
            "funnel_conversion",
            "select * replace (cast(visitors as hugeint) as visitors) from final",
            r"tests failed, marts left as they were: assert_counts_are_bigint: \d+ rows$",
        ),
        (
            "funnel_conversion",
            "select * replace ('nowhere.test' as site) from final",
            r"tests failed, marts left as they were: assert_sites_known: \d+ rows$",
        ),
    ],
    ids=["repeated grain", "SQL error", "a HUGEINT count", "a site not in sites"],
)
def test_a_mart_that_fails_leaves_the_marts_as_they_were(
    built: Path, tmp_path: Path, mart: str, change: str, error: str
) -> None:
    def marts() -> list[list[tuple]]:
        with duckdb.connect(str(built), read_only=True) as con:
            return [
                con.execute(f"select * from analytics.{name} order by all").fetchall()
                for name in ("sites", mart)
            ]

    before = marts()
    with pytest.raises(ModelError, match=error) as failed:
        build(warehouse_of(built), broken_project(tmp_path, mart, change))
    assert "\n" not in str(failed.value)
    assert marts() == before


def test_the_catalog_tests_know_every_mart() -> None:
    """`pageflow_marts()` (which the tests over the catalog depend on, and which
    `assert_sites_known` reads) names every mart in sql/models/marts/."""
    import re

    macro = (sql_dir() / "macros" / "marts.sql").read_text()
    listed = set(re.findall(r"'(\w+)'", macro.split("return(")[1].split(")")[0]))
    assert listed == {p.stem for p in (sql_dir() / "models" / "marts").glob("*.sql")}
    for test in (sql_dir() / "tests").glob("*.sql"):
        sql = test.read_text()
        if "duckdb_columns()" in sql or "duckdb_tables()" in sql:
            assert "{{ pageflow_after_every_mart() }}" in sql, test.name


def test_weekly_and_monthly_comparisons_sum_the_days_and_test_the_sums(built: Path) -> None:
    """The periods mart re-aggregates numerators and denominators (never daily rates) and
    runs the same z-test on the sums."""
    with duckdb.connect(str(built), read_only=True) as con:
        daily = con.execute(
            "select site, metric, coalesce(subject, ''), day, pagesense_numerator, "
            "coalesce(pagesense_denominator, -1), mouseflow_numerator, "
            "coalesce(mouseflow_denominator, -1) from analytics.vendor_comparison"
        ).fetchall()
        periods = con.execute(
            "select site, metric, coalesce(subject, ''), period, period_start, days, "
            "pagesense_numerator, pagesense_denominator, mouseflow_numerator, "
            "mouseflow_denominator, pagesense_value, mouseflow_value, z_score, within_noise "
            "from analytics.vendor_comparison_periods"
        ).fetchall()
    assert daily and {p[3] for p in periods} == {"week", "month"}
    for site, metric, subject, period, start, days, psn, psd, mfn, mfd, psv, mfv, z, ok in periods:
        mine = [
            d
            for d in daily
            if d[:3] == (site, metric, subject)
            and (d[3] - start).days < (7 if period == "week" else 31)
            and d[3] >= start
            and (period == "week" or d[3].month == start.month)
        ]
        assert days == len(mine)
        assert psn == sum(d[4] for d in mine) and mfn == sum(d[6] for d in mine)
        if psd is None:  # a count: value is the count, z the two-Poisson one
            assert psv == psn and mfv == mfn
            expected = (mfn - psn) / math.sqrt(mfn + psn) if mfn + psn else None
        else:
            assert psd == sum(d[5] for d in mine) and mfd == sum(d[7] for d in mine)
            assert psv == pytest.approx(psn / psd, abs=1e-6)  # rounded to 6 decimals
            assert mfv == pytest.approx(mfn / mfd, abs=1e-6)
            pooled = (psn + mfn) / (psd + mfd)
            se = math.sqrt(pooled * (1 - pooled) * (1 / psd + 1 / mfd))
            expected = (mfn / mfd - psn / psd) / se if se else None
        assert z == pytest.approx(expected, abs=1e-4) if expected is not None else z is None
        assert ok == (abs(z) < 1.96 if z is not None else True)


def test_fractional_columns_hold_no_more_digits_than_they_state(built: Path) -> None:
    with duckdb.connect(str(built), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name, regexp_extract(comment, "
            "'Rounded to ([0-9]+) decimals', 1) from duckdb_columns() where schema_name = "
            "'analytics' and data_type = 'DOUBLE'"
        ).fetchall()
        assert columns
        for table, column, decimals in columns:
            assert decimals, (table, column)
            noisy = con.execute(
                f'select count(*) from analytics.{table} where "{column}" is not null '
                f'and abs("{column}" - round("{column}", {decimals})) > 1e-12'
            ).fetchall()[0][0]
            assert noisy == 0, (table, column, decimals)
