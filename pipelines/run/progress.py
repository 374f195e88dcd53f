"""How far a sync has got: a progress bar with an ETA on a terminal, log lines elsewhere.

On a terminal (stderr is a TTY) tqdm draws one bar over every vendor's windows, with the
rate and the time left, and the per-chunk log lines drop to DEBUG so they do not tear the
bar (warnings and errors still print above it). Off a terminal (cron, a pipe, a log file)
nothing is drawn: each committed chunk is one INFO line, now with the share done and the
time left, as before.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import ExitStack
from typing import TextIO

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

log = logging.getLogger("pageflow.sync")


class Progress:
    """Windows committed out of the windows planned, across vendors."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = _is_terminal(self.stream)
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.bar: tqdm | None = None
        self._redirect = ExitStack()  # log lines printed above the bar while it is drawn

    def plan(self, windows: int) -> None:
        """Add a vendor's planned windows (called as each vendor is planned)."""
        self.total += windows
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def start(self) -> None:
        if self.interactive and self.total:
            columns, rows = _size(self.stream)
            self.bar = tqdm(
                total=self.total,
                unit="window",
                desc="sync",
                file=self.stream,
                ncols=columns,
                nrows=rows,
                smoothing=0.1,
            )
            self._redirect.enter_context(logging_redirect_tqdm())

    def advance(self, windows: int, message: str) -> None:
        """A chunk of `windows` committed; `message` describes it."""
        self.done += windows
        if self.bar is not None:
            self.bar.update(windows)
            log.debug(message)
            return
        log.info("%s; %s", message, self.eta())

    def eta(self) -> str:
        """'40/120 windows, ~1m20s left' from the pace so far."""
        if not self.total:
            return "nothing planned"
        text = f"{self.done}/{self.total} windows"
        if 0 < self.done < self.total:
            left = (time.monotonic() - self.started) / self.done * (self.total - self.done)
            text += f", ~{_duration(left)} left"
        return text

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self._redirect.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _size(stream: TextIO) -> tuple[int, int]:
    """The terminal's columns and rows; 100 x 24 where it reports none (a fresh pty says
    0 x 0, and tqdm draws nothing on a terminal of no rows)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return 100, 24
    return size.columns or 100, size.lines or 24


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
