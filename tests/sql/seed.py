"""Raw vendor tables seeded by hand, the way dlt leaves them (with _dlt_load_id/_dlt_loads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.warehouse import Warehouse

DONE, PENDING = "1000.1", "1000.2"  # a completed load and one that never finished


def seed(path: Path, tables: dict[str, tuple[dict[str, str], list[tuple[Any, ...]]]]) -> None:
    """`tables`: "vendor.table" -> ({column: type}, rows); each row gets the DONE load id
    unless it carries one more value (its own load id)."""
    with duckdb.connect(str(path)) as con:
        for name, (columns, rows) in tables.items():
            schema = name.split(".")[0]
            con.execute(f"create schema if not exists {schema}")
            con.execute(
                f"create table if not exists {schema}._dlt_loads (load_id varchar, status bigint)"
            )
            con.execute(f"delete from {schema}._dlt_loads")
            con.execute(f"insert into {schema}._dlt_loads values ('{DONE}', 0), ('{PENDING}', 1)")
            cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
            con.execute(f"create or replace table {name} ({cols}, _dlt_load_id varchar)")
            width = len(columns)
            for row in rows:
                load = row[width] if len(row) > width else DONE
                marks = ", ".join("?" for _ in range(width + 1))
                con.execute(f"insert into {name} values ({marks})", [*row[:width], load])


def mart(path: Path, table: str, order: str) -> list[tuple[Any, ...]]:
    """The mart's rows in the interface's columns (is_final is asserted on its own)."""
    with duckdb.connect(str(path), read_only=True) as con:
        columns = {row[0] for row in con.execute(f"describe analytics.{table}").fetchall()}
        exclude = " exclude (is_final)" if "is_final" in columns else ""
        return con.execute(f"select *{exclude} from analytics.{table} order by {order}").fetchall()


def work_db(folder: Path, name: str = "warehouse.duckdb") -> Path:
    """The working database of the warehouse `folder/name`, where the models build."""
    path = Warehouse.at(folder / name).work_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_of(work: Path) -> Warehouse:
    """The warehouse whose working database is `work`."""
    return Warehouse.at(work.parent.with_name(work.parent.name.removesuffix(".pageflow")))
