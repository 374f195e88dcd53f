"""The vendor registry: `pipelines.VENDORS` names them, each package registers itself.

A name `x` in `VENDORS` means `sources/x/vendor.py` holds `REGISTRATION` (a
`sources.shared.vendor.Registration`); the run loop, the models, `check`, the report and the
messages read everything vendor-specific from there. See README "Adding a vendor".
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from pipelines import VENDORS
from sources.shared.errors import ConfigurationError
from sources.shared.retry import RetryPolicy
from sources.shared.vendor import Registration, Vendor, Website

__all__ = ["Vendor", "Website", "configured_vendor", "registration", "registrations"]


def registration(name: str) -> Registration:
    if name not in VENDORS:
        raise ConfigurationError(f"unknown vendor {name!r}; one of {', '.join(VENDORS)}")
    found = import_module(f"sources.{name}.vendor").REGISTRATION
    assert isinstance(found, Registration) and found.name == name, name
    return found


def registrations() -> list[Registration]:
    return [registration(name) for name in VENDORS]


def configured_vendor(
    name: str, folder: Path | None = None, policy: RetryPolicy | None = None
) -> Vendor | None:
    """The vendor ready to sync, or None when it has no credentials (it is skipped).
    `folder`: the folder beside the warehouse, where a vendor keeps files between runs;
    `policy`: retries other than the configured ones (`pageflow check`'s quick test)."""
    return registration(name).configured(folder, policy)
