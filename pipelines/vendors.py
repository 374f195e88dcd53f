"""Each vendor as the run loop sees it: its websites with time zones, its resources, its source.

Adding a vendor means one class here with the same four members; the run loop does the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from dlt.extract.source import DltSource

from pipelines import VENDORS
from pipelines.config import (
    MouseflowSettings,
    PageSenseSettings,
    SyncTuning,
    mouseflow_settings,
    pagesense_settings,
)
from sources._http import ConfigurationError, VendorAPIError
from sources._pacing import RateLimitPacer
from sources._resources import Failures, Fetched, Results
from sources._windows import Window, check_timezone
from sources.mouseflow import MouseflowClient, mouseflow_fetchers, mouseflow_source
from sources.mouseflow import settings as mf
from sources.pagesense import (
    PageSenseClient,
    TokenManager,
    fetch_definitions,
    pagesense_fetchers,
    pagesense_source,
)
from sources.pagesense import settings as ps

log = logging.getLogger("pageflow.sync")
TOKEN_FILE = "pagesense-token.json"  # the access token between runs (0600), nothing else


@dataclass(frozen=True)
class Website:
    website_id: str
    timezone: str
    detail: dict[str, Any] = field(compare=False, repr=False)


class Vendor(Protocol):
    name: str
    resources: Sequence[str]
    start_date: date
    lookback_days: int
    tuning: SyncTuning

    def websites(self) -> list[Website]: ...

    @property
    def rate_limited_seconds(self) -> float:
        """Wall-clock seconds calls waited for the vendor's published rate-limit window."""
        ...

    def fetch(self, window: Window) -> Fetched: ...

    def source(
        self,
        windows: Sequence[Window],
        websites: Sequence[Website] | None = None,
        move_positions: bool = True,
        results: Results | None = None,
        failures: Failures | None = None,
    ) -> DltSource: ...

    def close(self) -> None: ...


class MouseflowVendor:
    name = mf.VENDOR
    resources = mf.WINDOWED_RESOURCES

    def __init__(self, cfg: MouseflowSettings) -> None:
        assert cfg.email and cfg.api_key
        self.cfg = cfg
        self.start_date = cfg.start_date
        self.lookback_days = cfg.lookback_days
        self.tuning = cfg.tuning
        self.client = MouseflowClient(
            cfg.base_url,
            cfg.email,
            cfg.api_key,
            page_size=cfg.page_size,
            policy=cfg.tuning.policy(),
            max_concurrency=cfg.tuning.workers,
        )
        self.fetchers = mouseflow_fetchers(self.client, cfg.timezone)

    def websites(self) -> list[Website]:
        listed = [site["id"] for site in self.client.websites()]
        wanted = chosen_websites(self.name, listed, self.cfg.website_ids)
        with ThreadPoolExecutor(self.tuning.workers) as pool:
            details = list(pool.map(self.client.website, wanted))
        return [Website(d["id"], self.cfg.timezone, d) for d in details]

    @property
    def rate_limited_seconds(self) -> float:
        return 0.0  # Mouseflow publishes no limit; its 429s are paced adaptively

    def fetch(self, window: Window) -> Fetched:
        return self.fetchers[window.resource](window)

    def source(
        self,
        windows: Sequence[Window],
        websites: Sequence[Website] | None = None,
        move_positions: bool = True,
        results: Results | None = None,
        failures: Failures | None = None,
    ) -> DltSource:
        return mouseflow_source(
            self.client,
            windows,
            timezone_name=self.cfg.timezone,
            websites=None if websites is None else [w.detail for w in websites],
            move_positions=move_positions,
            workers=self.tuning.workers,
            results=results,
            failures=failures,
        )

    def close(self) -> None:
        self.client.close()


class PageSenseVendor:
    name = ps.VENDOR
    resources = ps.WINDOWED_RESOURCES

    def __init__(self, cfg: PageSenseSettings, token_cache: Path | None = None) -> None:
        assert cfg.client_id and cfg.client_secret and cfg.refresh_token
        self.cfg = cfg
        self.start_date = cfg.start_date
        self.lookback_days = cfg.lookback_days
        self.tuning = cfg.tuning
        self.pacer = RateLimitPacer()  # one per account: every thread draws on it
        tokens = TokenManager(
            cfg.accounts_url,
            cfg.client_id,
            cfg.client_secret,
            cfg.refresh_token,
            cache=token_cache,
        )
        self.client = PageSenseClient(
            cfg.base_url,
            tokens,
            page_size=cfg.page_size,
            pacer=self.pacer,
            policy=cfg.tuning.policy(),
        )
        self.definitions: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.timezones: dict[str, str] = {}
        self.fetchers = pagesense_fetchers(self.client, self.definitions, self.timezones)

    def websites(self) -> list[Website]:
        listed = {site["id"]: site for site in self.client.websites()}
        wanted = chosen_websites(self.name, list(listed), self.cfg.website_ids)
        sites = []
        for website_id in wanted:
            detail = listed[website_id]
            try:
                tz = check_timezone(str(detail.get("timezone") or ""))
            except ValueError as exc:
                raise VendorAPIError(
                    self.name, ps.WEBSITES, f"website has {exc}", website_id=website_id, status=200
                ) from None
            sites.append(Website(website_id, tz, detail))
        with ThreadPoolExecutor(self.tuning.workers) as pool:
            found = pool.map(lambda site: fetch_definitions(self.client, site.website_id), sites)
            self.definitions = {s.website_id: d for s, d in zip(sites, found, strict=True)}
        self.timezones = {s.website_id: s.timezone for s in sites}
        self.fetchers = pagesense_fetchers(self.client, self.definitions, self.timezones)
        return sites

    @property
    def rate_limited_seconds(self) -> float:
        return self.pacer.blocked

    def fetch(self, window: Window) -> Fetched:
        return self.fetchers[window.resource](window)

    def source(
        self,
        windows: Sequence[Window],
        websites: Sequence[Website] | None = None,
        move_positions: bool = True,
        results: Results | None = None,
        failures: Failures | None = None,
    ) -> DltSource:
        return pagesense_source(
            self.client,
            windows,
            definitions=self.definitions,
            timezones=self.timezones,
            websites=None if websites is None else [w.detail for w in websites],
            move_positions=move_positions,
            workers=self.tuning.workers,
            results=results,
            failures=failures,
        )

    def close(self) -> None:
        self.client.close()


def chosen_websites(vendor: str, listed: list[str], configured: list[str]) -> list[str]:
    """The configured website ids (default: every listed one); unknown ones are an error."""
    unknown = sorted(set(configured) - set(listed))
    if unknown:
        raise ConfigurationError(
            f"{vendor}: SOURCES__{vendor.upper()}__WEBSITE_IDS names websites this account "
            f"does not have: {', '.join(unknown)}"
        )
    return configured or listed


def configured_vendor(name: str, folder: Path | None = None) -> Vendor | None:
    """The vendor ready to sync, or None when it has no credentials (it is skipped).
    `folder`: the folder beside the warehouse, where a PageSense access token is kept."""
    if name == "mouseflow":
        cfg = mouseflow_settings()
        return MouseflowVendor(cfg) if cfg.has_credentials else None
    if name == "pagesense":
        ps_cfg = pagesense_settings()
        cache = folder / TOKEN_FILE if folder is not None else None
        return PageSenseVendor(ps_cfg, cache) if ps_cfg.has_credentials else None
    raise ConfigurationError(f"unknown vendor {name!r}; one of {', '.join(VENDORS)}")
