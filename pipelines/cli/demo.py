"""`pageflow demo`: the sandbox on 127.0.0.1, a sync of every vendor it fakes, a summary."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from pipelines.readers.report import write_report
from pipelines.readers.status import marts_summary, status_text
from pipelines.run.sync import SyncResult, sync
from pipelines.store.warehouse import Warehouse
from sources.sandbox import Sandbox
from sources.shared import stop
from sources.shared.windows import local_today

DEMO_DAYS = 14


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore what was there."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_demo(
    warehouse: Warehouse, take_lock: bool = True, report: Path | None = None
) -> tuple[SyncResult, str]:
    """Sync the last DEMO_DAYS days from a fresh sandbox; the result and a printable summary
    (and the HTML report written to `report`, when given)."""
    with Sandbox() as sandbox:
        start = local_today(sandbox.mouseflow_timezone) - timedelta(days=DEMO_DAYS)
        env = {
            **sandbox.env(),
            "SOURCES__MOUSEFLOW__START_DATE": start.isoformat(),
            "SOURCES__MOUSEFLOW__WEBSITE_IDS": "[]",
            "SOURCES__PAGESENSE__START_DATE": start.isoformat(),
            "SOURCES__PAGESENSE__WEBSITE_IDS": "[]",
        }
        with environment(env):
            result = sync(warehouse, take_lock=take_lock)
    if result.stopped or not warehouse.is_published():
        return result, f"pageflow demo: nothing published to {warehouse.name}"
    lines = [
        f"pageflow demo: synced the sandbox into {warehouse.name}",
        "",
        marts_summary(warehouse),
        "",
        status_text(warehouse),
    ]
    if report is not None and not stop.requested():
        written = write_report(warehouse, report, DEMO_DAYS)
        lines += ["", f"report: {written} (open it in a browser)"]
    return result, "\n".join(lines)


DEMO_MARK = ".pageflow-demo-lake"


def run_demo_lake(directory: Path, report: Path | None = None) -> tuple[SyncResult, str]:
    """`demo --lake DIR`: a throwaway PostgreSQL catalog (its files in DIR/catalog, stopped
    at the end) and the lake's Parquet files in DIR/data; a demo lake found in DIR is
    replaced, any other non-empty DIR refused."""
    from pipelines.store.lake import Lake
    from sources.sandbox.postgres import ThrowawayPostgres

    _fresh_demo_folder(directory)
    with ThrowawayPostgres(directory / "catalog") as server:
        server.create_database("pageflow")
        env = {
            "WAREHOUSE__DATA_PATH": str(directory / "data"),
            "WAREHOUSE__WORK_DIR": str(directory / "work"),
        }
        with environment(env):
            lake = Lake.at("ducklake:postgres:" + server.conninfo("pageflow"))
            with lake.lock():
                result, summary = run_demo(lake, take_lock=False, report=report)
    summary += (
        f"\n\nThe lake's files are in {directory / 'data'}; its catalog server "
        f"({directory / 'catalog'}) was stopped with the demo."
    )
    return result, summary


def _fresh_demo_folder(directory: Path) -> None:
    import shutil

    from sources.shared.errors import ConfigurationError

    if directory.exists() and any(directory.iterdir()):
        if not (directory / DEMO_MARK).exists():
            raise ConfigurationError(
                f"{directory} is not empty and holds no demo lake: name an empty or new folder"
            )
        shutil.rmtree(directory)
    directory.mkdir()
    (directory / DEMO_MARK).write_text("a lake written by `pageflow demo --lake`\n")
