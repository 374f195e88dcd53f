"""Small raw tables seeded by hand for the model tests: two vendors, DST days, midnight
sessions, a field one vendor never sent."""

from __future__ import annotations

from datetime import date

from tests.sql.seed import PENDING

D = date.fromisoformat
# the columns both vendors' funnel steps share; each adds its own count column
FUNNEL = {
    "website_id": "varchar",
    "day": "date",
    "funnel_id": "varchar",
    "funnel_name": "varchar",
    "step_number": "bigint",
    "step_name": "varchar",
}

RAW = {
    "pagesense.websites": (
        {"id": "varchar", "name": "varchar", "url": "varchar", "timezone": "varchar"},
        [("P1", "Shop", "https://www.Shop.test/home", "America/New_York")],
    ),
    "pagesense.report_traffic": (
        {
            "website_id": "varchar",
            "day": "date",
            "visitors": "bigint",
            "page_views": "bigint",
            "bounce_rate": "double",
            "avg_session_duration": "double",
        },
        [("P1", D("2026-03-07"), 10, 25, 40.0, 120.0), ("P1", D("2026-03-08"), 4, 10, 25.0, 60.0)],
    ),
    "pagesense.recordings": (
        {
            "website_id": "varchar",
            "id": "varchar",
            "day": "date",
            "timestamp": "timestamp_ns",
            "session_duration": "bigint",
            "page_views": "bigint",
            "country": "varchar",
            "device": "varchar",
            "converted": "boolean",
        },
        [
            # 04:30Z is 23:30 the day before in New York: a midnight session in its zone
            (
                "P1",
                "r1",
                D("2026-03-07"),
                "2026-03-08 04:30:00",
                40,
                2,
                "United States",
                "mobile",
                True,
            ),
            # 03-08 is New York's 23-hour DST day
            (
                "P1",
                "r2",
                D("2026-03-08"),
                "2026-03-08 07:30:00",
                30,
                1,
                "Germany",
                "desktop",
                False,
            ),
            (
                "P1",
                "r3",
                D("2026-03-08"),
                "2026-03-08 15:00:00",
                50,
                3,
                "Atlantis",
                "desktop",
                True,
            ),
            # a row of a load that never completed: never read
            (
                "P1",
                "r9",
                D("2026-03-08"),
                "2026-03-08 16:00:00",
                50,
                3,
                "France",
                "desktop",
                True,
                PENDING,
            ),
        ],
    ),
    "pagesense.funnel_steps": (
        {**FUNNEL, "visitors": "bigint"},
        [
            ("P1", D("2026-03-08"), "pf1", "Checkout", 1, "Cart", 100),
            ("P1", D("2026-03-08"), "pf1", "Checkout", 2, "Pay", 50),
            ("P1", D("2026-03-08"), "pf1", "Checkout", 3, "Done", 20),
        ],
    ),
    # no `interactions` column: a field this vendor never sent is null, not an error
    "pagesense.forms": (
        {
            "website_id": "varchar",
            "day": "date",
            "form_id": "varchar",
            "form_name": "varchar",
            "views": "bigint",
            "submissions": "bigint",
        },
        [("P1", D("2026-03-08"), "pform", "Signup", 50, 10)],
    ),
    # no `domains` column either
    "mouseflow.websites": (
        {"id": "varchar", "name": "varchar", "account_timezone": "varchar"},
        [("M1", "shop.test", "Europe/Berlin"), ("M2", "solo.example", "Europe/Berlin")],
    ),
    "mouseflow.recordings": (
        {
            "website_id": "varchar",
            "id": "varchar",
            "day": "date",
            "created": "timestamp_ns",
            "duration": "bigint",
            "pages": "bigint",
            "country": "varchar",
            "device": "varchar",
            "tags": "json",
        },
        [
            (
                "M1",
                "m3",
                D("2026-03-08"),
                "2026-03-08 12:00:00",
                60000,
                2,
                "us",
                "Desktop",
                '["form-interact", "submit"]',
            ),
            ("M1", "m4", D("2026-03-08"), "2026-03-08 13:00:00", 10000, 1, "fr", "Tablet", "[]"),
            # 23:30Z on 03-28 is 00:30 on 03-29 in Berlin, the day it springs forward
            (
                "M1",
                "m1",
                D("2026-03-29"),
                "2026-03-28 23:30:00.1234567",
                30000,
                1,
                "de",
                "Phone",
                '["submit"]',
            ),
            ("M1", "m2", D("2026-03-29"), "2026-03-29 10:00:00", 90000, 3, "us", "Desktop", "[]"),
        ],
    ),
    "mouseflow.funnel_steps": (
        {**FUNNEL, "count": "bigint"},
        [
            ("M1", D("2026-03-08"), "mf1", "checkout", 1, "Cart", 80),
            ("M1", D("2026-03-08"), "mf1", "checkout", 2, "Pay", 40),
            ("M1", D("2026-03-08"), "mf1", "checkout", 3, "Done", 24),
        ],
    ),
    "mouseflow.forms": (
        {
            "website_id": "varchar",
            "day": "date",
            "form_id": "varchar",
            "alias": "varchar",
            "visits": "bigint",
            "interactions": "bigint",
            "submits": "bigint",
            "success": "bigint",
        },
        [("M1", D("2026-03-08"), "mform", "signup", 40, 30, 20, 15)],
    ),
}
