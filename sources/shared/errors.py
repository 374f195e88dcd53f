"""Every error type of pageflow, in one module: light to import, so the CLI answers fast.

They say what went wrong (configuration, a vendor call that may work later, rejected
credentials, a busy warehouse, a stop request, a model that does not build); which exit
code each becomes is the CLI's business (`pipelines.cli.exits.exit_code`, the only map).
`RowShapeError` is the one that never reaches a user as it is: the caller that knows the
call turns it into a `VendorAPIError`.
"""

from __future__ import annotations

from pathlib import Path


class PageflowError(Exception):
    """Base of the errors pageflow reports to its user in one line."""


class ConfigurationError(PageflowError):
    """Configuration that cannot work: missing credentials, bad values, unusable paths."""


class VendorAPIError(PageflowError):
    """A vendor call that failed for good, with everything needed to find the window again."""

    def __init__(
        self,
        vendor: str,
        endpoint: str,
        reason: str,
        *,
        website_id: str | None = None,
        window: str | None = None,
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        self.vendor = vendor
        self.endpoint = endpoint
        self.reason = reason
        self.website_id = website_id
        self.window = window
        self.status = status
        self.retryable = retryable
        super().__init__(str(self))

    @property
    def credentials_rejected(self) -> bool:
        """The vendor refused our credentials: no other call of this vendor can succeed."""
        return not self.retryable and self.status in (401, 403)

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return (
            f"{self.vendor}: website {self.website_id or '-'}, endpoint {self.endpoint}, "
            f"window {self.window or '-'}: {self.reason}{status}"
        )


class RowShapeError(ValueError):
    """An answer whose content does not fit what the vendor documents (see `shapes`)."""


class Stopped(PageflowError):
    """The run was asked to stop (SIGINT or SIGTERM); the message names the signal."""


class WarehouseBusy(PageflowError):
    """Another sync holds this warehouse (or another program holds it read-write)."""


class WarehouseHeld(WarehouseBusy):
    """Another program holds the published file read-write: the one conflict left."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(
            f"{path} is held read-write by another program ({holder}); "
            "readers must open it read-only; try again once it lets go"
        )


class ModelError(PageflowError):
    """A model that does not build, or SQL tests that return rows."""


def first_line(exc: BaseException) -> str:
    """An exception's first non-empty line (its type's name when it says nothing): what a
    one-line error message quotes of a library's multi-line text."""
    return next(
        (line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__
    )


class AnswerTooSlow(Exception):
    """An answer that took longer than the retry policy's deadline; the HTTP layer retries
    it like a timeout and never lets it out."""
