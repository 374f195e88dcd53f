"""The one HTTP layer both vendors use: timeouts, retries, backoff, Retry-After, pacing, errors.

Every failure leaves here as a `VendorAPIError` that names vendor, website, endpoint, window
and status, and never a secret: messages are built from the endpoint template and the
window, never from headers or full URLs.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote

import httpx

from sources.shared import stop
from sources.shared.errors import AnswerTooSlow, RowShapeError, VendorAPIError
from sources.shared.retry import RetryPolicy, WaitBudget, retry_after_seconds
from sources.shared.shapes import parse_json

log = logging.getLogger("pageflow.http")

# httpx logs every full URL at INFO; keep it (and httpcore's wire log) out of our logs,
# whoever configures logging (the CLI, a test, a notebook): the one place this is said.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

Item = TypeVar("Item")
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Call:
    """One logical request: what to fetch and how to name it in errors."""

    endpoint: str  # the template, e.g. /websites/{id}/recordings: safe to print
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    website_id: str | None = None
    window: str | None = None

    def error(self, vendor: str, reason: str, **kwargs: Any) -> VendorAPIError:
        return VendorAPIError(
            vendor, self.endpoint, reason, website_id=self.website_id, window=self.window, **kwargs
        )

    @classmethod
    def to(
        cls,
        vendor: str,
        endpoint: str,
        params: dict[str, Any] | None = None,
        *,
        website_id: str | None = None,
        window: str | None = None,
        **ids: str,
    ) -> Call:
        """The call of `endpoint` with its `{...}` ids filled in, each one path segment
        (percent-encoded, so `a/b` stays one segment and `../x` names no other path); an id
        that cannot be a segment is this call's error, naming it."""
        named = Call(endpoint, endpoint, params or {}, website_id, window)
        values = {"website_id": website_id, **ids} if website_id is not None else ids
        try:
            path = endpoint.format(**{k: path_segment(v) for k, v in values.items()})
        except RowShapeError as exc:
            raise named.error(vendor, f"unexpected answer: {exc}", status=200) from None
        return Call(endpoint, path, params or {}, website_id, window)


def path_segment(value: object) -> str:
    """`value` as one URL path segment; `RowShapeError` when it cannot be one."""
    text = str(value)
    if text in ("", ".", "..") or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise RowShapeError(f"id {text!r} cannot be a URL path segment")
    return quote(text, safe="")


def is_path_segment(value: object) -> bool:
    try:
        path_segment(value)
    except RowShapeError:
        return False
    return True


@dataclass(frozen=True)
class WindowList(Generic[Item]):
    """One window's complete list and what the vendor said it holds. `Item` is a row (a
    dict) for callers; paging code collects one item per page (a list of dicts or an Arrow
    table) and flattens it."""

    rows: list[Item]
    expected: int | None  # None: the vendor claimed nothing (a list without pagination)


class Pacer(Protocol):
    """Spaces requests of one vendor account; shared by every thread of that account."""

    def acquire(self) -> None: ...

    def observe(self, response: httpx.Response) -> None: ...

    def release(self) -> None: ...

    def retry_delay(self, response: httpx.Response) -> float | None: ...


class NoPacer:
    """No pacing: for vendors whose limits show only as 429s."""

    def acquire(self) -> None:
        return None

    def observe(self, response: httpx.Response) -> None:
        return None

    def release(self) -> None:
        return None

    def retry_delay(self, response: httpx.Response) -> float | None:
        return None


class ApiClient:
    """A vendor's JSON API over httpx with retries; thread-safe, one per vendor account."""

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Callable[[], dict[str, str]] | None = None,
        on_unauthorized: Callable[[httpx.Request], bool] | None = None,
        on_authorized: Callable[[httpx.Request], None] | None = None,
        auth_hint: str = "",
        policy: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = stop.sleep,
        seed: int | None = None,
        max_connections: int = 16,
    ) -> None:
        self.vendor = vendor
        self.policy = policy or RetryPolicy()
        self.pacer: Pacer = pacer or NoPacer()
        self.budget = WaitBudget(self.policy.max_total_wait)
        self._headers = headers
        # a 401 for a request: True when it is worth retrying (a token refreshed), False
        # when the credentials themselves were refused
        self._on_unauthorized = on_unauthorized
        self._on_authorized = on_authorized  # any other answer: the token was accepted
        self._auth_hint = auth_hint  # what to check when the vendor answers 401/403
        self.host = httpx.URL(base_url).netloc.decode() or base_url
        self._warned_unreachable = False
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.requests_sent = 0
        self._count_lock = threading.Lock()
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=auth,
            timeout=self.policy.timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections),
            headers={"Accept": "application/json", "User-Agent": "pageflow"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, call: Call) -> Any:
        """The decoded JSON answer to `call`, retried as the policy allows."""
        body = self.get_bytes(call)
        try:
            return parse_json(body)
        except RowShapeError as exc:
            raise call.error(self.vendor, str(exc), status=200) from None

    def get_bytes(self, call: Call) -> bytes:
        """The raw JSON body of a 200 answer to `call`, retried as the policy allows."""
        return self._decode(call, self._exchange(call, None, lambda status: status == 200))

    def post_form(
        self, call: Call, form: dict[str, str], answers: Callable[[int], bool]
    ) -> httpx.Response:
        """POST `form` (never logged or named in an error) to `call`'s path; a response whose
        status `answers` accepts is returned for the caller to read, others are retried or
        raised like a GET's (OAuth token grants: their 4xx bodies say why)."""
        return self._exchange(call, form, answers)

    def _exchange(
        self, call: Call, form: dict[str, str] | None, final: Callable[[int], bool]
    ) -> httpx.Response:
        refreshes = 0
        failures = throttled = 0
        began = time.monotonic()
        while True:
            self.pacer.acquire()
            try:
                response = self._send(call, form)
            except AnswerTooSlow:
                self.pacer.release()
                reason = f"{self.host} did not finish its answer within {self.policy.deadline:g}s"
                status, delay_hint = None, None
            except httpx.TimeoutException:
                self.pacer.release()
                reason, status, delay_hint = f"{self.host} timed out", None, None
            except httpx.TransportError as exc:
                self.pacer.release()
                reason = f"connection to {self.host} failed ({type(exc).__name__})"
                status, delay_hint = None, None
                self._warn_unreachable(reason)
            else:
                self.pacer.observe(response)
                status = response.status_code
                if status != 401 and self._on_authorized is not None:
                    self._on_authorized(response.request)
                if final(status):
                    return response
                retry_with_new_token = (
                    status == 401
                    and self._on_unauthorized is not None
                    and self._on_unauthorized(response.request)
                )
                if retry_with_new_token:
                    refreshes += 1
                    if refreshes == 1:
                        continue  # a token that expired is not a failed attempt
                if status not in RETRYABLE_STATUS and not retry_with_new_token:
                    hint = (
                        f"; {self._auth_hint}" if status in (401, 403) and self._auth_hint else ""
                    )
                    raise call.error(self.vendor, _status_reason(status) + hint, status=status)
                reason = _status_reason(status)
                if retry_with_new_token:
                    reason = "the access token expired again while retrying"
                delay_hint = retry_after_seconds(response.headers.get("Retry-After"))
                if delay_hint is None and status == 429:
                    delay_hint = self.pacer.retry_delay(response)
            # A 429 that says when to come back is the vendor pacing us, not a failure:
            # it has its own, larger cap; everything else counts against max_attempts.
            if status == 429 and delay_hint is not None:
                throttled += 1
            else:
                failures += 1
            attempts = failures + throttled
            if failures >= self.policy.max_attempts or throttled >= self.policy.max_throttled:
                raise call.error(
                    self.vendor,
                    f"{reason}; gave up after {attempts} attempts "
                    f"in {time.monotonic() - began:.0f}s",
                    status=status,
                    retryable=True,
                )
            delay = delay_hint if delay_hint is not None else self._backoff(max(failures, 1))
            if not self.budget.take(delay):
                raise call.error(
                    self.vendor,
                    f"{reason}; the run's retry waiting budget "
                    f"({self.policy.max_total_wait:.0f}s) is spent",
                    status=status,
                    retryable=True,
                )
            log.debug(
                "%s %s %s: %s, retry %d in %.2fs",
                self.vendor,
                call.endpoint,
                call.window or "",
                reason,
                attempts,
                delay,
            )
            self._sleep(delay)

    def _warn_unreachable(self, reason: str) -> None:
        """Say once that the vendor cannot be reached: retries may take a while. Not after
        a stop request: no retry follows, and the stop line must stay the last line."""
        if stop.requested():
            return
        if not self._warned_unreachable:
            self._warned_unreachable = True
            log.warning(
                "%s: %s; retrying (%d attempts at most)",
                self.vendor,
                reason,
                self.policy.max_attempts,
            )

    def _send(self, call: Call, form: dict[str, str] | None) -> httpx.Response:
        stop.check()  # no new call once a stop is requested
        with self._count_lock:
            self.requests_sent += 1
        headers = self._headers() if self._headers is not None else None
        method = "GET" if form is None else "POST"
        request = self._http.build_request(
            method, call.path, params=call.params, data=form, headers=headers
        )
        ends = time.monotonic() + self.policy.deadline
        streamed = self._http.send(request, stream=True)
        if streamed.is_stream_consumed:
            return streamed  # read already (an in-memory transport's answer)
        try:
            chunks = []
            for chunk in streamed.iter_raw():
                chunks.append(chunk)
                if time.monotonic() > ends:
                    raise AnswerTooSlow()
        finally:
            streamed.close()
        # the whole answer, as the vendor sent it (still encoded): read like any response
        response = httpx.Response(
            streamed.status_code,
            headers=streamed.headers,
            content=b"".join(chunks),
            request=request,
        )
        response.read()
        return response

    def _backoff(self, attempt: int) -> float:
        with self._rng_lock:
            return self.policy.backoff(attempt, self._rng)

    def _decode(self, call: Call, response: httpx.Response) -> bytes:
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower():
            raise call.error(self.vendor, "answered HTML instead of JSON", status=200)
        return response.content


def _status_reason(status: int) -> str:
    return {
        400: "bad request",
        401: "unauthorized: credentials rejected",
        403: "forbidden: no access",
        404: "not found",
        429: "rate limited",
        500: "server error",
        502: "bad gateway",
        503: "service unavailable",
        504: "gateway timeout",
    }.get(status, f"unexpected status {status}")
