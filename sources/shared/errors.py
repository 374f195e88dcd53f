"""pageflow's error types: light to import, so the CLI can answer fast.

They say what went wrong (configuration, a vendor call that may work later, rejected
credentials); which exit code each becomes is the CLI's business (`pipelines.cli.exit_code`).
"""

from __future__ import annotations


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
