"""The lake's extensions: their signatures checked once where nobody else can change them,
on every load anywhere else."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.store import extensions


@pytest.fixture
def directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "extensions"
    monkeypatch.setenv("WAREHOUSE__EXTENSION_DIRECTORY", str(folder))
    new_process(monkeypatch)
    return folder


def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """As far as the module's memory goes: nothing installed or checked yet."""
    monkeypatch.setattr(extensions, "_installed", set())
    monkeypatch.setattr(extensions, "_verified", set())


def loads_all(config: dict) -> None:
    with duckdb.connect(config=config) as con:
        for name in extensions.EXTENSIONS:
            con.execute(f"load {name}")


def test_a_private_directory_is_checked_once_then_loads_skip_the_check(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = extensions.duckdb_config()
    assert config["allow_unsigned_extensions"] is True
    assert (directory / extensions.MARKER).exists()
    loads_all(config)
    # another process: the marker says these very files were checked, no second check
    new_process(monkeypatch)
    checks = []
    real_connect = duckdb.connect
    monkeypatch.setattr(
        extensions.duckdb, "connect", lambda **kw: checks.append(kw) or real_connect(**kw)
    )
    assert extensions.duckdb_config()["allow_unsigned_extensions"] is True
    assert checks == []


def test_a_directory_others_can_write_keeps_duckdbs_check_on_every_load(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extensions.install_extensions()
    new_process(monkeypatch)
    os.chmod(directory, 0o777)
    config = extensions.duckdb_config()
    assert "allow_unsigned_extensions" not in config
    loads_all(config)  # still loads, checked as DuckDB checks by default


def test_a_file_changed_after_its_check_is_checked_again_and_refused(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extensions.install_extensions()
    new_process(monkeypatch)
    (httpfs,) = directory.glob("v*/*/httpfs.duckdb_extension")
    with httpfs.open("r+b") as binary:  # one byte of the code changed, signature kept
        binary.seek(4096)
        byte = binary.read(1)
        binary.seek(4096)
        binary.write(bytes([byte[0] ^ 0xFF]))
    config = extensions.duckdb_config()
    assert "allow_unsigned_extensions" not in config
    with pytest.raises(duckdb.Error, match="signature"):
        loads_all(config)
