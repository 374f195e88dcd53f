"""What `pageflow status` and the demo print: read from the warehouse, formatted as text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from pipelines.vendors import VENDORS
from pipelines.warehouse import Warehouse


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _schemas(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    rows = con.sql("select table_schema, table_name from information_schema.tables").fetchall()
    return {(schema, name) for schema, name in rows}


def status_rows(warehouse: Warehouse) -> list[tuple[Any, ...]]:
    """Per vendor, website and resource: synced through, last run, windows, rows, gaps."""
    if not warehouse.path.exists():
        return []
    with warehouse.connect() as con:
        tables = _schemas(con)
        rows: list[tuple[Any, ...]] = []
        for vendor in VENDORS:
            if (vendor, "sync_windows") not in tables:
                continue
            rows += con.sql(
                f"""
                select
                    '{vendor}' as vendor,
                    website_id,
                    resource,
                    max(day) as synced_through,
                    strftime(max(synced_at), '%Y-%m-%d %H:%M:%S') as last_run_utc,
                    count(*) as days,
                    sum(loaded) as rows_loaded,
                    count(*) filter (where loaded <> expected) as gaps
                from "{vendor}".sync_windows
                group by all
                order by website_id, resource
                """
            ).fetchall()
        return rows


def status_text(warehouse: Warehouse) -> str:
    rows = status_rows(warehouse)
    if not rows:
        return f"{warehouse.path}: nothing synced yet"
    headers = (
        "vendor",
        "website",
        "resource",
        "synced through",
        "last run (UTC)",
        "days",
        "rows",
        "gaps",
    )
    return table(headers, rows)


def raw_summary(warehouse: Warehouse) -> str:
    """Per vendor and website: days, recordings, share converted, pages, funnels, forms."""
    with warehouse.connect() as con:
        tables = _schemas(con)
        parts = []
        if ("mouseflow", "recordings") in tables:
            rows = con.sql(
                """
                with recordings as (
                    select website_id, count(distinct day) as days, count(*) as recordings,
                        avg(pages) as pages_per_session,
                        avg(case when list_contains(tags::varchar[], 'submit') then 1 else 0 end)
                            as converted
                    from mouseflow.recordings group by website_id
                )
                select 'mouseflow', w.name, r.days, r.recordings,
                    round(r.pages_per_session, 2), printf('%.1f%%', 100 * r.converted)
                from recordings as r join mouseflow.websites as w on w.id = r.website_id
                order by w.name
                """
            ).fetchall()
            parts.append(
                table(
                    ("vendor", "website", "days", "recordings", "pages/session", "converted"), rows
                )
            )
        if ("pagesense", "recordings") in tables:
            rows = con.sql(
                """
                with recordings as (
                    select website_id, count(distinct day) as days, count(*) as recordings,
                        avg(page_views) as pages_per_session,
                        avg(case when converted then 1 else 0 end) as converted
                    from pagesense.recordings group by website_id
                )
                select 'pagesense', w.url, r.days, r.recordings,
                    round(r.pages_per_session, 2), printf('%.1f%%', 100 * r.converted)
                from recordings as r join pagesense.websites as w on w.id = r.website_id
                order by w.url
                """
            ).fetchall()
            parts.append(
                table(
                    ("vendor", "website", "days", "recordings", "pages/session", "converted"), rows
                )
            )
        if ("mouseflow", "funnel_steps") in tables:
            rows = con.sql(
                """
                select funnel_name, step_number, step_name, sum(count) as visitors
                from mouseflow.funnel_steps group by all order by funnel_name, step_number
                """
            ).fetchall()
            parts.append(table(("funnel", "step", "name", "visitors"), rows))
        return "\n\n".join(parts) if parts else "no data loaded"
