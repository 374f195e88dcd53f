"""Every test runs in its own temporary directory with dlt's state kept inside it, and
never across a local midnight of the zones the sandbox's websites live in."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dlt.common.configuration.container import Container
from dlt.common.configuration.specs.pluggable_run_context import PluggableRunContext

from sources.sandbox import MOUSEFLOW_TIMEZONE
from sources.sandbox.world import default_sites
from sources.shared.windows import LATEST_ZONE

pytest_plugins = ["tests.lake_servers"]  # PostgreSQL and S3 servers for the lake's tests


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt-data"))
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    for key in list(os.environ):
        if key.startswith(("SOURCES__", "PAGEFLOW_", "WAREHOUSE__")):
            monkeypatch.delenv(key)
    # four workers on two cores: DuckDB's threads per connection only wait on each other
    # (a tenth of the file tests' CPU, measured); tests of the default delete it
    monkeypatch.setenv("WAREHOUSE__THREADS", "1")
    # dlt reads .dlt/*.toml once per process: read this test's (empty) folder afresh
    Container()[PluggableRunContext].reload_providers()
    return tmp_path


# The zones whose dates a test compares with what a sync fetched: UTC, the sandbox's
# websites and Mouseflow account, and the latest today on Earth.
DAY_ZONES = tuple(
    sorted(
        {"UTC", LATEST_ZONE, MOUSEFLOW_TIMEZONE}
        | {site.pagesense_timezone for site in default_sites()}
    )
)
LONGEST_TEST_SECONDS = 90


def seconds_to_next_midnight(now: datetime, zones: tuple[str, ...] = DAY_ZONES) -> float:
    """Seconds from `now` to the next local midnight in any of `zones`."""
    soonest = []
    for zone in zones:
        local = now.astimezone(ZoneInfo(zone))
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
        at = midnight.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)  # UTC: DST-proof
        soonest.append((at - now.astimezone(UTC)).total_seconds())
    return min(soonest)


@pytest.fixture(autouse=True)
def same_day_throughout() -> None:
    """A test that asks "yesterday" before and after a sync must get one answer: one
    starting less than `LONGEST_TEST_SECONDS` before a local midnight waits until it has
    passed (at most a minute and a half, a few times a day)."""
    left = seconds_to_next_midnight(datetime.now(UTC))
    if left < LONGEST_TEST_SECONDS:
        time.sleep(left + 1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With pytest-xdist, the long tests (`slow`, longest `minutes` first) dealt one by one
    to the heads of the workers' shares: worksteal splits the collected tests into one
    contiguous share per worker, as below, and an idle worker steals from another's tail,
    so a long test collected late was left running alone at the end of the suite. The
    order is the same in every worker (xdist checks), whatever the clock or the machine."""
    workers = getattr(config, "workerinput", {}).get("workercount")  # in xdist's workers
    if not isinstance(workers, int) or workers < 2:
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if not slow:
        return
    slow.sort(key=lambda item: -item.get_closest_marker("slow").kwargs.get("minutes", 2))  # type: ignore[union-attr]
    rest = iter([item for item in items if item.get_closest_marker("slow") is None])
    shares: list[list[pytest.Item]] = [slow[k::workers] for k in range(workers)]
    left = len(items)
    for k, share in enumerate(shares):
        size = left // (workers - k)  # as xdist's worksteal sizes its first shares
        left -= size
        while len(share) < size and (item := next(rest, None)) is not None:
            share.append(item)
    items[:] = [item for share in shares for item in share] + list(rest)
