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
    if result.stopped or not warehouse.path.exists():
        return result, f"pageflow demo: nothing published to {warehouse.path}"
    lines = [
        f"pageflow demo: synced the sandbox into {warehouse.path}",
        "",
        marts_summary(warehouse),
        "",
        status_text(warehouse),
    ]
    if report is not None and not stop.requested():
        written = write_report(warehouse, report, DEMO_DAYS)
        lines += ["", f"report: {written} (open it in a browser)"]
    return result, "\n".join(lines)
