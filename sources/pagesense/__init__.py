"""The PageSense dlt source: websites, definitions, recordings, heatmaps, funnels, forms,
reports, goals and A/B tests, one website-local day per window.

One source instance covers one chunk of windows; the run loop in `pipelines/` picks them.

    tokens = TokenManager(accounts_url, client_id, client_secret, refresh_token)
    client = PageSenseClient(base_url, tokens)
    pipeline.run(pagesense_source(client, Chunk(windows), definitions=defs, timezones=zones))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from sources.pagesense import settings
from sources.pagesense.client import PageSenseClient
from sources.pagesense.fetch import Context, Definitions
from sources.pagesense.resources import RESOURCES
from sources.pagesense.settings import VENDOR
from sources.pagesense.tokens import TokenManager
from sources.shared import declare
from sources.shared.declare import Fetched
from sources.shared.resources import NOTHING, Chunk, windowed_resources
from sources.shared.windows import Window


@dlt.source(name=VENDOR, max_table_nesting=0)
def pagesense_source(
    client: PageSenseClient,
    chunk: Chunk = NOTHING,
    *,
    definitions: Definitions,
    timezones: Mapping[str, str],
    workers: int = 4,
    reports: tuple[str, ...] = settings.DEFAULT_REPORTS,
) -> list[DltResource]:
    """Resources for the chunk's windows; its websites and their definitions are loaded
    when it carries `websites`."""
    resources: list[DltResource] = []
    if chunk.websites is not None:
        resources.append(
            dlt.resource(
                list(chunk.websites), name="websites", write_disposition="merge", primary_key="id"
            )
        )
        resources += [definitions_resource(kind, definitions) for kind in settings.DEFINITIONS]
    fetchers = pagesense_fetchers(client, definitions, timezones, reports)
    resources += windowed_resources(VENDOR, chunk, RESOURCES, fetchers, workers=workers)
    return resources


def pagesense_fetchers(
    client: PageSenseClient,
    definitions: Definitions,
    timezones: Mapping[str, str],
    reports: tuple[str, ...] = settings.DEFAULT_REPORTS,
) -> dict[str, Callable[[Window], Fetched]]:
    """How each windowed resource fetches one window (thread-safe; no dlt inside);
    `timezones`: each website's zone, which its days are in."""
    return declare.fetchers(RESOURCES, Context(client, definitions, timezones, reports))


def definitions_resource(kind: str, definitions: Definitions) -> DltResource:
    """Funnel, form, goal or A/B test definitions of every website (`<kind>_definitions`)."""

    def rows() -> Iterator[dict[str, Any]]:
        for website_id, kinds in definitions.items():
            for item in kinds.get(kind, []):
                yield {"website_id": website_id, **item}

    return dlt.resource(
        rows(),
        name=f"{kind.removesuffix('s')}_definitions",
        write_disposition="merge",
        primary_key=["website_id", "id"],
    )


def fetch_definitions(client: PageSenseClient, website_id: str) -> dict[str, list[dict]]:
    """Every definition list of one website: fetched once per run, used by every window."""
    return {kind: client.definitions(website_id, kind) for kind in settings.DEFINITIONS}


__all__ = [
    "Definitions",
    "PageSenseClient",
    "TokenManager",
    "fetch_definitions",
    "pagesense_fetchers",
    "pagesense_source",
]
