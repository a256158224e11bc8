"""Solving a :class:`~routing.solver.problem.Problem` with OR-Tools: the only module that imports it.

OR-Tools 9.15 keeps routing in ``ortools.constraint_solver`` (``pywrapcp``,
``routing_enums_pb2``); the ``ortools.routing`` module used by newer samples does not exist
in that wheel. Measured choices (see the benchmark notes in README): every stop droppable
with a penalty so an overfull day still gives a plan, transit given as a matrix (a Python
callback per arc is ten times slower), and a portfolio of first-solution strategies each followed
by guided local search under a time limit, one process per core (:func:`solve_portfolio`). Large
days start from savings and from a giant tour cut into shifts (:mod:`routing.solver.split`), then are
improved region by region (:mod:`routing.solver.decompose`), because guided local search over the whole
day barely moves within the budget (measured: no improvement between 5 s and 30 s at 500 stops).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from routing.clock import Shift
from routing.progress import SILENT, Progress
from routing.solver.construct import construct
from routing.solver.decompose import (
    Region,
    day_cost,
    decomposable,
    merge,
    region,
    route_groups,
)
from routing.solver.problem import Problem, Solution, Stop, Vehicle
from routing.solver.split import applies as split_applies
from routing.solver.split import best_split

_DAY_S = 24 * 3600
_log = logging.getLogger(__name__)

def deterministic_solutions(n_stops: int) -> int:
    """Solutions a deterministic run may find, over all its starts on one core.

    Counted in solutions, not seconds, so the same input gives the same plan on any machine. About
    what a 30 s search finds on the 2-core reference machine (measured: ~0.15 s a solution at 300
    stops), so a reproducible plan takes about as long as a timed one.
    """
    # Tiny days (a handful of stops) are solved to the optimum long before 60,000 / n solutions; past
    # 100 per stop the search only repeats itself (measured: 3 stops took 10 s, now well under 1 s).
    return max(50, min(60_000 // max(1, n_stops), 100 * n_stops))


#: Days this small are solved by descent alone in deterministic mode (see :func:`solve`).
TINY_STOPS = 8


def _search_parameters(first: int, time_limit_s: int, deterministic: bool, solutions: int,
                       descent_only: bool = False) -> object:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = first
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic,
                                                "GREEDY_DESCENT" if descent_only else "GUIDED_LOCAL_SEARCH")
    if deterministic:
        params.solution_limit = solutions
        # A generous wall clock only as a safety net; the solution limit ends the search.
        params.time_limit.seconds = max(time_limit_s, 600)
    else:
        params.time_limit.seconds = time_limit_s
    return params


#: First-solution strategies, in order of preference. Measured on village days (bench/solvers.py):
#: none wins every day, and guided local search settles within seconds on small days, so a portfolio
#: of several starts beats one long search there. Path cheapest arc took the place of local cheapest
#: cost insertion, which gave the same plans as local cheapest insertion on every day measured, and
#: brought the 200-stop day of seed 3 from 30.13 h to 30.07 h.
STRATEGIES = ("SAVINGS", "PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION", "CHRISTOFIDES",
              "SEQUENTIAL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC")

#: Seconds of search a start needs per stop before another start pays off (measured: 200 stops
#: gained from 10 s starts; 500 and more need the whole budget).
SECONDS_PER_STOP = 0.05


def _best_of(problem: Problem, time_limit_s: int, deterministic: bool, names: tuple[str, ...],
             descent_only: bool = False) -> Solution:
    """Run the named starts one after another, splitting the budget; keep the best (first of ties)."""
    share = max(1, time_limit_s // len(names))
    solutions = max(10, deterministic_solutions(problem.n_stops) // len(names))
    return min((_giant_tour(problem, share, deterministic, solutions, descent_only) if name == GIANT_TOUR
                else solve(problem, share, deterministic, name, solutions, descent_only=descent_only)
                for name in names),
               key=lambda sol: day_cost(problem, sol))


#: A start of our own for large days of uniform couriers: one tour through every stop, cut into
#: shifts (:mod:`routing.solver.split`), then local search.
GIANT_TOUR = "GIANT_TOUR"
#: Share of a giant-tour start spent on the tour itself.
TOUR_SHARE = 0.3


def _giant_tour(problem: Problem, time_limit_s: int, deterministic: bool, solutions: int,
                descent_only: bool) -> Solution:
    """The giant-tour start: a tour through all stops, cut into routes, improved by local search.

    For problems :func:`routing.solver.split.applies` to; the first strategy starts the search instead when
    no cutting fits the fleet.
    """
    v = problem.vehicles[0]
    # Service time is the same whichever way round, so the tour minds only the travel.
    tour_problem = Problem(problem.travel_s, (0,) * len(problem.service_s), problem.penalty,
                           (Vehicle(v.courier_id, Shift(0, _DAY_S), start=v.start, end=v.end),), 0,
                           problem.deadline_s, stops=problem.n_stops)
    tour_s = max(1, int(time_limit_s * TOUR_SHARE))
    tour = solve(tour_problem, tour_s, deterministic, STRATEGIES[0], solutions // 2)
    routes = best_split(problem, [s.location for s in tour.routes[0]]) if not tour.dropped else None
    initial = None if routes is None else routes + [[] for _ in range(len(problem.vehicles) - len(routes))]
    return solve(problem, max(1, time_limit_s - tour_s), deterministic, STRATEGIES[0], solutions // 2,
                 initial=initial, descent_only=descent_only)


#: Stops per region when a large day is improved region by region: small enough for guided local
#: search to settle in a few seconds (measured: 100-150 stops settle in 2-3 s on one core).
REGION_STOPS = 120
#: Days with fewer stops are searched whole; region improvement pays off above this size.
REGION_MIN_STOPS = 300
#: Seconds of guided local search per region and round.
REGION_SECONDS = 3
#: Share of the budget a large day is searched whole, before region improvement (at most: the
#: search stops at the first local optimum).
WHOLE_DAY_SHARE = 0.6
#: Rounds of region improvement in deterministic mode (in timed mode: as many as the budget allows).
REGION_ROUNDS = 3


def _solve_region(reg: Region, seconds: int, deterministic: bool) -> Solution:
    return solve(reg.problem, seconds, deterministic, initial=reg.routes,
                 solutions=max(10, deterministic_solutions(reg.problem.n_stops) // 4))


def _improve_regions(problem: Problem, day: Solution, pool: ProcessPoolExecutor | None, workers: int,
                     deadline: float, deterministic: bool, progress: Progress = SILENT) -> Solution:
    """Improve a solved day region by region (neighbouring routes at a time) until the deadline.

    A region's result replaces its routes only when it costs less, so the day never gets worse.
    """
    rng = np.random.default_rng(len(day.routes) * 7919 + problem.n_stops)
    for round_no in range(REGION_ROUNDS if deterministic else 1_000):
        plain = [[s.location for s in r] for r in day.routes]
        groups = route_groups(problem, plain, day.dropped, REGION_STOPS, rng)
        if len(groups) < 2:
            break
        # A round is ceil(regions / workers) waves of solves; shorten them to end by the deadline.
        waves = -(-len(groups) // max(1, workers))
        seconds = REGION_SECONDS if deterministic else \
            min(REGION_SECONDS, int((deadline - time.monotonic() - 0.5) / waves))
        if seconds < 1:
            break
        regions = [region(problem, plain, vehicles, extra) for vehicles, extra in groups]
        dropped = set(day.dropped)
        args = ([seconds] * len(regions), [deterministic] * len(regions))
        solved = list(pool.map(_solve_region, regions, *args) if pool else map(_solve_region, regions, *args))
        held_out = [[i for i in r.locations[1:r.problem.n_stops + 1] if i in dropped] for r in regions]
        better = [(r, s) for r, s, out in zip(regions, solved, held_out)
                  if day_cost(r.problem, s) < day_cost(problem, day, r.vehicles, out)]
        if better:
            day = merge(day, [r for r, _ in better], [s for _, s in better], problem)
            progress.advance(0, _best_so_far(problem, day))
        _log.debug("region round %d: %d regions of %d s, %d better, day %d, %.1f s left", round_no,
                   len(regions), seconds, len(better), day.objective, deadline - time.monotonic())
    return day


#: A timed search can stop before its first solution has placed every stop (a large day on a slow or
#: busy machine: measured, a 1000-stop day under load came back with 808 stops "dropped" and couriers
#: idle). Such a plan is searched on from where it stopped, for up to this many times the budget more.
COMPLETION_BUDGET = 3


def starved(problem: Problem, solution: Solution) -> bool:
    """Stops left out while a courier has nothing to do: the search ran out of time, not of room."""
    return bool(solution.dropped) and any(not r for r in solution.routes)


def complete(problem: Problem, solution: Solution, time_limit_s: int, progress: Progress = SILENT) -> Solution:
    """Search on from a starved plan (see :func:`starved`) until every stop that fits is placed.

    A card must never be reported ``no_capacity`` because the machine was slow. Bounded by
    :data:`COMPLETION_BUDGET` times the budget; each round keeps the better plan by day cost.
    """
    give_up = time.monotonic() + COMPLETION_BUDGET * time_limit_s
    rounds = 0
    while starved(problem, solution) and time.monotonic() < give_up:
        progress.note(f"{len(solution.dropped)} stops were not yet placed when the time was up; searching on")
        seconds = max(10, time_limit_s // 2) * (rounds + 1)
        routes = [[s.location for s in r] for r in solution.routes]
        better = solve(problem, seconds, False, initial=routes)
        if len(better.dropped) >= len(solution.dropped):
            # Searching on from the partial plan did not help: a fresh start with more time.
            better = solve(problem, 2 * seconds, False)
        if day_cost(problem, better) < day_cost(problem, solution):
            solution = better
        rounds += 1
    return solution


def solve_portfolio(problem: Problem, time_limit_s: int = 30, deterministic: bool = False,
                    workers: int = 2, progress: Progress = SILENT) -> Solution:
    """Several first-solution strategies, each followed by guided local search; the best plan is kept.

    Each core runs its share of :data:`STRATEGIES` in a separate process. A start gets about
    ``SECONDS_PER_STOP`` seconds per stop, so small days try several strategies per core and large
    days one. Plans are compared by :func:`~routing.solver.decompose.day_cost` (couriers' fixed costs and
    working days, the break included, plus the penalties of stops left out); ties go to the earlier
    strategy, which keeps deterministic runs deterministic.

    Days of :data:`REGION_MIN_STOPS` stops or more (whose cost is a sum over routes) spend the first
    part of the budget on the whole day, up to the first local optimum, and the rest improving
    regions of neighbouring routes in parallel (:mod:`routing.solver.decompose`).
    """
    deadline = time.monotonic() + time_limit_s
    by_region = problem.n_stops >= REGION_MIN_STOPS and decomposable(problem)
    if by_region and problem.n_stops > WHOLE_DAY_MAX_STOPS:
        return _construct_and_improve(problem, deadline, deterministic, workers, progress)
    whole_s = max(1, int(time_limit_s * WHOLE_DAY_SHARE)) if by_region else time_limit_s
    per_worker = max(1, min(len(STRATEGIES) // max(workers, 1),
                            int(whole_s / max(1.0, SECONDS_PER_STOP * problem.n_stops))))
    plans = [tuple(STRATEGIES[w::max(workers, 1)][:per_worker]) for w in range(max(workers, 1))]
    if by_region and split_applies(problem):
        # Large days: the savings start and the giant tour, which measured best on clustered days.
        plans[-1] = (GIANT_TOUR,)
    if workers <= 1:
        best = _best_of(problem, whole_s, deterministic, plans[0], by_region)
        if by_region:
            best = min((best, construct(problem)), key=lambda sol: day_cost(problem, sol))
        best = best if deterministic or by_region else complete(problem, best, time_limit_s, progress)
        progress.advance(0, _best_so_far(problem, best))
        return _improve_regions(problem, best, None, 1, deadline, deterministic, progress) if by_region else best
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        results = list(pool.map(_best_of, [problem] * workers, [whole_s] * workers,
                                [deterministic] * workers, plans, [by_region] * workers))
        if by_region:
            # A start that cannot starve (measured: OR-Tools' own starts had placed 84 and 352 of 1,000
            # stops after 5 s): when the whole-day search ran out of time, this is the plan.
            results.append(construct(problem))
        best = min(results, key=lambda sol: day_cost(problem, sol))
        best = best if deterministic or by_region else complete(problem, best, time_limit_s, progress)
        progress.advance(0, _best_so_far(problem, best))
        if not by_region:
            return best
        return _improve_regions(problem, best, pool, workers, deadline, deterministic, progress)


#: Days with more stops are not searched whole: OR-Tools' model of the day alone grows with the square
#: of the stops (a Python list per row of the matrix) and its first solution does not finish within a
#: budget (measured: 2,000 stops, nothing in 172 s). They start from :func:`construct` and are
#: improved region by region for the whole budget.
WHOLE_DAY_MAX_STOPS = 600


#: Share of a large day's budget given to PyVRP (one seed per core) before the regions improve its
#: plan with OR-Tools' exact model of the break, which can use the minutes PyVRP's shortened shifts
#: leave unused.
HGS_SHARE = 0.8


def _construct_and_improve(problem: Problem, deadline: float, deterministic: bool, workers: int,
                           progress: Progress) -> Solution:
    """A large day: the constructed plan, or PyVRP's when better, improved region by region until the deadline.

    PyVRP runs only in timed mode: its runs are reproducible only by iteration counts, whose time
    differs by machine, and a deterministic plan must not depend on the machine.
    """
    from routing.solver import hgs  # PyVRP, only for large days

    best = construct(problem)
    _log.info("large day: constructed: %s", _day_text(problem, best))
    progress.advance(0, _best_so_far(problem, best))
    use_hgs = not deterministic and hgs.applies(problem)
    seconds = HGS_SHARE * (deadline - time.monotonic())
    n = max(1, workers)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) if n > 1 else _no_pool() as pool:
        if use_hgs and seconds >= 1:
            start = [[s.location for s in r] for r in best.routes]
            args = ([problem] * n, [seconds] * n, list(range(1, n + 1)), [None] * n, [start] * n)
            found = list(pool.map(hgs.search, *args) if pool else map(hgs.search, *args))
            best = min([best, *found], key=lambda sol: day_cost(problem, sol))
            _log.info("large day: PyVRP's best: %s, %.1f s before the deadline", _day_text(problem, best),
                      deadline - time.monotonic())
            progress.advance(0, _best_so_far(problem, best))
        improved = _improve_regions(problem, best, pool, n, deadline, deterministic, progress)
        _log.info("large day: improved region by region: %s", _day_text(problem, improved))
        return improved


@contextlib.contextmanager
def _no_pool() -> Iterator[None]:
    """One core: everything in this process."""
    yield None


def solve_many(problems: Sequence[Problem], limits: Sequence[int], deterministic: bool, workers: int,
               progress: Progress = SILENT, cores: int | None = None) -> list[Solution]:
    """Solve independent problems (one per group), in parallel processes when there are several.

    A single problem gets the portfolio (:func:`solve_portfolio`) over ``cores`` processes (``None``:
    one per core; 1: in this process, no pool); several are shared out over ``workers`` processes,
    one search each (``workers`` 1: one after another in this process).
    """
    progress.start("solving", float(max(limits, default=0)) if not deterministic else None, "s")
    try:
        if len(problems) == 1:
            return [solve_portfolio(problems[0], limits[0], deterministic, cores or os.cpu_count() or 1, progress)]
        if workers <= 1:
            return [solve(p, t, deterministic) for p, t in zip(problems, limits)]
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            return list(pool.map(solve, problems, limits, [deterministic] * len(problems)))
    finally:
        progress.finish()


def _day_text(problem: Problem, solution: Solution) -> str:
    """The plan's couriers, working hours and day cost, for the log."""
    return f"{_best_so_far(problem, solution)}, cost {day_cost(problem, solution) / 3600:.2f} h"


def _best_so_far(problem: Problem, solution: Solution) -> str:
    """``3 kurir, 25.4 jam`` style status of a plan, for the progress bar."""
    used = [v for v, r in enumerate(solution.routes) if r]
    hours = sum(solution.ends_s[v] - problem.vehicles[v].shift.start_s for v in used) / 3600
    return f"{len(used)} couriers, {hours:.1f} h"


def solve(problem: Problem, time_limit_s: int = 30, deterministic: bool = False,
          first: str | None = None, solutions: int | None = None,
          initial: Sequence[Sequence[int]] | None = None, descent_only: bool = False) -> Solution:
    """Solve the routing problem.

    Parameters
    ----------
    problem
        Integer data, depot at location 0.
    time_limit_s
        Wall-clock budget for the search (GLS never stops on its own).
    deterministic
        Stop after a fixed number of solutions instead of a wall-clock limit.
    first
        First-solution strategy (a name from :data:`STRATEGIES`); the others are fallbacks
        when it finds no solution. Default: the first of :data:`STRATEGIES`.
    solutions
        Solution limit in deterministic mode (default :func:`deterministic_solutions`).
    initial
        Routes to start the search from (stop locations per vehicle, in order) instead of a
        first-solution strategy; ignored when OR-Tools finds them infeasible.
    descent_only
        Stop at the first local optimum (or the limit) instead of running guided local search.

    Returns
    -------
    Solution
        Routes with service start times; stops left out are in ``dropped``.
    """
    # Imported where the model is built (the solver's processes): the planning process only hands
    # problems out, and OR-Tools' import would delay its start.
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(problem.service_s)
    nv = len(problem.vehicles)
    stops = range(1, problem.n_stops + 1)
    manager = pywrapcp.RoutingIndexManager(n, nv, [v.start for v in problem.vehicles],
                                           [v.end for v in problem.vehicles])
    routing = pywrapcp.RoutingModel(manager)

    # Transit i -> j is service at i plus travel i -> j, so the time dimension's cumul at a
    # node is when service there begins.
    transit = [[int(problem.travel_s[i, j]) + problem.service_s[i] for j in range(n)] for i in range(n)]
    transit_idx = routing.RegisterTransitMatrix(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(transit_idx)
    routing.SetFixedCostOfAllVehicles(problem.fixed_cost)
    routing.AddDimension(transit_idx, _DAY_S, _DAY_S, False, "time")
    time = routing.GetDimensionOrDie("time")

    for i in stops:
        index = manager.NodeToIndex(i)
        routing.AddDisjunction([index], problem.penalty[i])
        if problem.deadline_s[i] >= 0:
            time.CumulVar(index).SetMax(problem.deadline_s[i])
        window = problem.windows[i] if problem.windows is not None else None
        if window is not None:
            time.CumulVar(index).SetRange(window[0], min(window[1], problem.deadline_s[i])
                                          if problem.deadline_s[i] >= 0 else window[1])

    node_visit = [0] * routing.Size()
    for index in range(routing.Size()):
        if not routing.IsEnd(index):
            node_visit[index] = problem.service_s[manager.IndexToNode(index)]
    solver = routing.solver()
    for v, vehicle in enumerate(problem.vehicles):
        shift = vehicle.shift
        time.CumulVar(routing.Start(v)).SetRange(shift.start_s, shift.end_s)
        time.CumulVar(routing.End(v)).SetRange(shift.start_s, shift.end_s)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        if shift.break_start_s is not None:
            brk = solver.FixedDurationIntervalVar(shift.break_start_s, shift.break_start_s, shift.break_s,
                                                  False, f"break {vehicle.courier_id}")
            time.SetBreakIntervalsOfVehicle([brk], v, node_visit)
    if problem.balance_cost:
        time.SetGlobalSpanCostCoefficient(problem.balance_cost)
    for group in problem.keep_together:
        routing.AddSoftSameVehicleConstraint([manager.NodeToIndex(i) for i in group], problem.keep_together_cost)
    if problem.demand is not None:
        demand_idx = routing.RegisterUnaryTransitVector(list(problem.demand))
        caps = [v.capacity if v.capacity is not None else sum(problem.demand) for v in problem.vehicles]
        routing.AddDimensionWithVehicleCapacity(demand_idx, 0, caps, True, "load")
    if any(v.max_stops for v in problem.vehicles):
        count_idx = routing.RegisterUnaryTransitVector([int(1 <= i <= problem.n_stops) for i in range(n)])
        caps = [v.max_stops or n for v in problem.vehicles]
        routing.AddDimensionWithVehicleCapacity(count_idx, 0, caps, True, "stops")

    if deterministic and problem.n_stops <= TINY_STOPS:
        # Guided local search counts solutions, and a day of a stop or two has fewer distinct solutions
        # than any limit: it would run to the safety clock (measured: 600 s for one stop in a desa of
        # its own with --group-by desa). Descent ends at its local optimum, which is the optimum here.
        descent_only = True
    names = [first] if first else []
    names += [name for name in STRATEGIES if name not in names]
    strategies = [getattr(routing_enums_pb2.FirstSolutionStrategy, name) for name in names]
    assignment = None
    limit = solutions or deterministic_solutions(problem.n_stops)
    if initial is not None:
        params = _search_parameters(strategies[0], time_limit_s, deterministic, limit, descent_only)
        routing.CloseModelWithParameters(params)
        start = routing.ReadAssignmentFromRoutes([[manager.NodeToIndex(i) for i in r] for r in initial], True)
        if start is not None:
            assignment = routing.SolveFromAssignmentWithParameters(start, params)
            strategies = [] if assignment is not None else strategies
    for strategy in strategies:
        assignment = routing.SolveWithParameters(
            _search_parameters(strategy, time_limit_s, deterministic, limit, descent_only))
        if assignment is not None:
            break
    if assignment is None:
        # Every stop is droppable, so "no solution" can only mean a model bug.
        raise RuntimeError(f"OR-Tools found no plan (status {routing.status()})")

    routes, starts, ends, visited = [], [], [], set()
    for v in range(nv):
        index = routing.Start(v)
        starts.append(assignment.Value(time.CumulVar(index)))
        seq = []
        index = assignment.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            visited.add(node)
            seq.append(Stop(node, assignment.Value(time.CumulVar(index))))
            index = assignment.Value(routing.NextVar(index))
        ends.append(assignment.Value(time.CumulVar(index)))
        routes.append(tuple(seq))
    dropped = tuple(i for i in stops if i not in visited)
    return Solution(tuple(routes), tuple(starts), tuple(ends), dropped,
                    int(assignment.ObjectiveValue()), str(routing.status()))
