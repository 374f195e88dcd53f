"""`<vendor>.sync_failures`: the windows whose endpoint failed in a vendor's last run.

One row per (website, resource) that stopped, with the first failed day and the error.
Each run of the vendor replaces it, so it always shows what the last run could not do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb

from pipelines.ledger.tables import FAILURES
from pipelines.store.sql import table_exists
from sources.shared.resources import Failures


def record_failures(con: duckdb.DuckDBPyConnection, vendor: str, failures: Failures) -> None:
    """Replace the vendor's failures with this run's."""
    now = datetime.now(UTC)
    rows = [(exc.website_id, "websites", None, str(exc), now) for exc in failures.websites]
    rows += [(w.website_id, w.resource, w.day, str(exc), now) for w, exc in failures.first.values()]
    con.execute(f'create schema if not exists "{vendor}"')
    con.execute(FAILURES.ddl(vendor))
    con.execute(f'delete from "{vendor}".{FAILURES.name}')
    if rows:
        marks = ", ".join("?" * len(FAILURES.columns))
        con.executemany(f'insert into "{vendor}".{FAILURES.name} values ({marks})', rows)


def failure_rows(con: duckdb.DuckDBPyConnection, vendors: Iterable[str]) -> list[tuple[Any, ...]]:
    """What each vendor's last run could not do: vendor, website, resource, first failed
    day, why."""
    rows: list[tuple[Any, ...]] = []
    for vendor in vendors:
        if table_exists(con, vendor, FAILURES.name):
            rows += con.execute(
                f"select ?, website_id, resource, day, error "
                f'from "{vendor}".{FAILURES.name} order by website_id, resource',
                [vendor],
            ).fetchall()
    return rows
