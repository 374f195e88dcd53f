"""Planning a vendor's run: which windows, in which chunks, and which earlier ones to redo.

Pure functions of the websites, the saved positions and the settings (plus the audit table
for gaps), so the plan can be tested without a pipeline or a server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import groupby

import dlt

from pipelines.warehouse import Warehouse
from sources.shared.vendor import Website
from sources.shared.windows import Window, chunked, days_between, incremental_days, yesterday

log = logging.getLogger("pageflow.sync")


def plan_windows(
    websites: Sequence[Website],
    resources: Sequence[str],
    positions: Mapping[str, Mapping[str, str]],
    *,
    start_date: date,
    lookback_days: int,
    explicit: tuple[date, date] | None = None,
) -> list[Window]:
    """Every window to fetch, website by website, day by day, resource by resource."""
    windows = []
    for site in websites:
        for resource in resources:
            if explicit is not None:
                days = days_between(*explicit)
            else:
                saved = positions.get(site.website_id, {}).get(resource)
                days = incremental_days(
                    date.fromisoformat(saved) if saved else None,
                    start_date,
                    lookback_days,
                    yesterday(site.timezone),
                )
            windows.extend(Window(site.website_id, resource, day) for day in days)
    windows.sort(key=lambda w: (w.website_id, w.day, resources.index(w.resource)))
    return windows


def chunk_windows(windows: Iterable[Window], chunk_days: int) -> list[list[Window]]:
    """Windows grouped into commits of at most `chunk_days` website-days."""
    groups = [list(g) for _, g in groupby(windows, key=lambda w: (w.website_id, w.day))]
    return [[w for group in batch for w in group] for batch in chunked(groups, chunk_days)]


def with_gaps(windows: list[Window], gaps: Iterable[Window]) -> list[Window]:
    """The plan plus earlier windows whose loaded rows did not add up, each once."""
    planned = set(windows)
    extra = [w for w in gaps if w not in planned]
    if not extra:
        return windows
    log.warning("re-fetching %d earlier windows that did not add up", len(extra))
    return sorted([*windows, *extra], key=lambda w: (w.website_id, w.day, w.resource))


# A window that did not add up: its loaded figure differs from the vendor's claim, or it
# was marked for a re-fetch (loaded null). Unchecked windows (no claim) are never gaps.
GAP = "(loaded is distinct from expected and (expected is not null or loaded is null))"


def gap_windows(warehouse: Warehouse, vendor: str, websites: Sequence[Website]) -> list[Window]:
    """Windows the audit table records as incomplete (loaded differs from expected)."""
    if not warehouse.has_data():
        return []
    wanted = {w.website_id for w in websites}
    with warehouse.connect_work() as con:
        found = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = 'sync_windows'",
            [vendor],
        ).fetchall()
        if not found[0][0]:
            return []
        rows = con.execute(
            f'select website_id, resource, day from "{vendor}".sync_windows where {GAP}'
        ).fetchall()
    return [Window(site, resource, day) for site, resource, day in rows if site in wanted]


def saved_positions(pipeline: dlt.Pipeline, vendor: str) -> dict[str, dict[str, str]]:
    sources = pipeline.state.get("sources", {})
    return dict(sources.get(vendor, {}).get("positions", {}))
