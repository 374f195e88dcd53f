"""Vendor pages straight to typed Arrow tables: the fast, exact path for high-volume lists.

A page is parsed by Arrow's C++ JSON reader (no Python object per row, the GIL released),
known fields get their declared types, timestamps become exact `timestamp[ns, UTC]` through
vectorised string arithmetic, and unknown new fields are kept with an inferred type, so a
vendor adding a field never breaks a sync.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from dlt.common.normalizers.naming.snake_case import NamingConvention

from sources.shared.errors import RowShapeError
from sources.shared.shapes import parse_json
from sources.shared.timestamps import ISO_8601, parse_instant_ns

TIMESTAMP_NS = pa.timestamp("ns", tz="UTC")
_naming = NamingConvention()
_WRONG_TYPE = re.compile(r"Column\((?:/[^/)]*)*/(\w+)\) changed from (\w+) to (\w+)")


def read_page(body: bytes, schema: pa.Schema) -> pa.Table:
    """One JSON answer object as a one-row table; `schema` types the fields we know."""
    try:
        return pj.read_json(
            io.BytesIO(body),
            read_options=pj.ReadOptions(block_size=max(len(body) + 1, 1 << 16)),
            parse_options=pj.ParseOptions(
                explicit_schema=schema,
                newlines_in_values=True,
                unexpected_field_behavior="infer",
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise RowShapeError(_describe(body, exc)) from None


def _describe(body: bytes, exc: Exception) -> str:
    try:
        document = parse_json(body)
    except RowShapeError as bad:
        return str(bad)
    if not isinstance(document, dict):
        return "the answer is not a JSON object"
    found = _WRONG_TYPE.search(str(exc))
    if found:
        name, was, now = found.groups()
        return f"field `{name}` has the wrong type ({now} where {was} belongs)"
    return f"unreadable answer ({str(exc).splitlines()[0]})"


def rows_of(page: pa.Table, key: str) -> pa.Table:
    """The list under `key` of a one-row page table, as a table of its rows."""
    if key not in page.column_names or page.num_rows != 1:
        raise RowShapeError(f"`{key}` is missing")
    column = page.column(key).combine_chunks()
    if not pa.types.is_list(column.type) or column.null_count:
        raise RowShapeError(f"`{key}` is not a list")
    items = pc.list_flatten(column)
    if not pa.types.is_struct(items.type):
        if len(items) == 0:
            return pa.table({})
        raise RowShapeError(f"`{key}` holds something other than objects")
    if items.null_count:
        raise RowShapeError(f"`{key}` holds a null where an object belongs")
    return pa.Table.from_struct_array(items)


def scalar(page: pa.Table, key: str) -> Any:
    """A top-level value of a one-row page table (None when absent)."""
    if key not in page.column_names:
        return None
    return page.column(key)[0].as_py()


def instants_ns(values: pa.Array | pa.ChunkedArray, naive_tz: str | None = None) -> pa.Array:
    """Exact UTC nanoseconds for ISO 8601 strings, vectorised; naive ones in `naive_tz`."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    values = pc.utf8_trim_whitespace(values)  # as `parse_instant_ns` reads them
    parts = pc.extract_regex(values, ISO_8601)
    if parts.null_count > values.null_count:
        bad = pc.filter(values, pc.and_(pc.is_valid(values), pc.is_null(parts)))[0]
        raise RowShapeError(f"not an ISO 8601 timestamp: {bad.as_py()!r}")
    tz = parts.field("tz")
    if pc.any(pc.and_(pc.is_valid(values), pc.equal(tz, ""))).as_py():
        # timestamps without offset: rare (Mouseflow's website `created`); exact but slow
        try:
            ns = [None if v is None else parse_instant_ns(v, naive_tz) for v in values.to_pylist()]
        except ValueError as exc:
            raise RowShapeError(str(exc)) from None
        return pa.array(ns, pa.int64())
    try:
        stamp = pc.binary_join_element_wise(parts.field("date"), parts.field("time"), "T")
        seconds = pc.strptime(stamp, format="%Y-%m-%dT%H:%M:%S", unit="s").cast(pa.int64())
    except pa.ArrowInvalid as exc:
        raise RowShapeError(f"not a valid timestamp ({exc})") from None
    fraction = pc.utf8_rpad(parts.field("frac"), 9, "0").cast(pa.int64())
    offset = pc.replace_substring(pc.replace_substring(tz, "Z", "+00:00"), ":", "")
    sign = pc.if_else(pc.starts_with(offset, "-"), -1, 1)
    hours = pc.utf8_slice_codeunits(offset, 1, 3).cast(pa.int64())
    minutes = pc.utf8_slice_codeunits(offset, 3, 5).cast(pa.int64())
    shift = pc.multiply(sign, pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)))
    utc = pc.subtract(seconds, shift)
    return pc.add(pc.multiply(utc, 1_000_000_000), fraction)


def finish(
    rows: pa.Table,
    types: Mapping[str, pa.DataType],
    timestamps: tuple[str, ...],
    constants: Mapping[str, pa.Array],
    naive_tz: str | None = None,
) -> pa.Table:
    """Constants first, declared types, exact instants, dlt's snake_case names.

    A declared field the vendor left out becomes a null column instead of an error.
    """
    count = rows.num_rows
    columns: dict[str, pa.Array | pa.ChunkedArray] = dict(constants)
    for name in rows.column_names:
        column = rows.column(name)
        if name in timestamps:
            column = instants_ns(column, naive_tz).cast(TIMESTAMP_NS)
        elif pa.types.is_null(column.type) and name in types:
            column = pa.nulls(count, types[name])
        columns[name] = column
    for name, kind in types.items():
        if name not in columns:
            columns[name] = pa.nulls(count, kind)
    for name in timestamps:
        if name not in columns:
            columns[name] = pa.nulls(count, TIMESTAMP_NS)
    # dlt's own snake_case names up front, so hints on e.g. `last_activity` match exactly
    return pa.table({_naming.normalize_identifier(name): col for name, col in columns.items()})


def list_schema(key: str, fields: Mapping[str, pa.DataType], **top: pa.DataType) -> pa.Schema:
    """The explicit schema for an answer holding a list of objects under `key`."""
    item = pa.struct([(name, kind) for name, kind in fields.items()])
    return pa.schema([(key, pa.list_(item)), *top.items()])
