"""Process-wide settings pageflow relies on: dlt's environment, glibc's malloc arenas and
DuckDB's search for pandas."""

from __future__ import annotations

import ctypes
import importlib.abc
import importlib.util
import os
import sys


def prepare_dlt_environment() -> None:
    """Process-wide dlt settings pageflow relies on (set once, before any pipeline exists)."""
    tune_malloc()
    use_system_allocator_for_arrow()
    remember_pandas_is_missing()
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    # Parquet 2.6 keeps nanosecond timestamps (Mouseflow sends 100 ns ticks).
    os.environ.setdefault("DATA_WRITER__VERSION", "2.6")
    # Arrow tables get _dlt_load_id too: the models read only rows of completed loads.
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    # dlt warns on every arrow chunk whose hints differ from the inferred ones; errors show.
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    # A loaded package's files are never read again: disk stays flat run after run.
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
    os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "true")
    # SIGINT/SIGTERM are pageflow's (sources/shared/stop.py): dlt's own handlers, installed
    # around normalize and load, cleared a signal that came in meanwhile and lost it.
    os.environ["RUNTIME__INTERCEPT_SIGNALS"] = "false"


def tune_malloc(arenas: int = 2, mmap_threshold: int = 128 * 1024) -> None:
    """glibc's malloc told to hand memory back (as MALLOC_ARENA_MAX and
    MALLOC_MMAP_THRESHOLD_ would), before the fetch threads start.

    glibc gives each thread an arena of its own and rarely hands their free memory back, so
    with a pool of fetch threads the resident size crept up chunk after chunk of a long
    backfill: two arenas keep it flat. And glibc raises its mmap threshold each time a large
    block is freed, so that later pages' bodies and buffers (megabytes each) come from the
    heap and stay there once freed; a fixed threshold returns them to the system at once
    (about 15 MB off a 1M-recording backfill's peak, benchmarks/memory.py, at no measurable
    cost). Either variable in the environment is glibc's to read, and left alone.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to do
    if "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(M_ARENA_MAX, arenas)
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)


def remember_pandas_is_missing() -> None:
    """Where pandas is not installed (pageflow does not need it), answer `import pandas` at
    once: DuckDB tries to import it for every parameter it binds, and each failed import
    searched the whole `sys.path` again (half the time of inserting the models' settings
    tables, about 1% of the test suite). An installed pandas is left alone."""
    if any(isinstance(finder, _NoPandas) for finder in sys.meta_path):
        return
    if importlib.util.find_spec("pandas") is None:
        sys.meta_path.insert(0, _NoPandas())


class _NoPandas(importlib.abc.MetaPathFinder):
    """`import pandas` fails as it would, without looking through `sys.path`."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == "pandas":
            raise ModuleNotFoundError("No module named 'pandas'", name="pandas")
        return None


def use_system_allocator_for_arrow() -> None:
    """Arrow's buffers from malloc (capped above) instead of its bundled mimalloc, which
    kept freed pages of every chunk's answers: a 1M-recording backfill peaked at 556 MB
    with it, 410 MB without (benchmarks/memory.py), at the same speed. `ARROW_DEFAULT_MEMORY_POOL`
    chooses otherwise."""
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    import pyarrow

    pyarrow.set_memory_pool(pyarrow.system_memory_pool())


M_ARENA_MAX = -8  # from glibc's malloc.h
M_MMAP_THRESHOLD = -3
