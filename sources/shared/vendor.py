"""A vendor as the run loop sees it, and what a vendor package registers.

Each name in `pipelines.VENDORS` is a package `sources/<name>/` whose `vendor` module holds a
`REGISTRATION`: how to read its settings, build its `Vendor`, name its credentials, and what
the models need from its settings. Nothing outside that package knows a vendor's details.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from dlt.extract.source import DltSource

from sources.shared.declare import Fetched, Resource
from sources.shared.errors import ConfigurationError, VendorAPIError
from sources.shared.http import is_path_segment
from sources.shared.resources import Chunk
from sources.shared.retry import RetryPolicy
from sources.shared.settings import SyncTuning
from sources.shared.windows import Window


@dataclass(frozen=True)
class Website:
    website_id: str
    timezone: str
    detail: dict[str, Any] = field(compare=False, repr=False)


class Vendor(Protocol):
    """A configured vendor account, ready to sync. Any method may be called first: each
    loads what it needs (a vendor's websites, say) once and keeps it."""

    name: str
    resources: Sequence[str]  # windowed resources, in the order a chunk fetches them
    start_date: date
    lookback_days: int
    tuning: SyncTuning

    def websites(self) -> list[Website]:
        """The websites to sync; ones the vendor listed but pageflow cannot call (an id
        that is no URL path segment) are left out and named in `rejected`."""
        ...

    @property
    def rejected(self) -> list[VendorAPIError]:
        """Websites left out by `websites()`, each as the error that names it."""
        ...

    @property
    def rate_limited_seconds(self) -> float:
        """Wall-clock seconds calls waited for the vendor's published rate-limit window."""
        ...

    @property
    def calls_made(self) -> int:
        """API requests sent so far (retries included; token grants not): `check` counts
        what one website-day costs."""
        ...

    def fetch(self, window: Window) -> Fetched: ...

    def source(self, chunk: Chunk) -> DltSource:
        """The dlt source that loads `chunk` (one `pipeline.run()`)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SettingsTable:
    """A table of settings the models read as `raw.<name>` (e.g. conversion tags)."""

    columns: str  # a DuckDB column list, e.g. "tag varchar"
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class ModelSettings:
    """What the SQL models need from a vendor's settings."""

    lookback_days: int
    tables: dict[str, SettingsTable] = field(default_factory=dict)


@dataclass(frozen=True)
class Registration:
    """Everything pageflow needs to know to sync and model one vendor."""

    name: str  # the dlt schema, dataset and `raw.<name>__*` prefix; `--vendor <name>`
    label: str  # how reports and charts name it
    credentials: str  # the settings a user sets, for messages when they are missing
    resources: tuple[Resource, ...]  # its windowed resources, declared once each
    # the vendor ready to sync, or None without credentials; the arguments: the folder
    # beside the warehouse, where the vendor may keep files between runs (0700), and a
    # retry policy that replaces the configured one (`pageflow check`'s quick test)
    configured: Callable[[Path | None, RetryPolicy | None], Vendor | None]
    model_settings: Callable[[], ModelSettings]
    # the resources its settings choose (no credentials needed): `status`, `check`
    selected: Callable[[], tuple[str, ...]]

    @property
    def windowed_resources(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.resources)

    def resource(self, name: str) -> Resource:
        """The declaration of one of its resources."""
        return next(r for r in self.resources if r.name == name)


def callable_websites(
    vendor: str, endpoint: str, ids: list[str]
) -> tuple[list[str], list[VendorAPIError]]:
    """The ids that can go into a URL path, and an error naming each one that cannot: such
    a website fails alone, and the rest of the vendor goes on."""
    good, bad = [], []
    for website_id in ids:
        if is_path_segment(website_id):
            good.append(website_id)
        else:
            reason = f"unexpected answer: website id {website_id!r} cannot be a URL path segment"
            bad.append(VendorAPIError(vendor, endpoint, reason, website_id=website_id, status=200))
    return good, bad


def chosen_websites(vendor: str, listed: list[str], configured: list[str]) -> list[str]:
    """The configured website ids (default: every listed one); unknown ones are an error."""
    unknown = sorted(set(configured) - set(listed))
    if unknown:
        raise ConfigurationError(
            f"{vendor}: SOURCES__{vendor.upper()}__WEBSITE_IDS names websites this account "
            f"does not have: {', '.join(unknown)}"
        )
    return configured or listed
