"""Benchmark: five delivery days on real roads, with deliveries teaching the next plans where doors are.

Network: Kota Kediri's real roads (RBI 1:25,000, ../shared/data/nearby/kota_kediri_rbi25k_roads.osm.bz2),
kelurahan polygons and centroids from Kemendagri (desa_kemendagri_3571.geojson, desa_centroids_...csv;
the centroids are the gazetteer). Houses stand 5-40 m off residential and local roads, inside their
kelurahan's polygon. Most records carry no coordinates (the kelurahan name only); some carry the door
typed with the usual slack. Each day after the first, a share of the cards (default 30 %) are new cards
of households seen on earlier days, by KK number. Each day runs through the real ledger and planner:
``ledger.import_and_due`` (the day's file imported, cards due and learned locations out),
``pipeline.plan_day(..., learned=...)``, ``Ledger.record_plan``, then the couriers' results files
(``hasil_K01_DATE.csv``, as the courier's page writes them) through ``read_outcome_file`` and
``Ledger.record_outcomes``: mostly DT, some TR and AT, GPS 5-30 m off the door with an accuracy
value, some taps without GPS.

Printed per day: stops, how they were located, and the median distance from the planned stop to the
true door (it falls as deliveries teach the doors of returning households).

Usage: python bench/learning.py [--days 5] [--cards 120] [--repeat 0.3] [--seed 1] [--time-limit 5]
"""

from __future__ import annotations

import argparse
import bz2
import csv
import datetime as dt
import json
import math
import random
import statistics
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from maps.courier_page import RESULT_COLUMNS
from routing.config import DEFAULT_SPEEDS_KPH, Settings
from routing.gazetteer import Gazetteer, GazetteerEntry
from routing.geo import LatLon, haversine_m
from routing.learning import WRONG_PLAN_M
from routing.ledger import Ledger, import_and_due
from routing.outcome_rows import read_outcome_file
from routing.pipeline import plan_day
from routing.plan import Plan
from routing.records import read_records
from routing.region import Region
from routing.roads.network import load_network

NEARBY = Path(__file__).resolve().parents[2] / "shared" / "data" / "nearby"
ROADS = NEARBY / "kota_kediri_rbi25k_roads.osm.bz2"
POLYGONS = NEARBY / "desa_kemendagri_3571.geojson"
CENTROIDS = NEARBY / "desa_centroids_kemendagri_3571.csv"
#: Balai Kota Kediri, Jl. Basuki Rahmat: the office the couriers leave from.
DEPOT = LatLon(-7.8166, 112.0118)
#: Road classes houses stand along (RBI "Jalan Lain" and "Jalan Lokal").
HOUSE_ROADS = {"residential", "unclassified"}
M_PER_DEG = 111_320.0
STREETS = ["Jl. Melati", "Jl. Mawar", "Jl. Kenanga", "Jl. Anggrek", "Gg. Masjid", "Jl. Pahlawan", "Jl. Sawah",
           "Jl. Kali", "Jl. Pondok", "Gg. Buntu", "Jl. Mangga", "Jl. Flamboyan"]
KECAMATAN_CODE = {"Mojoroto": "01", "Kota": "02", "Pesantren": "03"}


@dataclass(frozen=True)
class Household:
    kk: str
    door: LatLon
    alamat: str
    rt: str
    rw: str
    desa: str
    kecamatan: str
    typed: bool  # its records carry (sloppily) typed coordinates


def offset(p: LatLon, north_m: float, east_m: float) -> LatLon:
    return LatLon(p.lat + north_m / M_PER_DEG, p.lon + east_m / (M_PER_DEG * math.cos(math.radians(p.lat))))


def road_segments(path: Path) -> list[tuple[LatLon, LatLon, float]]:
    """Segments of residential and local roads, with their lengths in metres."""
    nodes: dict[str, LatLon] = {}
    segments = []
    with bz2.open(path) as f:
        for _, el in ET.iterparse(f):
            if el.tag == "node":
                nodes[el.attrib["id"]] = LatLon(float(el.attrib["lat"]), float(el.attrib["lon"]))
            elif el.tag == "way":
                tags = {t.attrib["k"]: t.attrib["v"] for t in el.findall("tag")}
                if tags.get("highway") in HOUSE_ROADS:
                    refs = [nodes[n.attrib["ref"]] for n in el.findall("nd")]
                    segments += [(a, b, haversine_m(a, b)) for a, b in zip(refs, refs[1:]) if a != b]
                el.clear()
    return segments


class Kelurahan:
    """Polygons and centroids of Kota Kediri's kelurahan."""

    def __init__(self) -> None:
        features = json.loads(POLYGONS.read_text(encoding="utf-8"))["features"]
        self.shapes = [shape(f["geometry"]) for f in features]
        self.names = [(f["properties"]["nama"], f["properties"]["nama_kec"]) for f in features]
        self.tree = STRtree(self.shapes)
        with open(CENTROIDS, encoding="utf-8") as f:
            self.gazetteer = Gazetteer(tuple(GazetteerEntry(r["nama"], "", LatLon(float(r["lat"]), float(r["lng"])),
                                                            r["nama_kec"]) for r in csv.DictReader(f)))

    def at(self, p: LatLon) -> tuple[str, str] | None:
        pt = Point(p.lon, p.lat)
        for k in self.tree.query(pt):
            if self.shapes[int(k)].contains(pt):
                return self.names[int(k)]
        return None


class Town:
    """Houses along real roads, and the households living in them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.segments = road_segments(ROADS)
        self.weights = [s[2] for s in self.segments]
        self.kelurahan = Kelurahan()
        self.serial = 0

    def house(self) -> tuple[LatLon, str, str]:
        """A door 5-40 m to one side of a residential or local road, inside a kelurahan."""
        while True:
            a, b, length = self.rng.choices(self.segments, self.weights)[0]
            t = self.rng.random()
            on = LatLon(a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon))
            # Unit normal of the segment, in metres east/north.
            east = (b.lon - a.lon) * M_PER_DEG * math.cos(math.radians(a.lat))
            north = (b.lat - a.lat) * M_PER_DEG
            side = self.rng.choice((-1, 1)) * self.rng.uniform(5, 40)
            door = offset(on, side * east / length, -side * north / length)
            where = self.kelurahan.at(door)
            if where is not None:
                return door, where[0], where[1]

    def household(self, typed_share: float) -> Household:
        door, desa, kecamatan = self.house()
        self.serial += 1
        kec = KECAMATAN_CODE.get(kecamatan, "01")
        return Household(kk=f"3571{kec}{self.rng.randint(1, 28):02d}{self.rng.randint(1, 12):02d}24{self.serial:04d}",
                         door=door, alamat=f"{self.rng.choice(STREETS)} No. {self.rng.randint(1, 150)}",
                         rt=f"{self.rng.randint(1, 12):03d}", rw=f"{self.rng.randint(1, 8):03d}", desa=desa,
                         kecamatan=kecamatan, typed=self.rng.random() < typed_share)

    def nik(self, h: Household) -> str:
        self.serial += 1
        day = self.rng.randint(1, 28) + (40 if self.rng.random() < 0.5 else 0)
        return (f"3571{KECAMATAN_CODE.get(h.kecamatan, '01')}{day:02d}{self.rng.randint(1, 12):02d}"
                f"{self.rng.randint(50, 99):02d}{self.serial % 9999 + 1:04d}")


RECORD_COLUMNS = ["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon"]


def write_records(path: Path, cards: list[tuple[str, Household]], rng: random.Random) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(RECORD_COLUMNS)
        for nik, h in cards:
            lat = lon = ""
            if h.typed:  # typed at the counter from a phone map: within 10-60 m of the door
                d, a = rng.uniform(10, 60), rng.uniform(0, 2 * math.pi)
                p = offset(h.door, d * math.cos(a), d * math.sin(a))
                lat, lon = f"{p.lat:.6f}", f"{p.lon:.6f}"
            w.writerow([nik, f"Warga {nik[-4:]}", h.alamat, h.rt, h.rw, "", h.desa, h.kecamatan, h.kk, lat, lon])
    return path


def courier_results(folder: Path, plan: Plan, doors: dict[str, LatLon], seed: int, day: dt.date) -> list[Path]:
    """One results file per courier, as the courier's page writes it.

    Each stop's outcome and position come from its own random stream (seed, day, card), so they
    do not depend on which courier the solver gave the stop to, or in which order.
    """
    paths = []
    for route in plan.routes:
        path = folder / f"hasil_{route.courier_id}_{day.isoformat()}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            f.write("\ufeff")
            w = csv.writer(f)
            w.writerow(RESULT_COLUMNS)
            for v in route.visits:
                rng = random.Random(f"{seed}/{day}/{v.cards[0].nik}")
                roll = rng.random()
                code = "DT" if roll < 0.78 else ("TR" if roll < 0.95 else "AT")
                door = doors[v.cards[0].nik]
                lat = lon = acc = ""
                if rng.random() < 0.9:  # the phone gave a position
                    if code == "AT":  # gave up somewhere along the road
                        d = rng.uniform(80, 400)
                    else:
                        d = rng.uniform(5, 30)
                    a = rng.uniform(0, 2 * math.pi)
                    p = offset(door, d * math.cos(a), d * math.sin(a))
                    lat, lon = f"{p.lat:.7f}", f"{p.lon:.7f}"
                    acc = str(round(max(4.0, d * rng.uniform(0.8, 2.2))))  # phones guess their error roughly
                minute = v.arrival_s // 60
                for c in v.cards:
                    w.writerow([c.nik, code, c.nama if code == "DT" else "", f"{minute // 60:02d}:{minute % 60:02d}:00",
                                lat, lon, acc, route.courier_id, ""])
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--cards", type=int, default=120, help="new cards per day")
    ap.add_argument("--repeat", type=float, default=0.3, help="share of a day's cards for households seen before")
    ap.add_argument("--typed", type=float, default=0.15, help="share of households whose records carry coordinates")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    town = Town(rng)
    folder = Path(tempfile.mkdtemp(prefix="ektp-learning-"))
    network = load_network(ROADS, DEFAULT_SPEEDS_KPH, folder / "cache")
    settings = Settings(depot=DEPOT, time_limit_s=args.time_limit, region=Region("Kota Kediri"))
    db = folder / "ledger.sqlite"
    print(f"network {ROADS.name}: {network.n_nodes} nodes, {len(town.segments)} residential/local road segments; "
          f"gazetteer: {len(town.kelurahan.gazetteer.entries)} kelurahan centroids; ledger {db}")
    seen: list[Household] = []
    doors: dict[str, LatLon] = {}
    household_of: dict[str, Household] = {}
    days = [d for d in (dt.date(2026, 11, 30) + dt.timedelta(days=i) for i in range(args.days * 2))
            if d.weekday() < 5][:args.days]
    print(f"{'day':<11}{'cards':>6}{'stops':>6}{'gps':>5}{'typed':>6}{'desa':>5}  median m  mean m  <=50 m"
          f"  returning: stops median m  far-off lines")
    for day in days:
        known = {h.kk for h in seen}  # households with cards on earlier days
        cards: list[tuple[str, Household]] = []
        repeats = round(args.cards * args.repeat) if seen else 0
        for h in rng.sample(seen, min(repeats, len(seen))):
            cards.append((town.nik(h), h))
        while len(cards) < args.cards:
            h = town.household(args.typed)
            seen.append(h)
            cards += [(town.nik(h), h) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
        cards = cards[:args.cards]
        for nik, h in cards:
            doors[nik] = h.door
            household_of[nik] = h
        path = write_records(folder / f"kartu_{day.isoformat()}.csv", cards, rng)
        incoming = read_records(path)
        due = import_and_due(db, incoming, path.read_bytes(), day)
        plan = plan_day(due.records, network, settings, day, town.kelurahan.gazetteer, learned=due.learned)
        with Ledger(db) as ledger:
            ledger.record_plan(plan)
        visits = [v for r in plan.routes for v in r.visits]
        gaps = [haversine_m(v.point, doors[v.cards[0].nik]) for v in visits]
        precisions = Counter(v.precision for v in visits)
        returning = [g for v, g in zip(visits, gaps) if household_of[v.cards[0].nik].kk in known]
        back = f"{len(returning):>16} {statistics.median(returning):>9.0f}" if returning else f"{'-':>16} {'-':>9}"
        wrong = 0
        with Ledger(db) as ledger:
            for results in courier_results(folder, plan, doors, args.seed, day):
                f = read_outcome_file(results)
                got = ledger.record_outcomes(f.rows, day, settings.max_attempts, sha256=f.sha256)
                assert not got.problems, got.problems
                wrong += len(got.wrong_plans)
        print(f"{day.isoformat():<11}{len(due.records.records):>6}{len(visits):>6}{precisions['gps']:>5}"
              f"{precisions['coordinates']:>6}{precisions['desa']:>5}  {statistics.median(gaps):>8.0f}"
              f"  {statistics.fmean(gaps):>6.0f}  {sum(g <= 50 for g in gaps) / len(gaps):>5.0%} {back}"
              f"  {wrong:>5} (> {WRONG_PLAN_M} m)"
              + (f"  [{len(plan.unassigned)} unassigned]" if plan.unassigned else ""))
    print(f"files in {folder}")


if __name__ == "__main__":
    main()
