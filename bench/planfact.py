"""Benchmark: does the plan's clock become the field's? Four days on real roads, a field with its own truth.

Network: Kabupaten Sidoarjo's real roads (RBI 1:25,000, ../shared/data/nearby), the office at the regency
office; each day 500 cards in about 305 households along village roads of 13 desa (``bench/realday.py``'s
generator: 40 % of households with typed coordinates, the rest by desa name, located by the gazetteer
``ektp-route gazetteer build --boundaries`` makes from the Kemendagri desa polygons), planned by
``ektp-route plan --db`` in a real subprocess.

The field has a truth the planner is never told:

- true speeds 0.6-0.8 of the configured ones, drawn per road class (``--seed``), on the field's own
  network (the same roads at those speeds), each ride times a log-normal noise (sigma 0.15), and 4 % of
  rides with a detour of 3-15 min;
- 5-8 min at a door per household plus 1-2 min per card (uniform, per visit); a desa-located door is
  asked for (2-8 min more); 8 % of households not at home (TR: 1.5-3 min), 2 % of doors not found
  (AT: 5-10 min, the phone 80-400 m away);
- the break is taken as couriers take it: a ride under way at 12:00 pauses for the hour; a visit under
  way at 12:00 is finished first, and the hour taken after it (the plan, stricter, has no visit overlap
  the break).

Couriers ride the planned order from the shift's start and tap each household when it is handed over,
the phone 5 m (GPS noise) from the door; the taps go through ``ektp-route outcomes`` as the courier
page's ``hasil_K01_DATE.csv``. Days 1-3 are planned with the default clock; then ``ektp-route
calibrate`` fits the clock from them, and day 4 is planned with it (``plan --db`` takes it).

Printed per day: couriers, stops, the median absolute error of the planned arrival against the field's
true arrival (and of the planned end of each visit against its tap, what ``status`` sees), the share
of routes that end after the shift, and how late the latest one ends; then the calibration's output.
Each seed is a field of its own (its speeds, its households, its luck). Day 4 is judged on the seeds
pooled, every stop's error and every route: one day has some 15 routes, so one late courier alone is 7 %.
Target on day 4: median error at most 10 min, at most 5 % of routes overrunning.

Usage: python bench/planfact.py [--seeds 1,2,3] [--time-limit 20] [--cards 500] [--work DIR]
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from realday import DESA, OFFICE, ROADS, generate_day, machine_speed, work_folder  # noqa: E402

from routing.clock import format_clock  # noqa: E402
from routing.config import DEFAULT_SPEEDS_KPH, MON_THU  # noqa: E402
from routing.geo import LatLon  # noqa: E402
from routing.plan import Plan, read_plan  # noqa: E402
from routing.roads.matrix import travel_matrix  # noqa: E402
from routing.roads.network import RoadNetwork, load_network  # noqa: E402
from routing.roads.snap import snap  # noqa: E402
from routing.solver.split import ride_end  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Plan days: Monday to Thursday of a past week (a tap may not lie ahead of this computer's clock).
DAYS = ("2026-11-09", "2026-11-10", "2026-11-11", "2026-11-12")
M_PER_DEG = 111_320.0
COLUMNS = ["nik", "outcome", "recipient", "time", "lat", "lon", "accuracy_m", "courier", "note", "fix_time"]


@dataclass(frozen=True)
class Door:
    point: LatLon
    desa_located: bool


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ektp-route", *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 4):
        sys.exit(f"ektp-route {' '.join(args[:2])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done


def true_speeds(rng: np.random.Generator) -> dict[str, float]:
    """The field's speeds: each class's configured speed times a factor drawn from 0.6-0.8."""
    return {cls: kph * float(rng.uniform(0.6, 0.8)) for cls, kph in DEFAULT_SPEEDS_KPH.items()}


def moved(p: LatLon, rng: np.random.Generator, metres: float) -> LatLon:
    north, east = rng.normal(0, metres, 2)
    return LatLon(p.lat + north / M_PER_DEG, p.lon + east / (M_PER_DEG * math.cos(math.radians(p.lat))))


def far_off(p: LatLon, rng: np.random.Generator) -> LatLon:
    d, a = rng.uniform(80, 400), rng.uniform(0, 2 * math.pi)
    return LatLon(p.lat + d * math.sin(a) / M_PER_DEG,
                  p.lon + d * math.cos(a) / (M_PER_DEG * math.cos(math.radians(p.lat))))


@dataclass
class DayResult:
    couriers: int
    stops: int
    arrival_errors: list[int]
    tap_errors: list[int]
    overruns: int
    latest_end: int
    shift_end: int


def simulate(plan: Plan, doors: dict[str, Door], field: RoadNetwork, rng: np.random.Generator,
             out: Path) -> DayResult:
    """Ride every route of ``plan`` in the field; write each courier's results file; measure the errors."""
    visits = [v for r in plan.routes for v in r.visits]
    points = [LatLon(*OFFICE)] + [doors[v.cards[0].nik].point for v in visits]
    snaps = snap(field, points)
    matrix = travel_matrix(field, snaps).time_s
    index = {id(v): k + 1 for k, v in enumerate(visits)}
    arrival_errors: list[int] = []
    tap_errors: list[int] = []
    overruns, latest = 0, 0
    day = plan.date.isoformat()
    for route in plan.routes:
        shift = route.shift
        t, prev = route.start_s, 0
        rows = []
        for v in route.visits:
            here = index[id(v)]
            ride = float(matrix[prev, here]) * rng.lognormal(0, 0.15)
            if rng.random() < 0.04:
                ride += rng.uniform(180, 900)
            arrive = ride_end(shift, t, round(ride))
            door = doors[v.cards[0].nik]
            luck = rng.random()
            code = "DT" if luck < 0.90 else "TR" if luck < 0.98 else "AT"
            ask = rng.uniform(120, 480) if door.desa_located else 0.0
            if code == "DT":
                service = ask + rng.uniform(300, 480) + len(v.cards) * rng.uniform(60, 120)
            elif code == "TR":
                service = ask + rng.uniform(90, 180)
            else:
                service = rng.uniform(300, 600)
            start = arrive
            tap = start + round(service)
            arrival_errors.append(abs(start - v.arrival_s))
            tap_errors.append(abs(tap - v.departure_s))
            b0 = shift.break_start_s
            leave = tap + shift.break_s if b0 is not None and start < b0 < tap else tap
            where = far_off(door.point, rng) if code == "AT" else moved(door.point, rng, 5.0)
            stamp = f"{day}T{format_clock(tap)}:{tap % 60:02d}+07:00"
            for c in v.cards:
                rows.append([c.nik, code, c.nama if code == "DT" else "", stamp, f"{where.lat:.7f}",
                             f"{where.lon:.7f}", str(int(rng.uniform(5, 15))), route.courier_id, "", stamp])
            t, prev = leave, here
        end = ride_end(shift, t, int(matrix[prev, 0]))
        overruns += end > shift.end_s
        latest = max(latest, end)
        with open(out / f"hasil_{route.courier_id}_{day}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS)
            w.writerows(rows)
    return DayResult(len(plan.routes), len(visits), arrival_errors, tap_errors, overruns, latest,
                     max(r.shift.end_s for r in plan.routes))


def run_seed(seed: int, args: argparse.Namespace, work: Path, cache: Path,
             env: dict[str, str]) -> tuple[dict[int, DayResult], str]:
    """Four days of one field (``seed``): plan, ride, record; calibrate before day 4. Returns each day's
    result and ``calibrate``'s output."""
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    planned_net = load_network(ROADS, DEFAULT_SPEEDS_KPH, cache)
    speeds = true_speeds(rng)
    field = load_network(ROADS, speeds, cache)
    print(f"seed {seed}: networks loaded in {time.perf_counter() - t0:.0f} s; the field's speeds (share of the "
          "configured): " + ", ".join(f"{k} {speeds[k] / DEFAULT_SPEEDS_KPH[k]:.2f}" for k in
                                      ("primary", "secondary", "tertiary", "unclassified", "residential", "service")))
    gazetteer = work / "gazetteer.csv"
    cli(["gazetteer", "build", "--boundaries", str(DESA), "--network", str(ROADS), "--out", str(gazetteer)], env)
    config = work / "sidoarjo.toml"
    config.write_text('[region]\nname = "Kabupaten Sidoarjo"\nprovince = "Jawa Timur"\n', encoding="utf-8")
    ledger = work / "ledger.sqlite"
    doors: dict[str, Door] = {}
    results: dict[int, DayResult] = {}
    calibration = ""
    for k, day in enumerate(DAYS, start=1):
        houses, rows = generate_day(planned_net, rng, 13, args.households, args.cards, 0.4)
        by_kk = {f"{h.kode_kec.replace('.', '')}01{h_no:08d}"[:16]: Door(LatLon(h.lat, h.lon), not h.with_coordinates)
                 for h_no, h in enumerate(houses, start=1)}
        for r in rows:
            door = by_kk[r["no_kk"]]
            # NIK and KK numbers unique across days (the generator numbers from 1 every day): the day in a
            # digit that is 0 on every generated number.
            r["nik"] = r["nik"][:12] + str(k) + r["nik"][13:]
            r["no_kk"] = r["no_kk"][:8] + str(k) + r["no_kk"][9:]
            doors[r["nik"]] = door
        records = work / f"kartu_{day}.csv"
        with open(records, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        if k == len(DAYS):
            done = cli(["calibrate", "--db", str(ledger)], env)
            calibration = done.stdout
        out = work / f"rute_{day}"
        done = cli(["plan", str(records), "--db", str(ledger), "--network", str(ROADS), "--gazetteer", str(gazetteer),
                    f"--depot={OFFICE[0]},{OFFICE[1]}", "--config", str(config), "--date", day, "--out", str(out),
                    "--time-limit", str(args.time_limit), "-q"], env)
        plan = read_plan(out / "plan.json")
        results[k] = simulate(plan, doors, field, rng, out)
        files = sorted(str(p) for p in out.glob("hasil_*.csv"))
        cli(["outcomes", *files, "--db", str(ledger)], env)
        r = results[k]
        print(f"  day {k} ({day}): {plan.summary()['cards_planned']} cards planned, {r.couriers} couriers, "
              f"{r.stops} stops; "
              f"median |arrival error| {statistics.median(r.arrival_errors) / 60:.1f} min; "
              f"{r.overruns}/{r.couriers} routes past the shift, latest back {format_clock(r.latest_end)}   {load()}",
              flush=True)
        if k == len(DAYS):
            print("    " + "\n    ".join(line for line in done.stdout.splitlines() if "Field clock" in line
                                          or "Jam lapangan" in line))
    return results, calibration


def row(label: str, clock: str, days: list[DayResult]) -> str:
    """One line of the table: the days pooled (every stop's error, every route)."""
    errors = [e for d in days for e in d.arrival_errors]
    taps = [e for d in days for e in d.tap_errors]
    couriers, overruns = sum(d.couriers for d in days), sum(d.overruns for d in days)
    return (f"| {label} | {clock} | {couriers} | {sum(d.stops for d in days)} | "
            f"{statistics.median(errors) / 60:.1f} min | {statistics.median(taps) / 60:.1f} min | "
            f"{overruns} of {couriers} ({100 * overruns / couriers:.0f} %) |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3", help="the fields to simulate, comma-separated (default 1,2,3)")
    ap.add_argument("--time-limit", type=int, default=20)
    ap.add_argument("--cards", type=int, default=500)
    ap.add_argument("--households", type=int, default=305)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    seeds = [int(x) for x in args.seeds.split(",")]
    work, cache, env = work_folder(args.work, "planfact.py")
    print(f"work folder: {work}   cores: {os.cpu_count()}   {load()} at start   {machine_speed()}")
    runs = {seed: run_seed(seed, args, work / f"seed_{seed}", cache, env) for seed in seeds}
    print(f"\n`ektp-route calibrate` after day 3 (seed {seeds[0]}):\n" + runs[seeds[0]][1])
    last = len(DAYS)
    print("| seed | clock | couriers | stops | median abs arrival error | median abs tap error "
          "| routes past the shift |")
    print("|---|---|---|---|---|---|---|")
    for seed, (results, _) in runs.items():
        print(row(f"{seed}, day 1", "default", [results[1]]))
        print(row(f"{seed}, day {last}", "calibrated (days 1-3)", [results[last]]))
    pooled = [results[last] for results, _ in runs.values()]
    print(row(f"all, day {last}", "calibrated (days 1-3)", pooled))
    err = statistics.median([e for d in pooled for e in d.arrival_errors]) / 60
    share = sum(d.overruns for d in pooled) / sum(d.couriers for d in pooled)
    print(f"\nday {last}, seeds {args.seeds} pooled: median error {err:.1f} min (target <= 10: "
          f"{'met' if err <= 10 else 'NOT met'}), {100 * share:.0f} % of routes past the shift (target <= 5 %: "
          f"{'met' if share <= 0.05 else 'NOT met'})   {load()} at the end; "
          f"shift {format_clock(MON_THU.start_s)}-{format_clock(MON_THU.end_s)}   {machine_speed()}")


if __name__ == "__main__":
    main()
