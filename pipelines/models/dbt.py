"""dbt, run in-process on the project in `sql/`: its profile, its flags, its log lines.

dbt's start (importing the adapter, parsing the project) is paid once per run; partial
parsing keeps its state in `<warehouse>.pageflow/dbt/`, beside the profile pageflow writes
there. The profile holds no secret: the catalog password reaches libpq as PGPASSWORD and
the object store's keys are read from the environment at the moment dbt renders it, as are a
lake's catalog, data path and bucket (so every lake has the same profile, and one parse).
Nothing reaches stdout (a cron mail carries only pageflow's own lines): dbt's events go to
the `pageflow.dbt` logger, one line per model at INFO, every test that fails at ERROR.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.models import dbt_parse
from sources.shared import stop

if TYPE_CHECKING:
    from dbt_common.events.base_types import EventMsg

    from pipelines.store.choose import AnyWarehouse

log = logging.getLogger("pageflow.dbt")

BUILD_SCHEMA = "analytics_build"  # where dbt builds the marts; moved to `analytics` after
_S3_KEYS = {"key_id": "PAGEFLOW_DBT_S3_KEY_ID", "secret": "PAGEFLOW_DBT_S3_SECRET"}
# a lake's own places, read from the environment when dbt renders the profile: every lake's
# profile is then the same text, and one parse of the project serves them all (`dbt_parse`)
_LAKE_PLACES = {
    "catalog": "PAGEFLOW_DBT_CATALOG",
    "data_path": "PAGEFLOW_DBT_DATA_PATH",
    "scope": "PAGEFLOW_DBT_S3_SCOPE",
}


@dataclass
class NodeOutcome:
    name: str  # e.g. `analytics.daily_traffic` or the test's name
    kind: str  # model, test
    status: str  # success, error, fail, skipped, pass, warn
    message: str = ""
    seconds: float = 0.0
    failures: int = 0


@dataclass
class DbtOutcome:
    success: bool
    seconds: float
    nodes: list[NodeOutcome] = field(default_factory=list)
    error: str | None = None  # dbt itself failed (a project or profile that does not load)

    @property
    def models(self) -> list[NodeOutcome]:
        return [n for n in self.nodes if n.kind == "model"]

    @property
    def tests(self) -> list[NodeOutcome]:
        return [n for n in self.nodes if n.kind == "test"]


def state_dir(warehouse: AnyWarehouse) -> Path:
    """dbt's profile, partial-parse state and target folder: `<warehouse>.pageflow/dbt`."""
    return warehouse.folder / "dbt"


def write_profile(warehouse: AnyWarehouse, directory: Path, read_only: bool = False) -> None:
    """`profiles.yml` for `warehouse` (its working database, or what readers see when
    `read_only`), rewritten only when it changes (a change costs dbt a full parse)."""
    from pipelines.store import extensions
    from pipelines.store.settings import duckdb_threads, model_memory_limit

    output: dict[str, Any] = {"type": "duckdb", "threads": 1, "schema": "main"}
    # DuckDB's cache capped at connect (not per cursor: a full rebuild's on-run-start hook
    # raises it for that run): an hourly build's peak stays flat however big the warehouse
    memory: dict[str, Any] = {
        "memory_limit": model_memory_limit(),
        "preserve_insertion_order": False,
    }
    if (threads := duckdb_threads()) is not None:
        memory["threads"] = threads
    if not warehouse.is_lake and read_only:
        output["path"] = ":memory:"
        output["database"] = "warehouse"
        output["attach"] = [{"path": str(warehouse.path), "alias": "warehouse", "read_only": True}]
    elif warehouse.is_lake:
        lake = warehouse.settings  # type: ignore[union-attr]
        from pipelines.store.lake import ALIAS, METADATA_SCHEMA

        # at connect, before the secret and the attach: extensions from pageflow's folder
        memory.update(extensions.duckdb_config())
        output["path"] = ":memory:"
        output["database"] = ALIAS
        output["attach"] = [
            {
                "path": _from_environment("catalog"),
                "alias": ALIAS,
                "options": {
                    "data_path": _from_environment("data_path"),
                    "metadata_schema": METADATA_SCHEMA,
                },
                **({"read_only": True} if read_only else {}),
            }
        ]
        if lake.s3 is not None:
            secret: dict[str, Any] = {
                "type": "s3",
                "region": lake.s3.region,
                "url_style": lake.s3.url_style,
                "use_ssl": lake.s3.use_ssl,
                "scope": _from_environment("scope"),
            }
            if lake.s3.endpoint:
                secret["endpoint"] = lake.s3.endpoint.split("://")[-1]
            for key, variable in _S3_KEYS.items():
                if getattr(lake.s3, key):
                    secret[key] = "{{ env_var('" + variable + "') }}"
            output["secrets"] = [secret]
    else:
        # relative, dbt running in the folder: every file warehouse has the same profile,
        # so one parse serves them all (`dbt_parse`)
        output["path"] = warehouse.work_path.name
    output["config_options"] = memory
    profile = {"pageflow": {"target": "pageflow", "outputs": {"pageflow": output}}}
    text = json.dumps(profile, indent=2, sort_keys=True) + "\n"  # JSON is YAML
    path = directory / "profiles.yml"
    directory.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _from_environment(place: str) -> str:
    return "{{ env_var('" + _LAKE_PLACES[place] + "') }}"


def _lake_places(warehouse: AnyWarehouse) -> dict[str, str]:
    """The values of `_LAKE_PLACES` for `warehouse` (none for a file)."""
    if not warehouse.is_lake:
        return {}
    lake = warehouse.settings  # type: ignore[union-attr]
    places = {
        _LAKE_PLACES["catalog"]: "ducklake:postgres:" + lake.catalog_conninfo,
        _LAKE_PLACES["data_path"]: lake.data_path,
    }
    if lake.s3 is not None:
        places[_LAKE_PLACES["scope"]] = lake.bucket
    return places


@contextmanager
def _secrets_in_environment(warehouse: AnyWarehouse) -> Iterator[None]:
    """The lake's places and the object store's keys as environment variables while dbt
    renders the profile."""
    s3 = warehouse.settings.s3 if warehouse.is_lake else None  # type: ignore[union-attr]
    places = _lake_places(warehouse)
    saved = {v: os.environ.get(v) for v in [*_S3_KEYS.values(), *_LAKE_PLACES.values()]}
    try:
        for key, variable in _S3_KEYS.items():
            value = getattr(s3, key) if s3 is not None else None
            if value:
                os.environ[variable] = value
        os.environ.update(places)
        yield
    finally:
        for variable, value in saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


def _args(command: list[str], project: Path, directory: Path, read_only: bool) -> list[str]:
    """dbt's options for every command pageflow runs (the same for `parse` and `build`, so
    the warm-up's parse is the build's: dbt re-parses when options differ)."""
    args = [
        *command,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(directory),
        "--target-path",
        str(directory / "target"),
        "--log-path",
        str(directory / "logs"),
        "--log-level",
        "none",
        "--log-level-file",
        "none",
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
        "--vars",
        json.dumps({"pageflow_marts_schema": "analytics" if read_only else BUILD_SCHEMA}),
    ]
    if command[0] != "docs":
        args.append("--no-write-json")  # a second to write; partial parsing keeps its own
    return args


class _WarmUp(threading.Thread):
    """dbt imported and the project parsed while the vendors are fetched."""

    def __init__(self, warehouse: AnyWarehouse, project: Path) -> None:
        super().__init__(name="pageflow-dbt-warm-up", daemon=True)
        self.warehouse, self.project = warehouse, project
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            directory = state_dir(self.warehouse)
            write_profile(self.warehouse, directory)
            with _secrets_in_environment(self.warehouse):
                args = _args(["parse"], self.project, directory, False)
                dbt_parse.parsed(directory, self.project, args, shared=True)
        except BaseException as exc:  # the build then pays for it, and reports
            self.error = exc


_warm_up: _WarmUp | None = None


def warm_up(warehouse: AnyWarehouse, project: Path) -> None:
    """Start dbt's start (importing it: ~3 s; parsing the project) in the background, so a
    sync's model build does not wait for it after the fetch. `run` waits for it."""
    global _warm_up
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    if _warm_up is None or not _warm_up.is_alive():
        _warm_up = _WarmUp(warehouse, project)
        _warm_up.start()


def _wait_for_warm_up() -> None:
    global _warm_up
    if _warm_up is not None:
        _warm_up.join()
        if _warm_up.error is not None:
            log.debug("dbt's warm-up failed: %s", _warm_up.error)
        _warm_up = None


def run(
    warehouse: AnyWarehouse,
    project: Path,
    *,
    full_refresh: bool = False,
    views: bool = True,
    command: str = "build",
    read_only: bool = False,
    directory: Path | None = None,
    sources: list[str] | None = None,
) -> DbtOutcome:
    """`dbt build` (or `docs`: `dbt docs generate --static`) on `project` against the
    warehouse's working database (or, `read_only`, what readers see); `views`: also
    (re)create the staging and intermediate views (else only the marts and tests);
    `sources`: only the marts and tests downstream of these raw tables (else all);
    `directory`: dbt's state (default `state_dir`)."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    began = time.perf_counter()
    _wait_for_warm_up()
    from dbt.cli.main import dbtRunner  # ~3 s to import: only when models are built

    directory = directory or state_dir(warehouse)
    write_profile(warehouse, directory, read_only)
    words = ["docs", "generate", "--static"] if command == "docs" else [command]
    args = _args(words, project, directory, read_only)
    if command == "build":
        if full_refresh:
            args.append("--full-refresh")
        if not views:  # the marts and the tests (a test over a view is still run)
            args += ["--select", *_selected(sources)]
    try:
        with (
            _secrets_in_environment(warehouse),
            _working_directory(warehouse.folder if not warehouse.is_lake else None),
            stop.interruptible(),
        ):
            parse = _args(["parse"], project, directory, read_only)
            manifest = dbt_parse.parsed(directory, project, parse, shared=not read_only)
            result = dbtRunner(manifest=manifest, callbacks=[_log_event]).invoke(args)
    except KeyboardInterrupt:
        raise stop.stopped() from None
    finally:
        _close_adapter()
    if stop.requested():
        raise stop.stopped()
    outcome = DbtOutcome(success=result.success, seconds=time.perf_counter() - began)
    outcome.nodes = [_node(r) for r in getattr(result.result, "results", None) or []]
    if result.exception is not None:
        outcome.error = one_line(str(result.exception))
    return outcome


def _selected(sources: list[str] | None) -> list[str]:
    """dbt's selectors for the marts and tests downstream of `sources` (None: all)."""
    kinds = ["config.materialized:incremental", "config.materialized:table", "resource_type:test"]
    if sources is None:
        return kinds
    return [f"source:raw.{source}+,{kind}" for source in sources for kind in kinds]


@contextmanager
def _working_directory(folder: Path | None) -> Iterator[None]:
    """dbt runs in the warehouse's folder (its profile names the database relatively)."""
    if folder is None:
        yield
        return
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _close_adapter() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the process (an in-memory one
    with the lake attached is kept by design): pageflow opens the same file next."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None and getattr(env, "conn", None) is not None:
        env.conn.close()
        env.conn = None
    DuckDBConnectionManager.close_all_connections()


def one_line(text: str) -> str:
    """dbt's message on one line (its errors span several, with the SQL's position)."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _label(node: Any) -> str:
    if node.resource_type == "model":
        schema = "analytics" if node.schema == BUILD_SCHEMA else node.schema
        return f"{schema}.{node.alias}"
    return str(node.name)


def _node(result: Any) -> NodeOutcome:
    node = result.node
    return NodeOutcome(
        name=_label(node),
        kind=str(node.resource_type),
        status=str(getattr(result.status, "value", result.status)),
        message=one_line(result.message or ""),
        seconds=float(result.execution_time or 0.0),
        failures=int(result.failures or 0),
    )


def _log_event(event: EventMsg) -> None:
    """One INFO line per model as it finishes; dbt's other events at DEBUG."""
    name = event.info.name
    if name == "LogModelResult":
        data = event.data
        node = data.node_info
        relation = node.node_relation
        schema = "analytics" if relation.schema == BUILD_SCHEMA else relation.schema
        log.info(
            "models: %s.%s %s (%s) in %.2fs",
            schema,
            relation.alias,
            "built" if str(data.status).lower() in ("ok", "success") else data.status,
            node.materialized,
            data.execution_time,
        )
    elif name == "LogTestResult" and event.data.status != "pass":
        log.error("models: test %s: %s", event.data.name, event.data.status)
    else:
        log.debug("dbt: %s", event.info.msg)
