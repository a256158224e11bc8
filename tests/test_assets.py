"""The pages' files are package data: every one the code names is there, and setup.cfg ships them all."""

import ast
import configparser
from importlib import resources
from pathlib import Path

import pytest

from maps.assets import asset

ROOT = Path(__file__).resolve().parents[1]
MAPS = ROOT / "maps"
ASSET_DIRS = ("static", "templates")


def named_assets() -> set[str]:
    """Every ``asset("...")`` name in the ``maps`` package's code."""
    names = set()
    for path in MAPS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "asset"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                names.add(node.args[0].value)
    return names


def asset_files() -> set[str]:
    return {str(p.relative_to(MAPS)) for d in ASSET_DIRS for p in (MAPS / d).rglob("*") if p.is_file()}


def test_the_code_names_the_pages_files():
    # Not vacuous: the scan finds the sheet template and each self-contained page's script.
    assert {"templates/sheet.html.j2", "static/courier_page.js", "static/review_page.js",
            "static/offline.js", "static/offline_page.html"} <= named_assets()


@pytest.mark.parametrize("name", sorted(named_assets()))
def test_every_named_asset_is_package_data_and_not_empty(name):
    data = resources.files("maps").joinpath(name)
    assert data.is_file(), f"maps/{name} is named in the code but is not in the package"
    assert asset(name).strip(), f"maps/{name} is empty"


def test_every_asset_file_is_named_by_the_code():
    assert asset_files() == named_assets()


def test_setup_cfg_ships_every_asset_file():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    patterns = [p.strip() for p in cfg["options.package_data"]["maps"].replace("\n", ",").split(",") if p.strip()]
    # setuptools expands each pattern with glob, relative to the package folder.
    shipped = {str(p.relative_to(MAPS)) for pattern in patterns for p in MAPS.glob(pattern) if p.is_file()}
    assert asset_files() <= shipped, sorted(asset_files() - shipped)
