"""The shape docs/architecture.md promises: each library owned by one module, every module documented."""

import ast
import string
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
    ("sqlite3", "routing/ledger.py"), ("xstatic", "maps/leaflet.py"),
    ("dask", "routing/cluster.py"), ("distributed", "routing/cluster.py"), ("matplotlib", "maps/charts.py"),
    ("pyvrp", "routing/solver/hgs.py"),
])
def test_each_library_is_imported_by_exactly_one_module(library, owner):
    users = [str(p.relative_to(ROOT)) for p in MODULES if library in _imports(p)]
    assert users == [owner]


def _module_path(name: str) -> Path | None:
    """The file of project module ``name`` (``maps.sheets``), or ``None`` for anything else."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _project_imports(path: Path) -> set[str]:
    """The project modules ``path`` imports, by dotted name, with the packages that importing them runs."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # ``from routing import gazetteer`` imports the module routing.gazetteer
            names |= {f"{node.module}.{a.name}" for a in node.names if _module_path(f"{node.module}.{a.name}")}
    names |= {".".join(n.split(".")[:k]) for n in set(names) for k in range(1, n.count(".") + 1)}
    return {n for n in names if _module_path(n)}


def _imported_by(module: str) -> set[str]:
    """Every project module that importing ``module`` imports, through project modules."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_path(name)
        assert path is not None, name
        todo += _project_imports(path)
    return seen - {module}


PAGES = ("maps.courier_page", "maps.review_page", "maps.notify_page", "maps.offline", "maps.report_page")


@pytest.mark.parametrize("page", PAGES)
def test_self_contained_pages_import_neither_folium_nor_fpdf_nor_the_demo(page):
    """The offline pages stay small and separate: no map library, no PDF library, no demo generator,
    neither directly nor through the project modules they import."""
    modules = {page} | _imported_by(page)
    assert not modules & {"maps.routes", "maps.pdf", "routing.demo"}
    libraries = set().union(*(_imports(_module_path(m)) for m in modules))
    assert not libraries & {"folium", "branca", "fpdf"}


def test_import_graph_sees_through_project_modules():
    # The check above would pass vacuously if it saw no further than a page's own imports.
    assert {"maps.leaflet", "maps.sheets", "routing.plan", "routing.config", "routing"} <= _imported_by(
        "maps.courier_page")
    assert {"maps.routes", "maps.pdf", "routing.demo"} <= _imported_by("maps.render") | _imported_by("routing.cli")


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
        # "tests.test_x" too: an import through the package path is still an import of a test file.
        names = {a.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Import) for a in node.names}
        names |= {node.module for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(node, ast.ImportFrom) and node.module}
        assert not any(part.startswith("test_") for name in names for part in name.split(".")), path.name


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
    # "routing" itself: importing any routing module runs the package's __init__ (its version only).
    offenders = {_module(p): sorted(n for n in _project_imports(p)
                                    if n != "routing" and not any(_under(n, a) for a in allowed))
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


def _label_tables() -> list[tuple[str, ast.Dict]]:
    """Every ``{"id": ..., "en": ...}`` literal in the packages: the words of each output language."""
    tables = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if {"id", "en"} <= keys:
                    tables.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return tables


LABEL_TABLES = _label_tables()


def test_label_tables_are_found():
    found = {where.split(":")[0] for where, _ in LABEL_TABLES}
    assert {"maps/sheets.py", "maps/courier_page.py", "maps/review_page.py", "routing/cli/daily.py"} <= found


@pytest.mark.parametrize("where, node", LABEL_TABLES, ids=[where for where, _ in LABEL_TABLES])
def test_each_label_table_says_the_same_things_in_both_languages(where, node):
    """Same keys (or as many entries) in Bahasa Indonesia and English, and the same ``{placeholders}``
    in each pair of texts, so no word or value is missing from the page in one language."""
    table = ast.literal_eval(node)
    assert set(table) == {"id", "en"}, where
    id_, en = table["id"], table["en"]
    assert type(id_) is type(en), where
    if isinstance(id_, dict):
        assert set(id_) == set(en), f"{where}: only in one language: {sorted(set(id_) ^ set(en))}"
        for key in id_:
            fields = [{f for _, f, _, _ in string.Formatter().parse(t[key]) if f} for t in (id_, en)]
            assert fields[0] == fields[1], f"{where}: {key!r} has placeholders {fields[0]} in id, {fields[1]} in en"
    else:
        assert len(id_) == len(en), where


def test_tests_start_the_command_through_the_one_runner_and_build_plans_with_one_builder():
    """``conftest.run_cli`` (and ``cli_env`` for a process kept running) and ``conftest.plan_args``:
    a second runner would drift (one forgot ``PYTHONPATH``, another the network cache)."""
    import re

    for path in sorted((ROOT / "tests").glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"subprocess\.run\(\s*\[\s*\"ektp-route\"", text), path.name
        for popen in re.finditer(r"subprocess\.Popen\(\s*(\[\s*\"ektp-route\"|_plan_cmd)", text):
            call = text[popen.start():popen.start() + 400]
            assert "cli_env(" in call or ("env=env" in call and "env = cli_env(" in text), (path.name, call[:120])
        assert not re.search(r"^def (run_cli|run_ektp|run_real|plan_args)\b", text, re.M), path.name
