"""A deterministic, synthetic demo day: road network, gazetteer and ~500 card records.

Everything is generated here from a fixed seed; nothing is real personal data. Villages sit
at roughly their real positions around Jombang town; the roads are invented: main roads on a
1.2 km grid, residential streets and lanes (gang) inside each village, a few one-way streets
in town, a toll road that motorbikes may not use, footpaths, and a hamlet across the river
whose roads do not connect to the rest (its cards come out ``unreachable``).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from routing import gazetteer
from routing.gazetteer import GazetteerEntry
from routing.geo import LatLon
from routing.plan import SYNTHETIC_NOTE

SEED = 3517

#: Desa of Kecamatan Jombang around the town, at roughly their real centres (rounded), with
#: invented dusun names except Jabon's Caruk Kulon, which the office names in its examples.
VILLAGES: dict[str, tuple[LatLon, tuple[str, ...]]] = {
    "Jabon": (LatLon(-7.565, 112.212), ("Caruk Kulon", "Caruk Wetan", "Jabon")),
    "Jombatan": (LatLon(-7.560, 112.230), ("Jombatan", "Kauman")),
    "Kepanjen": (LatLon(-7.548, 112.238), ("Kepanjen", "Pasar")),
    "Sengon": (LatLon(-7.535, 112.226), ("Sengon", "Ngemplak", "Tegalsari")),
    "Denanyar": (LatLon(-7.532, 112.208), ("Denanyar", "Sukorejo")),
    "Candimulyo": (LatLon(-7.552, 112.252), ("Candimulyo", "Gempol")),
    "Tunggorono": (LatLon(-7.576, 112.232), ("Tunggorono", "Kedungsari", "Sumberejo")),
    "Kaliwungu": (LatLon(-7.545, 112.219), ("Kaliwungu", "Ngrandu")),
}
#: Hamlet across the river: no bridge in the demo network.
ISLAND = ("Tunggorono", "Seberang Kali", LatLon(-7.600, 112.290))

_LAT0, _LON0 = -7.590, 112.192  # south-west corner of the road lattice
_ROWS, _COLS, _STEP_M = 74, 80, 100.0
_M_PER_DEG = 111_320.0

_FIRST = ["Ahmad", "Muhammad", "Siti", "Nur", "Sri", "Dwi", "Eko", "Agus", "Budi", "Dewi", "Rina", "Yuli",
          "Ma'ruf", "Ni'mah", "Nu'man", "Zulaikhah", "Khoirul", "Fatimah", "Suparno", "Sumiati", "Wahyu",
          "Lestari", "Imam", "Umi", "Hadi", "Endang", "Bambang", "Retno", "Joko", "Aminah", "Rizky", "Indah"]
_LAST = ["Santoso", "Wahyudi", "Rahmawati", "Hidayat", "Susanti", "Prasetyo", "Kurniawan", "Maulana",
         "Fauziyah", "Syafi'i", "Hasyim", "Mu'arif", "Nurhayati", "Setiawan", "Purnomo", ""]
_STREETS = ["Jl. Melati", "Jl. Mawar", "Jl. Kenanga", "Jl. Anggrek", "Gg. Masjid", "Gg. Mushola",
            "Jl. Pahlawan", "Jl. Sawah", "Gg. Buntu", "Jl. Kali", "Jl. Pondok"]
_URGENT_NOTES = ["Untuk pembuatan paspor (imigrasi)", "Syarat BPJS rawat inap rumah sakit",
                 "Keperluan umroh, segera", "Berobat ke RS, mendesak"]


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """Paths of the generated inputs."""

    records: Path
    network: Path
    gazetteer: Path


def _lattice_point(i: int, j: int, rng: random.Random) -> LatLon:
    lat = _LAT0 + i * _STEP_M / _M_PER_DEG + rng.uniform(-12, 12) / _M_PER_DEG
    lon = _LON0 + j * _STEP_M / (_M_PER_DEG * math.cos(math.radians(_LAT0))) + rng.uniform(-12, 12) / _M_PER_DEG
    return LatLon(lat, lon)


def _near_village(p: LatLon, radius_m: float) -> bool:
    return any(_dist_m(p, c) <= radius_m for c, _ in VILLAGES.values())


def _dist_m(a: LatLon, b: LatLon) -> float:
    dy = (a.lat - b.lat) * _M_PER_DEG
    dx = (a.lon - b.lon) * _M_PER_DEG * math.cos(math.radians(a.lat))
    return math.hypot(dx, dy)


def write_network(path: Path, rng: random.Random) -> None:
    """Write the demo road network as OpenStreetMap XML (what an extract looks like)."""
    nodes: dict[tuple[int, int], int] = {}
    coords: dict[int, LatLon] = {}
    ways: list[tuple[list[int], dict[str, str]]] = []

    def node(i: int, j: int) -> int:
        if (i, j) not in nodes:
            nid = len(coords) + 1
            nodes[(i, j)] = nid
            coords[nid] = _lattice_point(i, j, rng)
        return nodes[(i, j)]

    def segment_class(i: int, j: int, horizontal: bool) -> dict[str, str] | None:
        line, along = (i, j) if horizontal else (j, i)
        if horizontal and i == _ROWS - 4:
            return {"highway": "motorway", "name": "Tol Jombang-Mojokerto", "oneway": "no"}
        if line % 12 == 6:
            return {"highway": "primary" if line in (30, 42) else "secondary",
                    "name": f"Jl. Raya {'Timur-Barat' if horizontal else 'Utara-Selatan'} {line // 12}"}
        p = _lattice_point(i, j, random.Random(i * 1000 + j))
        if _near_village(p, 750):
            if line % 2 == 0:
                tags = {"highway": "residential", "name": rng.choice(_STREETS)}
                if horizontal and 40 <= i <= 46 and 40 <= j <= 52 and i % 4 == 0:
                    tags["oneway"] = "yes"  # town-centre one-way streets, alternating below
                return tags
            return {"highway": rng.choice(["service", "service", "track"]), "name": "Gang"}
        if line % 6 == 0 and along % 3 != 0:
            return {"highway": "track"}
        return None

    for horizontal in (True, False):
        for line in range(_ROWS if horizontal else _COLS):
            run: list[int] = []
            run_tags: dict[str, str] | None = None
            for along in range((_COLS if horizontal else _ROWS) - 1):
                i, j = (line, along) if horizontal else (along, line)
                tags = segment_class(i, j, horizontal)
                a = node(i, j)
                b = node(i, j + 1) if horizontal else node(i + 1, j)
                if tags != run_tags and run:
                    ways.append((run, run_tags))  # type: ignore[arg-type]
                    run = []
                run_tags = tags
                if tags is not None:
                    if not run:
                        run = [a]
                    run.append(b)
            if run and run_tags is not None:
                ways.append((run, run_tags))
    # Alternate the direction of one-way streets so the town centre stays passable.
    for k, (refs, tags) in enumerate(ways):
        if tags.get("oneway") == "yes" and k % 2:
            refs.reverse()
    # Footpaths across the rice fields: short cuts motorbikes must not take.
    for _ in range(12):
        i, j = rng.randrange(2, _ROWS - 6), rng.randrange(2, _COLS - 2)
        ways.append(([node(i, j), node(i + 1, j + 1)], {"highway": "footway"}))
    # The island hamlet: a small street grid of its own, not joined to anything.
    base = ISLAND[2]
    island_ids = []
    for di in range(4):
        row = []
        for dj in range(4):
            nid = len(coords) + 1
            coords[nid] = LatLon(base.lat + (di - 1.5) * 90 / _M_PER_DEG, base.lon + (dj - 1.5) * 90 / _M_PER_DEG)
            row.append(nid)
        island_ids.append(row)
        ways.append((row, {"highway": "residential", "name": "Jl. Seberang"}))
    for dj in range(4):
        ways.append(([island_ids[di][dj] for di in range(4)], {"highway": "residential"}))

    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<osm version="0.6" generator="ektp-route demo (synthetic)">',
             f'  <!-- {SYNTHETIC_NOTE} -->']
    for nid, p in coords.items():
        lines.append(f'  <node id="{nid}" lat="{p.lat:.7f}" lon="{p.lon:.7f}" version="1"/>')
    for wid, (refs, tags) in enumerate(ways, start=1):
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k={quoteattr(k)} v={quoteattr(v)}/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _dusun_points(rng: random.Random) -> dict[tuple[str, str], LatLon]:
    points = {}
    for desa, (centre, dusuns) in VILLAGES.items():
        for k, dusun in enumerate(dusuns):
            angle = 2 * math.pi * k / len(dusuns) + 0.6
            r = 0 if len(dusuns) == 1 else 330
            points[(desa, dusun)] = LatLon(centre.lat + r * math.sin(angle) / _M_PER_DEG,
                                           centre.lon + r * math.cos(angle) / _M_PER_DEG)
    points[(ISLAND[0], ISLAND[1])] = ISLAND[2]
    return points


def write_gazetteer(path: Path, points: dict[tuple[str, str], LatLon]) -> None:
    """Desa centres and dusun points, in the gazetteer CSV layout the planner reads."""
    entries = [GazetteerEntry(desa, "", centre, "Jombang") for desa, (centre, _) in VILLAGES.items()]
    entries += [GazetteerEntry(desa, dusun, p, "Jombang") for (desa, dusun), p in points.items()]
    gazetteer.write_gazetteer(path, entries)


def _nik(rng: random.Random, serial: int) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(0, 99)
    if rng.random() < 0.5:
        day += 40
    return f"351709{day:02d}{month:02d}{year:02d}{serial:04d}"


def write_records(path: Path, points: dict[tuple[str, str], LatLon], rng: random.Random,
                  cards: int = 500) -> None:
    """About ``cards`` card rows in households across the demo's desa (see module docstring)."""
    header = ["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon",
              "prioritas", "keterangan", "telepon"]
    rows: list[list[str]] = []
    serial = 1
    places = [k for k in points if k[1] != ISLAND[1]]
    household = 0
    while len(rows) < cards - 1:
        household += 1
        desa, dusun = rng.choice(places)
        centre = points[(desa, dusun)]
        size = rng.choices([1, 2, 3, 4], weights=[55, 25, 13, 7])[0]
        size = min(size, cards - 1 - len(rows))
        lat = centre.lat + rng.uniform(-230, 230) / _M_PER_DEG
        lon = centre.lon + rng.uniform(-230, 230) / _M_PER_DEG
        alamat = f"{rng.choice(_STREETS)} No. {rng.randint(1, 120)}"
        rt, rw = f"{rng.randint(1, 6):03d}", f"{rng.randint(1, 3):03d}"
        kk = f"351709{rng.randint(10, 99)}{household:08d}" if size > 1 or rng.random() < 0.6 else ""
        with_coords = rng.random() > 0.04
        surname = rng.choice(_LAST)
        for _ in range(size):
            urgent = rng.random() < 0.07
            rows.append([
                _nik(rng, serial), f"{rng.choice(_FIRST)} {surname}".strip(), alamat, rt, rw, dusun, desa,
                "Jombang", kk, f"{lat:.6f}" if with_coords else "", f"{lon:.6f}" if with_coords else "",
                "1" if urgent and rng.random() < 0.5 else "", rng.choice(_URGENT_NOTES) if urgent else "",
                f"08{rng.randint(1000000000, 9999999999)}"])
            serial += 1
    # Cases the officer should see handled: an unknown dusun (desa precision), an unknown desa
    # (not geocoded), a hamlet with no road link (unreachable), and a NIK entered twice.
    # Each special case is appended as a household of its own (no KK number, own address).
    i = ISLAND[2]
    specials = [("Dukuh Baru", "Jabon", "", ""),
                ("Krajan", "Karangwinongan", "", ""),
                (ISLAND[1], ISLAND[0], f"{i.lat + 0.0002:.6f}", f"{i.lon - 0.0003:.6f}")]
    for k, (dusun, desa, lat_s, lon_s) in enumerate(specials):
        row = list(rows.pop(min(10 + 10 * k, len(rows) - 1)))  # small demo days (--cards 10) too
        row[2], row[5], row[6], row[8], row[9], row[10] = f"Jl. Baru No. {k + 1}", dusun, desa, "", lat_s, lon_s
        rows.append(row)
    duplicate = list(rows[min(40, len(rows) - 4)])
    duplicate[1] = "Nama Ganda"
    rows.append(duplicate)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def generate(folder: Path, cards: int = 500) -> DemoFiles:
    """Generate the demo inputs into ``folder`` (created if needed), always the same for one seed."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    files = DemoFiles(folder / "kartu_selesai_demo.csv", folder / "jaringan_jalan_demo.osm",
                      folder / "gazetteer_demo.csv")
    write_network(files.network, rng)
    points = _dusun_points(rng)
    write_gazetteer(files.gazetteer, points)
    write_records(files.records, points, rng, cards)
    return files
