"""Settings from dlt's usual places: environment variables, `.dlt/secrets.toml`, `.dlt/config.toml`.

Each key is read at its exact path (`sources.<vendor>.<key>`): dlt's own resolution also
falls back to bare names, so a stray `EMAIL` or `TIMEZONE` in cron's environment would win.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson
from dlt.common.configuration.accessors import config as dlt_config

from pipelines import latest_today
from sources._http import ConfigurationError, RetryPolicy
from sources._windows import check_timezone, local_today, parse_day
from sources.mouseflow import settings as mf
from sources.pagesense import settings as ps


def read_value(key: str, *sections: str) -> Any:
    """The first value any provider has at exactly `sections.key`, or None."""
    for provider in dlt_config.config_providers:
        value, _ = provider.get_value(key, Any, None, *sections)
        if value is not None:
            return value
    return None


def _text(key: str, *sections: str, default: str | None = None) -> str | None:
    value = read_value(key, *sections)
    if value is None or value == "":
        return default
    return str(value)


def _list(key: str, *sections: str, default: list[str]) -> list[str]:
    value = read_value(key, *sections)
    if value is None or value == "":
        return list(default)
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            name = "__".join((*sections, key)).upper()
            raise ConfigurationError(f"{name} must be a JSON list, e.g. '[\"a\"]'") from exc
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ConfigurationError(f"{'.'.join((*sections, key))} must be a list of strings")
    return [str(v) for v in value]


def _number(
    key: str, sections: tuple[str, ...], default: Any, cast: type, what: str, minimum: float
) -> Any:
    value = read_value(key, *sections)
    if value is None or value == "":
        return default
    try:
        number = cast(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{'.'.join((*sections, key))} must be {what}") from exc
    if number < minimum:
        raise ConfigurationError(f"{'.'.join((*sections, key))} must be at least {minimum}")
    return number


def _int(key: str, *sections: str, default: int, minimum: int = 0) -> int:
    return int(_number(key, sections, default, int, "a whole number", minimum))


def _float(key: str, *sections: str, default: float) -> float:
    return float(_number(key, sections, default, float, "a number", 0))


def _day(key: str, *sections: str, default: date) -> date:
    value = read_value(key, *sections)
    if value is None or value == "":
        return default
    try:
        return parse_day(str(value))
    except ValueError as exc:
        raise ConfigurationError(f"{'.'.join((*sections, key))}: {exc}") from exc


def _start_date(sections: tuple[str, ...], default: date) -> date:
    start = _day("start_date", *sections, default=default)
    if start > latest_today():
        name = "__".join((*sections, "start_date")).upper()
        raise ConfigurationError(f"{name} {start} is in the future: nothing could be synced")
    return start


@dataclass
class SyncTuning:
    """How a vendor's sync is cut into commits and how many calls run at once."""

    chunk_days: int = 14  # website-days per `pipeline.run()`: the most a crash can cost
    workers: int = 4  # concurrent calls per vendor account, all resources together
    retry_attempts: int = 8  # attempts per request before the run gives up (exit 75)
    retry_backoff: float = 0.5  # first backoff in seconds; doubles per attempt, with jitter
    retry_max_wait: float = 900.0  # seconds a run may spend waiting on retries in all

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.retry_attempts,
            backoff_base=self.retry_backoff,
            max_total_wait=self.retry_max_wait,
        )


@dataclass
class MouseflowSettings:
    email: str | None
    api_key: str | None = field(repr=False)
    base_url: str
    timezone: str
    conversion_tags: list[str]
    website_ids: list[str]
    start_date: date
    lookback_days: int
    page_size: int
    tuning: SyncTuning

    @property
    def has_credentials(self) -> bool:
        return bool(self.email and self.api_key)


def _tuning(*sections: str) -> SyncTuning:
    return SyncTuning(
        chunk_days=_int("chunk_days", *sections, default=SyncTuning.chunk_days, minimum=1),
        workers=_int("workers", *sections, default=SyncTuning.workers, minimum=1),
        retry_attempts=_int(
            "retry_attempts", *sections, default=SyncTuning.retry_attempts, minimum=1
        ),
        retry_backoff=_float("retry_backoff", *sections, default=SyncTuning.retry_backoff),
        retry_max_wait=_float("retry_max_wait", *sections, default=SyncTuning.retry_max_wait),
    )


def mouseflow_settings() -> MouseflowSettings:
    """Mouseflow's settings; raises ConfigurationError for values that cannot work."""
    sections = ("sources", "mouseflow")
    region = (_text("region", *sections, default="us") or "us").lower()
    if region not in mf.REGION_URLS:
        raise ConfigurationError(
            f"SOURCES__MOUSEFLOW__REGION must be one of {sorted(mf.REGION_URLS)}, not {region!r}"
        )
    tz = _text("timezone", *sections, default="UTC") or "UTC"
    try:
        check_timezone(tz)
    except ValueError as exc:
        raise ConfigurationError(f"SOURCES__MOUSEFLOW__TIMEZONE: {exc}") from exc
    default_start = local_today(tz) - timedelta(days=mf.DEFAULT_START_DAYS_AGO)
    return MouseflowSettings(
        email=_text("email", *sections),
        api_key=_text("api_key", *sections),
        base_url=_text("base_url", *sections, default=mf.REGION_URLS[region]) or "",
        timezone=tz,
        conversion_tags=_list("conversion_tags", *sections, default=mf.DEFAULT_CONVERSION_TAGS),
        website_ids=_list("website_ids", *sections, default=[]),
        start_date=_start_date(sections, default_start),
        lookback_days=_int("lookback_days", *sections, default=mf.DEFAULT_LOOKBACK_DAYS),
        page_size=_int("page_size", *sections, default=mf.PAGE_SIZE, minimum=1),
        tuning=_tuning(*sections),
    )


@dataclass
class PageSenseSettings:
    client_id: str | None
    client_secret: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)
    base_url: str
    accounts_url: str
    website_ids: list[str]
    start_date: date
    lookback_days: int
    page_size: int
    tuning: SyncTuning

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret and self.refresh_token)


def pagesense_settings() -> PageSenseSettings:
    """PageSense's settings; raises ConfigurationError for values that cannot work."""
    sections = ("sources", "pagesense")
    default_start = local_today("UTC") - timedelta(days=ps.DEFAULT_START_DAYS_AGO)
    return PageSenseSettings(
        client_id=_text("client_id", *sections),
        client_secret=_text("client_secret", *sections),
        refresh_token=_text("refresh_token", *sections),
        base_url=_text("base_url", *sections, default=ps.BASE_URL) or ps.BASE_URL,
        accounts_url=_text("accounts_url", *sections, default=ps.ACCOUNTS_URL) or "",
        website_ids=_list("website_ids", *sections, default=[]),
        start_date=_start_date(sections, default_start),
        lookback_days=_int("lookback_days", *sections, default=ps.DEFAULT_LOOKBACK_DAYS),
        page_size=_int("page_size", *sections, default=ps.PAGE_SIZE, minimum=1),
        tuning=_tuning(*sections),
    )


LOAD_MEMORY_LIMIT = "128MB"


def load_memory_limit() -> str:
    """DuckDB's memory cap while dlt loads (`WAREHOUSE__LOAD_MEMORY_LIMIT`, e.g. "512MB").

    DuckDB otherwise keeps every block a merge reads cached up to 80% of RAM, so a sync's
    peak memory would grow with the size of the tables it merges into; with a cap, work
    beyond it spills to disk and memory stays flat however long the backfill.
    """
    value = _text("load_memory_limit", "warehouse", default=LOAD_MEMORY_LIMIT)
    if value is None or not _MEMORY.fullmatch(value.strip()):
        raise ConfigurationError(
            f"WAREHOUSE__LOAD_MEMORY_LIMIT must be a size such as 128MB or 1GB, not {value!r}"
        )
    return value.strip()


_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
