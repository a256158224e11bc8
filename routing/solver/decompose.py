"""Cutting a solved day into groups of neighbouring routes, and putting improved groups back.

Large days are improved region by region: a few neighbouring routes and their stops form a small
problem that local search handles in seconds, where the whole day takes minutes per pass (measured
on a 500-stop day: the first descent alone took 5 s and guided local search made no further
progress in 25 s). This module is the bookkeeping for that: plain integers, no solver.

A region's cost is the sum of its routes' costs (travel, service, fixed cost) and the penalties
of the stops it holds, so improving a region improves the day by the same amount. That holds
only when the objective is a sum over routes: not with a balance (span) cost or keep-together
groups, which :func:`decomposable` rules out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from routing.solver.problem import Problem, Solution, Stop


@dataclass(frozen=True, slots=True)
class Region:
    """Some vehicles of the day with their routes, plus stops currently left out, as a small problem.

    Attributes
    ----------
    problem
        The small problem: depot, the region's stops, then its vehicles' own start/end points.
    locations
        For each location of ``problem``, the location in the day's problem.
    vehicles
        For each vehicle of ``problem``, the vehicle index in the day's problem.
    routes
        The region's current routes, in ``problem``'s location numbers (the starting point).
    """

    problem: Problem
    locations: tuple[int, ...]
    vehicles: tuple[int, ...]
    routes: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if len(self.locations) != len(self.problem.service_s) or len(self.vehicles) != len(self.routes):
            raise ValueError("a region's maps do not match its problem")


def decomposable(problem: Problem) -> bool:
    """Whether the day's cost is a sum over routes, so regions can be improved separately."""
    return problem.balance_cost == 0 and not problem.keep_together


def route_cost(problem: Problem, vehicle: int, route: Sequence[int]) -> int:
    """Travel plus service along one route, plus the fixed cost if it is used (OR-Tools' arc costs)."""
    if not route:
        return 0
    v = problem.vehicles[vehicle]
    path = [v.start, *route, v.end]
    travel = int(problem.travel_s[path[:-1], path[1:]].sum())
    return travel + sum(problem.service_s[i] for i in path[:-1]) + problem.fixed_cost


def objective(problem: Problem, routes: Sequence[Sequence[int]], dropped: Sequence[int]) -> int:
    """The day's cost as the solver counts it, when :func:`decomposable`."""
    return (sum(route_cost(problem, v, r) for v, r in enumerate(routes))
            + sum(problem.penalty[i] for i in dropped))


def day_cost(problem: Problem, solution: Solution, vehicles: Sequence[int] | None = None,
             left_out: Sequence[int] | None = None) -> int:
    """What a plan costs the office: each courier's fixed cost and working day, plus stops left out.

    A working day runs from the start of the shift (the courier is at work from then, riding or
    waiting to leave) until coming back, the break and any waiting included, which the solver's
    arc costs (travel and service) do not see: two plans that ride the same distance can differ by
    the break when one courier is back before noon. Plans are compared by this.
    ``vehicles`` and ``left_out`` restrict the sum to some routes and dropped stops.
    """
    used = range(len(solution.routes)) if vehicles is None else vehicles
    out = solution.dropped if left_out is None else left_out
    return (sum(problem.fixed_cost + solution.ends_s[v] - problem.vehicles[v].shift.start_s
                for v in used if solution.routes[v])
            + sum(problem.penalty[i] for i in out))


def _medoid(problem: Problem, route: Sequence[int]) -> int:
    """The stop of a route closest, in total, to all its other stops: where the route 'is'."""
    idx = np.asarray(route)
    return int(idx[problem.travel_s[np.ix_(idx, idx)].sum(axis=1).argmin()])


def route_groups(problem: Problem, routes: Sequence[Sequence[int]], dropped: Sequence[int],
                 stops_per_group: int, rng: np.random.Generator) -> list[tuple[list[int], list[int]]]:
    """Partition the used vehicles into groups of neighbouring routes, and share the dropped stops out.

    Groups are grown from a random seed route by adding the nearest remaining routes (travel between
    medoids, both ways) until the group holds about ``stops_per_group`` stops and at least two
    routes. Each dropped stop goes to the group with the nearest medoid, so no stop is in two groups.

    Returns
    -------
    list of (vehicle indices, dropped stops)
    """
    used = [v for v, r in enumerate(routes) if r]
    if not used:
        return []
    centre = {v: _medoid(problem, routes[v]) for v in used}
    groups: list[tuple[list[int], list[int]]] = []
    left = list(used)
    while left:
        seed = left.pop(int(rng.integers(len(left))))
        group, size = [seed], len(routes[seed])
        # Nearest first, both directions, so a route just across the office is not "near".
        here = centre[seed]
        left.sort(key=lambda v: int(problem.travel_s[here, centre[v]] + problem.travel_s[centre[v], here]))
        while left and (size < stops_per_group or len(group) < 2):
            nxt = left.pop(0)
            group.append(nxt)
            size += len(routes[nxt])
        groups.append((group, []))
    for i in dropped:
        nearest = min(range(len(groups)), key=lambda g: min(int(problem.travel_s[i, centre[v]]) for v in groups[g][0]))
        groups[nearest][1].append(i)
    return groups


def region(problem: Problem, routes: Sequence[Sequence[int]], vehicles: Sequence[int],
           extra_stops: Sequence[int] = ()) -> Region:
    """The small problem made of some vehicles, their routes, and ``extra_stops`` not yet on a route."""
    stops = [i for v in vehicles for i in routes[v]] + list(extra_stops)
    terminals = sorted({loc for v in vehicles for loc in (problem.vehicles[v].start, problem.vehicles[v].end)} - {0})
    locs = [0, *stops, *terminals]
    new = {old: k for k, old in enumerate(locs)}
    sub = problem.subset(locs, tuple(replace(problem.vehicles[v], start=new[problem.vehicles[v].start],
                                             end=new[problem.vehicles[v].end]) for v in vehicles), len(stops))
    return Region(sub, tuple(locs), tuple(vehicles), tuple(tuple(new[i] for i in routes[v]) for v in vehicles))


def merge(day: Solution, regions: Sequence[Region], solved: Sequence[Solution], problem: Problem) -> Solution:
    """The day's solution with each region's routes replaced by its solved ones.

    Regions must not share vehicles or stops. The objective is recomputed for the whole day.
    """
    routes = list(day.routes)
    starts, ends = list(day.starts_s), list(day.ends_s)
    dropped = set(day.dropped)
    for reg, sol in zip(regions, solved):
        for k, v in enumerate(reg.vehicles):
            routes[v] = tuple(Stop(reg.locations[s.location], s.arrival_s) for s in sol.routes[k])
            starts[v], ends[v] = sol.starts_s[k], sol.ends_s[k]
        dropped -= {reg.locations[i] for i in range(1, reg.problem.n_stops + 1)}
        dropped |= {reg.locations[i] for i in sol.dropped}
    plain = [[s.location for s in r] for r in routes]
    return Solution(tuple(routes), tuple(starts), tuple(ends), tuple(sorted(dropped)),
                    objective(problem, plain, sorted(dropped)), day.status)
