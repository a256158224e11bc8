"""Solving a :class:`~routing.problem.Problem` with OR-Tools: the only module that imports it.

OR-Tools 9.15 keeps routing in ``ortools.constraint_solver`` (``pywrapcp``,
``routing_enums_pb2``); the ``ortools.routing`` module used by newer samples does not exist
in that wheel. Measured choices (see the benchmark notes in README): every stop droppable
with a penalty so an overfull day still gives a plan, transit given as a matrix (a Python
callback per arc is ten times slower), and a portfolio of first-solution strategies each followed
by guided local search under a time limit, one process per core (:func:`solve_portfolio`).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.problem import Problem, Solution, Stop

_DAY_S = 24 * 3600

def deterministic_solutions(n_stops: int) -> int:
    """Solutions a deterministic run may find, over all its starts on one core.

    Counted in solutions, not seconds, so the same input gives the same plan on any machine. About
    what a 30 s search finds on the 2-core reference machine (measured: ~0.15 s a solution at 300
    stops), so a reproducible plan takes about as long as a timed one.
    """
    return max(50, 60_000 // max(1, n_stops))


def _search_parameters(first: int, time_limit_s: int, deterministic: bool, solutions: int) -> object:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = first
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    if deterministic:
        params.solution_limit = solutions
        # A generous wall clock only as a safety net; the solution limit ends the search.
        params.time_limit.seconds = max(time_limit_s, 600)
    else:
        params.time_limit.seconds = time_limit_s
    return params


#: First-solution strategies, in order of preference. Measured on village days (bench/solvers.py):
#: none wins every day, and guided local search settles within seconds on small days, so a portfolio
#: of several starts beats one long search there.
STRATEGIES = ("SAVINGS", "PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION", "CHRISTOFIDES",
              "SEQUENTIAL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_COST_INSERTION")

#: Seconds of search a start needs per stop before another start pays off (measured: 200 stops
#: gained from 10 s starts; 500 and more need the whole budget).
SECONDS_PER_STOP = 0.05


def _best_of(problem: Problem, time_limit_s: int, deterministic: bool, names: tuple[str, ...]) -> Solution:
    """Run the named starts one after another, splitting the budget; keep the best (first of ties)."""
    share = max(1, time_limit_s // len(names))
    solutions = max(10, deterministic_solutions(problem.n_stops) // len(names))
    return min((solve(problem, share, deterministic, name, solutions) for name in names),
               key=lambda sol: sol.objective)


def solve_portfolio(problem: Problem, time_limit_s: int = 30, deterministic: bool = False,
                    workers: int = 2) -> Solution:
    """Several first-solution strategies, each followed by guided local search; the best plan is kept.

    Each core runs its share of :data:`STRATEGIES` in a separate process. A start gets about
    ``SECONDS_PER_STOP`` seconds per stop, so small days try several strategies per core and large
    days one. Drop penalties are part of the objective, so the lowest objective is the best plan;
    ties go to the earlier strategy, which keeps deterministic runs deterministic.
    """
    per_worker = max(1, min(len(STRATEGIES) // max(workers, 1),
                            int(time_limit_s / max(1.0, SECONDS_PER_STOP * problem.n_stops))))
    plans = [tuple(STRATEGIES[w::max(workers, 1)][:per_worker]) for w in range(max(workers, 1))]
    if workers <= 1:
        return _best_of(problem, time_limit_s, deterministic, plans[0])
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        results = list(pool.map(_best_of, [problem] * workers, [time_limit_s] * workers,
                                [deterministic] * workers, plans))
    return min(results, key=lambda sol: sol.objective)


def solve(problem: Problem, time_limit_s: int = 30, deterministic: bool = False,
          first: str | None = None, solutions: int | None = None) -> Solution:
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

    Returns
    -------
    Solution
        Routes with service start times; stops left out are in ``dropped``.
    """
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

    names = [first] if first else []
    names += [name for name in STRATEGIES if name not in names]
    strategies = [getattr(routing_enums_pb2.FirstSolutionStrategy, name) for name in names]
    assignment = None
    limit = solutions or deterministic_solutions(problem.n_stops)
    for strategy in strategies:
        assignment = routing.SolveWithParameters(_search_parameters(strategy, time_limit_s, deterministic, limit))
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
