"""The windows whose endpoint failed in a vendor's last run, kept for `pageflow status`.

Table `<vendor>.sync_failures` in the working database (published with the rest): one row
per (website, resource) that stopped, with the first failed day and the error. Each run of
the vendor replaces it, so it always shows what the last run could not do.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipelines.warehouse import Warehouse
from sources.shared.resources import Failures


def record_failures(warehouse: Warehouse, vendor: str, failures: Failures) -> None:
    if not warehouse.has_data():
        return
    rows = [
        (w.website_id, w.resource, w.day, str(exc), datetime.now(UTC))
        for w, exc in failures.first.values()
    ]
    with warehouse.connect_work() as con:
        con.execute(f'create schema if not exists "{vendor}"')
        con.execute(
            f'create table if not exists "{vendor}".sync_failures (website_id varchar, '
            "resource varchar, day date, error varchar, failed_at timestamp with time zone)"
        )
        con.execute(f'delete from "{vendor}".sync_failures')
        if rows:
            con.executemany(f'insert into "{vendor}".sync_failures values (?, ?, ?, ?, ?)', rows)
