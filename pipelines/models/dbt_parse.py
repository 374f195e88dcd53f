"""dbt's parse of the project, paid once: kept in the process for the next build, and shared
on disk by every file warehouse.

A sync parses the project while the vendors are fetched (`dbt.warm_up`) and its build runs
on that parse, as dbt's programmatic runner allows (`dbtRunner(manifest=...)`), instead of
loading dbt's partial-parse state a second time; a later build in the same process (a long
test session, a long-lived caller) reuses it too. A parse is kept for one profile, one set
of options and one state of the project's files: any change parses again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbt.contracts.graph.manifest import Manifest

log = logging.getLogger("pageflow.dbt")

PARSE_STATE = "partial_parse.msgpack"  # dbt's own, in `<state>/target/`
KEPT = 4  # parses kept in the process (profiles: each lake has its own)

_kept: OrderedDict[str, Manifest] = OrderedDict()
_lock = threading.Lock()


def parsed(directory: Path, project: Path, args: list[str], shared: bool) -> Manifest | None:
    """The project parsed with `args` (dbt's `parse` options) and the profile in
    `directory`: kept from an earlier parse in this process, else parsed now from dbt's
    partial-parse state (seeded from the shared copy when `shared`). None when dbt cannot
    parse it: the build then parses itself and reports why."""
    from dbt.cli.main import dbtRunner

    identity = _identity(directory, project)
    key = _key(identity, directory, args)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    state = directory / "target" / PARSE_STATE
    if shared:
        _share(identity, into=state)
    result = dbtRunner().invoke(args)
    if not result.success or result.result is None:
        log.debug("dbt could not parse the project: %s", result.exception)
        return None
    if shared:
        _share(identity, out_of=state)
    with _lock:
        _kept[key] = result.result
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return result.result  # type: ignore[no-any-return]


def forget() -> None:
    """Drop every parse kept in the process."""
    with _lock:
        _kept.clear()


def _identity(directory: Path, project: Path) -> str:
    """dbt's version, the profile and the project's files and place: what a parse is of."""
    import dbt.version

    from pipelines.models.plan import project_digest

    return hashlib.sha256(
        dbt.version.__version__.encode()
        + (directory / "profiles.yml").read_bytes()
        + project_digest(project).encode()
        + str(project.resolve()).encode()
    ).hexdigest()


def _key(identity: str, directory: Path, args: list[str]) -> str:
    """`identity` with dbt's options, but for the paths inside this warehouse's folder."""
    options = [a for a in args if not a.startswith(str(directory))]
    return hashlib.sha256((identity + json.dumps(options)).encode()).hexdigest()


def _share(identity: str, into: Path | None = None, out_of: Path | None = None) -> None:
    """dbt's partial-parse state shared by every warehouse with the same profile (all
    files: their profile names the database relatively) in `~/.cache/pageflow/dbt-parse`:
    a new warehouse's first build starts from it instead of parsing afresh (2-3 s)."""
    key = identity[:24]
    shared = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    shared = shared / "pageflow" / "dbt-parse" / f"{key}.msgpack"
    try:
        if into is not None and not into.exists() and shared.exists():
            into.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shared, into)
        if out_of is not None and out_of.exists() and not shared.exists():
            shared.parent.mkdir(parents=True, exist_ok=True)
            tmp = shared.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(out_of, tmp)
            os.replace(tmp, shared)
    except OSError as exc:  # a cache: never a reason to fail a build
        log.debug("dbt's shared parse at %s: %s", shared, exc)
