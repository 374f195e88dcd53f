"""The run loop: every vendor at once, one commit per chunk of windows.

One `pipeline.run()` is one unit of commit (data and positions travel together), so a
backfill is cut into chunks of `chunk_days` website-days: a crash or a bad window loses
only the chunk in flight, and the next run resumes there.

All vendors fetch at the same time, each account with its own pool and pacer, while dlt
commits in this thread one chunk at a time, whichever vendor's next chunk is fetched
first: a vendor waiting for its rate-limit window never holds up another.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from pipelines import VENDORS, models
from pipelines.run.commit import commit_all
from pipelines.run.progress import Progress
from pipelines.run.vendor_run import VendorResult, VendorRun
from pipelines.store.lake import Lake
from pipelines.store.publish import Published, publish, publish_safely
from pipelines.store.runtime import prepare_dlt_environment
from pipelines.store.settings import duckdb_threads, load_memory_limit, publish_internal
from pipelines.vendors import Vendor, configured_vendor, registration, registrations
from sources.shared import stop
from sources.shared.errors import ConfigurationError, PageflowError

if TYPE_CHECKING:
    from pipelines.store.choose import AnyWarehouse

log = logging.getLogger("pageflow.sync")

__all__ = ["SyncResult", "VendorResult", "maintain", "rebuild", "sync"]


@dataclass
class SyncResult:
    vendors: list[VendorResult] = field(default_factory=list)
    models_error: PageflowError | None = None
    publish_error: PageflowError | None = None
    published: Published | None = None
    stopped: bool = False

    def resume_points(self) -> str:
        """Where the next run starts, per vendor: its first chunk not committed."""
        points = [v.resume for v in self.vendors if v.resume]
        unplanned = [v.vendor for v in self.vendors if not v.skipped and not v.planned]
        if unplanned:
            points.append(
                f"{' and '.join(unplanned)}: nothing was fetched yet; the next run starts "
                "where this one did"
            )
        if points:
            return "; ".join(points)
        return "every chunk was committed; the next run builds the models and publishes"

    @property
    def error(self) -> PageflowError | None:
        errors = [v.error for v in self.vendors if v.error is not None]
        return (errors or [self.models_error or self.publish_error])[0]


def sync(
    warehouse: AnyWarehouse,
    vendors: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    build_models: bool = True,
    take_lock: bool = True,
) -> SyncResult:
    """Sync the named vendors (default: all with credentials) into `warehouse`, then
    rebuild the models (they read only completed loads, so a failed vendor is harmless)."""
    prepare_dlt_environment()
    result = SyncResult()
    progress = Progress()
    with warehouse.lock() if take_lock else nullcontext(), ExitStack() as stack:
        # every setting is read before any work: a bad one stops the run here (78)
        load_memory_limit()
        duckdb_threads()
        publish_internal()
        if build_models:
            models.site_pairs()
        configured = {
            name: _configure(warehouse, name, bool(vendors)) for name in vendors or VENDORS
        }
        warehouse.prepare()
        if build_models:
            models.warm_up(warehouse)  # dbt's start overlaps the fetch
        runs = []
        for name, vendor in configured.items():
            outcome = VendorResult(name)
            result.vendors.append(outcome)
            run = _start(warehouse, vendor, outcome, start, end, progress) if vendor else None
            if vendor is None:
                outcome.skipped = True
                log.info("%s: no credentials configured, skipped", name)
            if run is not None:
                stack.callback(run.finish)
                runs.append(run)
        if all(v.skipped for v in result.vendors):
            raise ConfigurationError(
                "no vendor has credentials configured: set "
                + " or ".join(r.credentials for r in registrations())
                + " (in .dlt/secrets.toml or the environment)"
            )
        progress.start()
        try:
            commit_all(runs)
        finally:
            progress.close()
        stack.close()
        # after a stop request nothing more is written: no models, no publish (next run's)
        if build_models and warehouse.has_data() and not stop.requested():
            try:
                models.build(warehouse)
            except PageflowError as exc:
                result.models_error = exc
                log.error("models: %s", exc)
        if warehouse.has_data() and not stop.requested():
            result.published, result.publish_error = publish_safely(warehouse)
    result.stopped = stop.requested()
    return result


@dataclass
class Rebuilt:
    """What `pageflow models` did: the models built, the SQL tests passed, whether it
    published (a stop request after the build leaves publishing to the next run)."""

    models: list[str]
    tests: list[str]
    published: bool
    publish_error: PageflowError | None = None  # kept for the next run to publish
    scope: str = ""  # which days were rebuilt


def rebuild(warehouse: AnyWarehouse, full_refresh: bool = False) -> Rebuilt:
    """`pageflow models`: rebuild the models from what is committed, then publish them."""
    prepare_dlt_environment()
    warehouse.prepare()
    if not warehouse.has_data():
        raise ConfigurationError(
            f"no warehouse at {warehouse.name}: check --warehouse, or run `pageflow sync`"
        )
    built = models.build(warehouse, full_refresh=full_refresh)
    scope = built.plan.describe()
    if stop.requested():
        return Rebuilt(built.models, built.tests, published=False, scope=scope)
    published, error = publish_safely(warehouse)
    return Rebuilt(built.models, built.tests, published is not None, error, scope)


def maintain(warehouse: AnyWarehouse) -> str:
    """`pageflow maintain`: a lake's upkeep (small files merged, old snapshots expired and
    their files removed); a file is written afresh, which compacts it. A line to print."""
    prepare_dlt_environment()
    warehouse.prepare()
    if not warehouse.has_data():
        raise ConfigurationError(
            f"no warehouse at {warehouse.name}: check --warehouse, or run `pageflow sync`"
        )
    if isinstance(warehouse, Lake):
        from pipelines.store.upkeep import maintain as upkeep

        done = upkeep(warehouse)
        return (
            f"maintained {warehouse.name}: {done.files_before} data files -> "
            f"{done.files_after}, {done.snapshots_expired} snapshots expired, "
            f"{done.files_deleted} files deleted"
        )
    published = publish(warehouse, full=True)
    size = warehouse.path.stat().st_size / 1e6
    return f"compacted {warehouse.name}: written afresh, {size:.1f} MB ({published.seconds:.1f}s)"


def _configure(warehouse: AnyWarehouse, name: str, named: bool) -> Vendor | None:
    """The vendor with its settings read, or None when it has no credentials; a setting
    that cannot work (or `--vendor` without credentials) is a `ConfigurationError`."""
    vendor = configured_vendor(name, warehouse.folder)
    if vendor is None and named:
        raise ConfigurationError(
            f"{name}: --vendor {name} was given, but no {name} credentials are configured "
            f"({registration(name).credentials})"
        )
    return vendor


def _start(
    warehouse: AnyWarehouse,
    vendor: Vendor,
    outcome: VendorResult,
    start: date | None,
    end: date | None,
    progress: Progress,
) -> VendorRun | None:
    """The vendor's run, planned and fetching; None when it failed to start."""
    run = VendorRun(warehouse, vendor, outcome, progress)
    try:
        run.prepare(start, end)
    except PageflowError as exc:
        run.fail(exc)
        return None
    except BaseException:
        run.finish()
        raise
    return run
