"""Fail points for crash tests: `PAGEFLOW_FAILPOINT=<point>:<n>` kills the process with
SIGKILL the n-th time it reaches <point>. Unset (always, outside tests) it costs nothing.

Points: `window` (a window's rows handed to dlt, before the next), `normalize` (a chunk
extracted, before normalizing), `load` (normalized, before loading), `load-job` (between
two table loads of one package), `state` (before dlt writes its local state file).
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Callable
from functools import wraps
from typing import Any

ENV = "PAGEFLOW_FAILPOINT"
_counts: Counter[str] = Counter()
_lock = threading.Lock()


def reach(point: str) -> None:
    """Die here if the environment asks for it."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != point:
        return
    with _lock:
        _counts[point] += 1
        hit = _counts[point] == int(nth or 1)
    if hit:
        os.kill(os.getpid(), signal.SIGKILL)


def install() -> None:
    """Wrap dlt's steps with their fail points (only when a fail point is set)."""
    if not os.environ.get(ENV):
        return
    from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob
    from dlt.pipeline.pipeline import Pipeline

    _wrap(Pipeline, "normalize", "normalize")
    _wrap(Pipeline, "load", "load")
    _wrap(Pipeline, "_save_state", "state")
    _wrap(DuckDbCopyJob, "run", "load-job")


def _wrap(owner: type, method: str, point: str) -> None:
    original: Callable[..., Any] = getattr(owner, method)
    if getattr(original, "_failpoint", False):
        return

    @wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reach(point)
        return original(*args, **kwargs)

    wrapper._failpoint = True  # type: ignore[attr-defined]
    setattr(owner, method, wrapper)
