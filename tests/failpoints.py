"""Fail points for crash tests: `python -m tests.failpoints <pageflow arguments>` runs the
CLI with `PAGEFLOW_FAILPOINT=<point>:<n>` killing the process with SIGKILL the n-th time it
reaches <point>. Test code only: a real run never imports this module, and nothing in
`pipelines/` or `sources/` patches dlt or reads the variable.

Points: `window` (a window's rows handed to dlt, before the next), `normalize` (a chunk
extracted, before normalizing), `load` (normalized, before loading), `load-job` (between
two table loads of one package), `state` (before dlt writes its local state file).
"""

from __future__ import annotations

import os
import signal
import sys
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
    """Wrap dlt's steps (private ones included: test code may) with their fail points."""
    from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob
    from dlt.pipeline.pipeline import Pipeline

    from sources.shared import resources

    resources.after_window = lambda window: reach("window")
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


if __name__ == "__main__":
    install()
    from pipelines.cli import entry

    sys.argv[0] = "pageflow"
    entry()
