"""Benchmark: a realistic day on a real road network, timed stage by stage, and desa points judged.

Network and desa: ../shared/data/nearby (RBI 1:25,000 roads of Kabupaten Sidoarjo, converted to OSM
XML, and the Kemendagri desa polygons and centroids of Sidoarjo; see its SOURCES.md). No Jombang road
network exists; Sidoarjo is the nearest real one of about Jombang's size.

The day: ``--households`` households (``--cards`` cards, 1-4 per household, one KK each) in
``--desa`` real desa drawn around the regency office, each house 5-40 m off a real residential or
local road (RBI "Jalan Lain"/"Jalan Lokal") inside its desa, uniformly along those roads' length.
About ``--with-coordinates`` of the households carry their coordinates; the rest only their desa and
kecamatan names, located through a gazetteer.

Steps, each through the real CLI in a subprocess under ``/usr/bin/time -v`` (wall clock, max RSS):
``network import`` (OSM XML -> GraphML), ``gazetteer build --boundaries`` (the desa points placed on
the roads), ``plan --time-limit T`` (the stage lines' timestamps as the officer sees them). The plan is
then run once more in this process, calling the library stages with a timestamping progress, to split the time
into read, network load (cache), locate, matrix, solve, assemble and render.

Desa points: median distance from the point a desa-located household is looked for at to its real
door, for the Kemendagri centroids (before), the points of ``gazetteer build --boundaries`` (after),
and the best single point per desa on that day (the geometric median of its desa-located doors).

Usage: python bench/realday.py [--work DIR] [--time-limit 30] [--seed 1] [--profile]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NEARBY = ROOT.parent / "shared" / "data" / "nearby"
ROADS = NEARBY / "sidoarjo_rbi25k_roads.osm.bz2"
DESA = NEARBY / "desa_kemendagri_3515.geojson"
CENTROIDS = NEARBY / "desa_centroids_kemendagri_3515.csv"
#: The regency office of Sidoarjo (SOURCES.md).
OFFICE = (-7.4478, 112.7183)
DAY = dt.date(2026, 11, 30)  # a Monday
#: Metres per degree of latitude; longitude scaled by cos(latitude).
M_PER_DEG = math.pi / 180 * 6_371_008.8


def machine_speed() -> str:
    """The time this machine takes for one fixed piece of pure Python (10^7 additions), to print beside
    every figure: on a shared virtual machine it moves by half between minutes at the same load, so
    figures are compared within one run, or with this beside them."""
    t0 = time.perf_counter()
    total = 0
    for k in range(10**7):
        total += k
    return f"machine: 10^7 additions in {time.perf_counter() - t0:.2f} s"


def work_folder(given: Path | None, script: str) -> tuple[Path, Path, dict[str, str]]:
    """A bench's work folder (``given``, else a new temporary one), its network cache, and the environment
    its ``ektp-route`` processes run in (this checkout's code, that cache). Exits when the shared data is
    missing."""
    if not ROADS.exists() or not DESA.exists():
        sys.exit(f"bench/{script} needs ../shared/data/nearby beside the checkout ({NEARBY} not found)")
    work = given or Path(tempfile.mkdtemp(prefix=f"ektp-{script.removesuffix('.py')}-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "cache"
    env = {**os.environ, "EKTP_CACHE_DIR": str(cache),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return work, cache, env


@dataclass(frozen=True)
class House:
    """One generated household: where its door is, and what the office's file says about it."""

    desa: str
    kecamatan: str
    kode_kec: str
    lat: float
    lon: float
    cards: int
    rw: int
    rt: int
    with_coordinates: bool


def metres(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Local planar metres (equirectangular about ``lat0``)."""
    return np.column_stack((np.asarray(lon) * M_PER_DEG * math.cos(math.radians(lat0)), np.asarray(lat) * M_PER_DEG))


def village_road_segments(net, speeds: dict[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments of residential and local (unclassified) roads, one direction per road: ``(a, b, length_m)``
    as indices into the network's shape arrays. The flat network keeps speeds, not classes; with the
    default speeds residential roads ride at 20 km/h and unclassified at 25, and RBI has no maxspeed."""
    n = net.n_nodes
    src = np.repeat(np.arange(n), np.diff(net.indptr))
    dst = net.indices.astype(np.int64)
    one_way_copy = np.isin(dst * n + src, src * n + dst) & (src > dst)
    kph = np.rint(net.length_dm / 10 / (net.time_ms / 1000) * 3.6)
    village = np.isin(kph, [speeds["residential"], speeds["unclassified"]]) & ~one_way_copy
    a_list, b_list = [], []
    for e in np.nonzero(village)[0]:
        lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
        a_list.append(np.arange(lo, hi - 1))
        b_list.append(np.arange(lo + 1, hi))
    a, b = np.concatenate(a_list), np.concatenate(b_list)
    xy = metres(net.geom_lat, net.geom_lon, float(net.node_lat.mean()))
    return a, b, np.hypot(*(xy[b] - xy[a]).T)


def generate_day(net, rng: np.random.Generator, n_desa: int, households: int, cards: int,
                 with_coordinates: float) -> tuple[list[House], list[dict]]:
    """Households along real village roads inside ``n_desa`` real desa near the office."""
    import shapely
    from shapely.geometry import Point, shape

    from routing.config import DEFAULT_SPEEDS_KPH

    features = json.loads(DESA.read_text(encoding="utf-8"))["features"]
    a, b, seg_len = village_road_segments(net, DEFAULT_SPEEDS_KPH)
    mid_lat = (net.geom_lat[a] + net.geom_lat[b]) / 2
    mid_lon = (net.geom_lon[a] + net.geom_lon[b]) / 2
    lat0 = float(net.node_lat.mean())
    office = metres(np.array([OFFICE[0]]), np.array([OFFICE[1]]), lat0)[0]
    candidates = []
    for f in features:
        p = f["properties"]
        centre = metres(np.array([p["lat"]]), np.array([p["lng"]]), lat0)[0]
        if np.hypot(*(centre - office)) > 12_000:
            continue
        poly = shape(f["geometry"])
        inside = np.nonzero(shapely.contains_xy(poly, mid_lon, mid_lat))[0]
        if seg_len[inside].sum() >= 3000:  # at least 3 km of village road
            candidates.append((p, poly, inside))
    n_desa = min(n_desa, len(candidates))  # a big day takes every desa near the office
    chosen = [candidates[i] for i in sorted(rng.choice(len(candidates), n_desa, replace=False))]
    # Desa differ in how many cards they have on a day: Dirichlet shares, at least 5 households each.
    share = rng.dirichlet(np.full(n_desa, 2.0))
    per_desa = 5 + rng.multinomial(households - 5 * n_desa, share)
    sizes = np.ones(households, dtype=int)
    for k in rng.choice(households, cards - households, replace=True):
        sizes[k] += 1
    while sizes.max() > 4:  # move cards from oversized households to single ones
        big, small = int(np.argmax(sizes)), int(np.argmin(sizes))
        sizes[big] -= 1
        sizes[small] += 1
    houses: list[House] = []
    coords = rng.permutation(households) < round(with_coordinates * households)
    k = 0
    for (p, poly, inside), count in zip(chosen, per_desa):
        weights = seg_len[inside] / seg_len[inside].sum()
        placed = 0
        while placed < count:
            s = inside[rng.choice(len(inside), p=weights)]
            t = rng.random()
            pa = metres(net.geom_lat[[a[s]]], net.geom_lon[[a[s]]], lat0)[0]
            pb = metres(net.geom_lat[[b[s]]], net.geom_lon[[b[s]]], lat0)[0]
            along = pb - pa
            normal = np.array([-along[1], along[0]]) / (np.hypot(*along) or 1.0)
            xy = pa + t * along + normal * rng.uniform(5, 40) * rng.choice([-1, 1])
            lon = xy[0] / (M_PER_DEG * math.cos(math.radians(lat0)))
            lat = xy[1] / M_PER_DEG
            if not poly.contains(Point(lon, lat)):
                continue
            houses.append(House(p["nama"], p["nama_kec"], p["kode_kec"], lat, lon, int(sizes[k]),
                                int(rng.integers(1, 9)), int(rng.integers(1, 7)), bool(coords[k])))
            placed += 1
            k += 1
    rows = []
    serial = 0
    for h_no, h in enumerate(houses, start=1):
        kk = f"{h.kode_kec.replace('.', '')}01{h_no:08d}"[:16]
        for _ in range(h.cards):
            serial += 1
            day, month, year = int(rng.integers(1, 29)), int(rng.integers(1, 13)), int(rng.integers(50, 100))
            female = rng.random() < 0.5
            nik = f"{h.kode_kec.replace('.', '')}{day + (40 if female else 0):02d}{month:02d}{year:02d}{serial:04d}"
            rows.append({"nik": nik, "nama": f"Warga {serial}", "alamat": f"Gang {h_no}", "rt": f"{h.rt:03d}",
                         "rw": f"{h.rw:03d}", "dusun": "", "desa": h.desa, "kecamatan": h.kecamatan, "no_kk": kk,
                         "lat": f"{h.lat:.6f}" if h.with_coordinates else "",
                         "lon": f"{h.lon:.6f}" if h.with_coordinates else ""})
    return houses, rows


def write_csv(path: Path, header: list[str], rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def centroid_gazetteer(path: Path) -> Path:
    """The Kemendagri polygon centroids as a gazetteer (what the office would have without this work)."""
    with open(CENTROIDS, encoding="utf-8") as f:
        rows = [{"kecamatan": r["nama_kec"], "desa": r["nama"], "dusun": "", "lat": r["lat"], "lon": r["lng"]}
                for r in csv.DictReader(f)]
    return write_csv(path, ["kecamatan", "desa", "dusun", "lat", "lon"], rows)


def geometric_median(xy: np.ndarray) -> np.ndarray:
    """Weiszfeld's iteration: the point with the least sum of distances to ``xy``."""
    m = xy.mean(axis=0)
    for _ in range(500):
        d = np.maximum(np.hypot(*(xy - m).T), 1e-6)
        new = (xy / d[:, None]).sum(axis=0) / (1 / d).sum()
        if np.hypot(*(new - m)) < 1e-4:
            return new
        m = new
    return m


def desa_point_distances(houses: list[House], gazetteer: Path, lat0: float) -> np.ndarray:
    """Metres from each desa-located household's door to its desa's point in ``gazetteer``."""
    with open(gazetteer, encoding="utf-8-sig") as f:
        points = {(r["kecamatan"], r["desa"]): (float(r["lat"]), float(r["lon"]))
                  for r in csv.DictReader(f) if not r["dusun"]}
    out = []
    for h in houses:
        if not h.with_coordinates:
            p = points[(h.kecamatan, h.desa)]
            d = metres(np.array([p[0], h.lat]), np.array([p[1], h.lon]), lat0)
            out.append(float(np.hypot(*(d[1] - d[0]))))
    return np.array(out)


def best_point_distances(houses: list[House], lat0: float) -> np.ndarray:
    """Metres from each desa-located door to the geometric median of its desa's desa-located doors."""
    out = []
    for desa in sorted({(h.kecamatan, h.desa) for h in houses}):
        doors = [h for h in houses if (h.kecamatan, h.desa) == desa and not h.with_coordinates]
        if not doors:
            continue
        xy = metres(np.array([h.lat for h in doors]), np.array([h.lon for h in doors]), lat0)
        out.extend(np.hypot(*(xy - geometric_median(xy)).T))
    return np.array(out)


@dataclass(frozen=True)
class Run:
    """One CLI run: exit code, wall seconds, max RSS (MiB), stderr, stdout."""

    code: int
    wall_s: float
    rss_mib: float
    stderr: str
    stdout: str


def run_cli(args: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """``ektp-route ARGS`` under ``/usr/bin/time -v``."""
    t0 = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", "ektp-route", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return Run(done.returncode, wall, int(rss.group(1)) / 1024 if rss else float("nan"), done.stderr, done.stdout)


def stage_lines(stderr: str) -> list[tuple[float, str]]:
    """``[ 12.3 s] message`` lines of ``-v`` output."""
    return [(float(m.group(1)), m.group(2)) for m in re.finditer(r"^\[\s*([\d.]+) s\] (.*)$", stderr, re.M)]


class Stamps:
    """A :class:`routing.progress.Progress` that remembers when each stage reported."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.c0 = time.process_time()
        self.marks: list[tuple[float, str]] = []
        self.cpu: list[float] = []

    def mark(self, what: str) -> None:
        self.marks.append((time.perf_counter() - self.t0, what))
        self.cpu.append(time.process_time())

    def note(self, message: str) -> None:
        self.mark(message)

    def warn(self, message: str) -> None:
        pass

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        self.mark(f"start {task}")

    def advance(self, amount: float = 1.0, status: str = "") -> None:
        pass

    def finish(self) -> None:
        self.mark("finish")


def in_process(records: Path, network: Path, gazetteer: Path, out: Path, time_limit: int, cache: Path,
               profile: bool) -> tuple[dict[str, float], dict[str, float]]:
    """The plan's stages, timed in this process: the same library calls ``run_day`` makes (the
    outputs prepared while the solver runs, the streets found while the sheets are drawn)."""
    import functools

    from maps.render import prepare, render_all
    from routing.config import Settings
    from routing.gazetteer import read_gazetteer
    from routing.geo import LatLon
    from routing.pipeline import plan_day
    from routing.records import read_records
    from routing.region import Region
    from routing.roads.network import load_network
    from routing.roads.streets import streets_around

    # The office's region: its area is the network's extent, as the CLI run's config says.
    settings = Settings(depot=LatLon(*OFFICE), time_limit_s=time_limit, region=Region("Kabupaten Sidoarjo"))
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
    t: dict[str, float] = {}
    cpu: dict[str, float] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    rs = read_records(records)
    gaz = read_gazetteer(gazetteer)
    t["read records + gazetteer"], cpu["read records + gazetteer"] = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    net = load_network(network, settings.speeds_kph, cache)
    t["load network (cache)"], cpu["load network (cache)"] = time.perf_counter() - t0, time.process_time() - c0
    stamps = Stamps()
    if profiler:
        profiler.start()
    plan = plan_day(rs, net, settings, DAY, gaz, progress=stamps, prepare=prepare)
    stamps.mark("done")

    def at(pattern: str, clock: str = "wall") -> float:
        k = next(k for k, (_, m) in enumerate(stamps.marks) if re.match(pattern, m))
        return stamps.marks[k][0] if clock == "wall" else stamps.cpu[k] - stamps.c0

    for clock, table in (("wall", t), ("cpu", cpu)):
        table["locate (households, gazetteer, snap)"] = at(r"\d+ stops located", clock)
        table["matrix (+ fleet)"] = at(r"travel matrix", clock) - at(r"\d+ stops located", clock)
        table["screen + groups + jobs"] = at("solving", clock) - at(r"travel matrix", clock)
        table[f"solve (time limit {time_limit} s)"] = at("finish", clock) - at("solving", clock)
        table["assemble routes"] = at("done", clock) - at("finish", clock)
    t0, c0 = time.perf_counter(), time.process_time()
    render_all(plan, out, streets=functools.partial(streets_around, net, plan))
    name = "render (plan.json, sheets, PDF, maps, GPX, GPKG)"
    t[name], cpu[name] = time.perf_counter() - t0, time.process_time() - c0
    if profiler:
        profiler.stop()
        (out.parent / "profile.txt").write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        (out.parent / "profile.html").write_text(profiler.output_html())
    s = plan.summary()
    t["_planned"], t["_cards"], t["_couriers"], t["_km"] = (s["cards_planned"], s["cards_in"], s["couriers_used"],
                                                            s["distance_m"] / 1000)
    return t, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=None, help="folder for the day's files (default: a temp folder)")
    ap.add_argument("--time-limit", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--desa", type=int, default=13)
    ap.add_argument("--households", type=int, default=305)
    ap.add_argument("--cards", type=int, default=500)
    ap.add_argument("--with-coordinates", type=float, default=0.40)
    ap.add_argument("--profile", action="store_true", help="profile the in-process run with pyinstrument")
    ap.add_argument("--skip-cli", action="store_true", help="only the in-process stage timings and desa points")
    ap.add_argument("--seeds", type=int, default=10,
                    help="also compare desa points on this many other generated days (no planning)")
    args = ap.parse_args()
    work, cache, env = work_folder(args.work, "realday.py")

    from routing.config import DEFAULT_SPEEDS_KPH
    from routing.roads.network import load_network

    print(f"work folder: {work}   cores: {os.cpu_count()}   load average at start: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}   {machine_speed()}")
    rng = np.random.default_rng(args.seed)
    graphml = work / "sidoarjo.graphml"
    rows_out: list[tuple[str, float, float | None, str]] = []

    if not args.skip_cli or not graphml.exists():
        r = run_cli(["network", "import", str(ROADS), "--out", str(graphml)], work, env)
        assert r.code == 0, r.stderr
        rows_out.append(("network import (OSM XML -> GraphML)", r.wall_s, r.rss_mib, r.stdout.strip()))
    t0 = time.perf_counter()
    net = load_network(graphml, DEFAULT_SPEEDS_KPH, cache)
    first_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    net = load_network(graphml, DEFAULT_SPEEDS_KPH, cache)
    cached_load = time.perf_counter() - t0
    print(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} edges; first load from GraphML {first_load:.1f} s, "
          f"from the cache {cached_load:.2f} s (in process)")

    houses, rows = generate_day(net, rng, args.desa, args.households, args.cards, args.with_coordinates)
    records = write_csv(work / "kartu.csv", list(rows[0]), rows)
    n_desa_only = sum(not h.with_coordinates for h in houses)
    print(f"day: {len(rows)} cards in {len(houses)} households in {len({h.desa for h in houses})} desa; "
          f"{len(houses) - n_desa_only} households with coordinates "
          f"({sum(h.cards for h in houses if h.with_coordinates)} cards), {n_desa_only} by desa name only "
          f"({sum(h.cards for h in houses if not h.with_coordinates)} cards)")

    before = centroid_gazetteer(work / "gazetteer_kemendagri.csv")
    after = work / "gazetteer_settlement.csv"
    r = run_cli(["gazetteer", "build", "--boundaries", str(DESA), "--network", str(graphml), "--out", str(after)],
                work, env)
    assert r.code == 0, r.stderr
    rows_out.append(("gazetteer build --boundaries (346 desa)", r.wall_s, r.rss_mib, r.stdout.strip().splitlines()[0]))

    lat0 = float(net.node_lat.mean())
    d_before = desa_point_distances(houses, before, lat0)
    d_after = desa_point_distances(houses, after, lat0)
    d_best = best_point_distances(houses, lat0)

    plan_run = None
    if not args.skip_cli:
        config = work / "sidoarjo.toml"
        config.write_text('[region]\nname = "Kabupaten Sidoarjo"\nprovince = "Jawa Timur"\n', encoding="utf-8")
        plan_run = run_cli(["plan", str(records), "--network", str(graphml), "--gazetteer", str(after),
                            f"--depot={OFFICE[0]},{OFFICE[1]}", "--time-limit", str(args.time_limit),
                            "--config", str(config),
                            "--date", DAY.isoformat(), "--out", str(work / "rute")], work, env)
        assert plan_run.code in (0, 4), plan_run.stderr
        solver_s = next(float(m.group(1)) for _, msg in stage_lines(plan_run.stderr)
                        if (m := re.match(r"solved in ([\d.]+) s", msg)))
        rows_out.append((f"plan --time-limit {args.time_limit} (CLI, whole run)", plan_run.wall_s, plan_run.rss_mib,
                         f"solver {solver_s:.1f} s, everything else {plan_run.wall_s - solver_s:.1f} s"))
    load_mid = os.getloadavg()
    t, cpu = in_process(records, graphml, after, work / "rute-inprocess", args.time_limit, cache, args.profile)

    print()
    print(f"{'step':<52} {'wall s':>8} {'max RSS MiB':>12}  note")
    for name, wall, rss, note in rows_out:
        print(f"{name:<52} {wall:8.1f} {rss if rss is not None else float('nan'):12.0f}  {note}")
    if plan_run is not None:
        print("\nCLI plan stage lines (time since start):")
        for s, msg in stage_lines(plan_run.stderr):
            print(f"  [{s:5.1f} s] {msg[:110]}")
    print(f"\nin-process stages (load average {' '.join(f'{x:.2f}' for x in load_mid)}): "
          f"{t['_planned']:.0f}/{t['_cards']:.0f} cards planned, {t['_couriers']:.0f} couriers, {t['_km']:.0f} km")
    besides = besides_cpu = 0.0
    print(f"  {'stage':<50} {'wall s':>7} {'CPU s':>7}  (CPU: this process only, not the solver's workers)")
    for name, secs in t.items():
        if name.startswith("_"):
            continue
        print(f"  {name:<50} {secs:7.2f} {cpu[name]:7.2f}")
        if not name.startswith("solve"):
            besides += secs
            besides_cpu += cpu[name]
    cached_ok = t["load network (cache)"] < 2
    print(f"  {'everything but the solver':<50} {besides:7.2f} {besides_cpu:7.2f}   target <= 3 s (wall): "
          f"{'met' if besides <= 3 else 'NOT met'}")
    print(f"  {'network from the cache':<50} {t['load network (cache)']:7.2f} s   target < 2 s: "
          f"{'met' if cached_ok else 'NOT met'}")
    if plan_run is not None:
        outside = plan_run.wall_s - solver_s
        print(f"  CLI plan: everything but the solver (wall - \"solved in\", interpreter start, imports and exit "
              f"included): {outside:.2f} s   target <= 3 s: {'met' if outside <= 3 else 'NOT met'}")
        print(f"  max RSS of the CLI plan: {plan_run.rss_mib:.0f} MiB   target <= 1024 MiB: "
              f"{'met' if plan_run.rss_mib <= 1024 else 'NOT met'}")
        review = work / "rute" / "review.csv"
        if review.exists():
            with open(review, encoding="utf-8-sig") as f:
                notes = [r.get("note", "") for r in csv.DictReader(f)]
            far = sum("from the nearest road" in n for n in notes)
            print(f"  review.csv: {len(notes)} rows, {far} flagged as far from a road")

    def line(name: str, d: np.ndarray) -> str:
        return (f"  {name:<44} median {np.median(d):6.0f} m   mean {d.mean():6.0f} m   "
                f"p90 {np.percentile(d, 90):6.0f} m   max {d.max():6.0f} m")

    print(f"\ndesa point to door, {len(d_after)} households located by desa name:")
    print(line("Kemendagri polygon centroids (before)", d_before))
    print(line("gazetteer build --boundaries (after)", d_after))
    print(line("best single point per desa (geometric median)", d_best))
    ratio = np.median(d_after) / np.median(d_best)
    print(f"  after / best: {ratio:.2f}   target <= 1.10: {'met' if ratio <= 1.10 else 'NOT met'}")
    if args.seeds:
        print(f"\nmedians on {args.seeds} more generated days (other desa, other houses; seeds {args.seed + 1}..):")
        ratios = []
        for seed in range(args.seed + 1, args.seed + 1 + args.seeds):
            other, _ = generate_day(net, np.random.default_rng(seed), args.desa, args.households, args.cards,
                                    args.with_coordinates)
            b, a, g = (float(np.median(desa_point_distances(other, before, lat0))),
                       float(np.median(desa_point_distances(other, after, lat0))),
                       float(np.median(best_point_distances(other, lat0))))
            ratios.append(a / g)
            print(f"  seed {seed:3d}: before {b:5.0f} m   after {a:5.0f} m   best {g:5.0f} m   after/best {a / g:.2f}")
        print(f"  after/best: mean {np.mean(ratios):.2f}, worst {max(ratios):.2f}; "
              f"{sum(r <= 1.10 for r in ratios)} of {len(ratios)} days within 10 %")
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}   {machine_speed()}")


if __name__ == "__main__":
    main()
