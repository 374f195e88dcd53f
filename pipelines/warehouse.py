"""The warehouse file, the folder beside it, the per-warehouse lock, and dlt pipelines on it.

Everything a sync keeps lives in the DuckDB file or in `<file>.pageflow/` beside it, so two
warehouses never share anything; deleting that folder loses nothing because dlt restores
its state from the warehouse.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import dlt
import duckdb

from sources._http import EXIT_TEMPFAIL, PageflowError


class WarehouseBusy(PageflowError):
    """Another sync holds this warehouse."""

    exit_code = EXIT_TEMPFAIL


@dataclass(frozen=True)
class Warehouse:
    path: Path

    @classmethod
    def at(cls, path: str | os.PathLike[str]) -> Warehouse:
        return cls(Path(path).expanduser().resolve())

    @property
    def folder(self) -> Path:
        return self.path.with_name(self.path.name + ".pageflow")

    @property
    def pipelines_dir(self) -> Path:
        return self.folder / "dlt"

    def pipeline(self, vendor: str) -> dlt.Pipeline:
        """The dlt pipeline loading `vendor` into its own dataset (schema) of this warehouse."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.pipeline(
            pipeline_name=f"pageflow_{vendor}",
            destination=dlt.destinations.duckdb(str(self.path)),
            dataset_name=vendor,
            pipelines_dir=str(self.pipelines_dir),
        )

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=read_only)

    def lock(self) -> SyncLock:
        return SyncLock(self.folder / "sync.lock", self.path)


class SyncLock:
    """An exclusive, non-blocking flock: the kernel drops it when its process dies."""

    def __init__(self, lock_path: Path, warehouse_path: Path) -> None:
        self.lock_path = lock_path
        self.warehouse_path = warehouse_path
        self._fd: int | None = None

    def __enter__(self) -> SyncLock:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise WarehouseBusy(
                f"another sync holds {self.warehouse_path} (pid {holder}); try again later"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
