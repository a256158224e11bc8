"""Large days searched by PyVRP's hybrid genetic search: the only module that imports pyvrp.

On clustered days of 1,000 stops and more, PyVRP found better plans than OR-Tools' guided local
search in the same time (bench/solvers.py: 128.58 h against 131.02 h at 1,000 stops, 256.48 h against
no plan at all at 2,000). OR-Tools stays the model of the day (breaks, urgent deadlines, shifts, the
regions that improve a plan); this module only proposes routes. PyVRP has no breaks, so it is given
each courier's shift shortened by the break and by the longest wait the break can cause before it
(:func:`longest_wait`); its routes are then timed with the real break
(:func:`routing.solver.construct.timed`), and a route that does not fit is not taken.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, Route, VehicleType
from pyvrp import Solution as PyvrpSolution
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxIterations, MaxRuntime

from routing.clock import Shift
from routing.solver.construct import timed
from routing.solver.problem import Problem, Solution


def applies(problem: Problem) -> bool:
    """Whether PyVRP can be given this day: no time windows, no stop limits, no balance or groups."""
    return (problem.windows is None and all(v.max_stops is None for v in problem.vehicles)
            and problem.balance_cost == 0 and not problem.keep_together)


def longest_wait(problem: Problem) -> int:
    """Longest idle time the break can put on one route: a courier who arrives just before the break
    with a delivery that would overlap it waits until the break ends, so less than the longest service."""
    return max(problem.service_s[1:problem.n_stops + 1], default=1) - 1


def _data(problem: Problem) -> tuple[ProblemData, list[list[int]]]:
    """The day as PyVRP data, and for each PyVRP vehicle type the problem's vehicles of that type."""
    n_stops, wait = problem.n_stops, longest_wait(problem)
    terminals = sorted({t for v in problem.vehicles for t in (v.start, v.end)} - {0})
    depot_of = {0: 0} | {t: k + 1 for k, t in enumerate(terminals)}
    kinds: dict[tuple[int, int, Shift, int | None], list[int]] = {}
    for k, v in enumerate(problem.vehicles):
        kinds.setdefault((v.start, v.end, v.shift, v.capacity), []).append(k)
    types = []
    loads = problem.demand is not None
    for (start, end, shift, capacity), members in kinds.items():
        length = shift.end_s - shift.start_s
        if shift.break_start_s is not None:
            length -= shift.break_s + wait
        types.append(VehicleType(
            num_available=len(members), capacity=[capacity if capacity is not None else 10**9] if loads else [],
            start_depot=depot_of[start], end_depot=depot_of[end], fixed_cost=problem.fixed_cost,
            tw_early=shift.start_s, tw_late=shift.end_s, shift_duration=max(1, length),
            unit_distance_cost=0, unit_duration_cost=1))
    first = problem.vehicles[0].shift
    clients = []
    for i in range(1, n_stops + 1):
        latest = problem.deadline_s[i]
        if latest >= 0 and first.break_start_s is not None and latest > first.break_start_s:
            # Reached in PyVRP's break-free time, a stop after the break is reached up to the break
            # and its wait later in fact.
            latest -= first.break_s + wait
        clients.append(Client(location=i, delivery=[problem.demand[i]] if problem.demand is not None else [],
                              service_duration=problem.service_s[i], tw_late=latest if latest >= 0 else 10**12,
                              prize=problem.penalty[i], required=False))
    n = len(problem.service_s)
    matrix = np.ascontiguousarray(problem.travel_s, dtype=np.int64)
    data = ProblemData(locations=[Location(0, 0) for _ in range(n)], clients=clients,
                       depots=[Depot(t) for t in [0, *terminals]], vehicle_types=types,
                       distance_matrices=[matrix], duration_matrices=[matrix])  # type: ignore[list-item]
    return data, list(kinds.values())


def search(problem: Problem, seconds: float, seed: int, iterations: int | None = None,
           initial: Sequence[Sequence[int]] | None = None) -> Solution:
    """PyVRP's best plan after ``seconds`` (or ``iterations``, for a reproducible run), timed with the break.

    Only for problems :func:`applies` to (and whose shifts share one break). ``initial`` (stop locations
    per vehicle, in order) is where the search starts: the constructed plan started it better than PyVRP's
    own start on every 2,000-stop day measured (by 0.4-0.8 % after 45 s; bench/solvers.py's days).
    """
    data, members = _data(problem)
    stop = MaxIterations(iterations) if iterations is not None else MaxRuntime(max(0.1, seconds))
    start = None
    if initial is not None:
        kind_of = {v: k for k, vehicles in enumerate(members) for v in vehicles}
        start = PyvrpSolution(data, [Route(data, [i - 1 for i in route], kind_of[v])
                                     for v, route in enumerate(initial) if route])
    found = pyvrp_solve(data, stop=stop, seed=seed, collect_stats=False, display=False, initial_solution=start)
    best = found.best
    routes: list[list[int]] = [[] for _ in problem.vehicles]
    used = [0] * len(members)
    for r in best.routes():
        kind = r.vehicle_type()
        vehicle = members[kind][used[kind]]
        used[kind] += 1
        # A route is its activities (depot visits and clients); clients are numbered from 0 in the
        # order given, which is stop 1 onwards.
        routes[vehicle] = [int(a.idx) + 1 for a in r if a.is_client()]
    return timed(problem, routes)
