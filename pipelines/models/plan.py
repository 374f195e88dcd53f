"""Which days a build rebuilds: `raw.changed_days`, from the ledger, and when to rebuild all.

After every successful build pageflow records, in `raw.model_builds`, what it built from:
each vendor's newest completed load (by the time dlt finished it, so a load completed late
still counts as new), the build's clock and a fingerprint of everything besides the
day-grained facts that the marts depend on (the project's SQL, the site pairs and vendor
settings, the websites and other tables that are not fetched by day). The next build then
rebuilds, per vendor and website:
- every day whose window a load since then fetched (new rows, a day re-fetched and
  replaced, a day the vendor emptied: its window is recorded with its load all the same);
- every window marked to be fetched again (a recording moved away from it);
- every day from the last build's lookback boundary on (its `is_final` may have changed);
each widened by a day either side (a recording's local day is within a day of its window).
Only the marts that read a raw table of a resource with such a window are built (`sources`:
dbt selects what is downstream of them), unless the last build did not finish (failed,
killed): then every mart is, so that what a failed build left in `analytics_build` is never
published. A different fingerprint, no record, or `--full-refresh` rebuild everything.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.ledger.tables import WINDOWS
from pipelines.raw import windowed_tables
from pipelines.store.sql import literal, relations

log = logging.getLogger("pageflow.models")

CHANGED = "raw.changed_days"
BUILDS = "raw.model_builds"
STARTED = "raw.model_build_started"  # a row while a build runs: it did not finish if seen
SLACK_DAYS = 1  # a recording's local day against its window's day
FINAL_MARGIN_DAYS = 2  # time zones around the lookback boundary


@dataclass
class Plan:
    full: bool
    reason: str
    fingerprint: str
    loads: dict[str, str] = field(default_factory=dict)  # vendor -> newest completed load
    days: int = 0  # rows of raw.changed_days
    first: date | None = None
    last: date | None = None
    # incremental: vendor -> a query of the loads completed since the last build
    newer: dict[str, str] = field(default_factory=dict)
    # incremental: the raw tables (`<vendor>__<table>`) whose marts are built; None: all
    sources: list[str] | None = None

    def describe(self) -> str:
        if self.full:
            return f"every day ({self.reason})"
        if not self.days:
            return "no day changed"
        marts = "" if self.sources is None else f" of {len(self.sources)} raw tables"
        return f"{self.days} website days{marts} from {self.first} to {self.last}"


def project_digest(root: Path) -> str:
    """A digest of the dbt project's files: a changed model rebuilds every day."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".sql", ".yml", ".md", ".csv", ".toml"):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def plan(
    con: duckdb.DuckDBPyConnection,
    declared: dict[str, dict[str, Any]],
    root: Path,
    lookback_days: int,
    settings_tables: list[str],
    full_refresh: bool,
) -> Plan:
    """Decide the build and write `raw.changed_days` (in the caller's transaction).
    `declared`: vendor -> raw table -> columns (`sql/sources/`); `settings_tables`: the
    `raw` tables pageflow writes from its settings."""
    vendors = list(declared)
    present = relations(con)
    windowed = {
        v: windowed_tables(con, v) if (v, "_dlt_version") in present else {} for v in vendors
    }
    fingerprint = _fingerprint(con, vendors, root, settings_tables, present, windowed)
    loads = {v: _newest_load(con, v, present) for v in vendors}
    last = _last_build(con, present)
    unfinished = _started(con, present)
    con.execute(f"create or replace table {CHANGED} (vendor varchar, website_id varchar, day date)")
    if full_refresh:
        return Plan(True, "--full-refresh", fingerprint, loads)
    if last is None:
        return Plan(True, "first build of these models", fingerprint, loads)
    if last["fingerprint"] != fingerprint:
        return Plan(True, "the models, sites or websites changed", fingerprint, loads)
    since_final = date.fromordinal(
        last["clock"].date().toordinal() - lookback_days - FINAL_MARGIN_DAYS
    )
    newer: dict[str, str] = {}
    selects: list[str] = []
    params: list[Any] = []
    sources: list[str] = []
    for vendor in vendors:
        if (vendor, WINDOWS.name) not in present:
            continue
        newer[vendor] = completed_since(con, vendor, last["loads"].get(vendor))
        changed = f"""
            w._dlt_load_id in ({newer[vendor]}) or w.loaded is null or w.day >= ?
        """
        resources = {
            resource
            for (resource,) in con.execute(
                f'select distinct resource from "{vendor}".{WINDOWS.name} as w where {changed}',
                [since_final],
            ).fetchall()
        }
        sources += [
            f"{vendor}__{table}"
            for table, resource in sorted(windowed[vendor].items())
            if resource in resources and table in declared[vendor]
        ]
        selects.append(
            f"""
            select
                cast(? as varchar) as vendor,
                w.website_id,
                cast(w.day + cast(slack.days as integer) as date) as day
            from "{vendor}".{WINDOWS.name} as w,
                (select unnest(range(-{SLACK_DAYS}, {SLACK_DAYS} + 1)) as days) as slack
            where {changed}
            """
        )
        params += [vendor, since_final]
    if selects:
        # one statement: on a lake, a table replaced by a query of itself in the same
        # transaction lost the Parquet file that query was to read
        con.execute(
            f"create or replace table {CHANGED} as select distinct * from ("
            + " union all ".join(selects)
            + ") order by all",
            params,
        )
    found = con.execute(f"select count(*), min(day), max(day) from {CHANGED}").fetchone()
    days, first, last_day = found if found else (0, None, None)
    chosen = None if unfinished else sources
    return Plan(False, "incremental", fingerprint, loads, days, first, last_day, newer, chosen)


def start(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Mark a build as running (committed before dbt runs; `record` clears it)."""
    _clear_started(con)
    con.execute(f"insert into {STARTED} values (?)", [now])


def _clear_started(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create table if not exists {STARTED} (started_at timestamptz)")
    con.execute(f"delete from {STARTED}")


def _started(con: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]) -> bool:
    """An earlier build started and did not finish."""
    if ("raw", STARTED.split(".")[1]) not in present:
        return False
    row = con.execute(f"select count(*) from {STARTED}").fetchone()
    return bool(row and row[0])


def completed_since(con: duckdb.DuckDBPyConnection, vendor: str, mark: str | None) -> str:
    """A query of the vendor's loads that dlt completed after `mark` (every completed
    load when there is none)."""
    completed = f'select load_id from "{vendor}"._dlt_loads where status = 0'
    if not mark:
        return completed
    clock, kind = _load_clock(con, vendor)
    return completed + f" and {clock} > cast({literal(mark)} as {kind})"


def record(con: duckdb.DuckDBPyConnection, done: Plan, now: datetime) -> None:
    """What this build built from (in the transaction that publishes its marts)."""
    con.execute(
        f"create table if not exists {BUILDS} "
        "(built_at timestamptz, fingerprint varchar, loads varchar, full_refresh boolean)"
    )
    con.execute(f"delete from {BUILDS}")
    _clear_started(con)
    con.execute(
        f"insert into {BUILDS} values (?, ?, ?, ?)",
        [now, done.fingerprint, json.dumps(done.loads), done.full],
    )


def _last_build(
    con: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]
) -> dict[str, Any] | None:
    if ("raw", BUILDS.split(".")[1]) not in present:
        return None
    row = con.execute(f"select built_at, fingerprint, loads from {BUILDS}").fetchone()
    if row is None:
        return None
    return {"clock": row[0], "fingerprint": row[1], "loads": json.loads(row[2])}


def _newest_load(con: duckdb.DuckDBPyConnection, vendor: str, present: set[tuple[str, str]]) -> str:
    """When dlt finished the vendor's newest completed load ('' when none)."""
    if (vendor, "_dlt_loads") not in present:
        return ""
    clock, _ = _load_clock(con, vendor)
    row = con.execute(
        f'select cast(max({clock}) as varchar) from "{vendor}"._dlt_loads where status = 0'
    ).fetchone()
    return row[0] if row and row[0] else ""


def _load_clock(con: duckdb.DuckDBPyConnection, vendor: str) -> tuple[str, str]:
    """What orders the vendor's loads by completion: dlt's `inserted_at` (a load finished
    late counts as new), or the load id where a table lacks it (tests' seeded loads)."""
    columns = {
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = '_dlt_loads'",
            [vendor],
        ).fetchall()
    }
    if "inserted_at" in columns:
        return "inserted_at", "timestamptz"
    return "cast(load_id as double)", "double"


def _fingerprint(
    con: duckdb.DuckDBPyConnection,
    vendors: list[str],
    root: Path,
    settings_tables: list[str],
    present: set[tuple[str, str]],
    windowed: dict[str, dict[str, str]],
) -> str:
    """The project's digest and the content of every raw table not fetched by day."""
    digest = hashlib.sha256(project_digest(root).encode())
    tables = [f"raw.{name}" for name in settings_tables]
    for vendor in vendors:
        for schema, name in sorted(present):
            prefix, _, table = name.partition("__")
            if schema == "raw" and prefix == vendor and table and table not in windowed[vendor]:
                tables.append(f"raw.{name}")
    # one statement for all of them (on a lake, each is a round trip)
    contents = " union all ".join(
        f"select {literal(table)}, count(*), coalesce(md5(string_agg(cast(t as varchar), "
        f"chr(10) order by cast(t as varchar))), '') from {table} as t"
        for table in sorted(set(tables))
    )
    rows = {table: (count, md5) for table, count, md5 in con.execute(contents).fetchall()}
    for table in sorted(set(tables)):
        digest.update(f"{table}:{rows[table]}".encode())
    return digest.hexdigest()
