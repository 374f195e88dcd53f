"""`<vendor>.sync_windows`: written with each chunk's load, read for gaps, status and the
superseded-window rule, updated when a window must be fetched again."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

import dlt
import duckdb

from pipelines.ledger.tables import WINDOWS
from pipelines.store.sql import table_exists
from sources.shared.resources import Entry
from sources.shared.windows import Window

HINTS = dlt.mark.make_hints(
    table_name=WINDOWS.name,
    primary_key=list(WINDOWS.grain),
    write_disposition="merge",
)

# A window that did not add up: its loaded figure differs from the vendor's claim, or it
# was marked for a re-fetch (loaded null). Unchecked windows (no claim) are never gaps.
GAP = "(loaded is distinct from expected and (expected is not null or loaded is null))"


def record(entries: list[Entry]) -> Any:
    """A chunk's window claims as one dlt item for `sync_windows` (`Chunk.ledger`): they
    are committed with the rows they describe, in the same load."""
    now = datetime.now(UTC)
    rows = [
        {
            "website_id": window.website_id,
            "resource": window.resource,
            "day": window.day,
            "rows": claim.rows,
            "claim": name if claim.expected is not None else None,
            "expected": claim.expected,
            "loaded": claim.rows if claim.loaded is None else claim.loaded,
            "synced_at": now,
        }
        for window, name, claim in entries
    ]
    return dlt.mark.with_hints(rows, HINTS, create_table_variant=True)


def gap_windows(
    con: duckdb.DuckDBPyConnection, vendor: str, website_ids: Collection[str]
) -> list[Window]:
    """Windows recorded as incomplete (see `GAP`) for the given websites."""
    if not table_exists(con, vendor, WINDOWS.name):
        return []
    rows = con.execute(
        f'select website_id, resource, day from "{vendor}".{WINDOWS.name} where {GAP}'
    ).fetchall()
    return [Window(site, resource, day) for site, resource, day in rows if site in website_ids]


def mark_refetch(
    con: duckdb.DuckDBPyConnection, vendor: str, windows: Iterable[tuple[str, str, Any]]
) -> None:
    """Mark (website_id, resource, day) windows incomplete (`loaded` null): `status` shows
    them as gaps and the next incremental run fetches them again. In the caller's
    transaction."""
    con.executemany(
        f'update "{vendor}".{WINDOWS.name} set loaded = null '
        "where website_id = ? and resource = ? and day = ?",
        sorted(set(windows)),
    )


def audited(columns: Collection[str]) -> bool:
    """Whether a `sync_windows` with these columns records which load fetched a window
    (older pageflows' did not: then nothing is superseded by it)."""
    return {"_dlt_load_id", "resource"} <= set(columns)


def superseded(vendor: str, resource: str, completed: str) -> str:
    """The predicate on raw row `t` of `resource`: a later completed load (`completed` is
    a query of load ids) fetched its window again, so the row is no longer the vendor's
    answer."""
    return (
        f'exists (select 1 from "{vendor}".{WINDOWS.name} as w'
        f" where w.resource = '{resource}' and w.website_id = t.website_id"
        f" and w.day = t.day and w._dlt_load_id in ({completed})"
        " and cast(w._dlt_load_id as double) > cast(t._dlt_load_id as double))"
    )


STATUS_COLUMNS = (
    "vendor",
    "website_id",
    "resource",
    "synced_through",
    "last_run_utc",
    "days",
    "rows",
    "checked",
    "gaps",
)


def status_rows(con: duckdb.DuckDBPyConnection, vendors: Iterable[str]) -> list[tuple[Any, ...]]:
    """Per vendor, website and resource: synced through, last run, windows, rows, gaps
    (`STATUS_COLUMNS`)."""
    rows: list[tuple[Any, ...]] = []
    for vendor in vendors:
        if not table_exists(con, vendor, WINDOWS.name):
            continue
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = "
                "current_database() and table_schema = ? and table_name = ?",
                [vendor, WINDOWS.name],
            ).fetchall()
        }
        # audit rows written before `rows` and `claim` existed count as checked
        rows_sql = "coalesce(rows, loaded)" if "rows" in columns else "loaded"
        checked = "claim is not null" if "claim" in columns else "expected is not null"
        rows += con.execute(
            f"""
            select
                ? as vendor,
                website_id,
                resource,
                max(day) as synced_through,
                -- in UTC whatever the machine's zone (DuckDB prints in the local one)
                strftime(timezone('UTC', max(synced_at)), '%Y-%m-%d %H:%M:%S')
                    as last_run_utc,
                count(*) as days,
                sum({rows_sql}) as rows_loaded,
                count(*) filter (where {checked}) as checked,
                count(*) filter (where {GAP}) as gaps
            from "{vendor}".{WINDOWS.name}
            group by all
            order by website_id, resource
            """,
            [vendor],
        ).fetchall()
    return rows
