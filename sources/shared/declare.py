"""A vendor's windowed resources, declared once each, as data.

Like an endpoint of dlt's `rest_api`, a `Resource` says everything about one resource in
one place: the endpoint it calls, how one window is read, which figure of the vendor's
the ledger checks it against, and how dlt stores it (primary key, column hints, the further
tables it fills, an id unique across days). Each vendor lists its resources in
`sources/<vendor>/resources.py` (`RESOURCES`, in the order a chunk fetches them); the dlt
source, the fetchers, the registration, the moved-row rule and the registry test read
that list, and nothing in the shared layer names a resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sources.shared.windows import Window

DAY_KEY = ("website_id", "day")  # every windowed table's merge key: a day replaces a day


@dataclass(frozen=True)
class Claim:
    """What one window's answer held and what the vendor itself said of it."""

    rows: int  # rows the window loaded (every table of the resource)
    expected: int | None = None  # the vendor's own figure; None: it claimed nothing
    loaded: int | None = None  # ours to compare with it (default: `rows`)


Fetched = tuple[list[Any], Claim]  # (items for the resource's tables, the window's claim)


@dataclass(frozen=True)
class Resource:
    """One windowed resource: fetched per website and local day, each keeping its position."""

    name: str  # the dlt resource, its table, its position key and `Window.resource`
    endpoint: str  # the path template it calls (errors and `pageflow check` name it)
    read: Callable[[Any, Window], Fetched]  # how one window is read: read(context, window)
    claim: str | None = None  # the vendor's figure the ledger compares `loaded` with
    primary_key: tuple[str, ...] = ()  # none: the day is replaced whole (see DAY_KEY)
    columns: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # dlt hints
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # table -> key
    unique_id: str | None = None  # a row id unique across a website's days (moved rows)
    default: bool = True  # synced unless SOURCES__<VENDOR>__RESOURCES says otherwise

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table this resource loads: its own and its variants."""
        return (self.name, *self.variants)

    def hints(self) -> dict[str, Any]:
        """Keyword arguments for `dlt.resource` (fresh dicts: dlt mutates hints)."""
        hints: dict[str, Any] = {}
        if self.primary_key:
            hints["primary_key"] = list(self.primary_key)
        if self.columns:
            hints["columns"] = {name: dict(hint) for name, hint in self.columns.items()}
        return hints


def ns_utc() -> dict[str, Any]:
    """Column hint for exact UTC instants (TIMESTAMP_NS)."""
    return {"data_type": "timestamp", "precision": 9, "timezone": False}


DAY: Mapping[str, Any] = {"data_type": "date"}


def names(resources: Sequence[Resource]) -> tuple[str, ...]:
    return tuple(r.name for r in resources)


def fetchers(resources: Sequence[Resource], context: Any) -> dict[str, Callable[[Window], Fetched]]:
    """Each resource's window reader bound to the vendor's `context` (thread-safe)."""
    return {r.name: _Bound(r.read, context) for r in resources}


@dataclass(frozen=True)
class _Bound:
    read: Callable[[Any, Window], Fetched]
    context: Any

    def __call__(self, window: Window) -> Fetched:
        return self.read(self.context, window)
