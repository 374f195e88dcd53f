"""Settings from dlt's usual places: environment variables, `.dlt/secrets.toml`, `.dlt/config.toml`.

Each key is read at its exact path (`sources.<vendor>.<key>`): dlt's own resolution also
falls back to bare names, so a stray `EMAIL` or `TIMEZONE` in cron's environment would win.
Each vendor's package reads its own keys with these (`sources/<vendor>/vendor.py`); a value
that cannot work is a `ConfigurationError` naming the variable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from dlt.common.configuration.accessors import config as dlt_config

from sources.shared.declare import Resource
from sources.shared.errors import ConfigurationError
from sources.shared.retry import RetryPolicy
from sources.shared.windows import latest_today, parse_day


def read_value(key: str, *sections: str) -> Any:
    """The first value any provider has at exactly `sections.key`, or None."""
    for provider in dlt_config.config_providers:
        value, _ = provider.get_value(key, Any, None, *sections)
        if value is not None:
            return value
    return None


def text(key: str, *sections: str, default: str | None = None) -> str | None:
    value = read_value(key, *sections)
    if value is None or value == "":
        return default
    return str(value)


def complete_credentials(sections: tuple[str, ...], values: dict[str, str | None]) -> bool:
    """Whether all of a vendor's credentials are set (False: none, the vendor is skipped);
    some but not all is a configuration error naming what is missing, so one mistyped key
    never silently stops a vendor under cron."""
    missing = [key for key, value in values.items() if not value]
    if not missing:
        return True
    if len(missing) == len(values):
        return False
    names = ", ".join("__".join((*sections, key)).upper() for key in missing)
    given = ", ".join("__".join((*sections, key)).upper() for key in values if key not in missing)
    raise ConfigurationError(
        f"{sections[-1]}: {names} missing ({given} set): set every credential, or none to "
        "skip the vendor"
    )


def text_list(key: str, *sections: str, default: list[str]) -> list[str]:
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


def chosen_resources(sections: tuple[str, ...], resources: Sequence[Resource]) -> tuple[str, ...]:
    """`SOURCES__<VENDOR>__RESOURCES`: which windowed resources to sync, like a Singer or
    Airbyte catalog (default: those declared `default`); a mart whose inputs are not
    synced is empty. Kept in the declaration's fetch order; an unknown name is 78."""
    declared = [r.name for r in resources]
    default = [r.name for r in resources if r.default]
    chosen = text_list("resources", *sections, default=default)
    unknown = sorted(set(chosen) - set(declared))
    if unknown:
        name = "__".join((*sections, "resources")).upper()
        raise ConfigurationError(
            f"{name} names resources {sections[-1]} does not have: {', '.join(unknown)} "
            f"(it has {', '.join(declared)})"
        )
    if not chosen:
        name = "__".join((*sections, "resources")).upper()
        raise ConfigurationError(f"{name} is empty: name at least one of {', '.join(declared)}")
    return tuple(r for r in declared if r in chosen)


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


def whole(key: str, *sections: str, default: int, minimum: int = 0) -> int:
    return int(_number(key, sections, default, int, "a whole number", minimum))


def number(key: str, *sections: str, default: float) -> float:
    return float(_number(key, sections, default, float, "a number", 0))


def day(key: str, *sections: str, default: date) -> date:
    value = read_value(key, *sections)
    if value is None or value == "":
        return default
    try:
        return parse_day(str(value))
    except ValueError as exc:
        raise ConfigurationError(f"{'.'.join((*sections, key))}: {exc}") from exc


def start_date(sections: tuple[str, ...], default: date) -> date:
    start = day("start_date", *sections, default=default)
    if start > latest_today():
        name = "__".join((*sections, "start_date")).upper()
        raise ConfigurationError(f"{name} {start} is in the future: nothing could be synced")
    return start


@dataclass
class SyncTuning:
    """How a vendor's sync is cut into commits and how many calls run at once."""

    chunk_days: int = 14  # website-days per `pipeline.run()`: the most a crash can cost
    workers: int = 4  # concurrent calls per vendor account, all resources together
    # the retry defaults are the HTTP layer's own (`RetryPolicy`), stated once there
    retry_attempts: int = RetryPolicy.max_attempts  # per request before the run gives up
    retry_backoff: float = RetryPolicy.backoff_base  # first backoff (s); doubles, jittered
    retry_max_wait: float = RetryPolicy.max_total_wait  # seconds of retry waits per run
    request_deadline: float = RetryPolicy.deadline  # seconds a whole answer may take

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.retry_attempts,
            backoff_base=self.retry_backoff,
            max_total_wait=self.retry_max_wait,
            deadline=self.request_deadline,
        )


def tuning(*sections: str) -> SyncTuning:
    return SyncTuning(
        chunk_days=whole("chunk_days", *sections, default=SyncTuning.chunk_days, minimum=1),
        workers=whole("workers", *sections, default=SyncTuning.workers, minimum=1),
        retry_attempts=whole(
            "retry_attempts", *sections, default=SyncTuning.retry_attempts, minimum=1
        ),
        retry_backoff=number("retry_backoff", *sections, default=SyncTuning.retry_backoff),
        retry_max_wait=number("retry_max_wait", *sections, default=SyncTuning.retry_max_wait),
        request_deadline=positive("request_deadline", sections, SyncTuning.request_deadline),
    )


def positive(key: str, sections: tuple[str, ...], default: float) -> float:
    """A number of seconds above zero."""
    value = number(key, *sections, default=default)
    if value <= 0:
        raise ConfigurationError(f"{'.'.join((*sections, key))} must be more than 0")
    return value


@dataclass
class SyncSettings:
    """The keys every vendor has: which websites, from when, how far back, how."""

    website_ids: list[str]  # empty: every website of the account
    resources: tuple[str, ...]  # the windowed resources to sync, in fetch order
    start_date: date
    lookback_days: int
    page_size: int
    tuning: SyncTuning


def sync_settings(
    sections: tuple[str, ...],
    *,
    default_start: date,
    lookback_days: int,
    page_size: int,
    resources: Sequence[Resource],
) -> SyncSettings:
    """`sections`' common keys, with the vendor's own defaults."""
    return SyncSettings(
        website_ids=text_list("website_ids", *sections, default=[]),
        resources=chosen_resources(sections, resources),
        start_date=start_date(sections, default_start),
        lookback_days=whole("lookback_days", *sections, default=lookback_days),
        page_size=whole("page_size", *sections, default=page_size, minimum=1),
        tuning=tuning(*sections),
    )
