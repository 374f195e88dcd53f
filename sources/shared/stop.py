"""One way to stop: SIGINT and SIGTERM set a flag that every wait and fetch honours.

The signal handler only records the signal; nothing is raised in the middle of a commit.
Fetch threads see the flag in every sleep (retries, rate-limit waits) and before every
call, and raise `Stopped`; the run loop commits nothing after the flag and exits with
128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from sources.shared.errors import Stopped

_flag = threading.Event()
_signal: int | None = None
_interrupt = False  # inside `interruptible()`: a stop also raises KeyboardInterrupt


def stopped() -> Stopped:
    """The error a stopped run ends with, naming the signal."""
    return Stopped(f"stopped by {signal_name()}")


def requested() -> bool:
    return _flag.is_set()


def check() -> None:
    """Raise `Stopped` if a stop was requested."""
    if _flag.is_set():
        raise stopped()


def sleep(seconds: float) -> None:
    """`time.sleep` that wakes at once and raises `Stopped` when a stop is requested."""
    if _flag.wait(max(0.0, seconds)):
        raise stopped()


def request(signum: int = signal.SIGTERM) -> None:
    global _signal
    if _signal is None:
        _signal = signum
    _flag.set()


def signal_name() -> str:
    return signal.Signals(_signal).name if _signal is not None else "request"


def signal_number() -> int:
    """The signal that asked for the stop (SIGTERM when it was asked in code)."""
    return _signal if _signal is not None else signal.SIGTERM


def _handler(signum: int, frame: FrameType | None) -> None:
    request(signum)
    if _interrupt:
        raise KeyboardInterrupt


@contextmanager
def interruptible() -> Iterator[None]:
    """A block that a stop may interrupt: a signal raises KeyboardInterrupt in the main
    thread as well as setting the flag (for a library that handles it, as dbt does by
    cancelling its query and returning). Raises `Stopped` at once if a stop was requested."""
    global _interrupt
    check()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _interrupt = True
    try:
        yield
    finally:
        _interrupt = False


@contextmanager
def handling_signals() -> Iterator[None]:
    """SIGINT and SIGTERM request a stop while the block runs (main thread only)."""
    global _signal
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved: dict[int, Callable[..., Any] | int | None] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        saved[signum] = signal.getsignal(signum)
        signal.signal(signum, _handler)
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        _flag.clear()
        _signal = None
