"""Shared fixtures: the generated demo day, small OSM extracts written by the tests, helpers.

Tests that read the project's shared data folder (real networks and desa lists, never copied into
the repo) carry ``@pytest.mark.shared``; where the folder is absent they are deselected with one
line saying so, so a fresh clone's test run passes.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Iterable, Mapping

import pytest

from routing.config import DEFAULT_SPEEDS_KPH, Settings
from routing.demo import generate
from routing.geo import LatLon
from routing.network import load_network

DATA = Path(__file__).parent / "data"
#: The shared data folder: ``$EKTP_SHARED``, else ``../shared`` beside the repository.
SHARED = Path(os.environ.get("EKTP_SHARED") or Path(__file__).resolve().parents[2] / "shared")
_SHARED_NOTE = pytest.StashKey[str]()
MONDAY = dt.date(2026, 11, 30)
FRIDAY = dt.date(2026, 12, 4)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the ``shared`` tests when the shared data folder is not there."""
    if SHARED.is_dir():
        return
    gone = [item for item in items if item.get_closest_marker("shared")]
    if gone:
        items[:] = [item for item in items if not item.get_closest_marker("shared")]
        config.hook.pytest_deselected(items=gone)
        config.stash[_SHARED_NOTE] = (f"{len(gone)} test(s) marked 'shared' deselected: the shared data folder "
                                      f"{SHARED} is not there (set EKTP_SHARED to where it is)")


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    """The one line that says why tests were deselected."""
    note = config.stash.get(_SHARED_NOTE, None)
    return [note] if note else []


def write_osm(path: Path, nodes: Mapping[int, tuple[float, float]],
              ways: Iterable[tuple[list[int], Mapping[str, str]]]) -> Path:
    """Write a tiny OpenStreetMap XML extract: ``nodes`` id -> (lat, lon), ``ways`` (refs, tags)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="ektp-route tests">']
    lines += [f'<node id="{i}" lat="{lat}" lon="{lon}" version="1"/>' for i, (lat, lon) in nodes.items()]
    for k, (refs, tags) in enumerate(ways, start=1):
        lines.append(f'<way id="{k}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{a}" v="{b}"/>' for a, b in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def grid_osm(path: Path, n: int = 6, step_deg: float = 0.002, origin: LatLon = LatLon(-7.56, 112.22),
             extra_ways: Iterable[tuple[list[int], Mapping[str, str]]] = (),
             extra_nodes: Mapping[int, tuple[float, float]] | None = None) -> Path:
    """An ``n x n`` residential street grid (two-way), node ids ``1 + i*n + j``."""
    nodes = {1 + i * n + j: (origin.lat + i * step_deg, origin.lon + j * step_deg) for i in range(n) for j in range(n)}
    nodes.update(extra_nodes or {})
    ways = [([1 + i * n + j for j in range(n)], {"highway": "residential"}) for i in range(n)]
    ways += [([1 + i * n + j for i in range(n)], {"highway": "residential"}) for j in range(n)]
    return write_osm(path, nodes, ways + list(extra_ways))


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory):
    """The demo's generated inputs (network, gazetteer, records)."""
    return generate(tmp_path_factory.mktemp("demo") / "input")


@pytest.fixture(scope="session")
def demo_network(demo_files):
    """The demo network loaded through osmnx."""
    return load_network(demo_files.network, DEFAULT_SPEEDS_KPH, None)


@pytest.fixture
def settings() -> Settings:
    """Default settings with a short solver budget for tests."""
    return Settings(time_limit_s=2)


def records_csv(path: Path, rows: Iterable[Mapping[str, object]]) -> Path:
    """Write a records CSV with the standard columns."""
    import csv

    header = ["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon",
              "prioritas", "keterangan"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})
    return path


def nik_for(serial: int, female: bool = False) -> str:
    """A valid synthetic NIK for Kecamatan Jombang."""
    day = 15 + (40 if female else 0)
    return f"351709{day:02d}0690{serial:04d}"
