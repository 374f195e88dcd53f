"""Process-wide settings pageflow relies on: dlt's environment and glibc's malloc arenas."""

from __future__ import annotations

import ctypes
import os


def prepare_dlt_environment() -> None:
    """Process-wide dlt settings pageflow relies on (set once, before any pipeline exists)."""
    limit_malloc_arenas()
    use_system_allocator_for_arrow()
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


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (as MALLOC_ARENA_MAX would) before the fetch threads start.

    glibc gives each thread an arena of its own and rarely hands their free memory back, so
    with a pool of fetch threads the resident size crept up chunk after chunk of a long
    backfill; two arenas keep it flat (benchmarks/memory.py) at no measurable cost.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return  # glibc has read it already
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to do
    libc.mallopt(M_ARENA_MAX, arenas)


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
