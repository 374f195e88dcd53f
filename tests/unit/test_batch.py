"""A chunk's small rows reach dlt as one item per table, none lost, arrow tables untouched."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from dlt.extract.items import DataItemWithMeta

from pipelines.ledger import windows as ledger
from sources.shared.declare import Claim, Resource
from sources.shared.resources import _Batch, variant, with_window
from sources.shared.windows import Window

FORMS = Resource(
    "forms",
    "/forms",
    lambda context, window: ([], Claim(0)),
    claim="count",
    variants={"form_fields": ("website_id", "day", "target")},
)


def test_rows_variants_and_audits_become_one_item_per_table() -> None:
    batch = _Batch(FORMS, ledger.record)
    passed = []
    for n in range(3):
        window = Window("site", "forms", date(2026, 3, 1 + n))
        rows = with_window(window, [{"form_id": f"f{n}"}, {"form_id": f"g{n}"}])
        fields = variant(with_window(window, [{"target": "email"}]), "form_fields")
        table = pa.table({"id": [n]})
        passed += list(batch.add(window, [*rows, fields, table], Claim(2, 2)))
    items = list(batch.flush())

    assert [t.column("id").to_pylist() for t in passed] == [[0], [1], [2]]
    rows, fields, audits = items
    assert [r["form_id"] for r in rows] == ["f0", "g0", "f1", "g1", "f2", "g2"]
    assert isinstance(fields, DataItemWithMeta)
    assert fields.meta.hints["table_name"] == "form_fields"
    assert [r["day"] for r in fields.data] == [date(2026, 3, d) for d in (1, 2, 3)]
    assert audits.meta.hints["table_name"] == "sync_windows"
    assert [a["day"] for a in audits.data] == [date(2026, 3, d) for d in (1, 2, 3)]
    assert {(a["claim"], a["expected"], a["loaded"]) for a in audits.data} == {("count", 2, 2)}


def test_an_empty_chunk_yields_nothing() -> None:
    assert list(_Batch(FORMS, ledger.record).flush()) == []


def test_without_a_ledger_no_claims_are_written() -> None:
    batch = _Batch(FORMS)
    window = Window("site", "forms", date(2026, 3, 1))
    assert list(batch.add(window, [{"form_id": "f"}], Claim(1))) == []
    assert list(batch.flush()) == [[{"form_id": "f"}]]
