"""The raw layer the models read: one view per declared raw table, the vendor's current
answer only, and the settings the models need as tables.

This is where the warehouse's main correctness rule is applied: a raw row counts when its
load completed and no later completed load fetched its window again (the ledger's
`superseded` predicate, `pipelines.ledger.windows`). The same predicate deletes superseded
rows before models build (`prune_superseded`) and guards the views a second time.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.ledger import windows as ledger
from pipelines.ledger.tables import WINDOWS
from pipelines.vendors import registration
from sources.shared.vendor import ModelSettings, SettingsTable

log = logging.getLogger("pageflow.models")


@dataclass(frozen=True)
class RawSettings:
    """What the models read besides the vendors' rows, as `raw.*` tables."""

    now: datetime  # `raw.build_clock`: which days are still inside the lookback
    pairs: list[tuple[str, str, str]]  # `raw.site_pairs`: (site, vendor, website_id)
    vendors: dict[str, ModelSettings]  # `raw.vendor_settings` and each vendor's own tables


def prepare_raw(
    con: duckdb.DuckDBPyConnection,
    declared: dict[str, Any],
    root: Path,
    settings: RawSettings,
) -> None:
    """Views over raw tables (completed loads only, missing columns null) and settings.

    Each is written only when what it would be differs from what the last build wrote (a
    digest of its statement and rows in `raw.prepared`): on a lake, every view or table
    replaced is a change of the catalog's schema, a round trip and a snapshot."""
    con.execute("create schema if not exists raw")
    existing = _columns(con)
    statements: dict[str, list[tuple[str, list[Any]]]] = {}
    for vendor, tables in declared.items():
        loads = (vendor, "_dlt_loads") in existing
        windowed = windowed_tables(con, vendor) if (vendor, "_dlt_version") in existing else {}
        for table, columns in tables.items():
            have = existing.get((vendor, table), set())
            select = ", ".join(
                f'cast("{c}" as {t}) as "{c}"' if c in have else f'cast(null as {t}) as "{c}"'
                for c, t in columns.items()
            )
            if not have:
                source = "where false"  # never synced: an empty relation of the right shape
            elif loads and "_dlt_load_id" in have:
                completed = f'select load_id from "{vendor}"._dlt_loads where status = 0'
                source = f'from "{vendor}"."{table}" as t where _dlt_load_id in ({completed})'
                resource = windowed.get(table)
                audited = ledger.audited(existing.get((vendor, WINDOWS.name), set()))
                if resource and audited and {"website_id", "day"} <= have:
                    # a second guard: `prune_superseded` deletes these rows already
                    source += " and not " + ledger.superseded(vendor, resource, completed)
            else:
                source = f'from "{vendor}"."{table}"'
            name = f"{vendor}__{table}"
            view = f"create or replace view raw.{name} as select {select} {source}"
            statements[name] = [(view, [])]
    tables = {
        "site_pairs": SettingsTable(
            "site varchar, vendor varchar, website_id varchar", settings.pairs
        ),
        "vendor_settings": SettingsTable(
            "vendor varchar, lookback_days integer",
            [(name, vendor.lookback_days) for name, vendor in settings.vendors.items()],
        ),
        "build_clock": SettingsTable("built_at timestamptz", [(settings.now,)]),
    }
    for vendor in settings.vendors.values():
        tables.update(vendor.tables)
    with (root / "data" / "country_codes.csv").open(newline="") as handle:
        countries = [(row["country_name"], row["country_code"]) for row in csv.DictReader(handle)]
    tables["country_codes"] = SettingsTable("country_name varchar, country_code varchar", countries)
    for name, table in tables.items():
        statements[name] = [(f"create or replace table raw.{name} ({table.columns})", [])]
        if table.rows:
            marks = ", ".join("?" * len(table.rows[0]))
            statements[name] += [(f"insert into raw.{name} values ({marks})", list(table.rows))]
    _write_changed(con, statements, existing)


PREPARED = "prepared"  # raw.prepared: what prepare_raw wrote last, by relation


def _write_changed(
    con: duckdb.DuckDBPyConnection,
    statements: dict[str, list[tuple[str, list[Any]]]],
    existing: dict[tuple[str, str], set[str]],
) -> None:
    """Run each relation's statements unless the relation exists as they would leave it."""
    digests = {
        name: hashlib.sha256(repr(steps).encode()).hexdigest() for name, steps in statements.items()
    }
    written: dict[str, str] = {}
    if ("raw", PREPARED) in existing:
        written = dict(con.execute(f"select name, digest from raw.{PREPARED}").fetchall())
    changed = [
        name
        for name in statements
        if written.get(name) != digests[name] or ("raw", name) not in existing
    ]
    for name in changed:
        for statement, rows in statements[name]:
            if rows:
                con.executemany(statement, rows)
            else:
                con.execute(statement)
    if changed or written.keys() != digests.keys():
        con.execute(f"create table if not exists raw.{PREPARED} (name varchar, digest varchar)")
        con.execute(f"delete from raw.{PREPARED}")
        con.executemany(f"insert into raw.{PREPARED} values (?, ?)", sorted(digests.items()))


def windowed_tables(con: duckdb.DuckDBPyConnection, vendor: str) -> dict[str, str]:
    """Table -> the windowed resource that loads it, as dlt recorded in the vendor's newest
    stored schema (variant tables such as `form_fields` name their parent resource)."""
    rows = con.execute(
        f'select schema from "{vendor}"._dlt_version where schema_name = ? '
        "order by inserted_at desc limit 1",
        [vendor],
    ).fetchall()
    tables = json.loads(rows[0][0])["tables"] if rows else {}
    return {
        name: table["resource"]
        for name, table in tables.items()
        if table.get("resource") in registration(vendor).windowed_resources
    }


def prune_superseded(
    con: duckdb.DuckDBPyConnection,
    declared: dict[str, Any],
    fetched_by: dict[str, str] | None = None,
) -> int:
    """Delete raw rows of a window that a later completed load fetched again.

    dlt's merge replaces a re-fetched day's rows only when the new answer has rows; a day
    the vendor restated to nothing kept its old rows. The audit row of every fetched window
    (`sync_windows`) carries the load that fetched it, so any row older than its window's
    newest completed fetch is no longer the vendor's answer. `fetched_by` (vendor -> a
    query of load ids; an incremental build's loads since the last build): only the
    windows those loads fetched are looked at (rows superseded by an earlier load were
    deleted by an earlier build), and only their days are read. Returns the rows deleted.
    """
    existing = _columns(con)
    deleted = 0
    for vendor in declared:
        needed = {(vendor, "_dlt_loads"), (vendor, "_dlt_version"), (vendor, WINDOWS.name)}
        if not needed <= existing.keys():
            continue
        completed = f'select load_id from "{vendor}"._dlt_loads where status = 0'
        loads = completed if fetched_by is None else fetched_by.get(vendor, completed)
        # the days each resource's windows span, one query for all of them
        spans = {
            resource: (first, last)
            for resource, first, last in con.execute(
                f"select resource, cast(min(day) as varchar), cast(max(day) as varchar) "
                f'from "{vendor}".{WINDOWS.name} where _dlt_load_id in ({loads}) '
                "group by resource"
            ).fetchall()
        }
        for table, resource in windowed_tables(con, vendor).items():
            have = existing.get((vendor, table), set())
            if not {"website_id", "day", "_dlt_load_id"} <= have or resource not in spans:
                continue
            first, last = spans[resource]
            # constant bounds: DuckDB skips the row groups of other days at the scan
            rows = con.execute(
                f'delete from "{vendor}"."{table}" as t '
                f"where t.day between date '{first}' and date '{last}' and "
                + ledger.superseded(vendor, resource, loads)
            ).fetchall()
            deleted += rows[0][0] if rows else 0
    if deleted:
        log.info("models: %d raw rows of re-fetched windows removed", deleted)
    return deleted


def _columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], set[str]]:
    rows = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
    ).fetchall()
    out: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in rows:
        out.setdefault((schema, table), set()).add(column)
    return out
