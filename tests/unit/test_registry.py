"""The vendor registry: every registered name is a complete vendor package, and each
vendor's resources are declared once (the raw-column file names only declared tables)."""

from __future__ import annotations

import tomllib

import pytest

from pipelines import VENDORS
from pipelines.models import sql_dir
from pipelines.vendors import registration
from sources.shared.errors import ConfigurationError

# tables a vendor loads beside its windowed resources (listed once per run)
UNWINDOWED = {
    "mouseflow": {"websites"},
    "pagesense": {
        "websites",
        "funnel_definitions",
        "form_definitions",
        "goal_definitions",
        "test_definitions",
        "poll_definitions",
    },
}


@pytest.mark.parametrize("name", VENDORS)
def test_each_registered_vendor_is_a_package_with_its_sql(name: str) -> None:
    found = registration(name)
    assert found.name == name and found.label and found.credentials
    assert found.windowed_resources
    declared = tomllib.loads((sql_dir() / "sources" / f"{name}.toml").read_text())
    assert "websites" in declared
    staging = sorted((sql_dir() / "models" / "staging").glob(f"stg_{name}__*.sql"))
    assert staging, f"no staging models for {name}"


@pytest.mark.parametrize("name", VENDORS)
def test_the_raw_columns_name_only_tables_a_declared_resource_loads(name: str) -> None:
    found = registration(name)
    tables = {t for r in found.resources for t in r.tables} | UNWINDOWED[name]
    raw = set(tomllib.loads((sql_dir() / "sources" / f"{name}.toml").read_text()))
    assert raw <= tables, f"{sorted(raw - tables)} in sql/sources/{name}.toml load from nothing"
    windowed = {r.name for r in found.resources if r.name in raw or set(r.variants) & raw}
    assert windowed, f"sql/sources/{name}.toml reads none of {name}'s resources"


@pytest.mark.parametrize("name", VENDORS)
def test_each_resource_is_declared_once_and_completely(name: str) -> None:
    resources = registration(name).resources
    assert len({r.name for r in resources}) == len(resources)
    for resource in resources:
        assert resource.endpoint.startswith("/"), resource.name
        assert callable(resource.read), resource.name
        for table, key in resource.variants.items():
            assert table not in {r.name for r in resources}, table
            assert key[:2] == ("website_id", "day"), table
        if resource.primary_key:
            assert resource.primary_key[:2] == ("website_id", "day"), resource.name


def test_an_unknown_vendor_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown vendor 'hotjar'"):
        registration("hotjar")
