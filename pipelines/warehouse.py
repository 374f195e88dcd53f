"""The warehouse file, the folder beside it, the per-warehouse lock, and dlt pipelines on it.

Everything a sync keeps lives in the DuckDB file or in `<file>.pageflow/` beside it, so two
warehouses never share anything; deleting that folder loses nothing because dlt restores
its state from the warehouse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dlt
import duckdb
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from pipelines.config import load_memory_limit
from pipelines.lock import SyncLock, folder_beside


@dataclass(frozen=True)
class Warehouse:
    path: Path

    @classmethod
    def at(cls, path: str | os.PathLike[str]) -> Warehouse:
        return cls(Path(path).expanduser().resolve())

    @property
    def folder(self) -> Path:
        return folder_beside(self.path)

    @property
    def pipelines_dir(self) -> Path:
        return self.folder / "dlt"

    def pipeline(self, vendor: str) -> dlt.Pipeline:
        """The dlt pipeline loading `vendor` into its own dataset (schema) of this warehouse."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.pipeline(
            pipeline_name=f"pageflow_{vendor}",
            destination=load_destination(self.path),
            dataset_name=vendor,
            pipelines_dir=str(self.pipelines_dir),
        )

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=read_only)

    def lock(self) -> SyncLock:
        return SyncLock(self.path)


def load_destination(path: Path) -> dlt.destinations.duckdb:
    """dlt's DuckDB destination for `path`, its memory capped (see `load_memory_limit`)."""
    credentials = DuckDbCredentials(str(path), global_config={"memory_limit": load_memory_limit()})
    return dlt.destinations.duckdb(credentials)
