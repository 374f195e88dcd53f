"""`pageflow report`: one self-contained HTML file with the charts an analyst looks at first.

Charts are drawn by matplotlib as inline SVG: no JavaScript, no fonts or scripts fetched
from anywhere, so the file works offline, in a mail attachment and on a locked-down BI
host; text stays text (searchable, and what a test reads). Everything is read from the
published warehouse's marts, as any reader would.
"""

from __future__ import annotations

import html
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.readers import sections as charts
from pipelines.readers.page import PAGE
from pipelines.store.paths import parent_must_exist
from pipelines.store.sql import table_exists
from pipelines.store.warehouse import Warehouse
from sources.shared.errors import ConfigurationError


def write_report(warehouse: Warehouse, out: Path, days: int = 28) -> Path:
    """Write the report for the last `days` days of data to `out` (atomically)."""
    if days < 1:
        raise ConfigurationError("--days must be at least 1")
    out = out.expanduser().resolve()
    if out.is_dir():
        raise ConfigurationError(f"{out} is a directory: --out names the HTML file")
    parent_must_exist(out)
    with warehouse.connect() as con:
        if not _has_marts(con):
            raise ConfigurationError(
                f"{warehouse.name} has no marts yet: run `pageflow sync` (or `models`) first"
            )
        text = render(con, days, warehouse.name)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, out)
    except OSError as exc:
        raise ConfigurationError(f"cannot write {out}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return out


def render(con: duckdb.DuckDBPyConnection, days: int, source: str) -> str:
    """The whole HTML document."""
    bounds = con.execute("select min(day), max(day) from analytics.daily_traffic").fetchone()
    start, end = bounds if bounds else (None, None)
    if end is None:
        period = "no data yet"
        first = None
    else:
        # the last `days` days of data, but never before the data starts
        first = max(end - timedelta(days=days - 1), start)
        period = f"{first} to {end} ({(end - first).days + 1} days)"
    where = f"day between date '{first}' and date '{end}'" if end else "false"
    sections = [
        ("traffic", "Sessions and conversion", charts.traffic(con, where)),
        ("side-by-side", "The vendors side by side", charts.side_by_side(con, where)),
        ("funnels", "Funnels step by step", charts.funnels(con, where)),
        ("forms", "Forms", charts.forms(con, where)),
        ("feedback", "Customer feedback", charts.feedback(con, where)),
        ("disagreements", "Largest disagreements beyond noise", charts.disagreements(con, where)),
    ]
    body = "\n".join(
        f'<section id="{key}"><h2>{html.escape(title)}</h2>\n{content}</section>'
        for key, title, content in sections
    )
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return PAGE.format(
        period=html.escape(period),
        source=html.escape(source),
        made=made,
        body=body,
    )


def _has_marts(con: duckdb.DuckDBPyConnection) -> bool:
    return all(table_exists(con, "analytics", t) for t in ("daily_traffic", "vendor_comparison"))
