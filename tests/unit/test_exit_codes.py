"""The CLI's one mapping from errors to exit codes."""

from __future__ import annotations

import signal

import pytest

from pipelines.cli import exit_code
from sources.shared import stop
from sources.shared.errors import ConfigurationError, ModelError, VendorAPIError, WarehouseBusy


def vendor_error(status: int | None, retryable: bool = False) -> VendorAPIError:
    return VendorAPIError("mouseflow", "/websites", "no", status=status, retryable=retryable)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigurationError("bad"), 78),
        (vendor_error(401), 78),
        (vendor_error(403), 78),
        (vendor_error(429, retryable=True), 75),
        (vendor_error(401, retryable=True), 75),  # the token endpoint throttling us
        (vendor_error(404), 1),
        (vendor_error(None), 1),
        (WarehouseBusy("busy"), 75),
        (ModelError("a test failed"), 1),
        (RuntimeError("a bug"), 1),
    ],
)
def test_each_error_has_its_exit_code(error: BaseException, code: int) -> None:
    assert exit_code(error) == code


def test_a_stop_exits_with_its_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stop, "_signal", signal.SIGINT)
    assert exit_code(stop.stopped()) == 130
    monkeypatch.setattr(stop, "_signal", signal.SIGTERM)
    assert exit_code(stop.stopped()) == 143


def test_a_load_out_of_duckdbs_memory_names_the_setting_to_raise() -> None:
    from pipelines.run.vendor_run import _unwrap

    class StepFailed(Exception):
        step = "load"
        exception = RuntimeError("Out of Memory Error: could not allocate block of size 256 KiB")

    message = str(_unwrap(StepFailed(), "mouseflow", "200MB"))
    assert message.startswith("mouseflow: loading ran out of DuckDB's memory cap")
    assert "WAREHOUSE__LOAD_MEMORY_LIMIT, now 200MB" in message and "\n" not in message
    other = StepFailed()
    other.exception = RuntimeError("disk full")
    assert (
        str(_unwrap(other, "mouseflow", "200MB"))
        == "mouseflow: dlt load step failed: RuntimeError: disk full"
    )
