"""The vendor registry: every registered name is a complete vendor package."""

from __future__ import annotations

import tomllib

import pytest

from pipelines import VENDORS
from pipelines.models import sql_dir
from pipelines.vendors import registration
from sources.shared.errors import ConfigurationError


@pytest.mark.parametrize("name", VENDORS)
def test_each_registered_vendor_is_a_package_with_its_sql(name: str) -> None:
    found = registration(name)
    assert found.name == name and found.label and found.credentials
    assert found.windowed_resources
    declared = tomllib.loads((sql_dir() / "sources" / f"{name}.toml").read_text())
    assert "websites" in declared
    staging = sorted((sql_dir() / "staging").glob(f"stg_{name}__*.sql"))
    assert staging, f"no staging models for {name}"


def test_an_unknown_vendor_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown vendor 'hotjar'"):
        registration("hotjar")
