"""Choosing what to sync: SOURCES__<VENDOR>__RESOURCES, like a Singer or Airbyte catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cli import main
from sources.sandbox import Sandbox
from tests.integration.conftest import query, sync, without

FIRST, LAST = "2026-03-27", "2026-03-28"


def test_only_the_chosen_resources_are_fetched_and_marts_of_the_others_are_empty(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    without(monkeypatch, "pagesense")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RESOURCES", '["recordings", "pages"]')
    assert sync(warehouse, "--start", FIRST, "--end", LAST) == 0
    fetched = {e.endpoint for e in sandbox.requests.entries("mouseflow") if e.day}
    assert fetched == {"/websites/{website_id}/recordings", "/websites/{website_id}/pagelist"}
    assert query(warehouse, "select count(*) from analytics.daily_traffic")[0][0] > 0
    assert query(warehouse, "select count(*) from analytics.form_conversion") == [(0,)]
    capsys.readouterr()
    assert main(["status", "--warehouse", str(warehouse), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["selected"]["mouseflow"] == ["recordings", "pages"]
    assert {r["resource"] for r in document["resources"]} == {"recordings", "pages"}


def test_an_unknown_resource_is_78_naming_it_and_the_ones_there_are(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOURCES__PAGESENSE__RESOURCES", '["recordings", "polls2"]')
    assert sync(warehouse) == 78
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "SOURCES__PAGESENSE__RESOURCES" in line and "polls2" in line and "heatmaps" in line
    assert not sandbox.requests.entries()


def test_check_shows_the_choice_and_what_a_website_day_costs(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__PAGESENSE__RESOURCES", '["recordings", "reports"]')
    assert main(["check", "--vendor", "pagesense"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any("resources" in line and "recordings, reports" in line for line in out)
    (cost,) = [line for line in out if "calls per website-day" in line]
    assert "reports 2" in cost  # overview and traffic: the reports a mart reads
    reports = {
        e.path.rsplit("/", 1)[-1]
        for e in sandbox.requests.entries("pagesense")
        if "/reports/" in e.path
    }
    assert reports == {"overview", "traffic"}
    calls = [e for e in sandbox.requests.entries("pagesense") if e.day]
    assert str(len(calls)) in cost.split("calls per website-day")[1].split()[0]


def test_status_names_the_site_beside_each_website_id(
    sandbox: Sandbox, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync(warehouse, "--start", FIRST, "--end", FIRST) == 0
    sites = dict(query(warehouse, "select website_id, site from analytics.sites"))
    capsys.readouterr()
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:] if line.strip()]
    named = [row for row in rows if row[0] in ("mouseflow", "pagesense")]
    assert named and all(row[2] == sites[row[1]] for row in named)
    assert main(["status", "--warehouse", str(warehouse), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert all(r["site"] == sites[r["website_id"]] for r in document["resources"])


def test_every_report_is_fetched_when_chosen(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__PAGESENSE__RESOURCES", '["reports"]')
    monkeypatch.setenv(
        "SOURCES__PAGESENSE__REPORTS", '["overview", "traffic", "conversions", "behavior"]'
    )
    assert main(["check", "--vendor", "pagesense"]) == 0
    assert "reports 4" in capsys.readouterr().out
    monkeypatch.setenv("SOURCES__PAGESENSE__REPORTS", '["weather"]')
    assert main(["check", "--vendor", "pagesense"]) == 78
    assert "SOURCES__PAGESENSE__REPORTS" in capsys.readouterr().err


def test_the_published_file_shows_marts_and_raw_tables_not_the_model_runner_s_layers(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = "select distinct table_schema from information_schema.tables order by 1"
    assert sync(warehouse, "--start", FIRST, "--end", FIRST) == 0
    assert [s for (s,) in query(warehouse, schemas)] == ["analytics", "mouseflow", "pagesense"]
    monkeypatch.setenv("WAREHOUSE__PUBLISH_INTERNAL", "true")
    assert main(["models", "--warehouse", str(warehouse)]) == 0
    kept = {s for (s,) in query(warehouse, schemas)}
    assert {"raw", "staging", "intermediate"} <= kept
    monkeypatch.setenv("WAREHOUSE__PUBLISH_INTERNAL", "perhaps")
    assert sync(warehouse) == 78
