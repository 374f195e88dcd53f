"""The Zoho side of the fake PageSense: the accounts server (OAuth refresh-token grant),
issued access tokens that expire, and the fixed-window call budget behind X-RateLimit-*."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sources.sandbox.server import Answer, Request


@dataclass
class TokenStore:
    """Issued access tokens, shared by the accounts server and the API."""

    client_id: str
    client_secret: str
    refresh_token: str
    token_calls: int | None = None  # expire a token after this many API calls
    token_seconds: float = 3600.0
    token_requests: int = 0
    _tokens: dict[str, list[float]] = field(default_factory=dict)  # token -> [calls, expiry]
    _recent: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, form: dict[str, str]) -> Answer:
        with self._lock:
            self.token_requests += 1
            now = time.time()
            self._recent = [t for t in self._recent if t > now - 600] + [now]
            if len(self._recent) > 10:
                return Answer(
                    400,
                    {
                        "error": "Access Denied",
                        "error_description": "You have made too many requests continuously.",
                    },
                )
            if (
                form.get("grant_type") != "refresh_token"
                or form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret
                or form.get("refresh_token") != self.refresh_token
            ):
                return Answer(200, {"error": "invalid_code"})  # Zoho answers 200 here
            token = f"1000.{secrets.token_hex(16)}"
            self._tokens[token] = [float(self.token_calls or 10**9), now + self.token_seconds]
            return Answer(
                200,
                {
                    "access_token": token,
                    "api_domain": "https://www.zohoapis.com",
                    "token_type": "Bearer",
                    "expires_in": int(self.token_seconds),
                },
            )

    def exhaust(self) -> None:
        """As if ten token requests had just been made: the next one is refused."""
        with self._lock:
            self._recent = [time.time()] * 10

    def use(self, token: str) -> bool:
        with self._lock:
            state = self._tokens.get(token)
            if state is None or state[0] <= 0 or state[1] <= time.time():
                return False
            state[0] -= 1
            return True


class AccountsApp:
    """Zoho's accounts server: only the refresh-token grant."""

    vendor = "zoho-accounts"
    prefix = ""

    def __init__(self, tokens: TokenStore) -> None:
        self.tokens = tokens

    def routes(self) -> list[tuple[str, Any]]:
        return [("/oauth/v2/token", lambda request: self.tokens.issue(request.params))]

    def authorize(self, request: Request) -> Answer | None:
        return None  # the credentials are checked by the grant itself

    def window_day(self, request: Request) -> str | None:
        return None

    def decorate(self, request: Request, answer: Answer) -> None:
        return None


class RateWindow:
    """A fixed-window call budget: `limit` calls per `seconds`, aligned to the epoch."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._window = -1
        self._count = 0
        self._lock = threading.Lock()
        self.rejected = 0

    def take(self) -> tuple[bool, int, int]:
        with self._lock:
            now = time.time()
            window = int(now // self.seconds)
            if window != self._window:
                self._window, self._count = window, 0
            self._count += 1
            allowed = self._count <= self.limit
            if not allowed:
                self.rejected += 1
            reset = int((window + 1) * self.seconds)
            return allowed, max(0, self.limit - self._count), reset
