"""Vendor rows to typed Arrow tables: the fast, exact load path for high-volume resources.

Known fields get their declared types, timestamps become `timestamp[ns, UTC]` from exact
integer nanoseconds, and unknown new fields are kept with an inferred type (or as JSON
text when they do not infer), so a vendor adding a field never breaks a sync.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
import pyarrow as pa
from dlt.common.normalizers.naming.snake_case import NamingConvention

_naming = NamingConvention()

TIMESTAMP_NS = pa.timestamp("ns", tz="UTC")


class RowShapeError(ValueError):
    """A field whose values do not fit its declared type."""


def rows_to_table(
    rows: list[dict[str, Any]],
    types: Mapping[str, pa.DataType],
    timestamps: Mapping[str, Callable[[str], int]],
    constants: Mapping[str, pa.Array | Any],
    json_fields: tuple[str, ...] = (),
) -> pa.Table:
    """A table with one row per vendor row, `constants` prepended (e.g. website_id, day)."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns: dict[str, pa.Array] = {}
    count = len(rows)
    for name, value in constants.items():
        columns[name] = value if isinstance(value, pa.Array) else pa.array([value] * count)
    for name in names:
        values = [row.get(name) for row in rows]
        if name in json_fields:
            columns[name] = pa.array(
                [None if v is None else orjson.dumps(v).decode() for v in values], pa.string()
            )
        elif name in timestamps:
            columns[name] = _timestamps(name, values, timestamps[name])
        elif name in types:
            columns[name] = _typed(name, values, types[name])
        else:
            columns[name] = _inferred(values)
    for name, kind in types.items():  # declared fields the vendor left out: null, not missing
        if name not in columns:
            columns[name] = pa.nulls(count, kind)
    for name in timestamps:
        if name not in columns:
            columns[name] = pa.nulls(count, TIMESTAMP_NS)
    # dlt's own snake_case names up front, so hints on e.g. `last_activity` match exactly
    return pa.table({_naming.normalize_identifier(name): col for name, col in columns.items()})


def _typed(name: str, values: list[Any], kind: pa.DataType) -> pa.Array:
    try:
        numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind)
        if numeric and any(isinstance(v, bool) for v in values):
            raise TypeError("boolean where a number belongs")
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
        raise RowShapeError(f"field `{name}` has the wrong type (expected {kind})") from exc


def _timestamps(name: str, values: list[Any], parse: Callable[[str], int]) -> pa.Array:
    try:
        ns = [None if v is None else parse(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise RowShapeError(f"field `{name}` is not a timestamp ({exc})") from exc
    return pa.array(ns, type=pa.int64()).cast(TIMESTAMP_NS)


def _inferred(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(
            [None if v is None else orjson.dumps(v).decode() for v in values], type=pa.string()
        )
