"""Errors to exit codes: the one place an error becomes the process's exit code.

0 ok, 75 try again later (vendor throttling or outage, another sync running), 78
configuration error, 3 (`status` only) the warehouse is behind: gaps, stale resources or
failures in the last run, 1 any other failure, 128 + the signal after SIGINT/SIGTERM. The
last line on stderr names the cause.
"""

from __future__ import annotations

from sources.shared import stop
from sources.shared.errors import ConfigurationError, Stopped, VendorAPIError, WarehouseBusy

EXIT_FAILURE = 1
EXIT_BEHIND = 3  # `status`: gaps, stale resources or failures in the last run
EXIT_TEMPFAIL = 75  # try again later: vendor throttling or outage, the warehouse busy
EXIT_CONFIG = 78  # configuration: missing or rejected credentials, bad values or paths


def exit_code(exc: BaseException) -> int:
    """The one place an error becomes the process's exit code (see the module docstring)."""
    if isinstance(exc, Stopped):
        return 128 + stop.signal_number()
    if isinstance(exc, WarehouseBusy):
        return EXIT_TEMPFAIL
    if isinstance(exc, VendorAPIError):
        if exc.retryable:
            return EXIT_TEMPFAIL
        return EXIT_CONFIG if exc.credentials_rejected else EXIT_FAILURE
    if isinstance(exc, ConfigurationError):
        return EXIT_CONFIG
    return EXIT_FAILURE
