"""Raw vendor tables seeded by hand, the way dlt leaves them (with _dlt_load_id/_dlt_loads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.store.warehouse import Warehouse

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


INTERFACE = {  # the columns ../shared/spec/interface.md promises, in its order
    "sites": "site, vendor, website_id, website_name, domain, timezone",
    "daily_traffic": "site, vendor, website_id, day, sessions, page_views, "
    "avg_session_seconds, bounce_rate",
    "funnel_conversion": "site, vendor, website_id, funnel_id, funnel_name, day, step_number, "
    "step_name, visitors, conversion_from_start, conversion_from_previous",
    "form_conversion": "site, vendor, website_id, form_id, form_name, day, views, interactions, "
    "submissions, successes, interaction_rate, submission_rate, success_rate",
    "session_conversion": "site, vendor, website_id, day, device, country_code, sessions, "
    "converted_sessions, conversion_rate",
    "vendor_comparison": "site, day, metric, subject, pagesense_value, mouseflow_value, "
    "difference, relative_difference",
}


def mart(path: Path, table: str, order: str) -> list[tuple[Any, ...]]:
    """The mart's rows in the interface's columns (is_final and the columns added since
    are asserted on their own); a mart the interface does not name: every column."""
    with duckdb.connect(str(path), read_only=True) as con:
        columns = INTERFACE.get(table, "* exclude (is_final)")
        return con.execute(f"select {columns} from analytics.{table} order by {order}").fetchall()


def work_db(folder: Path, name: str = "warehouse.duckdb") -> Path:
    """The working database of the warehouse `folder/name`, where the models build."""
    path = Warehouse.at(folder / name).work_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_of(work: Path) -> Warehouse:
    """The warehouse whose working database is `work`."""
    return Warehouse.at(work.parent.with_name(work.parent.name.removesuffix(".pageflow")))
