"""Benchmark: ektp-route's OR-Tools model against VROOM (pyvroom) and PyVRP, same instance, same budget.

Part 1, e-KTP-shaped days: stops clustered in desa around the office, 4 min service plus 1 min
per extra card, 07:30-16:00 shifts with a fixed 12:00-13:00 break, 1 h fixed cost per courier,
travel by haversine x 1.3 at 25 km/h (whole seconds). Every solver's routes are re-timed by one
evaluator here (break inserted, shift checked), so the objective, couriers x fixed cost + total
route time, is measured the same way for all. PyVRP has no breaks: its shift is shortened by the
break, and the evaluator reports any overrun.

ektp-route runs its own search (solve_portfolio, as the planner does) on every core and VROOM gets the same
number of threads; PyVRP is single-threaded.

Part 2, standard instances in ../shared/bench/instances: Solomon and Gehring-Homberger VRPTW and
CVRPLIB X, gap of each solver's distance to the best known solution (distances scaled by 10 and
rounded for the integer solvers, reported in the instances' own units).

Usage: python bench/solvers.py [--stops 200 500 1000] [--time-limit 30] [--std-time-limit 60]
                               [--instances R101 C101 RC101 X-n101-k25] [--seed 1] [--skip-std]
Needs: pip install -e ".[bench]"  (pyvrp, pyvroom)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.config import MON_THU, Shift
from routing.problem import Problem, Vehicle
from routing.solve import solve_portfolio

INSTANCES = Path(__file__).resolve().parents[2] / "shared" / "bench" / "instances"
FIXED = 3600
SHIFT = MON_THU


# --- e-KTP day ----------------------------------------------------------------------------------

@dataclass
class Day:
    travel: np.ndarray  # seconds, depot first
    service: list[int]
    vehicles: int


def ektp_day(n: int, seed: int) -> Day:
    """Clustered desa around a depot, like a Jombang day."""
    rng = np.random.default_rng(seed)
    n_desa = max(4, n // 35)
    centres = rng.normal(0, 6000, (n_desa, 2))
    pts = [np.zeros(2)]
    for _ in range(n):
        c = centres[rng.integers(n_desa)]
        pts.append(c + rng.normal(0, 450, 2))
    pts = np.array(pts)
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1)) * 1.3
    travel = np.rint(d / (25 / 3.6)).astype(np.int64)
    cards = rng.choice([1, 2, 3, 4], n, p=[0.55, 0.25, 0.13, 0.07])
    service = [0] + [int(240 + 60 * (c - 1)) for c in cards]
    work = sum(service) + travel[0].mean() * 2
    return Day(travel, service, int(math.ceil(1.6 * work / SHIFT.working_s)) + 2)


def evaluate(day: Day, routes: list[list[int]]) -> dict:
    """Re-time routes from 07:30 with the fixed break; objective = couriers x 1 h + route time."""
    total, overrun, planned = 0, 0, 0
    b0, b1 = SHIFT.break_start_s, SHIFT.break_end_s
    for r in routes:
        if not r:
            continue
        t, prev = SHIFT.start_s, 0
        for i in r + [0]:
            arrive = t + int(day.travel[prev, i])
            if t < b1 and arrive > b0 and t <= b0:  # the break falls in this ride
                arrive += b1 - b0
            t = arrive
            if i:
                if t < b1 and t + day.service[i] > b0:  # no delivery during the break
                    t = max(t, b1)
                t += day.service[i]
                planned += 1
            prev = i
        total += t - SHIFT.start_s
        overrun += t > SHIFT.end_s
    used = sum(1 for r in routes if r)
    return {"objective": used * FIXED + total, "couriers": used, "planned": planned, "overrun": overrun}


THREADS = os.cpu_count() or 1


def run_ektp(day: Day, limit: int) -> list[list[int]]:
    """The planner's own entry (solve_portfolio): multi-start on small days, regions on large ones."""
    n = len(day.service)
    p = Problem(day.travel, tuple(day.service), (0,) + (10_000_000,) * (n - 1),
                tuple(Vehicle(f"K{k}", SHIFT) for k in range(day.vehicles)), FIXED, (-1,) * n)
    sol = solve_portfolio(p, limit, workers=THREADS)
    return [[s.location for s in r] for r in sol.routes]


def _vroom_routes(sol: object) -> list[list[int]]:
    routes: dict[int, list[int]] = {}
    for row in sol.routes.itertuples():  # type: ignore[attr-defined]
        if row.type == "job":
            routes.setdefault(row.vehicle_id, []).append(int(row.id))
    return list(routes.values())


def run_vroom(day: Day, limit: int) -> list[list[int]]:
    import vroom

    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=day.travel.astype(np.uint32))
    for k in range(day.vehicles):
        inp.add_vehicle(vroom.Vehicle(
            k, start=0, end=0, time_window=vroom.TimeWindow(SHIFT.start_s, SHIFT.end_s),
            breaks=[vroom.Break(k, time_windows=[vroom.TimeWindow(SHIFT.break_start_s, SHIFT.break_start_s)],
                                service=SHIFT.break_s)],
            costs=vroom.VehicleCosts(fixed=FIXED, per_hour=3600)))
    for i in range(1, len(day.service)):
        inp.add_job(vroom.Job(i, location=i, default_service=day.service[i]))
    sol = inp.solve(exploration_level=5, nb_threads=THREADS, timeout=dt.timedelta(seconds=limit))
    return _vroom_routes(sol)


def run_pyvrp(day: Day, limit: int, seed: int = 1) -> list[list[int]]:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    m = Model()
    locs = [m.add_location(0, 0) for _ in day.service]
    m.add_depot(locs[0])
    m.add_vehicle_type(num_available=day.vehicles, fixed_cost=FIXED, tw_early=SHIFT.start_s, tw_late=SHIFT.end_s,
                       shift_duration=SHIFT.working_s, unit_distance_cost=0, unit_duration_cost=1)
    for i in range(1, len(day.service)):
        m.add_client(locs[i], service_duration=day.service[i])
    for a, la in enumerate(locs):
        for b, lb in enumerate(locs):
            if a != b:
                m.add_edge(la, lb, distance=int(day.travel[a, b]), duration=int(day.travel[a, b]))
    res = m.solve(stop=MaxRuntime(limit), seed=seed, display=False)
    return [[int(a.idx) + 1 for a in r if a.is_client()] for r in res.best.routes()]  # client idx is 0-based


# --- standard instances -------------------------------------------------------------------------

def read_solomon(path: Path) -> dict:
    lines = path.read_text().splitlines()
    vehicles, capacity = (int(x) for x in lines[4].split())
    rows = [list(map(float, ln.split())) for ln in lines[9:] if ln.strip()]
    a = np.array(rows)
    return {"xy": a[:, 1:3], "demand": a[:, 3].astype(int), "tw": a[:, 4:6], "service": a[:, 6],
            "vehicles": vehicles, "capacity": capacity}


def read_x(path: Path) -> dict:
    text = path.read_text().split("\n")
    cap = int(next(t for t in text if t.startswith("CAPACITY")).split(":")[1])
    i = text.index(next(t for t in text if t.startswith("NODE_COORD_SECTION")))
    j = text.index(next(t for t in text if t.startswith("DEMAND_SECTION")))
    xy = np.array([list(map(float, t.split()[1:3])) for t in text[i + 1:j]])
    dem = np.array([int(t.split()[1]) for t in text[j + 1:j + 1 + len(xy)]])
    return {"xy": xy, "demand": dem, "tw": None, "service": np.zeros(len(xy)), "vehicles": len(xy) - 1,
            "capacity": cap, "round": True}


def bks(name: str) -> float | None:
    table = json.loads((INSTANCES / "vrptw" / "vroom-scripts-VRPTW-BKS.json").read_text())
    if name in table:
        return float(table[name]["best_known_cost"])
    sol = INSTANCES / "cvrp" / f"{name}.sol"
    if sol.exists():
        return float(sol.read_text().strip().split("\n")[-1].split()[1])
    return None


def std_cost(inst: dict, routes: list[list[int]]) -> float:
    d = np.sqrt(((inst["xy"][:, None] - inst["xy"][None]) ** 2).sum(-1))
    if inst.get("round"):
        d = np.rint(d)
    return float(sum(d[0, r[0]] + sum(d[a, b] for a, b in zip(r, r[1:])) + d[r[-1], 0] for r in routes if r))


def std_ektp(inst: dict, limit: int) -> list[list[int]]:
    d = np.sqrt(((inst["xy"][:, None] - inst["xy"][None]) ** 2).sum(-1))
    d = np.rint(d) if inst.get("round") else d
    scale = 1 if inst.get("round") else 10
    travel = np.rint(d * scale).astype(np.int64)
    n = len(travel)
    service = tuple(int(round(s * scale)) for s in inst["service"])
    horizon = int(inst["tw"][0][1] * scale) if inst["tw"] is not None else min(86_400, int(travel.max() * n))
    windows = None if inst["tw"] is None else \
        (None,) + tuple((int(math.ceil(e * scale)), int(l * scale)) for e, l in inst["tw"][1:])
    p = Problem(travel, service, (0,) + (100 * int(travel.max()),) * (n - 1),
                tuple(Vehicle(f"V{k}", Shift(0, max(horizon, 1)), capacity=inst["capacity"])
                      for k in range(inst["vehicles"])), 0, (-1,) * n, windows=windows,
                demand=tuple(int(x) for x in inst["demand"]))
    sol = solve_portfolio(p, limit, workers=THREADS)
    if sol.dropped:
        print(f"    ektp-route dropped {len(sol.dropped)} customers")
    return [[s.location for s in r] for r in sol.routes]


def std_vroom(inst: dict, limit: int) -> list[list[int]]:
    import vroom

    d = np.sqrt(((inst["xy"][:, None] - inst["xy"][None]) ** 2).sum(-1))
    scale = 1 if inst.get("round") else 10
    m = np.rint((np.rint(d) if inst.get("round") else d) * scale).astype(np.uint32)
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=m)
    tw = inst["tw"]
    for k in range(inst["vehicles"]):
        kw = {} if tw is None else {"time_window": vroom.TimeWindow(int(tw[0][0] * scale), int(tw[0][1] * scale))}
        inp.add_vehicle(vroom.Vehicle(k, start=0, end=0, capacity=[inst["capacity"]], **kw))
    for i in range(1, len(m)):
        kw = {} if tw is None else {"time_windows": [vroom.TimeWindow(int(math.ceil(tw[i][0] * scale)),
                                                                      int(tw[i][1] * scale))]}
        inp.add_job(vroom.Job(i, location=i, default_service=int(round(inst["service"][i] * scale)),
                              delivery=[int(inst["demand"][i])], **kw))
    sol = inp.solve(exploration_level=5, nb_threads=THREADS, timeout=dt.timedelta(seconds=limit))
    return _vroom_routes(sol)


def std_pyvrp(inst: dict, limit: int) -> list[list[int]]:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    d = np.sqrt(((inst["xy"][:, None] - inst["xy"][None]) ** 2).sum(-1))
    scale = 1 if inst.get("round") else 10
    m = np.rint((np.rint(d) if inst.get("round") else d) * scale).astype(np.int64)
    tw = inst["tw"]
    model = Model()
    locs = [model.add_location(0, 0) for _ in range(len(m))]
    model.add_depot(locs[0], **({} if tw is None else {"tw_early": 0, "tw_late": int(tw[0][1] * scale)}))
    model.add_vehicle_type(num_available=inst["vehicles"], capacity=inst["capacity"],
                           **({} if tw is None else {"tw_early": 0, "tw_late": int(tw[0][1] * scale)}))
    for i in range(1, len(m)):
        kw = {} if tw is None else {"tw_early": int(math.ceil(tw[i][0] * scale)), "tw_late": int(tw[i][1] * scale)}
        model.add_client(locs[i], delivery=int(inst["demand"][i]),
                         service_duration=int(round(inst["service"][i] * scale)), **kw)
    for a, la in enumerate(locs):
        for b, lb in enumerate(locs):
            if a != b:
                model.add_edge(la, lb, distance=int(m[a, b]), duration=int(m[a, b]))
    res = model.solve(stop=MaxRuntime(limit), seed=1, display=False)
    return [[int(a.idx) + 1 for a in r if a.is_client()] for r in res.best.routes()]  # client idx is 0-based


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stops", type=int, nargs="+", default=[200, 500, 1000])
    ap.add_argument("--time-limit", type=int, default=30)
    ap.add_argument("--std-time-limit", type=int, default=60)
    ap.add_argument("--instances", nargs="+",
                    default=["C101", "R101", "RC101", "X-n101-k25", "X-n256-k16"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1],
                    help="one day per seed; with several, the median ratio is printed (single runs under ~1 %% are noise)")
    ap.add_argument("--skip-std", action="store_true")
    ap.add_argument("--skip-days", action="store_true")
    args = ap.parse_args()

    if not args.skip_days:
        print(f"== e-KTP days, {args.time_limit} s each, objective = couriers x 1 h + total route time (h) ==")
        print(f"{'stops':>6} {'solver':<11} {'objective_h':>11} {'couriers':>8} {'planned':>8} {'overrun':>7} {'wall_s':>7}")
        for n in args.stops:
            ratios = []
            for seed in args.seeds:
                day = ektp_day(n, seed)
                results = {}
                for name, fn in (("ektp-route", run_ektp), ("vroom", run_vroom), ("pyvrp", run_pyvrp)):
                    t0 = time.perf_counter()
                    routes = fn(day, args.time_limit)
                    wall = time.perf_counter() - t0
                    ev = evaluate(day, routes)
                    results[name] = ev
                    print(f"{n:>6} {name:<11} {ev['objective'] / 3600:>11.2f} {ev['couriers']:>8} {ev['planned']:>8} "
                          f"{ev['overrun']:>7} {wall:>7.1f}   seed {seed}", flush=True)
                others = [r["objective"] for k, r in results.items()
                          if k != "ektp-route" and r["planned"] == n and not r["overrun"]]
                if others:
                    ratios.append(results["ektp-route"]["objective"] / min(others))
                    print(f"{n:>6} ratio ektp-route / best other feasible: {ratios[-1]:.4f}   seed {seed}", flush=True)
            if len(ratios) > 1:
                print(f"{n:>6} median ratio over {len(ratios)} seeds: {float(np.median(ratios)):.4f}", flush=True)

    if not args.skip_std:
        print(f"\n== standard instances, {args.std_time_limit} s each, gap of distance to best known ==")
        print(f"{'instance':<12} {'bks':>10} {'solver':<11} {'cost':>10} {'gap_%':>7} {'routes':>6}")
        for name in args.instances:
            path = INSTANCES / "vrptw" / f"{name}.txt"
            inst = read_solomon(path) if path.exists() else read_x(INSTANCES / "cvrp" / f"{name}.vrp")
            best = bks(name)
            for solver, fn in (("ektp-route", std_ektp), ("vroom", std_vroom), ("pyvrp", std_pyvrp)):
                routes = fn(inst, args.std_time_limit)
                served = sum(len(r) for r in routes)
                cost = std_cost(inst, routes)
                gap = "" if best is None else f"{100 * (cost - best) / best:7.2f}"
                note = "" if served == len(inst["xy"]) - 1 else f"  ({served} served)"
                print(f"{name:<12} {best or 0:>10.2f} {solver:<11} {cost:>10.2f} {gap:>7} "
                      f"{sum(1 for r in routes if r):>6}{note}", flush=True)


if __name__ == "__main__":
    main()
