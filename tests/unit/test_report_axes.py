"""The report's line charts start at zero and count sessions in whole numbers: 42 to 72
sessions must not look like a collapse, and no axis says 17.5 sessions."""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb

from pipelines.readers import sections


def test_session_axes_start_at_zero_with_whole_number_ticks() -> None:
    con = duckdb.connect()
    con.execute("create schema analytics")
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(10)]
    con.execute(
        "create table analytics.daily_traffic (site varchar, vendor varchar, day date, "
        "sessions bigint)"
    )
    con.executemany(
        "insert into analytics.daily_traffic values ('shop', 'mouseflow', ?, ?)",
        [(d, 42 + (n * 7) % 31) for n, d in enumerate(days)],
    )
    con.execute(
        "create table analytics.session_conversion (site varchar, vendor varchar, day date, "
        "sessions bigint, converted_sessions bigint)"
    )
    con.executemany(
        "insert into analytics.session_conversion values ('shop', 'mouseflow', ?, 50, 10)",
        [(d,) for d in days],
    )
    svg = sections.traffic(con, "true")
    sessions_axes = svg.split('id="axes_1"')[1].split('id="axes_2"')[0]
    ticks = re.findall(r"<text[^>]*>\s*([0-9.,-]+)\s*</text>", sessions_axes)
    numbers = [t for t in ticks if not re.fullmatch(r"\d{4}-\d\d-\d\d", t)]
    assert "0" in numbers  # the axis starts at zero
    assert numbers and all("." not in t for t in numbers)  # whole sessions only
    assert "sessions" in sessions_axes and "% of sessions converted" in svg
