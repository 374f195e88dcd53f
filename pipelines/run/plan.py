"""Planning a vendor's run: which windows, in which chunks, and which earlier ones to redo.

Pure functions of the websites, the saved positions and the settings (the gaps the ledger
records are handed in), so the plan can be tested without a pipeline or a server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import groupby

import dlt

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


def saved_positions(pipeline: dlt.Pipeline, vendor: str) -> dict[str, dict[str, str]]:
    sources = pipeline.state.get("sources", {})
    return dict(sources.get(vendor, {}).get("positions", {}))
