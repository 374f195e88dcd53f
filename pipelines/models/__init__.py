"""The models: pageflow's dbt project (`sql/`), built in-process after every sync.

A build prepares the raw layer the project reads (`pipelines.raw`: views over completed
loads, the settings as tables), decides which days to rebuild (`plan`), runs `dbt build`
(`dbt`: the marts into `analytics_build`, each followed by its tests) and, when every
model and test passed, replaces the marts in `analytics` in one transaction (`swap`) and
records what it built from. A failed model or test leaves `analytics` as it was and the
next build rebuilds the same days again.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines import VENDORS
from pipelines.models import dbt, plan, swap
from pipelines.raw import RawSettings, prepare_raw, prune_superseded
from pipelines.vendors import registrations
from sources.shared.errors import ConfigurationError, ModelError
from sources.shared.settings import read_value

log = logging.getLogger("pageflow.models")

__all__ = [
    "BuildResult",
    "ModelError",
    "build",
    "declared_raw",
    "site_pairs",
    "sql_dir",
    "warm_up",
]


def sql_dir() -> Path:
    """The dbt project: packaged beside this package, or `sql/` at the repository's top."""
    packaged = Path(__file__).resolve().parent.parent / "sql"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "sql"


@dataclass
class BuildResult:
    models: list[str]  # relations built, e.g. analytics.daily_traffic
    tests: list[str]  # dbt tests that passed
    plan: plan.Plan
    seconds: float


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


def warm_up(warehouse: Any) -> None:
    """Have dbt start in the background (a sync calls it before fetching)."""
    dbt.warm_up(warehouse, sql_dir())


def build(
    warehouse: Any,
    root: Path | None = None,
    now: datetime | None = None,
    full_refresh: bool = False,
) -> BuildResult:
    """Build the models (only the changed days, unless `full_refresh` or the plan says
    otherwise) and publish the marts to `analytics`; all or nothing. `now` (default: the
    clock) decides which days are still inside the lookback (`is_final`)."""
    root = root or sql_dir()
    now = now or datetime.now(UTC)
    declared = declared_raw(root)
    vendors = {r.name: r.model_settings() for r in registrations()}
    settings = RawSettings(now=now, pairs=site_pairs(), vendors=vendors)
    settings_tables = ["site_pairs", "vendor_settings", "country_codes"]
    settings_tables += [name for v in vendors.values() for name in v.tables]
    with warehouse.connect_work() as con:
        con.begin()
        prepare_raw(con, declared, root, settings)
        chosen = plan.plan(
            con,
            declared,
            root,
            lookback_days=max((v.lookback_days for v in vendors.values()), default=0),
            settings_tables=settings_tables,
            full_refresh=full_refresh,
        )
        plan.start(con, now)
        con.commit()
        # its own commit, right whatever the models do; the views guard against these rows
        # too, and the plan reads only the ledger
        prune_superseded(con, declared, None if chosen.full else chosen.newer)
    log.info("models: rebuilding %s", chosen.describe())
    if chosen.sources == []:  # no window of any resource changed: every mart is as it was
        with warehouse.connect_work() as con:
            con.begin()
            plan.record(con, chosen, now)
            con.commit()
        log.info("models: no raw table changed since the last build: the marts stand")
        return BuildResult([], [], chosen, 0.0)
    outcome = dbt.run(
        warehouse, root, full_refresh=chosen.full, views=chosen.full, sources=chosen.sources
    )
    failure = _failure(outcome)
    if failure:
        raise ModelError(failure)
    built = [n.name for n in outcome.models if n.status == "success"]
    # a build of some marts publishes those; the others' builds equal what readers have
    marts = None if chosen.sources is None else {name.split(".", 1)[1] for name in built}
    with warehouse.connect_work() as con:
        con.begin()
        try:
            swap.publish_marts(con, marts)
            plan.record(con, chosen, now)
        except BaseException:
            con.rollback()
            raise
        con.commit()
    passed = [n.name for n in outcome.tests if n.status == "pass"]
    log.info(
        "models: built %d models, %d tests passed (%s, dbt %.1fs)",
        len(built),
        len(passed),
        chosen.describe(),
        outcome.seconds,
    )
    return BuildResult(built, passed, chosen, outcome.seconds)


def _failure(outcome: dbt.DbtOutcome) -> str | None:
    """One line for a failed build: the first failing model with its SQL error, or the
    tests that failed; None when everything passed."""
    if outcome.error and not outcome.nodes:
        return f"dbt could not run the models: {outcome.error}"
    broken = [n for n in outcome.models if n.status == "error"]
    if broken:
        first = broken[0]
        return f"model {first.name} did not build: {first.message}"
    failed = [n for n in outcome.tests if n.status in ("fail", "error")]
    if failed:
        listed = "; ".join(f"{n.name}: {n.failures or n.message} rows" for n in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        return f"tests failed, marts left as they were: {listed}{more}"
    if not outcome.success:
        return f"dbt failed: {outcome.error or 'see the log'}"
    return None
