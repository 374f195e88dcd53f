"""Edges a vendor can reach: a slow answer, ids that are not path segments, tokens that
expire during retries. Each over real sockets against the sandbox."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.cli import exit_code
from sources.pagesense.client import PageSenseClient
from sources.pagesense.tokens import TokenManager
from sources.sandbox import Fault, Sandbox
from sources.shared.errors import VendorAPIError
from sources.shared.retry import RetryPolicy
from sources.shared.windows import yesterday
from tests.integration.conftest import query, sync, without

SHOP = "8fc2ace2-75bc-8ba4-b424-c8916670b990"
RECORDINGS = "/websites/{website_id}/recordings"


def mouseflow_only(monkeypatch: pytest.MonkeyPatch) -> None:
    without(monkeypatch, "pagesense")


def test_an_answer_dripping_a_few_bytes_a_second_ends_at_its_deadline(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without a whole-answer deadline httpx waits between bytes only: this answer (tens of
    kB at 8 bytes a second) would hold the sync for hours."""
    mouseflow_only(monkeypatch)
    day = yesterday("Europe/Berlin") - timedelta(days=1)
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", day.isoformat())
    monkeypatch.setenv("SOURCES__MOUSEFLOW__REQUEST_DEADLINE", "1")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RETRY_ATTEMPTS", "2")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__RETRY_BACKOFF", "0.01")
    sandbox.faults.add(
        Fault("drip", vendor="mouseflow", endpoint=RECORDINGS, website_id=SHOP, day=str(day))
    )
    began = time.monotonic()
    assert sync(warehouse, "--start", day.isoformat(), "--end", day.isoformat()) == 75
    assert time.monotonic() - began < 60  # hours without the deadline
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    for part in (SHOP, RECORDINGS, str(day), "within 1s", "gave up after 2 attempts"):
        assert part in last_line
    dripped = [e for e in sandbox.requests.entries("mouseflow", RECORDINGS) if e.fault == "drip"]
    assert len(dripped) == 2
    # the rest of the vendor went on: other websites' recordings of that day were loaded
    others = query(
        warehouse, f"select count(*) from mouseflow.recordings where website_id <> '{SHOP}'"
    )
    assert others[0][0] > 0


@pytest.mark.parametrize(
    ("bad", "named", "reason"),
    [
        # encoded as one segment: the vendor is asked for that website and says 404
        ("../../etc", "../../etc", "not found (HTTP 404)"),
        ("..", "'..'", "cannot be a URL path segment"),
        ("a\nb", "'a\\nb'", "cannot be a URL path segment"),
    ],
)
def test_a_website_id_that_is_no_path_segment_fails_alone(
    sandbox: Sandbox,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad: str,
    named: str,
    reason: str,
) -> None:
    """Ids from an answer go into URL paths as one percent-encoded segment each: no request
    leaves the API's paths, and one bad id fails its website alone."""
    mouseflow_only(monkeypatch)
    day = yesterday("Europe/Berlin")
    monkeypatch.setenv("SOURCES__MOUSEFLOW__START_DATE", day.isoformat())
    sandbox.faults.add(
        Fault("set-field", vendor="mouseflow", endpoint="/websites", field="id", value=bad)
    )
    assert sync(warehouse) == 1
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    assert named in last_line and reason in last_line
    prefix = sandbox.mouseflow_app.prefix
    paths = {e.path for e in sandbox.requests.entries("mouseflow")}
    assert all(path.startswith(f"{prefix}/websites") for path in paths), paths
    # every other website synced and was committed
    loaded = {
        r[0] for r in query(warehouse, "select distinct website_id from mouseflow.recordings")
    }
    listed = {r[0] for r in query(warehouse, "select id from mouseflow.websites")}
    assert loaded and loaded == listed and bad not in listed
    failed = query(warehouse, "select website_id, resource from mouseflow.sync_failures")
    assert failed == [(bad, "websites")]


PS_SHOP = "123456000000234567"  # America/New_York
PS_RECORDINGS = "/websites/{website_id}/recordings"


def pagesense_client(sandbox: Sandbox) -> PageSenseClient:
    tokens = TokenManager(
        sandbox.accounts.url,
        sandbox.tokens.client_id,
        sandbox.tokens.client_secret,
        sandbox.tokens.refresh_token,
    )
    policy = RetryPolicy(max_attempts=6, backoff_base=0.01)
    return PageSenseClient(f"{sandbox.pagesense.url}/api/v2", tokens, policy=policy)


def test_a_token_that_expires_again_during_retries_is_refreshed_not_rejected() -> None:
    """Tokens good for two calls; the recordings call fails three times: the token minted
    after the first 401 expires while the request retries, and a second 401 comes. That
    token had worked, so it is refreshed again: the credentials are fine."""
    with Sandbox(pagesense_token_calls=2) as sandbox:
        sandbox.faults.add(Fault("500", vendor="pagesense", endpoint=PS_RECORDINGS, times=3))
        client = pagesense_client(sandbox)
        try:
            assert client.websites()  # token A: one call of two
            rows, total = client.recordings(PS_SHOP, yesterday("America/New_York"))
        finally:
            client.close()
    statuses = [e.status for e in sandbox.requests.entries("pagesense", PS_RECORDINGS)]
    assert statuses.count(401) == 2  # A ran out, then B ran out during the retries
    assert statuses[-1] == 200 and rows.num_rows == total
    assert sandbox.tokens.token_requests == 3


def test_a_token_refused_the_moment_it_was_minted_means_the_credentials() -> None:
    with Sandbox() as sandbox:
        sandbox.tokens.use = lambda token: False  # type: ignore[method-assign]
        client = pagesense_client(sandbox)
        try:
            with pytest.raises(VendorAPIError) as caught:
                client.websites()
        finally:
            client.close()
    assert caught.value.credentials_rejected and exit_code(caught.value) == 78
    assert sandbox.tokens.token_requests == 1  # no refresh loop against Zoho's limit
