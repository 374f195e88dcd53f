"""Edges a vendor can reach: a slow answer, ids that are not path segments, tokens that
expire during retries. Each over real sockets against the sandbox."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from sources.sandbox import Fault, Sandbox
from sources.shared.windows import yesterday
from tests.integration.conftest import query, sync

SHOP = "8fc2ace2-75bc-8ba4-b424-c8916670b990"
RECORDINGS = "/websites/{website_id}/recordings"


def mouseflow_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCES__PAGESENSE__CLIENT_ID", raising=False)


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
