"""Benchmark: ektp-route's OR-Tools model against VROOM (pyvroom) and PyVRP, same instance, same budget.

Part 1, e-KTP-shaped days: stops clustered in desa around the office, 4 min service plus 1 min
per extra card, 07:30-16:00 shifts with a fixed 12:00-13:00 break, 1 h fixed cost per courier,
travel by haversine x 1.3 at 25 km/h (whole seconds). Every solver's routes, ektp-route's included,
are judged by one evaluator here: re-timed from 07:30 with the break inserted, objective = couriers x
fixed cost + total route time, and one feasibility rule (every stop planned exactly once, no route
back after the shift ends). The ratio ektp-route / best other is printed twice: over feasible plans
only (an infeasible ektp-route plan counts as a loss, infinite ratio; infeasible others are left
out), and over all plans (what the ratio would be if infeasible plans counted).

ektp-route runs its own search (solve_portfolio, as the planner does) on every core; VROOM gets the
same number of threads; PyVRP (single-threaded) runs one seed per core side by side, in separate
processes, and the best feasible plan is kept. PyVRP has no breaks: its shift is shortened by the
break and by the longest wait the evaluator can impose before it (see :func:`longest_wait`), so its
routes fit when re-timed.

Part 2, standard instances in ../shared/bench/instances: Solomon and Gehring-Homberger VRPTW and
CVRPLIB X, gap of each solver's distance to the best known solution (distances scaled by 10 and
rounded for the integer solvers, reported in the instances' own units).

Usage: python bench/solvers.py [--stops 200 500 1000] [--time-limit 30 [30 30]] [--std-time-limit 60]
                               [--instances R101 C101 RC101 X-n101-k25] [--seeds 1 2 3] [--skip-std]
Needs: pip install -e ".[bench]"  (pyvrp, pyvroom)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.clock import Shift
from routing.config import MON_THU
from routing.solver.problem import Problem, Vehicle
from routing.solver.solve import solve_portfolio

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


def longest_wait(day: Day) -> int:
    """Longest idle time :func:`evaluate` can put before the break on one route, in seconds.

    The evaluator's break rules: a ride that starts by 12:00 and would arrive after it gets the hour
    added (the break is taken on the way, nothing lost beyond the hour); a delivery that would
    overlap 12:00-13:00 waits until 13:00. So every departure is at or before 12:00 or after 13:00,
    every arrival too (a ride crossing 12:00 arrives after 13:00), and the only idle time is a
    courier arriving at ``a <= 12:00`` with ``a + service > 12:00``: idle ``12:00 - a``, which is
    less than that stop's service, so at most the longest service minus one second. It happens at
    most once a route (after the break every time is past 13:00). A route's end is therefore at
    most its travel + service, plus the break, plus this: a model without breaks whose routes'
    travel + service fit in the shift minus the break minus this fits when re-timed.
    """
    return max(day.service[1:], default=1) - 1


def evaluate(day: Day, routes: list[list[int]]) -> dict:
    """Judge any solver's plan: re-time from 07:30 with the fixed break, check every stop and the shift.

    Returns the objective (couriers x fixed cost + route time, break and waits included), couriers,
    stops planned, stops missing, routes overrunning the shift and by how many minutes in total, and
    ``feasible``: every stop planned exactly once and no overrun. One rule for every solver.
    """
    n = len(day.service) - 1
    visits = [i for r in routes for i in r]
    if any(not 1 <= i <= n for i in visits):
        raise ValueError("a route names a location that is not a stop (a solver wrapper bug)")
    planned = len(set(visits))
    repeated = len(visits) - planned
    total, overrun, overrun_s, waited = 0, 0, 0, 0
    b0, b1 = SHIFT.break_start_s, SHIFT.break_end_s
    assert b0 is not None and b1 is not None
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
                    waited = max(waited, b0 - t)
                    t = max(t, b1)
                t += day.service[i]
            prev = i
        total += t - SHIFT.start_s
        overrun += t > SHIFT.end_s
        overrun_s += max(0, t - SHIFT.end_s)
    # The reasoning in longest_wait, checked on every plan judged.
    assert waited <= longest_wait(day), (waited, longest_wait(day))
    used = sum(1 for r in routes if r)
    return {"objective": used * FIXED + total, "couriers": used, "planned": planned, "missing": n - planned,
            "repeated": repeated, "overrun": overrun, "overrun_min": overrun_s / 60,
            "feasible": planned == n and not repeated and not overrun}


def ratios(results: dict[str, dict]) -> tuple[float | None, float, str]:
    """ektp-route / best other: over feasible plans only, over all plans, and which other was best.

    Feasible only: an infeasible ektp-route plan is a loss (infinite ratio) whatever its objective;
    infeasible other plans are left out; ``None`` when ektp-route is feasible and no other is.
    """
    ours = results["ektp-route"]
    others = {k: r for k, r in results.items() if k != "ektp-route"}
    all_ratio = ours["objective"] / min(r["objective"] for r in others.values())
    feasible = {k: r["objective"] for k, r in others.items() if r["feasible"]}
    if not ours["feasible"]:
        return math.inf, all_ratio, "-"
    if not feasible:
        return None, all_ratio, "-"
    best = min(feasible, key=lambda k: feasible[k])
    return ours["objective"] / feasible[best], all_ratio, best


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
    """One PyVRP search (single-threaded), shift shortened by the break and the longest wait."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    m = Model()
    locs = [m.add_location(0, 0) for _ in day.service]
    m.add_depot(locs[0])
    m.add_vehicle_type(num_available=day.vehicles, fixed_cost=FIXED, tw_early=SHIFT.start_s, tw_late=SHIFT.end_s,
                       shift_duration=SHIFT.working_s - longest_wait(day), unit_distance_cost=0,
                       unit_duration_cost=1)
    for i in range(1, len(day.service)):
        m.add_client(locs[i], service_duration=day.service[i])
    for a, la in enumerate(locs):
        for b, lb in enumerate(locs):
            if a != b:
                m.add_edge(la, lb, distance=int(day.travel[a, b]), duration=int(day.travel[a, b]))
    res = m.solve(stop=MaxRuntime(limit), seed=seed, display=False)
    return [[int(a.idx) + 1 for a in r if a.is_client()] for r in res.best.routes()]  # client idx is 0-based


PYVRP_SEEDS = tuple(range(1, THREADS + 1))


def run_pyvrp_cores(day: Day, limit: int) -> tuple[list[list[int]], str]:
    """PyVRP on the cores ektp-route gets: one seed per core in its own process, best feasible kept.

    Plans are compared by :func:`evaluate` (feasible first, then objective), as ektp-route's
    portfolio compares its starts by its own day cost.
    """
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(PYVRP_SEEDS), mp_context=ctx) as pool:
        plans = list(pool.map(run_pyvrp, [day] * len(PYVRP_SEEDS), [limit] * len(PYVRP_SEEDS), PYVRP_SEEDS))
    judged = [evaluate(day, p) for p in plans]
    best = min(range(len(plans)), key=lambda k: (not judged[k]["feasible"], judged[k]["objective"]))
    note = ", ".join(f"seed {s} {j['objective'] / 3600:.2f}{'' if j['feasible'] else ' infeasible'}"
                     for s, j in zip(PYVRP_SEEDS, judged))
    return plans[best], f"kept seed {PYVRP_SEEDS[best]} ({note})"


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
        (None,) + tuple((int(math.ceil(e * scale)), int(late * scale)) for e, late in inst["tw"][1:])
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


def _ratio(r: float | None) -> str:
    return "n/a" if r is None else "inf" if math.isinf(r) else f"{r:.4f}"


def _median(rs: list[float | None]) -> str:
    known = [r for r in rs if r is not None]
    return _ratio(float(np.median(known))) if known else "n/a"


def days(stops: list[int], seeds: list[int], limits: list[int]) -> None:
    """Part 1: every solver on the same e-KTP days, judged by :func:`evaluate`, ratios and a summary.

    ``limits``: the budget of each size in ``stops`` (one value: the same for all)."""
    limit_of = dict(zip(stops, limits if len(limits) == len(stops) else limits[:1] * len(stops)))
    print(f"== e-KTP days, {', '.join(f'{n} stops {limit_of[n]} s' for n in stops)}, objective = couriers x 1 h + "
          f"total route time (h); PyVRP seeds {', '.join(map(str, PYVRP_SEEDS))} side by side; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} ==")
    print(f"{'stops':>6} {'solver':<11} {'objective_h':>11} {'couriers':>8} {'planned':>8} {'overrun':>7} "
          f"{'over_min':>8} {'feasible':>8} {'wall_s':>7}")
    summary = []
    for n in stops:
        limit = limit_of[n]
        feasible_only: list[float | None] = []
        all_plans: list[float | None] = []
        for seed in seeds:
            day = ektp_day(n, seed)
            results, notes, walls = {}, {}, {}
            for name in ("ektp-route", "vroom", "pyvrp"):
                t0 = time.perf_counter()
                if name == "pyvrp":
                    routes, notes[name] = run_pyvrp_cores(day, limit)
                else:
                    routes = run_ektp(day, limit) if name == "ektp-route" else run_vroom(day, limit)
                wall = walls[name] = time.perf_counter() - t0
                ev = evaluate(day, routes)
                results[name] = ev
                extra = f"  {ev['repeated']} visits repeated" if ev["repeated"] else ""
                print(f"{n:>6} {name:<11} {ev['objective'] / 3600:>11.2f} {ev['couriers']:>8} {ev['planned']:>8} "
                      f"{ev['overrun']:>7} {ev['overrun_min']:>8.1f} {'yes' if ev['feasible'] else 'NO':>8} "
                      f"{wall:>7.1f}   seed {seed}{extra}  {notes.get(name, '')}", flush=True)
            feas, every, best = ratios(results)
            feasible_only.append(feas)
            all_plans.append(every)
            print(f"{n:>6} ratio ektp-route / best other: feasible plans only {_ratio(feas)} (best feasible other: "
                  f"{best}), all plans {_ratio(every)}   seed {seed}; ektp-route within {limit} s + 10 %: "
                  f"{'yes' if walls['ektp-route'] <= 1.1 * limit else 'NO'}; load "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg()[:2])}", flush=True)
            summary.append((n, seed, results, feas, every, walls['ektp-route'], limit))
        print(f"{n:>6} median over {len(seeds)} seeds: feasible plans only {_median(feasible_only)}, "
              f"all plans {_median(all_plans)}", flush=True)

    def cell(r: dict) -> str:
        text = f"{r['objective'] / 3600:.2f} ({r['couriers']})"
        if r["missing"] or r["repeated"]:
            text += f", {r['missing']} stops missing" + (f", {r['repeated']} repeated" if r["repeated"] else "")
        if r["overrun"]:
            text += f", {r['overrun']} over by {r['overrun_min']:.1f} min"
        return text

    print("\n| stops | budget | seed | ektp-route (wall) | VROOM | PyVRP | ratio, feasible plans | ratio, all plans |")
    print("|---|---|---|---|---|---|---|---|")
    for n, seed, results, feas, every, wall, limit in summary:
        print(f"| {n} | {limit} s | {seed} | {cell(results['ektp-route'])} ({wall:.1f} s) | {cell(results['vroom'])} | "
              f"{cell(results['pyvrp'])} | {_ratio(feas)} | {_ratio(every)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stops", type=int, nargs="+", default=[200, 500, 1000])
    ap.add_argument("--time-limit", type=int, nargs="+", default=[30],
                    help="seconds per day: one value for every size, or one per --stops value")
    ap.add_argument("--std-time-limit", type=int, default=60)
    ap.add_argument("--instances", nargs="+",
                    default=["C101", "R101", "RC101", "X-n101-k25", "X-n256-k16"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1],
                    help="one day per seed; with several, the median ratios are printed "
                         "(single runs under ~1 %% are noise)")
    ap.add_argument("--skip-std", action="store_true")
    ap.add_argument("--skip-days", action="store_true")
    args = ap.parse_args()

    if not args.skip_days:
        days(args.stops, args.seeds, args.time_limit)

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
