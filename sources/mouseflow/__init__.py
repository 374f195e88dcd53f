"""The Mouseflow dlt source: websites, recordings, page list, funnels, forms and feedback.

One source instance covers one chunk of windows (website x resource x local day); the run
loop in `pipelines/` decides which windows and commits each chunk with one `run()`.

    client = MouseflowClient(base_url, email, api_key)
    source = mouseflow_source(client, Chunk(windows), timezone_name="Europe/Berlin")
    pipeline.run(source)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from sources.mouseflow.client import MouseflowClient
from sources.mouseflow.fetch import Context
from sources.mouseflow.resources import RESOURCES
from sources.mouseflow.settings import VENDOR
from sources.shared import declare
from sources.shared.declare import Fetched
from sources.shared.resources import NOTHING, Chunk, positions_of, windowed_resources
from sources.shared.timestamps import ns_to_datetime, parse_instant_ns
from sources.shared.windows import Window


@dlt.source(name=VENDOR, max_table_nesting=0)
def mouseflow_source(
    client: MouseflowClient,
    chunk: Chunk = NOTHING,
    *,
    timezone_name: str = "UTC",
    workers: int = 4,
) -> list[DltResource]:
    """Resources for the chunk's windows; its `websites` (details with `domains`) are
    loaded when given."""
    resources: list[DltResource] = []
    if chunk.websites is not None:
        resources.append(websites_resource(list(chunk.websites), timezone_name))
    fetchers = mouseflow_fetchers(client, timezone_name)
    resources += windowed_resources(VENDOR, chunk, RESOURCES, fetchers, workers=workers)
    return resources


def mouseflow_fetchers(
    client: MouseflowClient, timezone_name: str
) -> dict[str, Callable[[Window], Fetched]]:
    """How each windowed resource fetches one window (thread-safe; no dlt inside)."""
    return declare.fetchers(RESOURCES, Context(client, timezone_name))


def websites_resource(websites: list[dict[str, Any]], timezone_name: str) -> DltResource:
    """Website details, `created` read in the account's zone (Mouseflow sends no offset)."""

    def rows() -> Iterator[dict[str, Any]]:
        for site in websites:
            row = dict(site)
            row["account_timezone"] = timezone_name  # Mouseflow days are the account's zone
            if isinstance(row.get("created"), str):
                row["created"] = ns_to_datetime(parse_instant_ns(row["created"], timezone_name))
            yield row

    return dlt.resource(rows(), name="websites", write_disposition="merge", primary_key="id")


__all__ = ["MouseflowClient", "mouseflow_fetchers", "mouseflow_source", "positions_of"]
