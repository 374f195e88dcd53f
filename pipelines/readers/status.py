"""What `pageflow status` and the demo print: read from the published warehouse, as text
or JSON. The rows come from the ledger (`pipelines.ledger`); this module formats them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipelines import VENDORS
from pipelines.ledger import failures as ledger_failures
from pipelines.ledger import windows as ledger
from pipelines.ledger.windows import STATUS_COLUMNS
from pipelines.store.sql import table_exists
from pipelines.store.warehouse import Warehouse
from pipelines.vendors import registrations


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def status_rows(warehouse: Warehouse) -> list[tuple[Any, ...]]:
    """Per vendor, website and resource: synced through, last run, windows, rows, gaps."""
    with warehouse.connect() as con:
        return ledger.status_rows(con, VENDORS)


def failure_rows(warehouse: Warehouse) -> list[tuple[Any, ...]]:
    """What each vendor's last run could not do: website, resource, first failed day, why."""
    with warehouse.connect() as con:
        return ledger_failures.failure_rows(con, VENDORS)


@dataclass(frozen=True)
class Status:
    """What `pageflow status` prints, and what it alerts on (exit 3 when any)."""

    text: str
    problems: list[str]


def status(warehouse: Warehouse, max_age_hours: float, as_json: bool, now: datetime) -> Status:
    """The warehouse's status as a table (or JSON), and its problems; `now` is naive UTC."""
    rows, failed = status_rows(warehouse), failure_rows(warehouse)
    found = problems(rows, failed, max_age_hours, now)
    if not rows:
        found.insert(0, "nothing synced yet")
    chosen = selected()
    if as_json:
        text = status_json(warehouse, rows, failed, found, max_age_hours, chosen)
        return Status(text, found)
    lines = "; ".join(f"{vendor}: {', '.join(names)}" for vendor, names in chosen.items())
    return Status(f"{status_text(warehouse, rows, failed)}\n\nresources synced: {lines}", found)


def selected() -> dict[str, list[str]]:
    """Per vendor, the resources its settings choose (`SOURCES__<VENDOR>__RESOURCES`)."""
    return {r.name: list(r.selected()) for r in registrations()}


def problems(
    rows: list[tuple[Any, ...]],
    failed: list[tuple[Any, ...]],
    max_age_hours: float,
    now: datetime,
) -> list[str]:
    """What an operator should be alerted to: gaps, stale resources, last run's failures."""
    out = []
    gaps = [r for r in rows if r[8]]
    if gaps:
        out.append(
            f"{len(gaps)} resources with gaps ("
            + ", ".join(f"{r[0]} {r[1]} {r[2]}: {r[8]} days" for r in gaps[:3])
            + (", ..." if len(gaps) > 3 else "")
            + ")"
        )
    cutoff = now - timedelta(hours=max_age_hours)
    stale = [r for r in rows if r[4] is None or datetime.fromisoformat(r[4]) < cutoff]
    if stale:
        oldest = min((r[4] for r in stale if r[4]), default="never")
        out.append(
            f"{len(stale)} resources not synced for more than {max_age_hours:g} hours "
            f"(oldest last run {oldest} UTC)"
        )
    if failed:
        out.append(f"{len(failed)} resources failed in the last run")
    return out


def status_json(
    warehouse: Warehouse,
    rows: list[tuple[Any, ...]],
    failed: list[tuple[Any, ...]],
    found: list[str],
    max_age_hours: float,
    chosen: dict[str, list[str]] | None = None,
) -> str:
    """The status for machines: every resource (with its site), the last run's failures
    and the verdict."""
    names = site_names(warehouse)
    document: dict[str, Any] = {
        "warehouse": warehouse.name,
        "healthy": not found,
        "problems": found,
        "max_age_hours": max_age_hours,
        "resources": [
            {**dict(zip(STATUS_COLUMNS, row, strict=True)), "site": names.get((row[0], row[1]))}
            for row in rows
        ],
        "failures": [
            dict(zip(("vendor", "website_id", "resource", "day", "error"), row, strict=True))
            for row in failed
        ],
    }
    if chosen is not None:
        document["selected"] = chosen
    return json.dumps(document, indent=2, default=str)


def status_text(
    warehouse: Warehouse,
    rows: list[tuple[Any, ...]] | None = None,
    failed: list[tuple[Any, ...]] | None = None,
) -> str:
    rows = status_rows(warehouse) if rows is None else rows
    failed = failure_rows(warehouse) if failed is None else failed
    if not rows and not failed:
        return f"{warehouse.name}: nothing synced yet"
    names = site_names(warehouse)
    if failed:
        note = "\n\nfailed in the last run (the next run fetches them again):\n"
        return (
            status_table(rows, names)
            + note
            + table(("vendor", "website", "resource", "from day", "error"), failed)
        )
    return status_table(rows, names)


def site_names(warehouse: Warehouse) -> dict[tuple[str, str], str]:
    """(vendor, website_id) -> the site it belongs to (`analytics.sites`), when built."""
    with warehouse.connect() as con:
        if not table_exists(con, "analytics", "sites"):
            return {}
        rows = con.execute("select vendor, website_id, site from analytics.sites").fetchall()
    return {(vendor, website_id): site for vendor, website_id, site in rows}


def status_table(
    rows: list[tuple[Any, ...]], names: dict[tuple[str, str], str] | None = None
) -> str:
    """The status rows with each website's site name beside its id."""
    names = names or {}
    headers = (
        "vendor",
        "website",
        "site",
        "resource",
        "synced through",
        "last run (UTC)",
        "days",
        "rows",
        "checked",
        "gaps",
    )
    named = [(r[0], r[1], names.get((r[0], r[1]), ""), *r[2:]) for r in rows]
    return table(headers, named)


def marts_summary(warehouse: Warehouse, top: int = 5) -> str:
    """Per site and vendor: days, sessions, conversion; then the largest disagreements."""
    with warehouse.connect() as con:
        if not table_exists(con, "analytics", "daily_traffic"):
            return "no models built yet"
        per_site = con.sql(
            """
            with traffic as (
                select site, vendor, count(*) as days, sum(sessions) as sessions
                from analytics.daily_traffic group by site, vendor
            ),
            conversion as (
                select site, vendor, sum(converted_sessions) / sum(sessions) as rate
                from analytics.session_conversion group by site, vendor
            )
            select traffic.site, traffic.vendor, traffic.days, traffic.sessions,
                printf('%.1f%%', 100 * conversion.rate)
            from traffic left join conversion using (site, vendor)
            order by traffic.site, traffic.vendor
            """
        ).fetchall()
        disagreements = con.sql(
            f"""
            select site, day, metric, coalesce(subject, ''),
                {_side("pagesense")}, {_side("mouseflow")},
                printf('%+.0f%%', 100 * relative_difference), round(z_score, 1)
            from analytics.vendor_comparison
            where not within_noise and relative_difference is not null
            order by abs(z_score) desc, site, day, metric
            limit {int(top)}
            """
        ).fetchall()
    parts = [table(("site", "vendor", "days", "sessions", "converted"), per_site)]
    if disagreements:
        parts.append("largest vendor disagreements beyond noise (mouseflow vs pagesense, by |z|):")
        parts.append(
            table(
                ("site", "day", "metric", "subject", "pagesense", "mouseflow", "difference", "z"),
                disagreements,
            )
        )
    else:
        parts.append("no vendor disagreement beyond noise")
    return "\n\n".join(parts)


def _side(vendor: str) -> str:
    """A comparison side as text: '3/9 (0.333)' for a rate, the count for a count."""
    return (
        f"case when {vendor}_denominator is null then cast({vendor}_numerator as varchar) "
        f"else printf('%d/%d (%.3f)', {vendor}_numerator, {vendor}_denominator, "
        f"{vendor}_value) end"
    )
