"""A first plan for a day of any size, built in array time: a construction that cannot starve.

OR-Tools' own first-solution strategies stop at the time limit wherever they are: measured on a
clustered 1,000-stop day with 19 couriers, parallel cheapest insertion had placed 84 stops and savings
352 after 5 s, and a 2,000-stop day had no plan at all after 172 s. The rest came back "dropped", which
the planner would have reported as no capacity. This module builds a complete plan in well under a
second per thousand stops (a nearest-neighbour tour through every stop, then cut into the couriers'
shifts), so a large day always has a plan that local search, region by region, improves
(:mod:`routing.solver.decompose`). A stop is left out here only when it fits on no courier's route
as the plan stands: after every courier's shift is full, or past its own deadline.

Plain integers and numpy; no solver.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from routing.solver.decompose import objective
from routing.solver.problem import Problem, Solution, Stop, Vehicle
from routing.solver.split import ROTATIONS, best_split, ride_end, serve_start
from routing.solver.split import applies as split_applies

#: Stop-rotations of the tour cut per construction: a cut costs about 60 steps a stop in Python, so
#: large days try fewer rotations (16 at 500 stops, 1 at 5,000) to stay well under a second.
CUT_BUDGET = 8_000

#: Stops tried in a row that do not fit before a route is closed (a stop can fail on its own
#: deadline or window while the route still has room for the next one).
MISSES = 25


def nearest_tour(travel: np.ndarray, stops: Sequence[int], start: int = 0) -> list[int]:
    """A tour from ``start`` through ``stops``, always riding to the nearest stop not yet visited."""
    stops_arr = np.asarray(stops, dtype=np.int64)
    left = np.ones(len(stops_arr), dtype=bool)
    tour: list[int] = []
    here = start
    for _ in range(len(stops_arr)):
        # Masked with the largest int rather than removed: one vector op a step, O(n^2) in all.
        row = np.where(left, travel[here, stops_arr], np.iinfo(np.int64).max)
        k = int(row.argmin())
        left[k] = False
        here = int(stops_arr[k])
        tour.append(here)
    return tour


def time_route(problem: Problem, vehicle: Vehicle, route: Sequence[int]) -> tuple[list[int], int] | None:
    """Earliest service start at each stop of ``route`` and the time back, or None when it does not fit.

    The break is taken on the way when a ride crosses it; no delivery overlaps it (the rules OR-Tools
    is given in :mod:`routing.solver.solve`).
    """
    shift, travel, service = vehicle.shift, problem.travel_s, problem.service_s
    t, prev, arrivals = shift.start_s, vehicle.start, []
    for stop in route:
        t = _serve(problem, vehicle, ride_end(shift, t, int(travel[prev, stop])), stop)
        if t < 0:
            return None
        arrivals.append(t)
        t += service[stop]
        prev = stop
    back = ride_end(shift, t, int(travel[prev, vehicle.end]))
    return (arrivals, back) if back <= shift.end_s else None


def _serve(problem: Problem, vehicle: Vehicle, arrive_s: int, stop: int) -> int:
    """When service at ``stop`` starts for a courier arriving at ``arrive_s``; -1 when too late."""
    window = problem.windows[stop] if problem.windows is not None else None
    t = arrive_s if window is None else max(arrive_s, window[0])
    t = serve_start(vehicle.shift, t, problem.service_s[stop])
    latest = problem.deadline_s[stop]
    if window is not None:
        latest = window[1] if latest < 0 else min(latest, window[1])
    return -1 if 0 <= latest < t else t


def _greedy_cut(problem: Problem, tour: Sequence[int]) -> list[list[int]]:
    """Fill the couriers one after another along the tour, skipping stops that do not fit."""
    remaining = list(tour)
    routes: list[list[int]] = []
    for v in problem.vehicles:
        route: list[int] = []
        load, t, prev, misses, k = 0, v.shift.start_s, v.start, 0, 0
        while k < len(remaining) and misses < MISSES and (v.max_stops is None or len(route) < v.max_stops):
            stop = remaining[k]
            demand = problem.demand[stop] if problem.demand is not None else 0
            served = _serve(problem, v, ride_end(v.shift, t, int(problem.travel_s[prev, stop])), stop)
            done = served + problem.service_s[stop]
            fits = (served >= 0 and (v.capacity is None or load + demand <= v.capacity)
                    and ride_end(v.shift, done, int(problem.travel_s[stop, v.end])) <= v.shift.end_s)
            if fits:
                route.append(remaining.pop(k))
                load, t, prev, misses = load + demand, done, stop, 0
            else:
                k, misses = k + 1, misses + 1
        routes.append(route)
    return routes


def construct(problem: Problem) -> Solution:
    """A complete first plan: a nearest-neighbour tour cut into routes (optimally, by
    :func:`routing.solver.split.best_split`, for a uniform fleet; greedily otherwise)."""
    stops = list(range(1, problem.n_stops + 1))
    tour = nearest_tour(problem.travel_s, stops)
    rotations = max(1, min(ROTATIONS, CUT_BUDGET // max(1, len(tour))))
    routes = best_split(problem, tour, rotations) if split_applies(problem) else None
    if routes is None:
        routes = _greedy_cut(problem, tour)
    routes += [[] for _ in range(len(problem.vehicles) - len(routes))]
    return timed(problem, routes)


def timed(problem: Problem, routes: Sequence[Sequence[int]]) -> Solution:
    """``routes`` (stop locations per vehicle) as a :class:`Solution`, with earliest times; a route
    that does not fit its courier is emptied and its stops are left out."""
    out: list[tuple[Stop, ...]] = []
    starts: list[int] = []
    ends: list[int] = []
    placed: set[int] = set()
    for v, route in zip(problem.vehicles, routes):
        times = time_route(problem, v, route) if route else None
        if times is None:
            out.append(())
            starts.append(v.shift.start_s)
            ends.append(v.shift.start_s)
            continue
        arrivals, back = times
        out.append(tuple(Stop(s, a) for s, a in zip(route, arrivals)))
        starts.append(v.shift.start_s)
        ends.append(back)
        placed.update(route)
    dropped = tuple(i for i in range(1, problem.n_stops + 1) if i not in placed)
    plain = [[s.location for s in r] for r in out]
    return Solution(tuple(out), tuple(starts), tuple(ends), dropped, objective(problem, plain, dropped),
                    "CONSTRUCTED")
