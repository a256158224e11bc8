"""Shared fixtures: the generated demo day, small OSM extracts written by the tests, helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pytest

from routing.config import DEFAULT_SPEEDS_KPH, MON_THU, Settings
from routing.demo import generate
from routing.geo import LatLon
from routing.network import load_network
from routing.plan import Card, Plan, Route, Visit

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared"
MONDAY = dt.date(2026, 11, 30)
FRIDAY = dt.date(2026, 12, 4)


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


def card(row: int, **fields: object) -> Card:
    """A card for :func:`hand_plan`: row ``row``, NIK ``nik_for(row)``, other fields overridable."""
    values: dict = dict(row=row, nik=nik_for(row), nama=f"Warga {row}", address=f"Jl. Melati No. {row}",
                        desa="Jabon", kecamatan="Jombang")
    values.update(fields)
    return Card(**values)


def hand_plan(routes: Mapping[str, Sequence[Sequence[Card]]], **plan_fields: object) -> Plan:
    """A plan built directly, without solving, for drawing tests.

    ``routes`` maps each courier id to its stops in visit order, each stop a list of cards. Stops
    lie 300 m apart north-east of the office, with a road line through them; routes start at a
    point of their own (a courier's home) so start markers are drawn too. Unassigned, rejected
    and review entries may be passed in ``plan_fields``; ``cards_in`` is counted. Stops are 10 minutes
    apart, so a route holds up to 47 of them.
    """
    depot = LatLon(-7.5530, 112.2330)
    built = []
    for k, (courier_id, stops) in enumerate(routes.items()):
        visits = tuple(Visit(seq=s + 1, stop_id=f"S{k}-{s}", cards=tuple(cards),
                             point=LatLon(depot.lat + 0.0027 * (s + 1), depot.lon + 0.0027 * (k + 1)),
                             arrival_s=8 * 3600 + 600 * s, service_s=300, travel_s=120, distance_m=300,
                             precision="coordinates", snap_m=10) for s, cards in enumerate(stops))
        home = LatLon(depot.lat, depot.lon + 0.0027 * (k + 1))
        built.append(Route(courier_id, MON_THU, 8 * 3600 - 300, 8 * 3600 + 600 * len(stops), 300 * len(stops),
                           visits, geometry=(home, *(v.point for v in visits), depot), start=home))
    cards_in = sum(len(v.cards) for r in built for v in r.visits)
    cards_in += sum(len(plan_fields.get(k, ())) for k in ("unassigned", "rejected"))  # type: ignore[arg-type]
    return Plan(date=MONDAY, depot=depot, cards_in=cards_in, routes=tuple(built),
                unassigned=plan_fields.pop("unassigned", ()), rejected=plan_fields.pop("rejected", ()),
                **plan_fields)
