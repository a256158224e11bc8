"""The shape docs/architecture.md promises: each library owned by one module, every module documented."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p for pkg in ("routing", "maps") for p in (ROOT / pkg).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("library, owner", [
    ("ortools", "routing/solver/solve.py"), ("osmnx", "routing/roads/_osmnx.py"), ("folium", "maps/routes.py"),
    ("geopandas", "maps/gis.py"), ("openpyxl", "routing/records.py"), ("fpdf", "maps/pdf.py"),
    ("sqlite3", "routing/ledger.py"), ("dask", "routing/cluster.py"), ("distributed", "routing/cluster.py"),
])
def test_each_library_is_imported_by_exactly_one_module(library, owner):
    users = [str(p.relative_to(ROOT)) for p in MODULES if library in _imports(p)]
    assert users == [owner]


def test_every_module_is_named_in_the_architecture_doc_and_readme():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    development = readme[readme.index("## Development"):]
    for path in MODULES:
        rel = str(path.relative_to(ROOT))
        if path.name == "__init__.py" and path.parent.name in ("routing", "maps"):
            continue
        in_package = str(path.relative_to(ROOT / rel.split("/")[0]))
        assert f"`{rel}`" in doc or f"`{in_package}`" in doc, f"{rel} is not in docs/architecture.md"
        name = path.parent.name if path.name == "__init__.py" else path.stem
        assert f"`{name}`" in development, f"{name} is not in README's Development section"


def test_no_test_file_imports_another_test_file():
    for path in (ROOT / "tests").glob("test_*.py"):
        assert not any(name.startswith("test_") for name in _imports(path)), path.name
