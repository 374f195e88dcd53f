"""`pageflow check`: what a user runs first with real credentials; touches no warehouse.

Per vendor: signs in and lists the websites (with PageSense: the definitions too), then
fetches every windowed resource of the first website once for its yesterday, exactly as a
sync reads it, and prints one line per endpoint: the shape as expected, or what differed.
Exit 0 all fine, 78 credentials or configuration, 1 an answer a sync could not read.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines import VENDORS
from pipelines.vendors import Vendor, configured_vendor
from sources._errors import EXIT_CONFIG, EXIT_FAILURE, ConfigurationError, VendorAPIError
from sources._windows import Window, yesterday


def check(vendors: Sequence[str] | None, out: list[str]) -> int:
    """Check each named (default: each configured) vendor; lines go to `out`."""
    code = 0
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
            code = max(code, _check_vendor(vendor, out))
        finally:
            vendor.close()
    if not checked:
        raise ConfigurationError("no vendor has credentials configured: nothing to check")
    return code


def _check_vendor(vendor: Vendor, out: list[str]) -> int:
    try:
        websites = vendor.websites()
    except (ConfigurationError, VendorAPIError) as exc:
        out.append(f"{vendor.name:<10} {'/websites':<48} DIFFERENT: {exc}")
        return EXIT_CONFIG if exc.exit_code == EXIT_CONFIG else EXIT_FAILURE
    out.append(f"{vendor.name:<10} {'/websites':<48} ok: {len(websites)} websites")
    if not websites:
        return 0
    site = websites[0]
    day = yesterday(site.timezone)
    code = 0
    for resource in vendor.resources:
        window = Window(site.website_id, resource, day)
        try:
            _, audit = vendor.fetch(window)
        except VendorAPIError as exc:
            code = max(code, EXIT_CONFIG if exc.exit_code == EXIT_CONFIG else EXIT_FAILURE)
            out.append(f"{vendor.name:<10} {exc.endpoint:<48} DIFFERENT ({day}): {exc.reason}")
            continue
        claim = f", checked against {audit['claim']}" if audit.get("claim") else ""
        out.append(
            f"{vendor.name:<10} {resource:<48} ok ({site.website_id}, {day}): "
            f"{audit['rows']} rows{claim}"
        )
    return code
