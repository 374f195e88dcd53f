"""Publishing: the working database copied to the file readers open, swapped in atomically.

A reader never sees a half-built warehouse and never blocks the writer: the new file is
written beside the warehouse (`<file>.pageflow/publish.duckdb`), flushed, and renamed over
it. Its storage format is DuckDB 1.1's, so BI drivers that bundle an older DuckDB read it.

Copying everything costs time proportional to the warehouse (15 s for 5M recordings), so
after the first publish only what changed is written: the last published file is copied
as bytes (a fraction of a second), and each table is brought level with the working
database. Rows loaded by dlt never change once written, only disappear (a merge deletes a
re-fetched day), so a table's rows are compared per (`_dlt_load_id`, website, day) by
count, and only the groups whose counts differ are rewritten. Tables without load ids
(the marts, settings) and tables under `SMALL` rows are rewritten whole, unless their rows
are the same (count and a hash of every row): a `pageflow models` that changed nothing
writes nothing. DuckDB reuses the
blocks deleted rows leave, but not perfectly: once the file is `COMPACT_AT` times its size
after the last full write (or when anyone else replaced it), it is written afresh, which
compacts it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines.store.paths import not_a_directory
from pipelines.store.settings import model_memory_limit, publish_internal, set_threads
from pipelines.store.sql import drop_staging_copies, literal, quoted_path, same_rows
from pipelines.store.warehouse import Warehouse, refuse_if_held, remove_database
from sources.shared.errors import PageflowError

log = logging.getLogger("pageflow.publish")

STORAGE_VERSION = "v1.1.0"  # the oldest DuckDB that reads the published file
COMPACT_AT = 1.5  # file size, relative to right after a full write, that triggers one
PARTITION = ("_dlt_load_id", "website_id", "day")  # how loaded rows are compared
# Tables with fewer rows are copied whole: cheaper than comparing, and right even for the
# few rows pageflow itself changes in place (the audit's `loaded` of a day to re-fetch).
SMALL = 100_000
# The model runner's own layers: left out of the readers' file, so a BI tool's table list
# is the marts and the raw tables (`[warehouse] publish_internal = true` keeps them).
INTERNAL_SCHEMAS = ("raw", "staging", "intermediate", "analytics_build")


@dataclass
class Published:
    mode: str  # "full" or "changes" (a file), "lake" (upkeep only: nothing is copied)
    seconds: float
    tables_rewritten: int
    rows_written: int


def publish(warehouse: Warehouse, full: bool = False) -> Published:
    """Write the working database to `warehouse.path`, atomically, readable by DuckDB 1.1;
    `full` writes it afresh even when only changes would do."""
    began = time.perf_counter()
    path, folder = warehouse.path, warehouse.folder
    not_a_directory(path)
    refuse_if_held(path)
    tmp = folder / "publish.duckdb"
    remove_database(tmp)
    record = _record(folder)
    incremental = not full and _can_increment(path, record)
    if incremental:
        shutil.copyfile(path, tmp)
    try:
        with duckdb.connect(":memory:") as con:
            con.execute(f"set memory_limit = '{model_memory_limit()}'")
            set_threads(con)
            con.execute(f"attach '{quoted_path(tmp)}' as pub (storage_version '{STORAGE_VERSION}')")
            con.execute(f"attach '{quoted_path(warehouse.work_path)}' as work (read_only)")
            con.execute("use pub")
            stats = _mirror(con)
            con.execute("use memory")
            con.execute("detach pub")
            con.execute("detach work")
        fsync(tmp)
        remove_database(
            path.with_name(path.name + ".wal")
        )  # a stale WAL would replay onto the new file
        os.replace(tmp, path)
        fsync(path.parent)
    finally:
        remove_database(tmp)
    mode = "changes" if incremental else "full"
    stat = path.stat()
    full_size = record["full_size"] if incremental else stat.st_size
    _save_record(folder, {"inode": stat.st_ino, "size": stat.st_size, "full_size": full_size})
    result = Published(mode, time.perf_counter() - began, *stats)
    log.info(
        "published %s (%s): %d tables rewritten, %d rows written, %.2fs",
        path,
        mode,
        result.tables_rewritten,
        result.rows_written,
        result.seconds,
    )
    return result


def publish_safely(
    warehouse: Warehouse,
) -> tuple[Published | None, PageflowError | None]:
    """Publish what is committed; a failure keeps it in the working database for the next
    run to publish, and is reported rather than raised. A lake publishes nothing (its
    readers already see the committed marts): it gets its upkeep instead."""
    if warehouse.is_lake:
        from pipelines.store.upkeep import finish_lake

        began = time.perf_counter()
        error = finish_lake(warehouse)
        return (None if error else Published("lake", time.perf_counter() - began, 0, 0)), error
    try:
        with warehouse.connect_work() as con:
            drop_staging_copies(con)
        return publish(warehouse), None
    except PageflowError as exc:
        exc.args = (f"{exc}; everything synced is kept and the next run publishes it",)
        log.error("publish: %s", exc)
        return None, exc


def _mirror(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Make catalog `pub` equal to catalog `work`: tables, their rows and comments, views;
    the model runner's own schemas only when `WAREHOUSE__PUBLISH_INTERNAL` says so."""
    left_out = set() if publish_internal() else set(INTERNAL_SCHEMAS)
    work = {k: v for k, v in _tables(con, "work").items() if k[0] not in left_out}
    pub = _tables(con, "pub")
    for schema, view in con.execute(
        "select schema_name, view_name from duckdb_views() "
        "where database_name = 'pub' and not internal"
    ).fetchall():
        con.execute(f'drop view "{schema}"."{view}"')
    for name in pub.keys() - work.keys():
        con.execute(f"drop table {_relation(name)}")
    rewritten = rows = 0
    for name, table in sorted(work.items()):
        old = pub.get(name)
        if old is not None and old["columns"] == table["columns"]:
            written = _level(con, name, table)
        else:
            written = _replace(con, name, table, exists=old is not None)
        rewritten += written is not None
        rows += written or 0
        if old is None or old["comments"] != table["comments"]:
            _comment(con, name, table)
    schemas = {s for s, _ in work} | (_view_schemas(con) - left_out)
    for schema in schemas:
        con.execute(f'create schema if not exists "{schema}"')
    _create_views(
        con,
        [
            sql
            for (schema, sql) in con.execute(
                "select schema_name, sql from duckdb_views() "
                "where database_name = 'work' and not internal"
            ).fetchall()
            if schema not in left_out
        ],
    )
    for (schema,) in con.execute(
        "select schema_name from duckdb_schemas() where database_name = 'pub' "
        "and not internal and schema_name <> 'main'"
    ).fetchall():
        if schema not in schemas:
            con.execute(f'drop schema "{schema}" cascade')
    return rewritten, rows


def _create_views(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Create the views, each after the views it reads (the catalog does not keep that
    order): every round creates what it can, until none is left or none can be made."""
    left = statements
    while left:
        failed: list[tuple[str, duckdb.Error]] = []
        for sql in left:
            try:
                con.execute(sql)
            except duckdb.CatalogException as exc:
                failed.append((sql, exc))
        if len(failed) == len(left):
            raise failed[0][1]
        left = [sql for sql, _ in failed]


def _level(con: duckdb.DuckDBPyConnection, name: tuple[str, str], table: dict) -> int | None:
    """Bring an existing table level with the working one; rows written, None if none."""
    relation = _relation(name)
    columns = [c for c, _ in table["columns"]]
    keys = [c for c in PARTITION if c in columns]
    small = con.execute(f"select count(*) < {SMALL} from work.{relation}").fetchall()[0][0]
    if "_dlt_load_id" not in keys or small:  # models, settings, audit: rewritten whole
        if same_rows(con, f"work.{relation}", f"pub.{relation}"):  # nothing to write
            return None
        con.execute(f"delete from pub.{relation}")
        con.execute(f"insert into pub.{relation} select * from work.{relation}")
        return con.execute(f"select count(*) from pub.{relation}").fetchall()[0][0]
    key_list = ", ".join(f'"{k}"' for k in keys)
    joined = " and ".join(f'w."{k}" is not distinct from p."{k}"' for k in keys)
    picked = ", ".join(f'coalesce(w."{k}", p."{k}") as "{k}"' for k in keys)
    con.execute(
        f"create or replace temp table changed as "
        f"with w as (select {key_list}, count(*) as n from work.{relation} group by all), "
        f"p as (select {key_list}, count(*) as n from pub.{relation} group by all) "
        f"select {picked} from w full join p on {joined} where w.n is distinct from p.n"
    )
    if not con.execute("select count(*) from changed").fetchall()[0][0]:
        return None
    match = " and ".join(f't."{k}" is not distinct from c."{k}"' for k in keys)
    con.execute(f"delete from pub.{relation} as t using changed as c where {match}")
    con.execute(
        f"insert into pub.{relation} select t.* from work.{relation} as t "
        f"semi join changed as c on {match}"
    )
    return con.execute(
        f"select count(*) from work.{relation} as t semi join changed as c on {match}"
    ).fetchall()[0][0]


def _replace(
    con: duckdb.DuckDBPyConnection, name: tuple[str, str], table: dict, exists: bool
) -> int:
    relation = _relation(name)
    if exists:
        con.execute(f"drop table pub.{relation}")
    con.execute(f'create schema if not exists "{name[0]}"')
    con.execute(table["sql"])  # the working table's own DDL, run in catalog pub
    con.execute(f"insert into pub.{relation} select * from work.{relation}")
    return con.execute(f"select count(*) from pub.{relation}").fetchall()[0][0]


def _comment(con: duckdb.DuckDBPyConnection, name: tuple[str, str], table: dict) -> None:
    relation = _relation(name)
    table_comment, columns = table["comments"]
    con.execute(f"comment on table pub.{relation} is {literal(table_comment)}")
    for column, comment in columns:
        con.execute(f'comment on column pub.{relation}."{column}" is {literal(comment)}')


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[tuple[str, str], dict]:
    """Every table of `catalog` but dlt's staging copies: DDL, typed columns, comments."""
    tables: dict[tuple[str, str], dict[str, Any]] = {}
    for schema, table, sql, comment in con.execute(
        "select schema_name, table_name, sql, comment from duckdb_tables() "
        "where database_name = ? and not internal and not temporary "
        "and schema_name not like '%\\_staging' escape '\\'",
        [catalog],
    ).fetchall():
        tables[(schema, table)] = {"sql": sql, "columns": [], "comments": (comment, [])}
    for schema, table, column, data_type, comment in con.execute(
        "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = ? order by schema_name, table_name, column_index",
        [catalog],
    ).fetchall():
        entry = tables.get((schema, table))
        if entry is not None:
            entry["columns"].append((column, data_type))
            entry["comments"][1].append((column, comment))
    return tables


def _view_schemas(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        schema
        for (schema,) in con.execute(
            "select distinct schema_name from duckdb_views() "
            "where database_name = 'work' and not internal"
        ).fetchall()
    }


def _can_increment(path: Path, record: dict) -> bool:
    """Only a file this folder published last, not replaced since, and not due compacting."""
    if not path.exists() or not isinstance(record.get("full_size"), int):
        return False
    stat = path.stat()
    if stat.st_size > COMPACT_AT * record["full_size"]:
        return False
    return record.get("inode") == stat.st_ino and record.get("size") == stat.st_size


def _record(folder: Path) -> dict:
    try:
        return json.loads((folder / "publish.json").read_text())
    except (OSError, ValueError):
        return {}


def _save_record(folder: Path, record: dict) -> None:
    tmp = folder / "publish.json.tmp"
    tmp.write_text(json.dumps(record))
    os.replace(tmp, folder / "publish.json")


def _relation(name: tuple[str, str]) -> str:
    return f'"{name[0]}"."{name[1]}"'


def fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
