"""pageflow's error types and exit codes: light to import, so the CLI can answer fast."""

from __future__ import annotations

EXIT_FAILURE = 1
EXIT_TEMPFAIL = 75
EXIT_CONFIG = 78


class PageflowError(Exception):
    """Base of the errors pageflow reports to its user; carries the process exit code."""

    exit_code = EXIT_FAILURE


class ConfigurationError(PageflowError):
    """Configuration that cannot work: missing or rejected credentials, bad values."""

    exit_code = EXIT_CONFIG


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
    def exit_code(self) -> int:  # type: ignore[override]
        if self.retryable:
            return EXIT_TEMPFAIL
        if self.status in (401, 403):
            return EXIT_CONFIG
        return EXIT_FAILURE

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return (
            f"{self.vendor}: website {self.website_id or '-'}, endpoint {self.endpoint}, "
            f"window {self.window or '-'}: {self.reason}{status}"
        )
