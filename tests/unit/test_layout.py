"""The layout the README draws, checked: wings import only downwards, no import circle, no
production file past ~400 lines, and the shared layer names no vendor's resource."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from pipelines import VENDORS
from pipelines.vendors import registration

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 410  # "about 400"

# The wings, lowest first: a module may import its own wing and any lower one.
WINGS = (  # (module prefix, wing, rank)
    ("sources", "sources", 0),
    ("pipelines", "registry", 1),  # pipelines/__init__.py (VENDORS) and vendors.py
    ("pipelines.vendors", "registry", 1),
    ("pipelines.store", "store", 2),
    ("pipelines.ledger", "ledger", 3),
    ("pipelines.models", "model runner", 4),
    ("pipelines.raw", "model runner", 4),
    ("pipelines.run", "run loop", 5),
    ("pipelines.readers", "readers", 5),
    ("pipelines.cli", "cli", 6),
)


def production_modules() -> dict[str, Path]:
    found = {}
    for top in ("pipelines", "sources"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "sandbox" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """Every production module `path` imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        out |= {name for name in names if name in known}
    return out


def wing(module: str) -> tuple[str, int]:
    """The wing a module belongs to (the longest prefix that names it) and its rank."""
    _prefix, name, rank = max(
        (w for w in WINGS if module == w[0] or module.startswith(w[0] + ".")),
        key=lambda found: len(found[0]),
    )
    return name, rank


MODULES = production_modules()
GRAPH = {name: imports(path, set(MODULES)) - {name} for name, path in MODULES.items()}


def test_no_import_circle_in_production_code() -> None:
    # a package importing its own submodules is how packages work, not a circle
    graph = {
        name: {d for d in deps if not d.startswith(name + ".")} for name, deps in GRAPH.items()
    }
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"import circle: {' -> '.join(exc.args[1])}")


def test_wings_import_only_downwards() -> None:
    wrong = []
    for module, deps in GRAPH.items():
        home, rank = wing(module)
        for dep in deps:
            other, other_rank = wing(dep)
            if other != home and other_rank >= rank:
                wrong.append(f"{module} -> {dep}")
    assert not wrong, "imports up or sideways between wings: " + ", ".join(sorted(wrong))


def test_no_production_file_is_two_rooms() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in MODULES.values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"files past ~400 lines: {long}"


def test_the_shared_layer_names_no_resource() -> None:
    names = {r.name for vendor in VENDORS for r in registration(vendor).resources}
    for path in sorted((ROOT / "sources" / "shared").glob("*.py")):
        strings = {
            node.value
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        assert not strings & names, f"{path.name} names {sorted(strings & names)}"


def test_the_readme_draws_the_arrows_the_code_has() -> None:
    edges: dict[str, set[str]] = {}
    for module, deps in GRAPH.items():
        for dep in deps:
            if wing(module)[0] != wing(dep)[0]:
                edges.setdefault(wing(module)[0], set()).add(wing(dep)[0])
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| wing | imports |") :].split("\n\n")[0].splitlines()[2:]
    drawn: dict[str, set[str]] = {}
    for line in table:
        wings, targets = (cell.strip() for cell in line.strip("|").split("|"))
        for name in wings.split(", "):
            if not targets.startswith("nothing"):
                drawn[name] = set(targets.split(", "))
    assert drawn == edges
