"""Bad vendor answers: a clear failure naming the window, nothing from it, earlier days kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.ledger.windows import GAP
from sources.sandbox import Fault, Sandbox
from tests.integration.conftest import query, sync, without

MF_SHOP = "8fc2ace2-75bc-8ba4-b424-c8916670b990"
PS_SHOP = "123456000000234567"
MF_RECORDINGS = "/websites/{website_id}/recordings"
PS_RECORDINGS = "/websites/{website_id}/recordings"


def only(vendor: str, site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    without(monkeypatch, "pagesense" if vendor == "mouseflow" else "mouseflow")
    monkeypatch.setenv(f"SOURCES__{vendor.upper()}__WEBSITE_IDS", f'["{site}"]')
    monkeypatch.setenv(f"SOURCES__{vendor.upper()}__CHUNK_DAYS", "1")


@pytest.mark.parametrize(
    ("vendor", "fault", "reason"),
    [
        pytest.param("mouseflow", Fault("malformed"), "malformed JSON", id="mf-truncated-json"),
        pytest.param("mouseflow", Fault("html"), "HTML instead of JSON", id="mf-html-200"),
        pytest.param(
            "mouseflow", Fault("missing-field"), "null or non-text `id`", id="mf-missing-id"
        ),
        pytest.param(
            "mouseflow",
            Fault("wrong-type", field="duration"),
            "`duration` has the wrong type",
            id="mf-wrong-type",
        ),
        pytest.param("mouseflow", Fault("null-key"), "null or non-text `id`", id="mf-null-key"),
        pytest.param("mouseflow", Fault("duplicate-key"), "duplicate `id`", id="mf-duplicate-key"),
        pytest.param("mouseflow", Fault("empty-page"), "incomplete window", id="mf-empty-page"),
        pytest.param(
            "mouseflow", Fault("total-mismatch"), "incomplete window", id="mf-count-mismatch"
        ),
        pytest.param("pagesense", Fault("malformed"), "malformed JSON", id="ps-truncated-json"),
        pytest.param(
            "pagesense",
            Fault("wrong-type", field="page_views"),
            "`page_views` has the wrong type",
            id="ps-wrong-type",
        ),
        pytest.param("pagesense", Fault("duplicate-key"), "duplicate `id`", id="ps-duplicate"),
        pytest.param(
            "pagesense", Fault("empty-page"), "empty page at offset 0", id="ps-empty-page"
        ),
        pytest.param("pagesense", Fault("repeat-page"), "duplicate `id`", id="ps-repeat-page"),
        pytest.param(
            "pagesense", Fault("total-mismatch"), "`pagination.total`", id="ps-total-mismatch"
        ),
        pytest.param(
            "pagesense",
            Fault("no-pagination"),
            "full page (200 rows, limit 200) came without `pagination`",
            id="ps-full-page-without-pagination",
        ),
        pytest.param(
            "mouseflow",
            Fault("out-of-window", field="created"),
            "outside the window's day (2026-03-28 in Europe/Berlin)",
            id="mf-row-outside-its-window",
        ),
        pytest.param(
            "pagesense",
            Fault("out-of-window", field="timestamp"),
            "outside the window's day (2026-03-28 in",
            id="ps-row-outside-its-window",
        ),
    ],
)
def test_bad_answer_fails_its_window_only(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    vendor: str,
    fault: Fault,
    reason: str,
) -> None:
    site = MF_SHOP if vendor == "mouseflow" else PS_SHOP
    only(vendor, site, monkeypatch)
    fault.vendor, fault.website_id, fault.day = vendor, site, "2026-03-28"
    fault.endpoint = MF_RECORDINGS if vendor == "mouseflow" else PS_RECORDINGS
    sandbox.faults.add(fault)
    assert sync(warehouse, "--start", "2026-03-27", "--end", "2026-03-29") == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    for part in (vendor, site, fault.endpoint, "2026-03-28", reason):
        assert part in last, f"{part!r} not in {last!r}"
    days = {row[0] for row in query(warehouse, f"select distinct day from {vendor}.recordings")}
    assert days == {date(2026, 3, 27)}  # the day before was committed, the bad day not


def test_unknown_new_fields_are_kept(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only("mouseflow", MF_SHOP, monkeypatch)
    sandbox.faults.add(Fault("new-field", vendor="mouseflow", field="heartRate"))
    assert sync(warehouse, "--start", "2026-03-27", "--end", "2026-03-27") == 0
    kept = query(
        warehouse, "select count(*) from mouseflow.recordings where heart_rate is not null"
    )
    assert kept[0][0] > 10


@pytest.mark.parametrize(
    ("vendor", "field"), [("mouseflow", "created"), ("pagesense", "timestamp")]
)
def test_a_row_outside_its_window_is_named_and_the_window_refetched_next_run(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    vendor: str,
    field: str,
) -> None:
    site = MF_SHOP if vendor == "mouseflow" else PS_SHOP
    only(vendor, site, monkeypatch)
    endpoint = MF_RECORDINGS if vendor == "mouseflow" else PS_RECORDINGS
    fault = Fault("out-of-window", vendor=vendor, website_id=site, day="2026-03-02", field=field)
    fault.endpoint = endpoint
    sandbox.faults.add(fault)
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-02") == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "outside the window's day" in last and "row '" in last and "2026-03-02" in last
    count = f"select count(*) from {vendor}.recordings where day = '2026-03-02'"
    assert query(warehouse, count) == [(0,)]
    sandbox.faults.clear()
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-02") == 0
    assert query(warehouse, count)[0][0] > 0


@pytest.mark.slow
@pytest.mark.both_warehouses
def test_a_recording_that_moved_to_a_later_chunk_wins_and_its_old_day_is_refetched(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from pipelines.cli import main

    only("mouseflow", MF_SHOP, monkeypatch)
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    (moved,) = query(
        warehouse,
        "select min(id) from mouseflow.recordings where day = '2026-03-01'",
    )[0]
    # the vendor now files that recording under 3 March (in a later chunk than 2 March)
    sandbox.faults.add(
        Fault(
            "set-field",
            vendor="mouseflow",
            endpoint=MF_RECORDINGS,
            website_id=MF_SHOP,
            day="2026-03-03",
            value=moved,
        )
    )
    assert sync(warehouse, "--start", "2026-03-02", "--end", "2026-03-03") == 0
    assert f"recording {moved} came in the answer for 2026-03-03" in caplog.text
    assert "loaded under 2026-03-01 before; the newest answer wins" in caplog.text
    capsys.readouterr()
    copies = query(warehouse, f"select day::varchar from mouseflow.recordings where id = '{moved}'")
    assert copies == [("2026-03-03",)]  # one copy, the newest answer's; models built
    assert query(warehouse, "select count(*) > 0 from analytics.session_conversion") == [(True,)]
    assert (
        main(["status", "--warehouse", str(warehouse)]) == 3
    )  # the old day is a gap until refetched
    status = [
        line.split()
        for line in capsys.readouterr().out.splitlines()
        if " recordings " in f" {line} " and MF_SHOP in line
    ]
    assert status[0][-1] == "1"  # 1 March shows as a gap until it is fetched again
    sandbox.faults.clear()
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-03") == 0
    gaps = f"select count(*) from mouseflow.sync_windows where {GAP}"
    assert query(warehouse, gaps) == [(0,)]
