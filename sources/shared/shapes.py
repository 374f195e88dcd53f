"""What a vendor's answer must look like, one rule per concern: JSON, counts, ids.

Both vendors' clients and the Arrow reader call these; each raises `RowShapeError` with the
words a user sees, and the caller, which knows the call, turns it into a `VendorAPIError`
naming vendor, website, endpoint and window. Timestamps have their own home,
`sources.shared.timestamps`.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from sources.shared.errors import RowShapeError


def parse_json(body: bytes) -> Any:
    """The decoded JSON document; malformed JSON is a `RowShapeError` saying where."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RowShapeError(f"malformed JSON ({exc.msg} at byte {exc.pos})") from None


def is_count(value: Any) -> bool:
    """A whole number of things: an int (not a bool), never negative."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def object_rows(document: Any, key: str | None, id_field: str) -> list[dict[str, Any]]:
    """The list in `document` (or under `key`): objects, each with a unique, non-empty id."""
    items = document if key is None else (document.get(key) if isinstance(document, dict) else None)
    if not isinstance(items, list):
        raise RowShapeError(f"{f'`{key}`' if key else 'the answer'} is not a list")
    if not all(isinstance(item, dict) for item in items):
        raise RowShapeError("a list item is not an object")
    check_ids(items, id_field)
    return items


def check_ids(rows: pa.Table | list[dict[str, Any]], id_field: str) -> None:
    """Every row has a non-empty text id and no id appears twice, for rows as dicts or as an
    Arrow table (checked vectorised: recordings come by the million)."""
    if isinstance(rows, pa.Table):
        _check_arrow_ids(rows, id_field)
        return
    seen: set[Any] = set()
    for row in rows:
        ident = row.get(id_field)
        if not isinstance(ident, str) or not ident:
            raise RowShapeError(_missing(id_field))
        if ident in seen:
            raise RowShapeError(_twice(id_field, ident))
        seen.add(ident)


def _check_arrow_ids(rows: pa.Table, id_field: str) -> None:
    if rows.num_rows == 0:
        return
    if id_field not in rows.column_names:
        raise RowShapeError(_missing(id_field))
    ids = rows.column(id_field)
    if not pa.types.is_string(ids.type) or ids.null_count or pc.any(pc.equal(ids, "")).as_py():
        raise RowShapeError(_missing(id_field))
    if pc.count_distinct(ids).as_py() != rows.num_rows:
        counts = pc.value_counts(ids.combine_chunks())
        twice = counts.filter(pc.greater(counts.field("counts"), 1))[0]["values"].as_py()
        raise RowShapeError(_twice(id_field, twice))


def _missing(id_field: str) -> str:
    return f"a row has a null or non-text `{id_field}`"


def _twice(id_field: str, ident: Any) -> str:
    return f"duplicate `{id_field}` {ident!r} in one answer"
