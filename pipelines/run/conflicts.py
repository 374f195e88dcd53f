"""Row ids that move between days: resolved before a chunk is committed.

A vendor may answer a row (a recording, say) for one day that an earlier run loaded under
another day of the same website (its start time restated across midnight). Both copies
would land, and the models' uniqueness test would stop every later build. The rule: **the
vendor's newest answer wins**. It applies to every resource whose declaration names a
`unique_id` (`sources.shared.declare.Resource`). Before the chunk is committed, the older
copy is deleted and the day it was under is marked for a re-fetch in the ledger
(`pipelines.ledger.windows.mark_refetch`), so `status` shows it as a gap and the next
incremental run fetches that day again. The warning names the row and both days. (Within
one chunk the two answers are equally new: that is an error naming both windows; see
`sources.shared.resources`.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from pipelines.ledger import windows as ledger
from pipelines.store.sql import table_exists
from pipelines.store.warehouse import Warehouse
from sources.shared.declare import Fetched, Resource
from sources.shared.vendor import Registration
from sources.shared.windows import Window

log = logging.getLogger("pageflow.sync")


@dataclass(frozen=True)
class Moved:
    website_id: str
    id: str
    old_day: date
    new_day: date


def resolve_moved_rows(
    warehouse: Warehouse, vendor: Registration, results: Mapping[Window, Future[Fetched]]
) -> list[Moved]:
    """For each resource with a `unique_id`: delete older copies of the chunk's rows
    filed under other days, and mark those days for a re-fetch. Returns what moved."""
    moved: list[Moved] = []
    if not warehouse.has_data():
        return moved
    for resource in vendor.resources:
        if resource.unique_id:
            moved += _resolve(warehouse, vendor.name, resource, results)
    return moved


def _resolve(
    warehouse: Warehouse,
    vendor: str,
    resource: Resource,
    results: Mapping[Window, Future[Fetched]],
) -> list[Moved]:
    table, key = resource.name, resource.unique_id
    fetched = [
        (window, items)
        for window, future in results.items()
        if window.resource == resource.name and future.done() and not future.exception()
        for items in [future.result()[0]]
    ]
    tables = [t for _, items in fetched for t in items if isinstance(t, pa.Table)]
    if not tables:
        return []
    new = pa.concat_tables([t.select(["website_id", key, "day"]) for t in tables])
    new = new.rename_columns(["website_id", "id", "day"])
    days = pa.table(
        {
            "website_id": [w.website_id for w, _ in fetched],
            "day": pa.array([w.day for w, _ in fetched], pa.date32()),
        }
    )
    with warehouse.connect_work() as con:
        if not table_exists(con, vendor, table):
            return []
        con.register("chunk_new", new)
        con.register("chunk_days", days)
        rows = con.execute(
            f"""
            select old.website_id, old."{key}", old.day, new.day
            from "{vendor}"."{table}" as old
            join chunk_new as new on old.website_id = new.website_id and old."{key}" = new.id
            where old.day <> new.day
                and not exists (
                    select 1 from chunk_days as c
                    where c.website_id = old.website_id and c.day = old.day
                )
            """
        ).fetchall()
        moved = [Moved(*row) for row in rows]
        if moved:
            con.begin()
            con.executemany(
                f'delete from "{vendor}"."{table}" where website_id = ? and "{key}" = ? '
                "and day = ?",
                [(m.website_id, m.id, m.old_day) for m in moved],
            )
            ledger.mark_refetch(con, vendor, [(m.website_id, table, m.old_day) for m in moved])
            con.commit()
    for item in moved:
        log.warning(
            "%s: website %s: %s %s came in the answer for %s and was loaded under %s "
            "before; the newest answer wins, %s will be fetched again",
            vendor,
            item.website_id,
            table.removesuffix("s"),
            item.id,
            item.new_day,
            item.old_day,
            item.old_day,
        )
    return moved
