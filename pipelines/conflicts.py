"""Recording ids that move between days: resolved before a chunk is committed.

A vendor may answer a recording for one day that an earlier run loaded under another day
of the same website (its start time restated across midnight, say). Both copies would
land, and the models' uniqueness test would stop every later build. The rule: **the
vendor's newest answer wins**. Before the chunk is committed, the older copy is deleted
and the day it was under is marked incomplete in `sync_windows` (`loaded` null), so
`status` shows it as a gap and the next incremental run fetches that day again. The
warning names the recording and both days. (Within one chunk the two answers are equally
new: that is an error naming both windows; see `sources.shared.resources`.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from pipelines.warehouse import Warehouse
from sources.shared.resources import Fetched
from sources.shared.windows import Window

log = logging.getLogger("pageflow.sync")
RESOURCE = "recordings"


@dataclass(frozen=True)
class Moved:
    website_id: str
    id: str
    old_day: date
    new_day: date


def resolve_moved_recordings(
    warehouse: Warehouse, vendor: str, results: Mapping[Window, Future[Fetched]]
) -> list[Moved]:
    """Delete older copies of the chunk's recordings filed under other days; mark those
    days as gaps. Returns what moved."""
    fetched = [
        (window, items)
        for window, future in results.items()
        if window.resource == RESOURCE and future.done() and not future.exception()
        for items in [future.result()[0]]
    ]
    tables = [t for _, items in fetched for t in items if isinstance(t, pa.Table)]
    if not tables or not warehouse.has_data():
        return []
    new = pa.concat_tables([t.select(["website_id", "id", "day"]) for t in tables])
    days = pa.table(
        {
            "website_id": [w.website_id for w, _ in fetched],
            "day": pa.array([w.day for w, _ in fetched], pa.date32()),
        }
    )
    with warehouse.connect_work() as con:
        found = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [vendor, RESOURCE],
        ).fetchall()
        if not found[0][0]:
            return []
        con.register("chunk_new", new)
        con.register("chunk_days", days)
        rows = con.execute(
            f"""
            select old.website_id, old.id, old.day, new.day
            from "{vendor}".{RESOURCE} as old
            join chunk_new as new on old.website_id = new.website_id and old.id = new.id
            where old.day <> new.day
                and not exists (
                    select 1 from chunk_days as c
                    where c.website_id = old.website_id and c.day = old.day
                )
            """
        ).fetchall()
        moved = [Moved(*row) for row in rows]
        if moved:
            _drop_older_copies(con, vendor, moved)
    for item in moved:
        log.warning(
            "%s: website %s: recording %s came in the answer for %s and was loaded under %s "
            "before; the newest answer wins, %s will be fetched again",
            vendor,
            item.website_id,
            item.id,
            item.new_day,
            item.old_day,
            item.old_day,
        )
    return moved


def _drop_older_copies(con: duckdb.DuckDBPyConnection, vendor: str, moved: Iterable[Moved]) -> None:
    items = list(moved)
    con.begin()
    con.executemany(
        f'delete from "{vendor}".{RESOURCE} where website_id = ? and id = ? and day = ?',
        [(m.website_id, m.id, m.old_day) for m in items],
    )
    con.executemany(
        f'update "{vendor}".sync_windows set loaded = null '
        "where website_id = ? and resource = ? and day = ?",
        sorted({(m.website_id, RESOURCE, m.old_day) for m in items}),
    )
    con.commit()
