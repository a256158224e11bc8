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
    ("sqlite3", "routing/ledger.py"),
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
        if path.name == "__init__.py" and path.parent.parent.name == "routing":
            continue  # a subpackage's __init__ holds only its docstring; the family is named by its heading
        assert f"`{rel}`" in doc or f"`{in_package}`" in doc, f"{rel} is not in docs/architecture.md"
        name = path.parent.name if path.name == "__init__.py" else path.stem
        assert f"`{name}`" in development, f"{name} is not in README's Development section"


def test_no_test_file_imports_another_test_file():
    for path in (ROOT / "tests").glob("test_*.py"):
        assert not any(name.startswith("test_") for name in _imports(path)), path.name


def _project_imports(path: Path) -> set[str]:
    """Full dotted names of the project modules ``path`` imports (``from routing import x`` counts as ``routing.x``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.split(".")[0] in ("routing", "maps")}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_library_never_imports_the_outputs_package():
    """Imports run one way: ``maps`` reads ``routing``; only the command line (the composition root) wires maps in."""
    offenders = {_module(p): sorted(n for n in _project_imports(p) if _under(n, "maps"))
                 for p in MODULES if _under(_module(p), "routing") and not _under(_module(p), "routing.cli")}
    assert {m: names for m, names in offenders.items() if names} == {}


def test_the_outputs_never_import_the_application():
    """``maps`` draws plans; running a day, a batch or a command is above it."""
    above = ("routing.cli", "routing.day", "routing.batch", "routing.ledger", "routing.pipeline")
    offenders = {_module(p): sorted(n for n in _project_imports(p) if any(_under(n, a) for a in above))
                 for p in MODULES if _under(_module(p), "maps")}
    assert {m: names for m, names in offenders.items() if names} == {}


def test_the_solver_imports_nothing_of_the_project_but_the_clock_and_progress():
    allowed = ("routing.solver", "routing.clock", "routing.progress")
    offenders = {_module(p): sorted(n for n in _project_imports(p) if not any(_under(n, a) for a in allowed))
                 for p in MODULES if _under(_module(p), "routing.solver")}
    assert {m: names for m, names in offenders.items() if names} == {}


def test_the_roads_import_no_stage_solver_or_output():
    above = ("routing.solver", "routing.stops", "routing.pipeline", "routing.assemble", "routing.fleet",
             "routing.day", "routing.batch", "routing.ledger", "routing.cli", "routing.geocode",
             "routing.gazetteer", "maps")
    offenders = {_module(p): sorted(n for n in _project_imports(p) if any(_under(n, a) for a in above))
                 for p in MODULES if _under(_module(p), "routing.roads")}
    assert {m: names for m, names in offenders.items() if names} == {}


#: Backquoted words in the doc that name files, not code.
_FILE_WORDS = (".json", ".csv", ".html", ".pdf", ".gpx", ".gpkg", ".sqlite", ".toml", ".osm", ".graphml",
               ".bz2", ".pbf", ".geojson", ".js", ".css", ".j2", ".xlsx")


def _defined_names() -> set[str]:
    names = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return names


def _resolves(dotted: str) -> bool:
    """``routing.day.run_day``, ``roads.network.load_network``, ``ledger.record_plan``: a module path, then attributes."""
    import importlib

    parts = dotted.split(".")
    for prefix in ("", "routing.", "maps."):
        for cut in range(len(parts), 0, -1):
            name = prefix + ".".join(parts[:cut])
            try:
                obj = importlib.import_module(name)
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                break
            return True
    return False


def _doc_words() -> list[str]:
    import re

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    words = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    # The diagrams in fenced blocks name functions too: module.function words there count.
    for block in re.findall(r"```(.*?)```", text, flags=re.S):
        words += re.findall(r"\b(?:[a-z_]+\.)+[a-z_]+\b(?=[ (])", block)
    return words


def test_every_module_class_and_function_the_architecture_doc_names_exists():
    """A doc that names what no longer exists misleads the next person; each backquoted code name is checked.

    Module files (``solver/solve.py``), dotted names (``routing.day.run_day``, ``ledger.record_plan``),
    classes (``RoadNetwork``) and functions (``plan_day``, ``run_day(...)``); below the ``plan.json``
    heading, snake_case words are JSON fields, so only classes and dotted names are checked there.
    """
    import re

    defined = _defined_names()
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    code_part = text[:text.index("## `plan.json`")]
    missing = []
    for word in _doc_words():
        word = word.strip()
        if word.endswith(_FILE_WORDS) or ("/" in word and not word.endswith(".py")):
            continue
        head = word.split(".")[0]
        if word.endswith(".py"):
            if not any((ROOT / base / word).is_file() for base in ("", "routing", "maps")):
                missing.append(word)
        elif re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(\(\))?", word):
            if (head in ("routing", "maps") or (ROOT / "routing" / f"{head}.py").exists()
                    or (ROOT / "routing" / head).is_dir() or (ROOT / "maps" / f"{head}.py").exists()) \
                    and not _resolves(word.removesuffix("()")):
                missing.append(word)
        elif re.fullmatch(r"[A-Z][a-z]\w*", word) and word not in defined:
            missing.append(word)
        elif re.fullmatch(r"(\w+)\(.*\)", word) and word.split("(")[0] not in defined:
            missing.append(word)
        elif re.fullmatch(r"[a-z]\w*_\w*", word) and f"`{word}`" in code_part and word not in defined:
            missing.append(word)
    assert missing == []


def test_the_doc_check_catches_a_name_that_does_not_exist():
    assert not _resolves("pipeline.build_problem") and not _resolves("routing.pipeline.jobs_for")
    assert _resolves("routing.day.run_day") and _resolves("roads.network.load_network")
