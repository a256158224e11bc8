"""Benchmark: deliveries that teach the next plans where doors are, through the couriers' real pages.

Network: Kabupaten Sidoarjo's real roads (RBI 1:25,000, ../shared/data/nearby/sidoarjo_rbi25k_roads.osm.bz2),
desa polygons and centroids from Kemendagri (desa_kemendagri_3515.geojson, desa_centroids_...csv; the
centroids are the gazetteer). Houses stand 5-40 m off residential and local roads, inside their desa's
polygon, in the desa within ``--radius`` of the regency office. Most records carry no coordinates (the
desa name only); some carry the door typed with the usual slack. Each day after the first, a share of
the cards (default 30 %) are new cards of households seen on earlier days, by KK number.

Each day runs through the real ledger, planner and courier pages: ``ledger.import_and_due`` (the day's
file imported, cards due and learned locations out), ``pipeline.plan_day(..., learned=...)``,
``Ledger.record_plan``, ``maps.render.write_courier_pages``; then every courier's ``kurir/K01.html`` is
opened in headless Chromium (playwright, network blocked), and each stop tapped in route order, seconds
apart (``--gap-ms``), with the emulated geolocation set before each tap: the door with GPS noise of
about 5 m (DT, TR), or 80-400 m off where the courier gave up (AT). The page takes a fresh fix per tap;
its exported ``hasil_K01_DATE.csv`` goes through ``read_outcome_file`` and ``Ledger.record_outcomes``.

After the days, one poisoned upload: a day of cards for ``--poison`` households already learned, planned
for one courier, whose phone is stuck at the office (every tap gets the same position). No learned
point may change.

Printed: per day, stops, how they were located, the median distance from the planned stop to the true
door over all stops and over returning households (target for returning households: at most 10 m);
then the poisoned upload's lines and how many learned points it changed; the load average throughout.

Usage: python bench/learning.py [--days 5] [--cards 80] [--repeat 0.3] [--seed 1] [--time-limit 5]
                                [--gap-ms 1000] [--poison 30]
"""

from __future__ import annotations

import argparse
import bz2
import csv
import dataclasses
import datetime as dt
import json
import math
import os
import random
import shutil
import statistics
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from maps.render import write_courier_pages
from routing.config import DEFAULT_SPEEDS_KPH, Settings
from routing.gazetteer import Gazetteer, GazetteerEntry
from routing.geo import LatLon, haversine_m
from routing.learning import Learned, LearnedPoint, centre
from routing.ledger import Ledger, OutcomeResult, import_and_due
from routing.outcome_rows import read_outcome_file
from routing.pipeline import plan_day
from routing.plan import Plan, Route
from routing.records import read_records
from routing.region import Region
from routing.roads.network import RoadNetwork, load_network

NEARBY = Path(__file__).resolve().parents[2] / "shared" / "data" / "nearby"
ROADS = NEARBY / "sidoarjo_rbi25k_roads.osm.bz2"
POLYGONS = NEARBY / "desa_kemendagri_3515.geojson"
CENTROIDS = NEARBY / "desa_centroids_kemendagri_3515.csv"
#: The regency office of Sidoarjo (SOURCES.md): the couriers leave from it.
OFFICE = LatLon(-7.4478, 112.7183)
#: Road classes houses stand along (RBI "Jalan Lain" and "Jalan Lokal").
HOUSE_ROADS = {"residential", "unclassified"}
M_PER_DEG = 111_320.0
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STREETS = ["Jl. Melati", "Jl. Mawar", "Jl. Kenanga", "Jl. Anggrek", "Gg. Masjid", "Jl. Pahlawan", "Jl. Sawah",
           "Jl. Kali", "Jl. Pondok", "Gg. Buntu", "Jl. Mangga", "Jl. Flamboyan"]
RECORD_COLUMNS = ["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon"]


@dataclass(frozen=True)
class Household:
    kk: str
    door: LatLon
    alamat: str
    rt: str
    rw: str
    desa: str
    kecamatan: str
    kode_kec: str
    typed: bool  # its records carry (sloppily) typed coordinates


def offset(p: LatLon, north_m: float, east_m: float) -> LatLon:
    return LatLon(p.lat + north_m / M_PER_DEG, p.lon + east_m / (M_PER_DEG * math.cos(math.radians(p.lat))))


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def road_segments(path: Path, near: LatLon, radius_m: float) -> list[tuple[LatLon, LatLon, float]]:
    """Segments of residential and local roads within ``radius_m`` of ``near``, with their lengths (m)."""
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
                    segments += [(a, b, haversine_m(a, b)) for a, b in zip(refs, refs[1:])
                                 if a != b and haversine_m(a, near) <= radius_m]
                el.clear()
    return segments


class Desa:
    """Polygons and centroids of Sidoarjo's desa."""

    def __init__(self) -> None:
        features = json.loads(POLYGONS.read_text(encoding="utf-8"))["features"]
        self.shapes = [shape(f["geometry"]) for f in features]
        self.names = [(f["properties"]["nama"], f["properties"]["nama_kec"], f["properties"]["kode_kec"])
                      for f in features]
        self.tree = STRtree(self.shapes)
        with open(CENTROIDS, encoding="utf-8") as f:
            self.gazetteer = Gazetteer(tuple(GazetteerEntry(r["nama"], "", LatLon(float(r["lat"]), float(r["lng"])),
                                                            r["nama_kec"]) for r in csv.DictReader(f)))

    def at(self, p: LatLon) -> tuple[str, str, str] | None:
        pt = Point(p.lon, p.lat)
        for k in self.tree.query(pt):
            if self.shapes[int(k)].contains(pt):
                return self.names[int(k)]
        return None


class Town:
    """Houses along real roads near the office, and the households living in them."""

    def __init__(self, rng: random.Random, radius_m: float) -> None:
        self.rng = rng
        self.segments = road_segments(ROADS, OFFICE, radius_m)
        self.weights = [s[2] for s in self.segments]
        self.desa = Desa()
        self.serial = 0

    def house(self) -> tuple[LatLon, tuple[str, str, str]]:
        """A door 5-40 m to one side of a residential or local road, inside a desa."""
        while True:
            a, b, length = self.rng.choices(self.segments, self.weights)[0]
            t = self.rng.random()
            on = LatLon(a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon))
            east = (b.lon - a.lon) * M_PER_DEG * math.cos(math.radians(a.lat))
            north = (b.lat - a.lat) * M_PER_DEG
            side = self.rng.choice((-1, 1)) * self.rng.uniform(5, 40)
            door = offset(on, side * east / length, -side * north / length)
            where = self.desa.at(door)
            if where is not None:
                return door, where

    def household(self, typed_share: float) -> Household:
        door, (desa, kecamatan, kode_kec) = self.house()
        self.serial += 1
        kec = kode_kec.replace(".", "")
        return Household(kk=f"{kec}{self.rng.randint(1, 28):02d}{self.rng.randint(1, 12):02d}24{self.serial:04d}",
                         door=door, alamat=f"{self.rng.choice(STREETS)} No. {self.rng.randint(1, 150)}",
                         rt=f"{self.rng.randint(1, 12):03d}", rw=f"{self.rng.randint(1, 8):03d}", desa=desa,
                         kecamatan=kecamatan, kode_kec=kode_kec, typed=self.rng.random() < typed_share)

    def nik(self, h: Household) -> str:
        self.serial += 1
        day = self.rng.randint(1, 28) + (40 if self.rng.random() < 0.5 else 0)
        return (f"{h.kode_kec.replace('.', '')}{day:02d}{self.rng.randint(1, 12):02d}"
                f"{self.rng.randint(50, 99):02d}{self.serial % 9999 + 1:04d}")


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


def drive_page(browser: Browser, page_file: Path, route: Route, doors: dict[str, LatLon], seed: int, day: dt.date,
               gap_ms: int, folder: Path, stuck: LatLon | None = None) -> Path:
    """Tap every stop of one courier's page in route order, the geolocation set before each tap; export.

    Each stop's outcome and GPS error come from its own random stream (seed, day, card), so they do not
    depend on which courier the solver gave the stop to. With ``stuck``, every tap is DT at that point.
    """
    context = browser.new_context(geolocation={"latitude": OFFICE.lat, "longitude": OFFICE.lon, "accuracy": 5},
                                  permissions=["geolocation"], accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(page_file.as_uri())
    for v in route.visits:
        rng = random.Random(f"{seed}/{day}/{v.cards[0].nik}")
        roll = rng.random()
        code = "DT" if roll < 0.78 else ("TR" if roll < 0.95 else "AT")
        door = doors[v.cards[0].nik]
        if stuck is not None:
            code, at, accuracy = "DT", stuck, 8.0
        elif code == "AT":  # gave up somewhere along the road
            d, a = rng.uniform(80, 400), rng.uniform(0, 2 * math.pi)
            at, accuracy = offset(door, d * math.cos(a), d * math.sin(a)), rng.uniform(5, 15)
        else:  # at the door: GPS noise of about 5 m
            at, accuracy = offset(door, rng.gauss(0, 3.5), rng.gauss(0, 3.5)), rng.uniform(4, 8)
        context.set_geolocation({"latitude": at.lat, "longitude": at.lon, "accuracy": accuracy})
        box = page.locator(f"section.stop[data-seq='{v.seq}']")
        if code == "DT":
            box.locator("input.recipient").fill(f"Penerima {v.cards[0].nik[-4:]}")
        box.locator(f"button[data-code={code}]").click()
        box.locator(".status").filter(has_text="GPS \u00b1").wait_for(timeout=15000)
        page.wait_for_timeout(gap_ms)
    with page.expect_download() as got:
        page.locator("#send").click()
    path = folder / got.value.suggested_filename
    got.value.save_as(path)
    context.close()
    if errors:
        raise RuntimeError(f"{page_file}: page errors {errors[:3]}")
    return path


def points(learned: Learned) -> dict[str, LearnedPoint | None]:
    """Every learned household point, by ``kk:`` and ``addr:`` key."""
    return ({f"kk:{k}": centre(v) for k, v in learned.by_kk.items()}
            | {f"addr:{k}": centre(v) for k, v in learned.by_address.items()})


def plan_and_deliver(args: argparse.Namespace, browser: Browser, db: Path, folder: Path, day: dt.date,
                     cards: list[tuple[str, Household]], settings: Settings, network: RoadNetwork, town: Town,
                     rng: random.Random, doors: dict[str, LatLon],
                     stuck: LatLon | None = None) -> tuple[Plan, list[OutcomeResult]]:
    """One day: import, plan, record the plan, drive every courier's page, record the results."""
    path = write_records(folder / f"kartu_{day.isoformat()}.csv", cards, rng)
    due = import_and_due(db, read_records(path), path.read_bytes(), day)
    plan: Plan = plan_day(due.records, network, settings, day, town.desa.gazetteer, learned=due.learned)
    with Ledger(db) as ledger:
        ledger.record_plan(plan)
    out = folder / day.isoformat()
    write_courier_pages(plan, out)
    results = []
    for route in plan.routes:
        results.append(drive_page(browser, out / "kurir" / f"{route.courier_id}.html", route, doors, args.seed, day,
                                  args.gap_ms, out, stuck))
    got = []
    with Ledger(db) as ledger:
        for r in results:
            f = read_outcome_file(r)
            got.append(ledger.record_outcomes(f.rows, day, settings.max_attempts, sha256=f.sha256))
    assert not any(g.problems for g in got), [g.problems for g in got]
    return plan, got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--cards", type=int, default=80, help="cards per day")
    ap.add_argument("--repeat", type=float, default=0.3, help="share of a day's cards for households seen before")
    ap.add_argument("--typed", type=float, default=0.15, help="share of households whose records carry coordinates")
    ap.add_argument("--radius", type=float, default=6000, help="houses in desa within this of the office (m)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=int, default=5)
    ap.add_argument("--gap-ms", type=int, default=1000, help="pause between two taps on a page")
    ap.add_argument("--poison", type=int, default=30, help="households in the poisoned upload")
    args = ap.parse_args()
    print(f"start: {load()}", flush=True)
    rng = random.Random(args.seed)
    town = Town(rng, args.radius)
    folder = Path(tempfile.mkdtemp(prefix="ektp-learning-"))
    network = load_network(ROADS, DEFAULT_SPEEDS_KPH, folder / "cache")
    settings = Settings(depot=OFFICE, time_limit_s=args.time_limit, region=Region("Kabupaten Sidoarjo"))
    db = folder / "ledger.sqlite"
    print(f"network {ROADS.name}: {network.n_nodes} nodes, {len(town.segments)} residential/local road segments "
          f"within {args.radius:.0f} m of the office; gazetteer: {len(town.desa.gazetteer.entries)} desa centroids; "
          f"ledger {db}; {load()}", flush=True)
    seen: list[Household] = []
    doors: dict[str, LatLon] = {}
    household_of: dict[str, Household] = {}
    days = [d for d in (dt.date(2026, 11, 30) + dt.timedelta(days=i) for i in range(args.days * 2 + 4))
            if d.weekday() < 5]
    returning_all: list[float] = []
    print(f"{'day':<11}{'cards':>6}{'stops':>6}{'gps':>5}{'typed':>6}{'desa':>5}  median m  <=50 m"
          f"  returning: stops median m  taught  not learned  load", flush=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                     "--disable-background-networking"])
        for day in days[:args.days]:
            known = {h.kk for h in seen}
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
                doors[nik], household_of[nik] = h.door, h
            plan, got = plan_and_deliver(args, browser, db, folder, day, cards, settings, network, town, rng, doors)
            visits = [v for r in plan.routes for v in r.visits]
            gaps = [haversine_m(v.point, doors[v.cards[0].nik]) for v in visits]
            precisions = Counter(v.precision for v in visits)
            returning = [g for v, g in zip(visits, gaps) if household_of[v.cards[0].nik].kk in known]
            returning_all += returning
            back = f"{len(returning):>16} {statistics.median(returning):>9.1f}" if returning else f"{'-':>16} {'-':>9}"
            print(f"{day.isoformat():<11}{len(cards):>6}{len(visits):>6}{precisions['gps']:>5}"
                  f"{precisions['coordinates']:>6}{precisions['desa']:>5}  {statistics.median(gaps):>8.0f}"
                  f"  {sum(g <= 50 for g in gaps) / len(gaps):>5.0%} {back}  {sum(g.taught for g in got):>6}"
                  f"  {sum(len(g.untaught) for g in got):>11}  {load()}"
                  + (f"  [{len(plan.unassigned)} unassigned]" if plan.unassigned else ""), flush=True)
        if returning_all:
            print(f"returning households, days 2-{args.days}: median {statistics.median(returning_all):.1f} m from "
                  f"the planned stop to the door over {len(returning_all)} stops (target <= 10 m); {load()}",
                  flush=True)

        # The poisoned upload: one courier's phone stuck at the office for households already learned.
        with Ledger(db) as ledger:
            before = points(ledger.learned_locations())
        learned_kk = [h for h in {h.kk: h for h in seen}.values() if f"kk:{h.kk}" in before]
        victims = rng.sample(learned_kk, min(args.poison, len(learned_kk)))
        cards = [(town.nik(h), h) for h in victims]
        for nik, h in cards:
            doors[nik], household_of[nik] = h.door, h
        one = dataclasses.replace(settings, couriers=1)
        plan, got = plan_and_deliver(args, browser, db, folder, days[args.days], cards, one, network, town, rng,
                                     doors, stuck=OFFICE)
        browser.close()
    with Ledger(db) as ledger:
        after = points(ledger.learned_locations())
    changed = [k for k, p in before.items() if after.get(k) != p]
    delivered = sum(g.applied for g in got)
    # The day's plan also carries cards that failed before (planned again): they are in the upload too.
    households = {household_of[c.nik].kk for r in plan.routes for v in r.visits for c in v.cards}
    print(f"poisoned upload ({len(plan.routes)} courier page(s), every tap at the office {OFFICE}): {delivered} "
          f"outcomes for {len(households)} households ({len(victims)} of them learned before); "
          f"{sum(g.taught for g in got)} taught; learned points changed: {len(changed)} of {len(before)}; {load()}")
    for g in got:
        for line in g.untaught:
            print(f"  location: not learned: {line}")
    print(f"files in {folder}")


if __name__ == "__main__":
    main()
