"""`pageflow check`: what a user runs first with real credentials; touches no warehouse.

Per vendor: signs in and lists the websites (with PageSense: the definitions too), then
fetches every windowed resource of the first website once for its yesterday, exactly as a
sync reads it, and prints one line per endpoint: the shape as expected, or what differed.
It returns what it found wrong; the CLI exits 0 when nothing, 78 when credentials or
configuration, 1 when only answers a sync could not read.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines import VENDORS
from pipelines.vendors import Vendor, configured_vendor, registration
from sources.shared.errors import ConfigurationError, PageflowError, VendorAPIError
from sources.shared.windows import Window, yesterday


def check(vendors: Sequence[str] | None, out: list[str]) -> list[PageflowError]:
    """Check each named (default: each configured) vendor; lines go to `out`. Returns the
    errors found (empty: every endpoint answered as a sync reads it)."""
    found: list[PageflowError] = []
    checked = 0
    for name in vendors or VENDORS:
        vendor = configured_vendor(name)
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
        out.append(f"{vendor.name:<10} {'/websites':<48} DIFFERENT: {exc}")
        return [exc]
    out.append(f"{vendor.name:<10} {'/websites':<48} ok: {len(websites)} websites")
    if not websites:
        return []
    site = websites[0]
    day = yesterday(site.timezone)
    found: list[PageflowError] = []
    for resource in vendor.resources:
        window = Window(site.website_id, resource, day)
        try:
            _, claim = vendor.fetch(window)
        except VendorAPIError as exc:
            found.append(exc)
            out.append(f"{vendor.name:<10} {exc.endpoint:<48} DIFFERENT ({day}): {exc.reason}")
            continue
        name = registration(vendor.name).resource(resource).claim
        checked = f", checked against {name}" if name and claim.expected is not None else ""
        out.append(
            f"{vendor.name:<10} {resource:<48} ok ({site.website_id}, {day}): "
            f"{claim.rows} rows{checked}"
        )
    return found
