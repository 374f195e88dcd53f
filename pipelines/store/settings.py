"""The warehouse's own settings (vendors read theirs in `sources/<vendor>/vendor.py`)."""

from __future__ import annotations

import re
from typing import Any

from sources.shared.errors import ConfigurationError
from sources.shared.settings import read_value, text

LAKE_LOAD_MEMORY_LIMIT = "256MB"
MODEL_MEMORY_LIMIT = "512MB"
# the file's automatic load cap: a third of the working database's size, within these
# bounds (see `load_memory_cap`)
LOAD_MEMORY_FLOOR_MB = 48
LOAD_MEMORY_CEILING_MB = 256


def load_memory_limit() -> str | None:
    """`WAREHOUSE__LOAD_MEMORY_LIMIT` (e.g. "512MB"), or None: the cap follows the
    warehouse's size (`load_memory_cap`)."""
    value = text("load_memory_limit", "warehouse", default=None)
    if value is None or value.strip() == "":
        return None
    if not _MEMORY.fullmatch(value.strip()):
        raise ConfigurationError(
            f"WAREHOUSE__LOAD_MEMORY_LIMIT must be a size such as 128MB or 1GB, not {value!r}"
        )
    return value.strip()


def load_memory_cap(database_bytes: int) -> str:
    """DuckDB's memory cap while dlt loads into a working database of `database_bytes`.

    DuckDB otherwise keeps every block a merge reads cached up to 80% of RAM, so a sync's
    peak memory would grow with the size of the tables it merges into; with a cap, work
    beyond it spills to disk. What cannot spill: what a merge's scan holds for a table whose
    row groups carry deleted rows (re-fetched days leave them) grows with the table
    (measured: 20M recordings, an 805 MB file, needed 192MB and ran out of memory under
    128MB), about 10 MB per million rows. So the cap is a third of the database's size
    (about 13 MB per million recordings), at least 48MB and at most 256MB: a small
    warehouse's backfill stays small (a 1M-recording backfill peaks under 300 MB,
    benchmarks/memory.py) and a big one's merge has its room. It is computed again before
    every chunk. `WAREHOUSE__LOAD_MEMORY_LIMIT` fixes it; an out-of-memory load names it.
    """
    fixed = load_memory_limit()
    if fixed is not None:
        return fixed
    third = database_bytes // (3 * 1024 * 1024)
    return f"{min(LOAD_MEMORY_CEILING_MB, max(LOAD_MEMORY_FLOOR_MB, third))}MB"


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


def duckdb_threads() -> int | None:
    """`WAREHOUSE__THREADS`: DuckDB's threads in the connections that build the models,
    publish and (on a lake) load; None (unset): DuckDB's default, one per core. For a host
    that runs several pageflow jobs at once on few cores, where threads only wait on each
    other (the test suite runs four workers on two cores). A file's load uses one thread
    whatever this says (`load_destination`)."""
    value = text("threads", "warehouse", default=None)
    if value is None or str(value).strip() == "":
        return None
    if not str(value).strip().isdigit() or int(value) < 1:
        raise ConfigurationError(
            f"WAREHOUSE__THREADS must be a whole number of 1 or more, not {value!r}"
        )
    return int(value)


def set_threads(con: Any) -> None:
    """`duckdb_threads()` applied to a DuckDB connection (nothing when unset)."""
    threads = duckdb_threads()
    if threads is not None:
        con.execute(f"set threads = {threads}")


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
