"""The warehouse's own settings (vendors read theirs in `sources/<vendor>/vendor.py`)."""

from __future__ import annotations

import re

from sources.shared.errors import ConfigurationError
from sources.shared.settings import read_value, text

LOAD_MEMORY_LIMIT = "256MB"
MODEL_MEMORY_LIMIT = "512MB"


def load_memory_limit() -> str:
    """DuckDB's memory cap while dlt loads (`WAREHOUSE__LOAD_MEMORY_LIMIT`, e.g. "512MB").

    DuckDB otherwise keeps every block a merge reads cached up to 80% of RAM, so a sync's
    peak memory would grow with the size of the tables it merges into; with a cap, work
    beyond it spills to disk and memory stays flat however long the backfill. What cannot
    spill: what a merge's scan holds for a table whose row groups carry deleted rows (re-
    fetched days leave them) grows with the table (measured: 20M recordings needed 192MB
    and ran out of memory under 128MB), so the cap is 256MB and an out-of-memory load
    names this setting.
    """
    value = text("load_memory_limit", "warehouse", default=LOAD_MEMORY_LIMIT)
    if value is None or not _MEMORY.fullmatch(value.strip()):
        raise ConfigurationError(
            f"WAREHOUSE__LOAD_MEMORY_LIMIT must be a size such as 128MB or 1GB, not {value!r}"
        )
    return value.strip()


def model_memory_limit() -> str:
    """DuckDB's memory cap while the models build and the file is published
    (`WAREHOUSE__MODEL_MEMORY_LIMIT`): without it DuckDB caches every block it reads up to
    80% of RAM, so an hourly run's peak grew with the warehouse (1.8 GB at 2M recordings).
    A full rebuild raises it to 2GB for its run (sql/dbt_project.yml)."""
    value = text("model_memory_limit", "warehouse", default=MODEL_MEMORY_LIMIT)
    if value is None or not _MEMORY.fullmatch(value.strip()):
        raise ConfigurationError(
            f"WAREHOUSE__MODEL_MEMORY_LIMIT must be a size such as 256MB or 1GB, not {value!r}"
        )
    return value.strip()


_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def publish_internal() -> bool:
    """`WAREHOUSE__PUBLISH_INTERNAL`: publish the model runner's `raw`, `staging` and
    `intermediate` schemas too (default false: readers see the marts and the raw tables)."""
    value = read_value("publish_internal", "warehouse")
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    text_value = str(value).strip().lower()
    if text_value in ("true", "1", "yes"):
        return True
    if text_value in ("false", "0", "no"):
        return False
    raise ConfigurationError(f"WAREHOUSE__PUBLISH_INTERNAL must be true or false, not {value!r}")
