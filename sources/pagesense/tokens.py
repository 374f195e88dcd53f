"""PageSense's OAuth access tokens: the refresh-token grant through the one HTTP layer."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson

from sources.pagesense import settings
from sources.pagesense.settings import VENDOR
from sources.shared.errors import ConfigurationError
from sources.shared.http import ApiClient, Call
from sources.shared.retry import RetryPolicy

log = logging.getLogger("pageflow.pagesense")

EXPIRY_MARGIN = 60.0  # refresh a minute early rather than send a token about to expire


class TokenManager:
    """Access tokens from the refresh-token grant: one at a time, reused until it expires.

    Zoho allows about 10 token requests per 10 minutes per refresh token, so a rejected
    refresh token is a configuration error at once, never a retry loop. Token values go
    only in the form body and the Authorization header, never in a URL or a message.
    """

    def __init__(
        self,
        accounts_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        attempts: int = 3,
        policy: RetryPolicy | None = None,
        cache: Path | None = None,
    ) -> None:
        self._form = {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        }
        self.accounts_url = accounts_url.rstrip("/")
        # the one HTTP layer: 5xx and unreachable hosts retried with backoff; never a 4xx,
        # which is Zoho's answer (a rejected grant, or too many token requests)
        self._http = ApiClient(
            VENDOR,
            self.accounts_url,
            policy=policy or RetryPolicy(max_attempts=attempts, max_total_wait=60.0),
            transport=transport,
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._proven = False  # the current token has been accepted at least once
        self.refreshes = 0
        # the cache is keyed by accounts server and client, never by a secret
        self._cache = cache
        self._cache_key = f"{self.accounts_url} {client_id}"
        self._load_cache()

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - EXPIRY_MARGIN:
                self._refresh()
            return {"Authorization": f"Zoho-oauthtoken {self._token}"}

    def invalidate(self, request: httpx.Request) -> bool:
        """A 401 for `request`: whether to retry it with a newer token.

        A token that is no longer the newest (another thread replaced it) or that has worked
        before (it expired, perhaps during a request's retries) is refreshed and the
        request retried; only the newest token refused before it ever worked - just minted
        and turned away at once - means the credentials themselves are refused."""
        used = _token_of(request)
        with self._lock:
            if used != self._token:
                return True
            if not self._proven:
                return False
            self._refresh()
            return True

    def accepted(self, request: httpx.Request) -> None:
        """An answer other than 401 for `request`: its token works."""
        if _token_of(request) == self._token:
            self._proven = True

    def close(self) -> None:
        self._http.close()

    def _refresh(self) -> None:
        call = Call(settings.TOKEN_PATH, settings.TOKEN_PATH)
        self._accept(
            call, self._http.post_form(call, self._form, answers=lambda status: status < 500)
        )

    def _load_cache(self) -> None:
        """A still-valid access token an earlier run kept (so restarts ask Zoho nothing)."""
        if self._cache is None:
            return
        try:
            kept = orjson.loads(self._cache.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return
        if not isinstance(kept, dict) or kept.get("key") != self._cache_key:
            return
        token, expires_at = kept.get("access_token"), kept.get("expires_at")
        fresh = isinstance(expires_at, int | float) and self._clock() < expires_at - EXPIRY_MARGIN
        if isinstance(token, str) and fresh:
            self._token, self._expires_at = token, float(expires_at)
            self._proven = True  # it was minted by an earlier run: refused now, it expired
            log.debug("pagesense: access token reused from an earlier run")

    def _save_cache(self) -> None:
        """Keep the access token for later runs: one 0600 file, replaced atomically."""
        if self._cache is None or self._token is None:
            return
        body = {"key": self._cache_key, "access_token": self._token}
        body["expires_at"] = self._expires_at
        tmp = self._cache.with_name(self._cache.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps(body))
            os.replace(tmp, self._cache)
        except OSError as exc:  # a run without the cache still works; it asks more often
            log.warning("pagesense: could not keep the access token (%s)", exc.strerror)

    def _accept(self, call: Call, response: httpx.Response) -> None:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = {}
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            error = body.get("error", "no access_token") if isinstance(body, dict) else "?"
            reason = body.get("error_description", "") if isinstance(body, dict) else ""
            throttled = "too many requests" in f"{error} {reason}".lower()
            if throttled or response.status_code == 429:
                raise call.error(
                    VENDOR,
                    f"the accounts server {self.accounts_url} refused a new access token: "
                    f"{error}: {reason} (Zoho allows about 10 token requests per 10 minutes; "
                    "the credentials are fine, try again later)",
                    status=response.status_code,
                    retryable=True,
                )
            raise ConfigurationError(
                f"pagesense: the accounts server {self.accounts_url} rejected the OAuth "
                f"credentials ({error}, HTTP {response.status_code}); check "
                "SOURCES__PAGESENSE__CLIENT_ID, __CLIENT_SECRET and __REFRESH_TOKEN and the "
                "data centre in SOURCES__PAGESENSE__ACCOUNTS_URL"
            )
        expires_in = body.get("expires_in", 3600)
        self._token = token
        self._proven = False
        self._expires_at = self._clock() + float(expires_in if expires_in else 3600)
        self.refreshes += 1
        self._save_cache()
        log.debug("pagesense: new access token (#%d)", self.refreshes)


def _token_of(request: httpx.Request) -> str:
    return request.headers.get("Authorization", "").removeprefix("Zoho-oauthtoken ")
