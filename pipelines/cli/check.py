"""`pageflow check`: what a user runs first with real credentials; touches no warehouse.

Per vendor: signs in and lists the websites (with PageSense: the definitions too), then
fetches every windowed resource of the first website once for its yesterday, exactly as a
sync reads it, and prints one line per endpoint. Each line says one of:

- `ok`: the answer has the shape a sync reads;
- `unreachable`: no answer in time, or the vendor said "later" (429, 5xx): exit 75;
- `rejected`: the credentials were refused: exit 78;
- `DIFFERENT`: an answer of the wrong shape, which a sync could not read: exit 1.

A connection test answers within about ten seconds a vendor: two short attempts per call
(`RetryPolicy.connection_test`), and a vendor that is unreachable or rejects the
credentials is not asked for more.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines import VENDORS
from pipelines.vendors import Vendor, configured_vendor, registration
from sources.shared.errors import ConfigurationError, PageflowError, VendorAPIError
from sources.shared.retry import RetryPolicy
from sources.shared.windows import Window, yesterday


def verdict(exc: PageflowError) -> str:
    """How `check` names an error: unreachable, rejected or DIFFERENT."""
    if isinstance(exc, VendorAPIError) and exc.retryable:
        return "unreachable"
    if isinstance(exc, ConfigurationError) or (
        isinstance(exc, VendorAPIError) and exc.credentials_rejected
    ):
        return "rejected"
    return "DIFFERENT"


def check(vendors: Sequence[str] | None, out: list[str]) -> list[PageflowError]:
    """Check each named (default: each configured) vendor; lines go to `out`. Returns the
    errors found (empty: every endpoint answered as a sync reads it)."""
    found: list[PageflowError] = []
    checked = 0
    for name in vendors or VENDORS:
        vendor = configured_vendor(name, policy=RetryPolicy.connection_test())
        if vendor is None:
            if vendors:
                raise ConfigurationError(f"{name}: no credentials configured")
            out.append(f"{name:<10} skipped: no credentials configured")
            continue
        checked += 1
        try:
            found += _check_vendor(vendor, out)
        finally:
            vendor.close()
    if not checked:
        raise ConfigurationError("no vendor has credentials configured: nothing to check")
    return found


def _check_vendor(vendor: Vendor, out: list[str]) -> list[PageflowError]:
    try:
        websites = vendor.websites()
    except (ConfigurationError, VendorAPIError) as exc:
        out.append(f"{vendor.name:<10} {'/websites':<48} {verdict(exc)}: {exc}")
        return [exc]
    out.append(f"{vendor.name:<10} {'/websites':<48} ok: {len(websites)} websites")
    out.append(f"{vendor.name:<10} {'resources':<48} {', '.join(vendor.resources)}")
    found: list[PageflowError] = []
    for exc in vendor.rejected:
        found.append(exc)
        out.append(f"{vendor.name:<10} {exc.endpoint:<48} {verdict(exc)}: {exc.reason}")
    if not websites:
        return found
    site = websites[0]
    day = yesterday(site.timezone)
    calls: dict[str, int] = {}
    for resource in vendor.resources:
        window = Window(site.website_id, resource, day)
        before = vendor.calls_made
        try:
            _, claim = vendor.fetch(window)
        except (ConfigurationError, VendorAPIError) as exc:
            found.append(exc)
            endpoint = exc.endpoint if isinstance(exc, VendorAPIError) else resource
            reason = exc.reason if isinstance(exc, VendorAPIError) else str(exc)
            out.append(f"{vendor.name:<10} {endpoint:<48} {verdict(exc)} ({day}): {reason}")
            if verdict(exc) != "DIFFERENT":
                break  # unreachable or rejected: no other call of this vendor would answer
            continue
        calls[resource] = vendor.calls_made - before
        name = registration(vendor.name).resource(resource).claim
        checked = f", checked against {name}" if name and claim.expected is not None else ""
        out.append(
            f"{vendor.name:<10} {resource:<48} ok ({site.website_id}, {day}): "
            f"{claim.rows} rows{checked}, {calls[resource]} calls"
        )
    if calls and len(calls) == len(vendor.resources):
        each = ", ".join(f"{r} {n}" for r, n in calls.items())
        out.append(
            f"{vendor.name:<10} {'calls per website-day':<48} {sum(calls.values())} "
            f"({each}; a backfill of N days costs about N x this per website)"
        )
    return found
