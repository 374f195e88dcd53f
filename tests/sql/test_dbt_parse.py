"""dbt parses the project once per process and profile, and again whenever a file of the
project changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.models import build, dbt_parse, sql_dir
from tests.sql.raw_tables import RAW
from tests.sql.seed import mart, seed, warehouse_of, work_db


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every `dbt parse` pageflow asks for, starting from no kept parse."""
    from dbt.cli.main import dbtRunner

    dbt_parse.forget()
    asked: list[list[str]] = []
    plain = dbtRunner.invoke

    def invoke(self, args, **kwargs):  # type: ignore[no-untyped-def]
        if args[0] == "parse":
            asked.append(args)
        return plain(self, args, **kwargs)

    monkeypatch.setattr(dbtRunner, "invoke", invoke)
    return asked


def test_a_second_build_reuses_the_parse_even_for_another_file(
    isolated: Path, parses: list[list[str]]
) -> None:
    first, second = work_db(isolated / "a"), work_db(isolated / "b")
    for path in (first, second):
        seed(path, RAW)
        build(warehouse_of(path))
    assert len(parses) == 1  # the same profile: files name their database relatively
    assert mart(first, "daily_traffic", "vendor, day") == mart(
        second, "daily_traffic", "vendor, day"
    )


def test_a_changed_model_is_parsed_again_and_built_as_changed(
    isolated: Path, parses: list[list[str]]
) -> None:
    project = isolated / "sql"
    shutil.copytree(sql_dir(), project)
    path = work_db(isolated / "w")
    seed(path, RAW)
    build(warehouse_of(path), root=project)
    before = mart(path, "sites", "vendor, website_id")
    model = project / "models" / "marts" / "sites.sql"
    model.write_text(model.read_text() + "\nwhere vendor = 'mouseflow'\n")
    build(warehouse_of(path), root=project, full_refresh=True)
    assert len(parses) == 2
    after = mart(path, "sites", "vendor, website_id")
    assert [row for row in before if row[1] == "mouseflow"] == after != before
