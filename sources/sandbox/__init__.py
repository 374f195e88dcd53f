"""The vendor sandbox: fake PageSense and Mouseflow APIs on 127.0.0.1 over one synthetic world.

with Sandbox() as sandbox:
    os.environ.update(sandbox.env())     # point pageflow at it
    sandbox.faults.add(Fault("429", probability=0.3))
    ...
    sandbox.requests.entries("mouseflow")  # every request it saw
    sandbox.mouseflow_app.truth(days)      # what a perfect sync must load
"""

from __future__ import annotations

from sources.sandbox.faults import Fault, FaultSet
from sources.sandbox.mouseflow_api import MouseflowApp
from sources.sandbox.pagesense_api import PageSenseApp
from sources.sandbox.server import RequestLog, SandboxServer
from sources.sandbox.world import World
from sources.sandbox.zoho import AccountsApp, RateWindow, TokenStore

__all__ = ["Fault", "Sandbox", "World"]

MOUSEFLOW_EMAIL = "demo@pageflow.invalid"
MOUSEFLOW_API_KEY = "sandbox-mouseflow-key"
PAGESENSE_CLIENT_ID = "1000.SANDBOXCLIENT"
PAGESENSE_CLIENT_SECRET = "sandbox-client-secret"
PAGESENSE_REFRESH_TOKEN = "1000.sandbox-refresh-token"
MOUSEFLOW_TIMEZONE = "Europe/Berlin"  # the account's zone: its days are Berlin days


class Sandbox:
    """Both fake vendors, started together, sharing one world, fault set and request log."""

    def __init__(
        self,
        world: World | None = None,
        *,
        mouseflow_timezone: str = MOUSEFLOW_TIMEZONE,
        mouseflow_email: str = MOUSEFLOW_EMAIL,
        mouseflow_api_key: str = MOUSEFLOW_API_KEY,
        mouseflow_max_limit: int = 5000,
        pagesense_credentials: tuple[str, str, str] = (
            PAGESENSE_CLIENT_ID,
            PAGESENSE_CLIENT_SECRET,
            PAGESENSE_REFRESH_TOKEN,
        ),
        pagesense_rate_limit: tuple[int, float] = (1000, 60.0),
        pagesense_token_calls: int | None = None,
        pagesense_max_limit: int = 200,
        pagesense_list_answers: bool = False,
        latency: float = 0.0,
        seed: int = 1,
    ) -> None:
        self.world = world or World()
        self.faults = FaultSet(seed)
        self.requests = RequestLog()
        self.mouseflow_timezone = mouseflow_timezone
        self.mouseflow_credentials = (mouseflow_email, mouseflow_api_key)
        self.mouseflow_app = MouseflowApp(
            self.world,
            mouseflow_timezone,
            mouseflow_email,
            mouseflow_api_key,
            max_limit=mouseflow_max_limit,
        )
        self.mouseflow = SandboxServer(self.mouseflow_app, self.faults, self.requests, latency)
        self.tokens = TokenStore(*pagesense_credentials, token_calls=pagesense_token_calls)
        self.rate = RateWindow(*pagesense_rate_limit)
        self.pagesense_app = PageSenseApp(
            self.world,
            self.tokens,
            self.rate,
            max_limit=pagesense_max_limit,
            list_answers=pagesense_list_answers,
        )
        self.pagesense = SandboxServer(self.pagesense_app, self.faults, self.requests, latency)
        self.accounts = SandboxServer(AccountsApp(self.tokens), self.faults, self.requests)
        self._servers = (self.mouseflow, self.pagesense, self.accounts)

    def start(self) -> Sandbox:
        for server in self._servers:
            server.start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment variables that point pageflow's configuration at this sandbox."""
        email, api_key = self.mouseflow_credentials
        return {
            "SOURCES__MOUSEFLOW__BASE_URL": self.mouseflow.url,
            "SOURCES__MOUSEFLOW__EMAIL": email,
            "SOURCES__MOUSEFLOW__API_KEY": api_key,
            "SOURCES__MOUSEFLOW__TIMEZONE": self.mouseflow_timezone,
            "SOURCES__PAGESENSE__BASE_URL": f"{self.pagesense.url}/api/v2",
            "SOURCES__PAGESENSE__ACCOUNTS_URL": self.accounts.url,
            "SOURCES__PAGESENSE__CLIENT_ID": self.tokens.client_id,
            "SOURCES__PAGESENSE__CLIENT_SECRET": self.tokens.client_secret,
            "SOURCES__PAGESENSE__REFRESH_TOKEN": self.tokens.refresh_token,
        }
