"""Work dlt and DuckDB repeated on every call is done once: a destination's capabilities and
the search for a pandas that is not installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.store.warehouse import Warehouse, load_destination


def test_capabilities_are_worked_out_once_and_each_caller_gets_its_own_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destination = load_destination(tmp_path / "w.duckdb")
    resolved = []
    plain = type(destination).configuration

    def counting(self, initial_config, accept_partial=False):  # type: ignore[no-untyped-def]
        resolved.append(accept_partial)
        return plain(self, initial_config, accept_partial)

    monkeypatch.setattr(type(destination), "configuration", counting)
    first, second = destination.capabilities(), destination.capabilities()
    assert len(resolved) == 1
    assert first is not second and first.preferred_loader_file_format == "insert_values"
    first.max_identifier_length = 7  # a caller adjusting its copy changes no other answer
    assert destination.capabilities().max_identifier_length != 7
    assert len(resolved) == 1


def test_a_pipeline_asks_for_capabilities_and_gets_the_same_answer(tmp_path: Path) -> None:
    pipeline = Warehouse.at(tmp_path / "w.duckdb").pipeline("mouseflow")
    caps = pipeline.destination.capabilities()
    assert caps.preferred_loader_file_format == "insert_values"
    assert pipeline._get_destination_capabilities().max_identifier_length == (
        caps.max_identifier_length
    )


def test_a_missing_pandas_is_remembered_and_duckdb_still_says_it_is_needed() -> None:
    script = (
        "import sys, importlib.util, duckdb\n"
        "from pipelines.store.runtime import remember_pandas_is_missing\n"
        "installed = importlib.util.find_spec('pandas') is not None\n"
        "remember_pandas_is_missing()\n"
        "remember_pandas_is_missing()  # twice, as a sync calls it\n"
        "import pyarrow\n"
        "assert pyarrow.table({'a': [1]}).num_rows == 1\n"
        "con = duckdb.connect()\n"
        "assert con.execute('select ?', ['x']).fetchall() == [('x',)]\n"
        "if not installed:\n"
        "    try:\n"
        "        con.execute('select 1').df()\n"
        "    except duckdb.Error as exc:\n"
        "        assert 'pandas' in str(exc)\n"
        "    else:\n"
        "        raise AssertionError('no error without pandas')\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
