"""Busy days: a recordings window larger than the largest page the server answers.

Mouseflow lists have no offset, and a server caps `limit`; a day with more recordings than
the cap is fetched in slices through the list's visit-length filters (`visitmin`,
`visitmax`, milliseconds, both inclusive), whose `count`s must add up to the day's
`count`. Slices are cut at quantiles of the durations already seen, so most come back
whole on the first call; a slice still over the cap is cut again, down to one duration
value. Nothing is ever dropped: a day whose slices do not add up is an error naming it.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger("pageflow.mouseflow")

LONGEST_MS = 2**40  # longer than any session: the top of the visit-length range

# (visitmin, visitmax, limit) -> (rows, received, count) for that slice
Fetch = Callable[[int, int, int], tuple[pa.Table, int, int]]


class SlicesDoNotAddUp(Exception):
    """The day cannot be made complete through the filters."""


@dataclass
class Sliced:
    table: pa.Table
    calls: int


def cut_points(durations: pa.Array, lo: int, hi: int, parts: int) -> list[int]:
    """Where to cut [lo, hi] into about `parts` ranges holding equal shares of `durations`."""
    inside = sorted(d for d in durations.to_pylist() if d is not None and lo < d <= hi)
    points: set[int] = set()
    for k in range(1, parts):
        if inside:
            points.add(inside[min(len(inside) - 1, k * len(inside) // parts)])
    if not points:  # nothing seen inside: halve the range
        points.add(lo + (hi - lo + 1) // 2)
    return sorted(p for p in points if lo < p <= hi)


def fetch_in_slices(fetch: Fetch, count: int, cap: int, sample: pa.Table) -> Sliced:
    """Every recording of the window, slice by slice; their counts must sum to `count`."""
    tables: list[pa.Table] = []
    calls = 0
    total = 0
    todo = [(0, LONGEST_MS, count, sample)]
    while todo:
        lo, hi, expected, seen = todo.pop()
        parts = max(2, math.ceil(expected * 1.1 / cap))
        points = cut_points(seen.column("duration"), lo, hi, parts)
        bounds = [lo, *points, hi + 1]
        for start, stop in itertools.pairwise(bounds):
            rows, received, slice_count = fetch(start, stop - 1, cap)
            calls += 1
            if received == slice_count:
                tables.append(rows)
                total += slice_count
            elif received < cap:  # the server could have answered it whole: `count` lies
                raise SlicesDoNotAddUp(
                    f"incomplete window: {received} of {slice_count} rows came back for a "
                    f"slice under the API's cap of {cap}"
                )
            elif start == stop - 1:
                raise SlicesDoNotAddUp(
                    f"{slice_count} recordings last exactly {start} ms, more than the "
                    f"{cap} the API answers at once"
                )
            else:
                todo.append((start, stop - 1, slice_count, rows))
    if total != count:
        raise SlicesDoNotAddUp(
            f"slices by visit length hold {total} recordings, the day's `count` is {count}"
        )
    table = pa.concat_tables(tables, promote_options="default") if tables else sample.slice(0, 0)
    ids = table.column("id")
    if pc.count_distinct(ids).as_py() != table.num_rows:
        raise SlicesDoNotAddUp("a recording came in two slices")
    return Sliced(table, calls)
