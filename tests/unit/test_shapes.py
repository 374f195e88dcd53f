"""The one home of answer-shape rules: JSON, counts, ids (both row representations)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from sources.shared.errors import RowShapeError
from sources.shared.shapes import check_ids, is_count, object_rows, parse_json


def test_malformed_json_says_where() -> None:
    assert parse_json(b'{"a": [1]}') == {"a": [1]}
    with pytest.raises(RowShapeError, match=r"malformed JSON \(.* at byte \d+\)"):
        parse_json(b'{"a": [1')


@pytest.mark.parametrize(
    ("value", "counts"),
    [(0, True), (12, True), (-1, False), (True, False), (1.0, False), ("3", False), (None, False)],
)
def test_a_count_is_a_whole_non_negative_number(value: Any, counts: bool) -> None:
    assert is_count(value) is counts


def as_dicts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return rows


def as_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows)


@pytest.mark.parametrize("shape", [as_dicts, as_table], ids=["dicts", "arrow"])
@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([{"id": "a"}, {"id": "b"}], None),
        ([], None),
        ([{"id": "a"}, {"id": None}], "a row has a null or non-text `id`"),
        ([{"id": "a"}, {"id": ""}], "a row has a null or non-text `id`"),
        ([{"id": 1}, {"id": 2}], "a row has a null or non-text `id`"),
        ([{"other": "a"}], "a row has a null or non-text `id`"),
        ([{"id": "a"}, {"id": "b"}, {"id": "a"}], "duplicate `id` 'a' in one answer"),
    ],
)
def test_ids_read_the_same_as_dicts_and_as_arrow(
    shape: Any, rows: list[dict[str, Any]], problem: str | None
) -> None:
    if problem is None:
        check_ids(shape(rows), "id")
    else:
        with pytest.raises(RowShapeError) as caught:
            check_ids(shape(rows), "id")
        assert str(caught.value) == problem


@pytest.mark.parametrize(
    ("document", "key", "problem"),
    [
        ({"pages": [{"url": "/a"}]}, "pages", None),
        ([{"url": "/a"}], None, None),
        ({"pages": {"url": "/a"}}, "pages", "`pages` is not a list"),
        ({"count": 1}, "pages", "`pages` is not a list"),
        ({"url": "/a"}, None, "the answer is not a list"),
        ({"pages": [{"url": "/a"}, 3]}, "pages", "a list item is not an object"),
        ({"pages": [{"url": "/a"}, {"url": "/a"}]}, "pages", "duplicate `url` '/a'"),
    ],
)
def test_object_rows(document: Any, key: str | None, problem: str | None) -> None:
    if problem is None:
        assert object_rows(document, key, "url") == [{"url": "/a"}]
    else:
        with pytest.raises(RowShapeError, match=problem):
            object_rows(document, key, "url")
