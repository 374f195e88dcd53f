"""Mouseflow as pageflow runs it: its settings, its `Vendor`, its registration."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from dlt.extract.source import DltSource

from sources.mouseflow import mouseflow_fetchers, mouseflow_source
from sources.mouseflow import settings as mf
from sources.mouseflow.client import MouseflowClient
from sources.mouseflow.resources import RESOURCES
from sources.shared import settings as s
from sources.shared.declare import Fetched
from sources.shared.errors import ConfigurationError, VendorAPIError
from sources.shared.resources import Chunk
from sources.shared.retry import RetryPolicy
from sources.shared.settings import SyncSettings
from sources.shared.vendor import (
    ModelSettings,
    Registration,
    SettingsTable,
    Vendor,
    Website,
    callable_websites,
    chosen_websites,
)
from sources.shared.windows import Window, check_timezone, local_today

SECTIONS = ("sources", "mouseflow")


@dataclass
class MouseflowSettings:
    email: str | None
    api_key: str | None = field(repr=False)
    base_url: str
    timezone: str
    conversion_tags: list[str]
    sync: SyncSettings

    @property
    def has_credentials(self) -> bool:
        """All credentials set; some but not all is a configuration error."""
        return s.complete_credentials(SECTIONS, {"email": self.email, "api_key": self.api_key})


def read_settings() -> MouseflowSettings:
    """Mouseflow's settings; raises ConfigurationError for values that cannot work."""
    region = (s.text("region", *SECTIONS, default="us") or "us").lower()
    if region not in mf.REGION_URLS:
        raise ConfigurationError(
            f"SOURCES__MOUSEFLOW__REGION must be one of {sorted(mf.REGION_URLS)}, not {region!r}"
        )
    tz = s.text("timezone", *SECTIONS, default="UTC") or "UTC"
    try:
        check_timezone(tz)
    except ValueError as exc:
        raise ConfigurationError(f"SOURCES__MOUSEFLOW__TIMEZONE: {exc}") from exc
    default_start = local_today(tz) - timedelta(days=mf.DEFAULT_START_DAYS_AGO)
    return MouseflowSettings(
        email=s.text("email", *SECTIONS),
        api_key=s.text("api_key", *SECTIONS),
        base_url=s.text("base_url", *SECTIONS, default=mf.REGION_URLS[region]) or "",
        timezone=tz,
        conversion_tags=s.text_list(
            "conversion_tags", *SECTIONS, default=mf.DEFAULT_CONVERSION_TAGS
        ),
        sync=s.sync_settings(
            SECTIONS,
            default_start=default_start,
            lookback_days=mf.DEFAULT_LOOKBACK_DAYS,
            page_size=mf.PAGE_SIZE,
            resources=RESOURCES,
        ),
    )


class MouseflowVendor:
    name = mf.VENDOR

    def __init__(self, cfg: MouseflowSettings, policy: RetryPolicy | None = None) -> None:
        assert cfg.email and cfg.api_key
        self.cfg = cfg
        self.start_date = cfg.sync.start_date
        self.lookback_days = cfg.sync.lookback_days
        self.tuning = cfg.sync.tuning
        self.resources = cfg.sync.resources  # chosen by SOURCES__<VENDOR>__RESOURCES
        self.client = MouseflowClient(
            cfg.base_url,
            cfg.email,
            cfg.api_key,
            page_size=cfg.sync.page_size,
            policy=policy or self.tuning.policy(),
            max_concurrency=self.tuning.workers,
        )
        self.fetchers = mouseflow_fetchers(self.client, cfg.timezone)
        self.rejected: list[VendorAPIError] = []

    def websites(self) -> list[Website]:
        listed = [site["id"] for site in self.client.websites()]
        wanted = chosen_websites(self.name, listed, self.cfg.sync.website_ids)
        wanted, self.rejected = callable_websites(self.name, mf.WEBSITES, wanted)
        with ThreadPoolExecutor(self.tuning.workers) as pool:
            details = list(pool.map(self._detail, wanted))
        return [Website(d["id"], self.cfg.timezone, d) for d in details if d is not None]

    def _detail(self, website_id: str) -> dict | None:
        """A website's details; a website the vendor cannot answer for (a listed id its
        own detail call does not know, say) fails alone, in `rejected`."""
        try:
            return self.client.website(website_id)
        except VendorAPIError as exc:
            if exc.retryable or exc.credentials_rejected:
                raise  # the vendor, not this website: everything stops as before
            self.rejected.append(exc)
            return None

    @property
    def calls_made(self) -> int:
        return self.client.http.requests_sent

    @property
    def rate_limited_seconds(self) -> float:
        return 0.0  # Mouseflow publishes no limit; its 429s are paced adaptively

    def fetch(self, window: Window) -> Fetched:
        return self.fetchers[window.resource](window)

    def source(self, chunk: Chunk) -> DltSource:
        return mouseflow_source(
            self.client, chunk, timezone_name=self.cfg.timezone, workers=self.tuning.workers
        )

    def close(self) -> None:
        self.client.close()


def _configured(folder: Path | None, policy: RetryPolicy | None = None) -> Vendor | None:
    cfg = read_settings()
    return MouseflowVendor(cfg, policy) if cfg.has_credentials else None


def _model_settings() -> ModelSettings:
    cfg = read_settings()
    tags = SettingsTable("tag varchar", [(tag,) for tag in cfg.conversion_tags])
    return ModelSettings(cfg.sync.lookback_days, {"mouseflow_conversion_tags": tags})


REGISTRATION = Registration(
    name=mf.VENDOR,
    label="Mouseflow",
    credentials="SOURCES__MOUSEFLOW__EMAIL and __API_KEY",
    resources=RESOURCES,
    configured=_configured,
    model_settings=_model_settings,
    selected=lambda: read_settings().sync.resources,
)
