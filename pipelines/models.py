"""The SQL model runner: raw views, models in dependency order, SQL tests, one transaction.

Models are `sql/{staging,intermediate,marts}/<table>.sql` (schemas staging, intermediate,
analytics); a model depends on every `schema.table` it names, so the order comes from the
SQL itself. Everything is built in one transaction with the SQL tests (`sql/tests/
assert_*.sql`, each returning the rows that break a rule) at the end: a failed build or a
failing test rolls back, and the previous tables stay readable.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb

from pipelines import VENDORS, catalog
from pipelines.raw import RawSettings, prepare_raw, prune_superseded
from pipelines.store.warehouse import Warehouse
from pipelines.vendors import registrations
from sources.shared.errors import ConfigurationError, ModelError
from sources.shared.settings import read_value

log = logging.getLogger("pageflow.models")

LAYERS = {"staging": "staging", "intermediate": "intermediate", "marts": "analytics"}
REFERENCE = re.compile(r"\b(staging|intermediate|analytics)\.(\w+)\b", re.IGNORECASE)
COMMENT = re.compile(r"--[^\n]*")


def sql_dir() -> Path:
    """The models: packaged beside this module, or `sql/` at the repository's top."""
    packaged = Path(__file__).resolve().parent / "sql"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[1] / "sql"


@dataclass
class Model:
    name: str
    schema: str
    path: Path
    sql: str
    depends_on: set[str] = field(default_factory=set)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class BuildResult:
    models: list[str]
    tests: list[str]


def discover(root: Path) -> list[Model]:
    """Every model under `root`, in an order where each comes after what it reads."""
    models: dict[str, Model] = {}
    for layer, schema in LAYERS.items():
        for path in sorted((root / layer).glob("*.sql")):
            sql = path.read_text()
            model = Model(path.stem, schema, path, sql)
            if model.relation in models:
                raise ModelError(f"two models build {model.relation}")
            models[model.relation] = model
    for model in models.values():
        for schema, table in REFERENCE.findall(COMMENT.sub("", model.sql)):
            relation = f"{schema.lower()}.{table.lower()}"
            if relation not in models:
                raise ModelError(f"{model.path.name} reads {relation}, which no model builds")
            if relation != model.relation:
                model.depends_on.add(relation)
    graph = {name: m.depends_on for name, m in models.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ModelError(f"models depend on each other in a cycle: {exc.args[1]}") from None
    return [models[name] for name in order]


def declared_raw(root: Path) -> dict[str, dict[str, dict[str, str]]]:
    """vendor -> raw table -> column -> type, from `sql/sources/<vendor>.toml`."""
    return {
        path.stem: tomllib.loads(path.read_text())
        for path in sorted((root / "sources").glob("*.toml"))
    }


def site_pairs() -> list[tuple[str, str, str]]:
    """`[sites.<name>]` pairs from the configuration: (site, vendor, website_id)."""
    sites = read_value("sites") or {}
    pairs = []
    if not isinstance(sites, dict):
        raise ConfigurationError("[sites] in .dlt/config.toml must hold tables like [sites.shop]")
    for site, members in sites.items():
        if not isinstance(members, dict):
            raise ConfigurationError(
                f"[sites.{site}] must name {' and/or '.join(VENDORS)} website ids"
            )
        for vendor, website_id in members.items():
            if vendor not in VENDORS:
                raise ConfigurationError(f"[sites.{site}]: unknown vendor {vendor!r}")
            pairs.append((str(site), vendor, str(website_id)))
    return pairs


def build(
    warehouse: Warehouse, root: Path | None = None, now: datetime | None = None
) -> BuildResult:
    """Rebuild every model and run the SQL tests; all or nothing. `now` (default: the
    clock) decides which days are still inside the lookback (`is_final`)."""
    root = root or sql_dir()
    models = discover(root)
    tests = sorted((root / "tests").glob("assert_*.sql"))
    declared = declared_raw(root)
    settings = RawSettings(
        now=now or datetime.now(UTC),
        pairs=site_pairs(),
        vendors={r.name: r.model_settings() for r in registrations()},
    )
    with warehouse.connect_work() as con:
        prune_superseded(con, declared)  # its own commit: right whatever the models do
        con.begin()
        try:
            prepare_raw(con, declared, root, settings)
            for macros in sorted((root / "macros").glob("*.sql")):
                con.execute(macros.read_text())  # temporary: marts use them, views do not
            shared = catalog.shared_columns(root)
            for model in models:
                _build_model(con, model, shared)
            failures = _run_tests(con, tests) + _check_grains(con, models)
        except BaseException:
            con.rollback()
            raise
        if failures:
            con.rollback()
            raise ModelError("SQL tests failed, models left as they were: " + "; ".join(failures))
        con.commit()
    grains = [f"grain of {m.relation}" for m in models if m.schema == LAYERS["marts"]]
    checks = [t.stem for t in tests] + grains
    log.info("models: built %d models, %d SQL tests passed", len(models), len(checks))
    return BuildResult([m.relation for m in models], checks)


def _build_model(con: duckdb.DuckDBPyConnection, model: Model, shared: dict[str, str]) -> None:
    """Marts are tables, commented from their headers (`pipelines.catalog`); staging and
    intermediate models are views (nothing to copy when the warehouse is published, and no
    second copy of every recording)."""
    con.execute(f"create schema if not exists {model.schema}")
    kind = "table" if model.schema == LAYERS["marts"] else "view"
    other = "view" if kind == "table" else "table"
    found = con.execute(
        f"select count(*) from duckdb_{other}s() where database_name = current_database() "
        f"and schema_name = ? and {other}_name = ?",
        [model.schema, model.name],
    ).fetchall()[0][0]
    if found:  # built as the other kind by an earlier pageflow
        con.execute(f"drop {other} {model.relation}")
    try:
        con.execute(f"create or replace {kind} {model.relation} as\n{model.sql}")
    except duckdb.Error as exc:
        raise ModelError(f"model {model.path.name} did not build: {exc}") from None
    if kind == "table":
        doc = catalog.read_header(model.name, model.sql)
        unknown = catalog.describe(con, model.relation, doc, shared)
        if unknown:
            raise ModelError(f"{model.path.name} describes columns it lacks: {unknown}")


def _check_grains(con: duckdb.DuckDBPyConnection, models: list[Model]) -> list[str]:
    """Every mart's stated grain holds (`catalog.grain_failures`)."""
    failures = []
    for model in models:
        if model.schema == LAYERS["marts"]:
            doc = catalog.read_header(model.name, model.sql)
            failures += catalog.grain_failures(con, model.relation, doc)
    return failures


def _run_tests(con: duckdb.DuckDBPyConnection, tests: list[Path]) -> list[str]:
    failures = []
    for path in tests:
        try:
            rows = con.execute(path.read_text()).fetchall()
        except duckdb.Error as exc:
            failures.append(f"{path.stem} did not run: {exc}")
            continue
        if rows:
            sample = ", ".join(str(tuple(row)) for row in rows[:3])
            failures.append(f"{path.stem}: {len(rows)} rows break it, e.g. {sample}")
    return failures
