"""PageSense as pageflow runs it: its settings, its `Vendor`, its registration."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from dlt.extract.source import DltSource

from sources.pagesense import Definitions, fetch_definitions, pagesense_fetchers, pagesense_source
from sources.pagesense import settings as ps
from sources.pagesense.client import PageSenseClient
from sources.pagesense.resources import RESOURCES
from sources.pagesense.tokens import TokenManager
from sources.shared import settings as s
from sources.shared.declare import Fetched
from sources.shared.errors import ConfigurationError, VendorAPIError
from sources.shared.http import Call
from sources.shared.pacing import RateLimitPacer
from sources.shared.resources import Chunk
from sources.shared.retry import RetryPolicy
from sources.shared.settings import SyncSettings
from sources.shared.vendor import (
    ModelSettings,
    Registration,
    Vendor,
    Website,
    callable_websites,
    chosen_websites,
)
from sources.shared.windows import Window, check_timezone, local_today

SECTIONS = ("sources", "pagesense")
TOKEN_FILE = "pagesense-token.json"  # the access token between runs (0600), nothing else


@dataclass
class PageSenseSettings:
    client_id: str | None
    client_secret: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)
    base_url: str
    accounts_url: str
    sync: SyncSettings
    reports: tuple[str, ...]  # which of the four reports the `reports` resource fetches

    @property
    def has_credentials(self) -> bool:
        """All credentials set; some but not all is a configuration error."""
        given = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
        }
        return s.complete_credentials(SECTIONS, given)


def read_settings() -> PageSenseSettings:
    """PageSense's settings; raises ConfigurationError for values that cannot work."""
    default_start = local_today("UTC") - timedelta(days=ps.DEFAULT_START_DAYS_AGO)
    return PageSenseSettings(
        client_id=s.text("client_id", *SECTIONS),
        client_secret=s.text("client_secret", *SECTIONS),
        refresh_token=s.text("refresh_token", *SECTIONS),
        base_url=s.text("base_url", *SECTIONS, default=ps.BASE_URL) or ps.BASE_URL,
        accounts_url=s.text("accounts_url", *SECTIONS, default=ps.ACCOUNTS_URL) or "",
        sync=s.sync_settings(
            SECTIONS,
            default_start=default_start,
            lookback_days=ps.DEFAULT_LOOKBACK_DAYS,
            page_size=ps.PAGE_SIZE,
            resources=RESOURCES,
        ),
        reports=_reports(),
    )


def _reports() -> tuple[str, ...]:
    """`SOURCES__PAGESENSE__REPORTS`: which reports to fetch per website-day."""
    chosen = s.text_list("reports", *SECTIONS, default=list(ps.DEFAULT_REPORTS))
    unknown = sorted(set(chosen) - set(ps.REPORTS))
    if unknown or not chosen:
        raise ConfigurationError(
            f"SOURCES__PAGESENSE__REPORTS must name some of {', '.join(ps.REPORTS)}"
            + (f", not {', '.join(unknown)}" if unknown else "")
        )
    return tuple(r for r in ps.REPORTS if r in chosen)


class PageSenseVendor:
    """PageSense's windows need each website's definitions (funnels, forms, goals, tests) and
    time zone; they are listed once, by whichever method needs them first."""

    name = ps.VENDOR

    def __init__(
        self,
        cfg: PageSenseSettings,
        token_cache: Path | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        assert cfg.client_id and cfg.client_secret and cfg.refresh_token
        self.cfg = cfg
        self.start_date = cfg.sync.start_date
        self.lookback_days = cfg.sync.lookback_days
        self.tuning = cfg.sync.tuning
        self.resources = cfg.sync.resources  # chosen by SOURCES__<VENDOR>__RESOURCES
        self.pacer = RateLimitPacer()  # one per account: every thread draws on it
        tokens = TokenManager(
            cfg.accounts_url,
            cfg.client_id,
            cfg.client_secret,
            cfg.refresh_token,
            cache=token_cache,
            policy=policy,
        )
        self.client = PageSenseClient(
            cfg.base_url,
            tokens,
            page_size=cfg.sync.page_size,
            pacer=self.pacer,
            policy=policy or self.tuning.policy(),
        )
        self._lock = threading.Lock()
        self._sites: list[Website] | None = None
        self._definitions: Definitions = {}
        self._timezones: dict[str, str] = {}
        self._fetchers: dict[str, Callable[[Window], Fetched]] = {}
        self.rejected: list[VendorAPIError] = []

    def websites(self) -> list[Website]:
        with self._lock:
            if self._sites is None:
                self._sites = self._list_websites()
            return list(self._sites)

    def _list_websites(self) -> list[Website]:
        listed = {site["id"]: site for site in self.client.websites()}
        wanted = chosen_websites(self.name, list(listed), self.cfg.sync.website_ids)
        wanted, self.rejected = callable_websites(self.name, ps.WEBSITES, wanted)
        sites = []
        for website_id in wanted:
            detail = listed[website_id]
            try:
                tz = check_timezone(str(detail.get("timezone") or ""))
            except ValueError as exc:
                call = Call(ps.WEBSITES, ps.WEBSITES, website_id=website_id)
                raise call.error(self.name, f"website has {exc}", status=200) from None
            sites.append(Website(website_id, tz, detail))
        with ThreadPoolExecutor(self.tuning.workers) as pool:
            found = pool.map(lambda site: fetch_definitions(self.client, site.website_id), sites)
            self._definitions = {s.website_id: d for s, d in zip(sites, found, strict=True)}
        self._timezones = {site.website_id: site.timezone for site in sites}
        self._fetchers = pagesense_fetchers(
            self.client, self._definitions, self._timezones, self.cfg.reports
        )
        return sites

    @property
    def calls_made(self) -> int:
        return self.client.http.requests_sent

    @property
    def rate_limited_seconds(self) -> float:
        return self.pacer.blocked

    def fetch(self, window: Window) -> Fetched:
        self.websites()  # the definitions, once
        return self._fetchers[window.resource](window)

    def source(self, chunk: Chunk) -> DltSource:
        self.websites()  # the definitions, once
        return pagesense_source(
            self.client,
            chunk,
            definitions=self._definitions,
            timezones=self._timezones,
            workers=self.tuning.workers,
            reports=self.cfg.reports,
        )

    def close(self) -> None:
        self.client.close()


def _configured(folder: Path | None, policy: RetryPolicy | None = None) -> Vendor | None:
    cfg = read_settings()
    if not cfg.has_credentials:
        return None
    return PageSenseVendor(cfg, folder / TOKEN_FILE if folder is not None else None, policy)


def _model_settings() -> ModelSettings:
    return ModelSettings(read_settings().sync.lookback_days)


REGISTRATION = Registration(
    name=ps.VENDOR,
    label="PageSense",
    credentials="SOURCES__PAGESENSE__CLIENT_ID, __CLIENT_SECRET and __REFRESH_TOKEN",
    resources=RESOURCES,
    configured=_configured,
    model_settings=_model_settings,
    selected=lambda: read_settings().sync.resources,
)
