"""pageflow's models as a dbt package: a user's own dbt project builds on `daily_traffic`.

The project below is what the README's "Your own dbt project" tells a user to write: it
installs `sql/` as a local package (no network), attaches the published warehouse
read-only, and builds one model of its own on top of pageflow's marts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.models import build, sql_dir
from pipelines.store.publish import publish
from tests.sql.raw_tables import RAW
from tests.sql.seed import seed, warehouse_of, work_db

PROJECT = """\
name: shop_analytics
version: "1.0.0"
config-version: 2
profile: shop
models:
  shop_analytics:
    +materialized: table
  pageflow:
    +database: pageflow  # pageflow's marts live in its warehouse, attached read-only
"""

SCHEMAS = """\
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ pageflow.pageflow_schema_name(custom_schema_name, node) }}
{%- endmacro %}
"""

WEEKLY = """\
-- grain: one row per site, vendor, week
select
    site,
    vendor,
    date_trunc('week', day) as week,
    sum(sessions) as sessions
from {{ ref('pageflow', 'daily_traffic') }}
group by all
"""


def dbt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_user_project_installs_the_models_and_builds_on_daily_traffic(
    isolated: Path, tmp_path: Path
) -> None:
    work = work_db(isolated)
    seed(work, RAW)
    build(warehouse_of(work))
    published = warehouse_of(work)
    publish(published)

    project = tmp_path / "shop_analytics"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    (project / "dbt_project.yml").write_text(PROJECT)
    (project / "packages.yml").write_text(f"packages:\n  - local: {sql_dir()}\n")
    (project / "macros" / "generate_schema_name.sql").write_text(SCHEMAS)
    (project / "models" / "weekly_sessions.sql").write_text(WEEKLY)
    profile = {
        "shop": {
            "target": "dev",
            "outputs": {
                "dev": {
                    "type": "duckdb",
                    "path": str(tmp_path / "shop.duckdb"),
                    "attach": [
                        {"path": str(published.path), "alias": "pageflow", "read_only": True}
                    ],
                }
            },
        }
    }
    (project / "profiles.yml").write_text(json.dumps(profile))

    deps = dbt(project, "deps")
    assert deps.returncode == 0, deps.stdout + deps.stderr
    assert (project / "dbt_packages" / "pageflow" / "dbt_project.yml").exists()
    built = dbt(project, "build", "--select", "shop_analytics")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "1 table model" in built.stdout

    with duckdb.connect(str(tmp_path / "shop.duckdb"), read_only=True) as con:
        con.execute(f"attach '{published.path}' as pageflow (read_only)")
        mine = con.execute(
            "select site, vendor, sum(sessions) from main.weekly_sessions group by all order by all"
        ).fetchall()
        theirs = con.execute(
            "select site, vendor, sum(sessions) from pageflow.analytics.daily_traffic "
            "group by all order by all"
        ).fetchall()
    assert mine == theirs and len(mine) >= 2


def test_docs_writes_one_offline_page_with_lineage(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.cli import main

    work = work_db(isolated)
    seed(work, RAW)
    build(warehouse_of(work))
    publish(warehouse_of(work))
    out = isolated / "site"
    assert main(["docs", "--warehouse", str(warehouse_of(work).path), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"documentation written to {out / 'index.html'} (open it in a browser)"
    )
    page = (out / "index.html").read_text()
    assert len(list(out.iterdir())) == 1
    # the manifest and the catalog are inlined: descriptions, lineage, the warehouse's columns
    assert "Sessions, page views, session length and bounce rate" in page
    assert "model.pageflow.int_recordings__unioned" in page  # a parent of daily_traffic
    assert '"unique_visitors"' in page
    assert not re.search(r"""<script[^>]+src=["']https?://""", page)  # nothing from the web
    missing = isolated / "none.duckdb"
    assert main(["docs", "--warehouse", str(missing), "--out", str(out)]) == 78
