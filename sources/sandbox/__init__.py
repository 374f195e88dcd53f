"""The vendor sandbox: fake PageSense and Mouseflow APIs on 127.0.0.1 over one synthetic world.

with Sandbox() as sandbox:
    os.environ.update(sandbox.env())     # point pageflow at it
    sandbox.faults.add(Fault("429", probability=0.3))
    ...
    sandbox.requests.entries("mouseflow")  # every request it saw
    sandbox.mouseflow_app.truth(days)      # what a perfect sync must load
"""

from __future__ import annotations

from sources.sandbox.mouseflow_api import MouseflowApp
from sources.sandbox.server import Fault, FaultSet, RequestLog, SandboxServer
from sources.sandbox.world import World

__all__ = ["Fault", "Sandbox", "World"]

MOUSEFLOW_EMAIL = "demo@pageflow.invalid"
MOUSEFLOW_API_KEY = "sandbox-mouseflow-key"


class Sandbox:
    """Both fake vendors, started together, sharing one world, fault set and request log."""

    def __init__(
        self,
        world: World | None = None,
        *,
        mouseflow_timezone: str = "Europe/Berlin",
        mouseflow_email: str = MOUSEFLOW_EMAIL,
        mouseflow_api_key: str = MOUSEFLOW_API_KEY,
        mouseflow_max_limit: int = 5000,
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

    def start(self) -> Sandbox:
        self.mouseflow.start()
        return self

    def stop(self) -> None:
        self.mouseflow.stop()

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
        }
