"""DuckDB's extensions for the lake (ducklake, postgres, httpfs), never from the network.

DuckDB would download an extension it lacks from its online repository, which locked-down
hosts and CI cannot reach. The `duckdb-extension-*` packages carry the binaries built for
exactly this DuckDB (1.5.5): they are installed once into a directory of pageflow's own
(`WAREHOUSE__EXTENSION_DIRECTORY`, default `~/.cache/pageflow/duckdb-extensions`), and every
connection pageflow or dlt opens loads them from there with autoinstall off.
"""

from __future__ import annotations

import importlib.util
import os
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
    return {"extension_directory": str(directory), "autoinstall_known_extensions": False}


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
    return directory


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
