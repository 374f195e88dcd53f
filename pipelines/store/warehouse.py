"""The warehouse readers open, the working database pageflow writes, and the folder beside.

Readers (BI tools, analysts, `pageflow status`) open `--warehouse` read-only. pageflow never
writes that file: dlt loads and the models build in `<file>.pageflow/work.duckdb`, and after
each run `pipelines.store.publish` writes a fresh copy beside the warehouse and renames it over
the old one. A reader holding the old file keeps reading it (the inode stays alive until it
lets go); a reader that opens the path afterwards gets the new one. Neither side ever waits
for the other's lock.

Everything a sync keeps lives in the warehouse or in the folder, so two warehouses never
share anything; deleting the folder loses nothing: the working database is adopted again
from the published warehouse, and dlt restores its state from it.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import dlt
import duckdb
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from pipelines.store.capabilities import answered_once
from pipelines.store.lock import SyncLock, folder_beside, private_folder
from pipelines.store.paths import not_a_directory
from pipelines.store.settings import load_memory_cap, model_memory_limit, set_threads
from pipelines.store.sql import quoted_path
from sources.shared.errors import ConfigurationError, WarehouseHeld, first_line

log = logging.getLogger("pageflow.warehouse")

DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file


@dataclass(frozen=True)
class Warehouse:
    path: Path
    is_lake = False  # the other kind: `pipelines.store.lake.Lake`

    @classmethod
    def at(cls, path: str | os.PathLike[str]) -> Warehouse:
        return cls(Path(path).expanduser().resolve())

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def folder(self) -> Path:
        return folder_beside(self.path)

    def is_published(self) -> bool:
        """Whether readers have a warehouse to open."""
        return self.path.exists()

    @property
    def pipelines_dir(self) -> Path:
        return self.folder / "dlt"

    @property
    def work_path(self) -> Path:
        """The database pageflow loads and models in; readers never open it."""
        return self.folder / "work.duckdb"

    def pipeline(self, vendor: str) -> dlt.Pipeline:
        """The dlt pipeline loading `vendor` into its own dataset (schema) of the work db."""
        return dlt.pipeline(
            pipeline_name=f"pageflow_{vendor}",
            destination=load_destination(self.work_path),
            dataset_name=vendor,
            pipelines_dir=str(self.pipelines_dir),
        )

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the published warehouse, as any reader opens it."""
        check_readable(self.path)
        try:
            return duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            raise path_error(self.path, exc) from None

    def connect_work(self) -> duckdb.DuckDBPyConnection:
        """The working database, DuckDB's memory capped (`model_memory_limit`)."""
        con = duckdb.connect(str(self.work_path))
        con.execute(f"set memory_limit = '{model_memory_limit()}'")
        set_threads(con)
        return con

    def size_load(self, pipeline: dlt.Pipeline) -> None:
        """Before a chunk's load: its memory cap follows the working database's size."""
        size_load(pipeline, self.work_path)

    def lock(self) -> SyncLock:
        return SyncLock(self.path)

    def has_data(self) -> bool:
        return self.work_path.exists()

    def prepare(self) -> None:
        """Make the folder (private) and, if the working database is missing while a
        warehouse exists (folder deleted, or a warehouse of an older pageflow), adopt it."""
        not_a_directory(self.path)
        private_folder(self.folder)
        refuse_if_held(self.path)
        if self.work_path.exists() or not self.path.exists():
            return
        self.adopt()

    def adopt(self) -> None:
        """The working database rebuilt from the published warehouse (the folder was
        deleted, or the warehouse was written by a pageflow that loaded into it directly)."""
        check_readable(self.path)
        log.info("adopting %s as the working database", self.path)
        tmp = self.work_path.with_suffix(".adopting")
        remove_database(tmp)
        try:
            with duckdb.connect(":memory:") as con:
                con.execute(f"attach '{quoted_path(self.path)}' as pub (read_only)")
                con.execute(f"attach '{quoted_path(tmp)}' as work")
                con.execute("copy from database pub to work")
                con.execute("detach work")
        except duckdb.Error as exc:
            remove_database(tmp)
            raise path_error(self.path, exc) from None
        os.replace(tmp, self.work_path)


def load_destination(path: Path) -> dlt.destinations.duckdb:
    """dlt's DuckDB destination for `path`: its memory capped (`load_memory_cap`, sized
    again before every chunk by `size_load`) and one thread, since a load merges a chunk of
    days, where a second thread bought nothing measurable and held a second set of buffers
    (about 45 MB of a 1M-recording backfill's peak, benchmarks/memory.py)."""
    config = {"memory_limit": load_memory_cap(_size(path)), "threads": 1}
    return answered_once(
        dlt.destinations.duckdb(DuckDbCredentials(str(path), global_config=config))
    )


def size_load(pipeline: dlt.Pipeline, path: Path) -> None:
    """The load cap of `pipeline` (made by `load_destination`) sized to `path` as it is now:
    dlt reads its credentials' settings on every connection it opens."""
    credentials = pipeline.destination.config_params.get("credentials")
    if isinstance(credentials, DuckDbCredentials) and credentials.global_config is not None:
        credentials.global_config["memory_limit"] = load_memory_cap(_size(path))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def check_readable(path: Path) -> None:
    """One clear error for a warehouse path a reader cannot open (exit 78 or 75)."""
    if not path.exists():
        raise ConfigurationError(
            f"no warehouse at {path}: check --warehouse, or run `pageflow sync` first"
        )
    not_a_directory(path)
    try:
        with path.open("rb") as handle:
            header = handle.read(12)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from None
    if header[8:12] != DUCKDB_MAGIC:
        raise ConfigurationError(f"{path} is not a DuckDB database file")
    refuse_if_held(path)


def refuse_if_held(path: Path) -> None:
    """`WarehouseHeld` when another program holds `path` read-write (nothing if absent)."""
    holder = writer_holding(path)
    if holder is not None:
        raise WarehouseHeld(path, holder)


def remove_database(path: Path) -> None:
    """Delete a DuckDB file and its WAL, if there."""
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def writer_holding(path: Path) -> str | None:
    """Who holds `path` read-write (DuckDB takes a POSIX write lock), or None.

    Probed with a shared lock that is released at once; a read-only DuckDB reader holds a
    shared lock too, so readers never count as writers.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EAGAIN):
            raise
        return "a process with it open read-write"
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


_PID = re.compile(r"PID (\d+)")


def path_error(path: Path, exc: duckdb.Error) -> Exception:
    """A DuckDB error on opening `path`, as one line a user can act on."""
    text = str(exc)
    if "lock" in text.lower():
        match = _PID.search(text)
        return WarehouseHeld(path, f"pid {match.group(1)}" if match else "another process")
    first = first_line(exc)
    return ConfigurationError(f"cannot open {path} as a DuckDB database: {first}")
