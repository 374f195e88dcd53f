"""Narrow unit tests of the HTTP layer's decisions (MockTransport); behaviour over real
sockets is covered in tests/integration."""

from __future__ import annotations

import logging
import signal

import httpx
import pytest

from pipelines.cli import exit_code
from sources.shared import errors as stop_errors
from sources.shared import stop
from sources.shared.errors import VendorAPIError
from sources.shared.http import ApiClient, Call
from sources.shared.retry import RetryPolicy, retry_after_seconds

CALL = Call(
    "/websites/{website_id}/recordings",
    "/websites/w1/recordings",
    {"fromdate": "2026-03-01"},
    website_id="w1",
    window="2026-03-01",
)


def client(handler, sleeps: list[float], **kwargs) -> ApiClient:
    policy = kwargs.pop("policy", RetryPolicy(max_attempts=4, backoff_base=0.1))
    return ApiClient(
        "mouseflow",
        "http://vendor.test",
        transport=httpx.MockTransport(handler),
        sleep=kwargs.pop("sleep", sleeps.append),
        policy=policy,
        seed=1,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("2", 2.0, id="seconds"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("1.5", 1.5, id="fraction"),
        pytest.param(None, None, id="absent"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("Wed, 21 Oct 2015 07:28:10 GMT", 10.0, id="http-date"),
    ],
)
def test_retry_after(header: str | None, expected: float | None) -> None:
    assert retry_after_seconds(header, now=1445412480.0) == expected


def test_retries_429_honouring_retry_after_then_succeeds() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "1.25"}),
            httpx.Response(503),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    sleeps: list[float] = []
    api = client(lambda request: next(answers), sleeps)
    assert api.get_json(CALL) == {"ok": 1}
    assert sleeps[0] == 1.25
    assert 0.05 <= sleeps[1] <= 0.2  # backoff with jitter for the 503's second attempt
    assert api.requests_sent == 3


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_not_retried(status: int) -> None:
    sleeps: list[float] = []
    api = client(lambda request: httpx.Response(status), sleeps)
    with pytest.raises(VendorAPIError) as caught:
        api.get_json(CALL)
    assert api.requests_sent == 1 and sleeps == []
    assert caught.value.status == status and not caught.value.retryable


def test_attempt_cap_gives_a_retryable_error_naming_the_window() -> None:
    sleeps: list[float] = []
    api = client(lambda request: httpx.Response(500), sleeps)
    with pytest.raises(VendorAPIError) as caught:
        api.get_json(CALL)
    err = caught.value
    assert api.requests_sent == 4 and len(sleeps) == 3
    assert err.retryable and exit_code(err) == 75
    text = str(err)
    for part in ("mouseflow", "w1", "/websites/{website_id}/recordings", "2026-03-01", "500"):
        assert part in text


def test_total_wait_budget_stops_retries() -> None:
    sleeps: list[float] = []
    api = client(
        lambda request: httpx.Response(429, headers={"Retry-After": "5"}),
        sleeps,
        policy=RetryPolicy(max_attempts=10, max_total_wait=12),
    )
    with pytest.raises(VendorAPIError, match="budget"):
        api.get_json(CALL)
    assert sleeps == [5.0, 5.0]


def test_unauthorized_calls_the_refresh_hook_once() -> None:
    refreshes: list[int] = []
    answers = iter([httpx.Response(401), httpx.Response(401)])
    api = client(
        lambda request: next(answers), [], on_unauthorized=lambda request: refreshes.append(1)
    )
    with pytest.raises(VendorAPIError) as caught:
        api.get_json(CALL)
    assert refreshes == [1] and caught.value.status == 401 and exit_code(caught.value) == 78


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        pytest.param(
            httpx.Response(200, content=b'{"recordings": [{"id"'), "malformed JSON", id="truncated"
        ),
        pytest.param(
            httpx.Response(
                200, content=b"<html>busy</html>", headers={"Content-Type": "text/html"}
            ),
            "HTML",
            id="html",
        ),
    ],
)
def test_bad_bodies_are_errors(response: httpx.Response, reason: str) -> None:
    api = client(lambda request: response, [])
    with pytest.raises(VendorAPIError, match=reason):
        api.get_json(CALL)


def test_connection_errors_are_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("reset by peer")
        return httpx.Response(200, json=[])

    assert client(handler, []).get_json(CALL) == []
    assert len(calls) == 2


def test_after_a_stop_request_no_retry_is_announced(caplog: pytest.LogCaptureFixture) -> None:
    """A fetch thread that finds the vendor unreachable after the stop flag went up must not
    print a retry warning below the CLI's stop line."""

    def unreachable(request: httpx.Request) -> httpx.Response:
        stop.request(signal.SIGTERM)  # the signal arrives while the call is in flight
        raise httpx.ConnectError("refused", request=request)

    api = client(unreachable, [], sleep=stop.sleep)
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(stop_errors.Stopped):
            api.get_json(CALL)
    finally:
        stop._flag.clear()
        stop._signal = None
    assert "retrying" not in caplog.text
