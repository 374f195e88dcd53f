"""The PageSense sync against the sandbox over real sockets: OAuth, pacing, paging, truth."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pytest

from sources.sandbox import Sandbox
from sources.shared.windows import days_between, yesterday
from tests.integration.conftest import (
    assert_matches_truth,
    busy_world,
    expected_pagesense,
    loaded_pagesense,
    query,
    sync,
    without,
)

SHOP = "123456000000234567"  # America/New_York
BLOG = "123456000000765432"  # Europe/Berlin


def api_calls(sandbox: Sandbox) -> list:
    return sandbox.requests.entries("pagesense")


def use(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)


def test_backfill_across_dst_and_a_many_page_day_loads_exactly_the_truth(
    sandbox: Sandbox, warehouse: Path
) -> None:
    # New York springs forward on 03-08, Berlin on 03-29; the shop's 03-28 has ~1,100
    # recordings, six pages of 200.
    assert (
        sync(warehouse, "--vendor", "pagesense", "--start", "2026-03-07", "--end", "2026-03-09")
        == 0
    )
    assert (
        sync(warehouse, "--vendor", "pagesense", "--start", "2026-03-27", "--end", "2026-03-29")
        == 0
    )
    days = days_between(date(2026, 3, 7), date(2026, 3, 9)) + days_between(
        date(2026, 3, 27), date(2026, 3, 29)
    )
    truth = expected_pagesense(sandbox, days)
    assert_matches_truth(loaded_pagesense(warehouse), truth)
    pages = [
        e
        for e in api_calls(sandbox)
        if e.endpoint == "/websites/{website_id}/recordings"
        and e.website_id == SHOP
        and e.day == "2026-03-28"
    ]
    assert len(pages) >= 5 and all(e.params["limit"] == "200" for e in pages)
    # PageSense's to_date is inclusive: every window asks for one day, from == to
    assert all(
        e.params["from_date"] == e.params["to_date"]
        for e in api_calls(sandbox)
        if "from_date" in e.params
    )


def test_expiring_tokens_cost_one_refresh_each_and_lose_nothing(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox(busy_world(), pagesense_token_calls=30) as sandbox:
        use(sandbox, monkeypatch)
        assert (
            sync(warehouse, "--vendor", "pagesense", "--start", "2026-03-01", "--end", "2026-03-03")
            == 0
        )
        ok = [e for e in api_calls(sandbox) if e.status == 200]
        unauthorized = [e for e in api_calls(sandbox) if e.status == 401]
        assert len(ok) > 60  # two tokens and more
        assert sandbox.tokens.token_requests == math.ceil(len(ok) / 30)
        assert len(unauthorized) >= sandbox.tokens.token_requests - 1
        days = days_between(date(2026, 3, 1), date(2026, 3, 3))
        assert_matches_truth(loaded_pagesense(warehouse), expected_pagesense(sandbox, days))


def test_pacing_under_100_calls_a_minute_receives_no_429(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox(busy_world(), pagesense_rate_limit=(100, 60.0)) as sandbox:
        use(sandbox, monkeypatch)
        monkeypatch.setenv("SOURCES__PAGESENSE__WEBSITE_IDS", f'["{SHOP}"]')
        # 5 definition calls + 13 calls per day x 8 days: more than one minute's budget
        assert (
            sync(warehouse, "--vendor", "pagesense", "--start", "2026-03-01", "--end", "2026-03-08")
            == 0
        )
        calls = api_calls(sandbox)
        assert len(calls) > 100
        assert sandbox.rate.rejected == 0
        assert not [e for e in calls if e.status == 429]


def test_a_rejected_refresh_token_fails_at_once_with_one_token_request(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOURCES__PAGESENSE__REFRESH_TOKEN", "1000.revoked")
    assert sync(warehouse, "--vendor", "pagesense") == 78
    assert sandbox.tokens.token_requests == 1  # the sandbox's tokens last an hour
    assert api_calls(sandbox) == []
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "pagesense" in last and "rejected the OAuth credentials" in last
    assert "1000.revoked" not in last


def test_incremental_rerun_asks_only_for_the_lookback(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = yesterday("Europe/Berlin") - timedelta(days=4)
    monkeypatch.setenv("SOURCES__PAGESENSE__START_DATE", start.isoformat())
    assert sync(warehouse, "--vendor", "pagesense") == 0
    first = loaded_pagesense(warehouse)
    sandbox.requests.clear()
    assert sync(warehouse, "--vendor", "pagesense") == 0
    assert loaded_pagesense(warehouse) == first
    for site, tz in ((SHOP, "America/New_York"), (BLOG, "Europe/Berlin")):
        last = yesterday(tz)
        asked = {e.day for e in api_calls(sandbox) if e.website_id == site and e.day}
        assert asked == {(last - timedelta(days=n)).isoformat() for n in range(3)}


def test_back_to_back_runs_reuse_the_access_token(
    sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without(monkeypatch, "mouseflow")
    # four runs: one token request each would be four (Zoho refuses an eleventh in ten
    # minutes, so a crash loop asking every run would soon be locked out)
    for _ in range(4):
        assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    assert sandbox.tokens.token_requests == 1  # the sandbox's tokens last an hour
    kept = warehouse.with_name(warehouse.name + ".pageflow") / "pagesense-token.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    text = kept.read_text()
    assert sandbox.tokens.refresh_token not in text and sandbox.tokens.client_secret not in text


def test_a_throttled_token_endpoint_is_exit_75_with_zohos_reason(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    without(monkeypatch, "mouseflow")
    sandbox.tokens.exhaust()
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 75
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "You have made too many requests continuously" in last
    assert "rejected the OAuth credentials" not in last


def test_the_token_endpoint_goes_through_the_http_layer_retrying_5xx_and_naming_an_outage(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sources.sandbox import Fault

    without(monkeypatch, "mouseflow")
    token = "/oauth/v2/token"
    sandbox.faults.add(Fault("503", vendor="zoho-accounts", endpoint=token, times=2))
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 0
    asked = [e.status for e in sandbox.requests.entries("zoho-accounts")]
    assert asked == [503, 503, 200] and sandbox.tokens.token_requests == 1

    (warehouse.with_name(warehouse.name + ".pageflow") / "pagesense-token.json").unlink()
    sandbox.requests.clear()
    sandbox.faults.add(Fault("500", vendor="zoho-accounts", endpoint=token))
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-01") == 75
    assert len(sandbox.requests.entries("zoho-accounts")) == 3  # the attempts, no more
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "pagesense" in last and token in last and "gave up after 3 attempts" in last
    assert sandbox.tokens.refresh_token not in last


@pytest.mark.parametrize("list_answers", [False, True], ids=["object", "paged-list"])
def test_goal_conversions_and_test_results_are_read_in_either_shape(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, list_answers: bool
) -> None:
    with Sandbox(pagesense_list_answers=list_answers) as sandbox:
        use(sandbox, monkeypatch)
        without(monkeypatch, "mouseflow")
        assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-02") == 0
        shapes = {
            e.endpoint: e.status for e in api_calls(sandbox) if e.endpoint.endswith("results")
        }
        days = days_between(date(2026, 3, 1), date(2026, 3, 2))
        truth = expected_pagesense(sandbox, days)
    assert shapes and set(shapes.values()) == {200}
    loaded = loaded_pagesense(warehouse)
    for table in ("goal_conversions", "test_results"):
        assert truth[table] and loaded[table] == truth[table], table


def test_a_poisoned_heatmaps_day_stops_only_heatmaps_of_that_website(
    sandbox: Sandbox,
    warehouse: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pipelines.cli import main
    from sources.sandbox import Fault

    heatmaps = "/websites/{website_id}/heatmaps"
    sandbox.faults.add(
        Fault("malformed", vendor="pagesense", endpoint=heatmaps, website_id=SHOP, day="2026-03-02")
    )
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-03") == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "pagesense" in last and heatmaps in last and "2026-03-02" in last and SHOP in last
    days = days_between(date(2026, 3, 1), date(2026, 3, 3))
    truth, loaded = expected_pagesense(sandbox, days), loaded_pagesense(warehouse)
    for table, expected in truth.items():
        if table != "heatmaps":
            assert loaded[table] == expected, table  # every other resource: exact
    shop_heatmap_days = {key[1] for key in loaded["heatmaps"] if key[0] == SHOP}
    assert shop_heatmap_days == {date(2026, 3, 1)}  # stopped at the poisoned day
    blog = {k: v for k, v in truth["heatmaps"].items() if k[0] == BLOG}
    assert {k: v for k, v in loaded["heatmaps"].items() if k[0] == BLOG} == blog
    assert (
        main(["status", "--warehouse", str(warehouse)]) == 3
    )  # failures in the last run: an alert
    out = capsys.readouterr().out
    assert "failed in the last run" in out and "heatmaps" in out.split("failed in")[1]
    sandbox.faults.clear()
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-03") == 0
    assert_matches_truth(loaded_pagesense(warehouse), truth)
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    assert "failed in the last run" not in capsys.readouterr().out


def test_the_audit_checks_vendor_claims_and_finds_a_funnel_that_does_not_add_up(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pipelines.cli import main
    from pipelines.ledger.windows import GAP
    from sources.sandbox import Fault

    without(monkeypatch, "mouseflow")
    funnel_data = "/websites/{website_id}/funnels/{funnel_id}/data"
    sandbox.faults.add(
        Fault(
            "set-field",
            vendor="pagesense",
            endpoint=funnel_data,
            website_id=SHOP,
            day="2026-03-02",
            field="visitors",
            value=99_999,
        )
    )
    assert sync(warehouse, "--start", "2026-03-01", "--end", "2026-03-02") == 0
    audit = dict(
        (row[0], row[1:])
        for row in query(
            warehouse,
            f"select resource, claim, count(*) filter (where {GAP}) "
            f"from pagesense.sync_windows where website_id = '{SHOP}' group by all",
        )
    )
    assert audit["funnel_steps"] == ("funnel total_visitors", 1)  # step 1 != the claim
    assert audit["recordings"] == ("pagination.total", 0)
    assert audit["reports"] == ("totals.visitors", 0)
    assert audit["forms"] == (None, 0)  # the vendor claims nothing: unchecked
    capsys.readouterr()
    assert (
        main(["status", "--warehouse", str(warehouse)]) == 3
    )  # the funnel that does not add up is a gap
    lines = {
        line.split()[3]: line.split()  # vendor, website, site, resource
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("pagesense") and SHOP in line
    }
    assert lines["funnel_steps"][-1] == "1" and lines["funnel_steps"][-2] == "2"
    assert lines["forms"][-2] == "0"  # checked: none of its days


def test_a_vendor_answers_whichever_method_is_called_first(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No method-order trap: `fetch` before `websites` still knows the definitions."""
    from pipelines.vendors import configured_vendor
    from sources.shared.windows import Window

    day = date(2026, 3, 2)
    answers = {}
    for first_websites in (False, True):
        vendor = configured_vendor("pagesense")
        assert vendor is not None
        try:
            if first_websites:
                assert {w.website_id for w in vendor.websites()} == {SHOP, BLOG}
            answers[first_websites] = {
                resource: vendor.fetch(Window(SHOP, resource, day))[1].rows
                for resource in ("funnel_steps", "forms", "goal_conversions", "test_results")
            }
        finally:
            vendor.close()
    assert answers[False] == answers[True]
    assert all(rows > 0 for rows in answers[False].values()), answers
