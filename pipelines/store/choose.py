"""Which kind of warehouse `--warehouse` names: a DuckDB file (the default) or a lake.

Light on purpose (no dlt, no DuckDB at import): the CLI asks before taking the lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from pipelines.store.paths import is_lake

if TYPE_CHECKING:
    from pipelines.store.lake import Lake
    from pipelines.store.warehouse import Warehouse

    AnyWarehouse: TypeAlias = Warehouse | Lake

__all__ = ["is_lake", "open_warehouse"]


def open_warehouse(spec: str | Path) -> AnyWarehouse:
    """The warehouse `spec` names: `ducklake:postgres:...` is a lake, anything else a file."""
    if isinstance(spec, str) and is_lake(spec):
        from pipelines.store.lake import Lake

        return Lake.at(spec)
    from pipelines.store.warehouse import Warehouse

    return Warehouse.at(spec)
