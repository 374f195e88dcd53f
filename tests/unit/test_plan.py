from __future__ import annotations

from datetime import date, timedelta

from pipelines.run.plan import chunk_windows, plan_windows
from sources.shared.vendor import Website
from sources.shared.windows import Window, yesterday

RESOURCES = ("recordings", "pages")


def sites(*ids: str) -> list[Website]:
    return [Website(i, "UTC", {}) for i in ids]


def test_explicit_range_is_exact_and_ignores_positions() -> None:
    windows = plan_windows(
        sites("a"),
        RESOURCES,
        {"a": {"recordings": "2026-03-05"}},
        start_date=date(2026, 1, 1),
        lookback_days=3,
        explicit=(date(2026, 3, 1), date(2026, 3, 2)),
    )
    assert windows == [
        Window("a", "recordings", date(2026, 3, 1)),
        Window("a", "pages", date(2026, 3, 1)),
        Window("a", "recordings", date(2026, 3, 2)),
        Window("a", "pages", date(2026, 3, 2)),
    ]


def test_incremental_uses_each_resources_own_position() -> None:
    last = yesterday("UTC")
    positions = {"a": {"recordings": last.isoformat()}}
    windows = plan_windows(
        sites("a"), RESOURCES, positions, start_date=last - timedelta(days=4), lookback_days=1
    )
    assert [w for w in windows if w.resource == "recordings"] == [Window("a", "recordings", last)]
    assert len([w for w in windows if w.resource == "pages"]) == 5


def test_chunks_never_split_a_website_day() -> None:
    windows = plan_windows(
        sites("a", "b"),
        RESOURCES,
        {},
        start_date=date(2026, 3, 1),
        lookback_days=0,
        explicit=(date(2026, 3, 1), date(2026, 3, 3)),
    )
    chunks = chunk_windows(windows, 2)
    assert [len(c) for c in chunks] == [4, 4, 4]
    assert {(w.website_id, w.day) for w in chunks[1]} == {
        ("a", date(2026, 3, 3)),
        ("b", date(2026, 3, 1)),
    }
