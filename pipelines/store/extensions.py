"""DuckDB's extensions for the lake (ducklake, postgres, httpfs), never from the network.

DuckDB would download an extension it lacks from its online repository, which locked-down
hosts and CI cannot reach. The `duckdb-extension-*` packages carry the binaries built for
exactly this DuckDB (1.5.5): they are installed once into a directory of pageflow's own
(`WAREHOUSE__EXTENSION_DIRECTORY`, default `~/.cache/pageflow/duckdb-extensions`), and every
connection pageflow or dlt opens loads them from there with autoinstall off.

DuckDB checks an extension's signature on every load: it hashes the whole binary (36 MB for
ducklake), 0.2 s of CPU per extension and per connection, and pageflow and dlt open a dozen
connections a run. The copies are checked once instead: right after they are installed, by
loading each with DuckDB's check on; later connections skip the check (DuckDB's
`allow_unsigned_extensions`) only while the directory and the files are this user's and
writable by nobody else, and the files are the ones checked (size, time, inode in
`verified.json`). Otherwise every load is checked, as DuckDB does by default.
"""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import duckdb

from sources.shared.errors import ConfigurationError, first_line
from sources.shared.settings import text

EXTENSIONS = ("ducklake", "postgres", "httpfs")
# the file name DuckDB installs each under (the postgres package holds `postgres_scanner`)
INSTALLED_AS = {"ducklake": "ducklake", "postgres": "postgres_scanner", "httpfs": "httpfs"}
_installed: set[Path] = set()
_verified: set[Path] = set()  # directories whose copies were checked and are still private
MARKER = "verified.json"
_lock = threading.Lock()


def extension_directory() -> Path:
    """Where the lake's extensions are installed (created on first use)."""
    configured = text("extension_directory", "warehouse")
    if configured:
        return Path(configured).expanduser().resolve()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "pageflow" / "duckdb-extensions"


def duckdb_config() -> dict[str, Any]:
    """Connection settings that load extensions from pageflow's directory only."""
    directory = install_extensions()
    config: dict[str, Any] = {
        "extension_directory": str(directory),
        "autoinstall_known_extensions": False,
    }
    if directory in _verified:
        config["allow_unsigned_extensions"] = True
    return config


def install_extensions() -> Path:
    """Copy the packaged extensions into the directory, once per process and version."""
    directory = extension_directory()
    with _lock:
        if directory in _installed:
            return directory
        target = directory / f"v{duckdb.__version__}"
        missing = [
            name
            for name in EXTENSIONS
            if not list(target.glob(f"*/{INSTALLED_AS[name]}.duckdb_extension"))
        ]
        if missing:
            try:
                directory.mkdir(parents=True, exist_ok=True)
                with duckdb.connect(config={"extension_directory": str(directory)}) as con:
                    for name in missing:
                        con.execute(f"force install '{packaged_file(name)}'")
            except (OSError, duckdb.Error) as exc:
                raise ConfigurationError(
                    f"cannot install DuckDB's lake extensions into {directory}: "
                    f"{first_line(exc)} "
                    "(set WAREHOUSE__EXTENSION_DIRECTORY to a writable folder)"
                ) from None
        _installed.add(directory)
        if _checked_once(directory):
            _verified.add(directory)
    return directory


def _installed_files(directory: Path) -> list[Path]:
    target = directory / f"v{duckdb.__version__}"
    return sorted(path for name in EXTENSIONS for path in target.glob(f"*/{INSTALLED_AS[name]}.*"))


def _fingerprint(files: list[Path]) -> dict[str, list[int]]:
    return {
        str(path): [info.st_size, info.st_mtime_ns, info.st_ino]
        for path in files
        for info in [path.stat()]
    }


def _private(paths: list[Path]) -> bool:
    """Every path is this user's and writable by nobody else."""
    try:
        for path in paths:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
                return False
            if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False
    except OSError:
        return False
    return True


def _checked_once(directory: Path) -> bool:
    """Whether the installed copies passed DuckDB's signature check, now or before, and
    nobody else could have changed them since. A failed check is DuckDB's error at load."""
    files = _installed_files(directory)
    folders = sorted({p.parent for p in files} | {p.parent.parent for p in files})
    if len(files) < len(EXTENSIONS) or not _private([directory, *folders, *files]):
        return False
    marker = directory / MARKER
    fingerprint = _fingerprint(files)
    try:
        if _private([marker]) and json.loads(marker.read_text()) == fingerprint:
            return True
    except (OSError, ValueError):
        pass
    try:
        with duckdb.connect(config={"extension_directory": str(directory)}) as con:
            for name in EXTENSIONS:
                con.execute(f"load {name}")  # DuckDB's signature check, once
        partial = marker.with_name(f".{MARKER}.{os.getpid()}")
        partial.write_text(json.dumps(fingerprint))
        os.chmod(partial, 0o600)
        partial.replace(marker)
    except (OSError, duckdb.Error):
        return False
    return True


def packaged_file(name: str) -> Path:
    """The extension binary the `duckdb-extension-<name>` package carries for this DuckDB."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            f"the package duckdb-extension-{name} is not installed: a lake needs it"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise ConfigurationError(
            f"duckdb-extension-{name} holds no build for DuckDB {duckdb.__version__}: "
            "install the version equal to duckdb's"
        )
    return path


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the lake's extensions loaded."""
    con = duckdb.connect(config=duckdb_config())
    for name in EXTENSIONS:
        con.execute(f"load {name}")
    return con
