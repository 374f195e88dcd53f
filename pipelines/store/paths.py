"""Rules for the paths a user names, light to import (no dlt, no DuckDB): the CLI checks
them before it takes the lock, so a second sync still answers at once."""

from __future__ import annotations

from pathlib import Path

from sources.shared.errors import ConfigurationError


def not_a_directory(path: Path) -> None:
    """A warehouse path that names a folder is a configuration error (exit 78)."""
    if path.is_dir():
        raise ConfigurationError(f"{path} is a directory, not a DuckDB file")


def parent_must_exist(path: Path) -> None:
    """The one rule for every path a user names (warehouse, report, export folder):
    pageflow creates the file or folder named, never the folders above it, so a typo is a
    configuration error (78) rather than a tree of new folders."""
    if path.parent.exists() and not path.parent.is_dir():
        raise ConfigurationError(f"{path.parent} is not a folder: {path.name} cannot go there")
    if not path.parent.is_dir():
        raise ConfigurationError(
            f"the folder {path.parent} does not exist: pageflow creates {path.name}, not the "
            "folders above it"
        )


LAKE_PREFIX = "ducklake:postgres:"


def is_lake(spec: str) -> bool:
    """`--warehouse` names a lake (DuckLake's attach string) rather than a DuckDB file."""
    return spec.strip().lower().startswith("ducklake:")
