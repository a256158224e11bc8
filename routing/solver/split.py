"""Cutting one tour through every stop into courier routes (Prins' split): a start for clustered days.

On a day of desa clusters, the costly part of a plan is which routes a cluster is shared between.
A single tour through all stops visits each cluster in one go; cutting it optimally into shifts
(a shortest path over the tour's cut points) gives routes that rarely split a cluster, a start that
local search improves on but seldom finds itself (measured on a 500-stop day: 65.72 h against
66.30 h from the savings start, at the same 30 s).

Only for a fleet of identical couriers (same start, end, shift and stop limit) without time
windows, deadlines or loads; :func:`applies` says whether a problem is one.
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.clock import Shift
from routing.solver.problem import Problem

#: Cuts are tried at this many evenly spaced rotations of the tour (and both directions): the
#: tour is a cycle through the depot, so where it "starts" is arbitrary.
ROTATIONS = 16


def applies(problem: Problem) -> bool:
    """Whether the fleet is uniform and the stops have no windows, deadlines or loads."""
    first = problem.vehicles[0]
    same = all((v.start, v.end, v.shift, v.max_stops, v.capacity) == (first.start, first.end, first.shift,
                                                                       first.max_stops, first.capacity)
               for v in problem.vehicles)
    return (same and problem.windows is None and problem.demand is None
            and all(d < 0 for d in problem.deadline_s[1:problem.n_stops + 1]))


def ride_end(shift: Shift, leave_s: int, ride_s: int) -> int:
    """When a ride that leaves at ``leave_s`` arrives, pausing for the break if it falls on the way."""
    arrive = leave_s + ride_s
    if shift.break_start_s is not None and leave_s <= shift.break_start_s < arrive:
        arrive += shift.break_s
    return arrive


def serve_start(shift: Shift, arrive_s: int, service_s: int) -> int:
    """When service can start: after the break if it would overlap it (no delivery during the break)."""
    b0, b1 = shift.break_start_s, shift.break_end_s
    if b0 is not None and b1 is not None and arrive_s < b1 and arrive_s + service_s > b0:
        return b1
    return arrive_s


def split(problem: Problem, tour: Sequence[int]) -> tuple[list[list[int]], int] | None:
    """The cheapest cutting of ``tour`` into routes of the first vehicle's kind.

    Cost of a route: the fixed cost plus its working day from leaving to coming back (break included).

    Returns
    -------
    (routes, cost), or None when some stop fits no route or more routes are needed than vehicles.
    """
    v = problem.vehicles[0]
    shift, travel, service = v.shift, problem.travel_s, problem.service_s
    limit = v.max_stops or len(tour)
    n = len(tour)
    inf = float("inf")
    best = [inf] * (n + 1)
    cut = [-1] * (n + 1)
    best[0] = 0
    for i in range(n):
        if best[i] == inf:
            continue
        t, prev = shift.start_s, v.start
        for j in range(i, min(n, i + limit)):
            stop = tour[j]
            t = serve_start(shift, ride_end(shift, t, int(travel[prev, stop])), service[stop]) + service[stop]
            prev = stop
            back = ride_end(shift, t, int(travel[stop, v.end]))
            if back > shift.end_s:
                break
            cost = best[i] + problem.fixed_cost + back - shift.start_s
            if cost < best[j + 1]:
                best[j + 1], cut[j + 1] = cost, i
    if best[n] == inf:
        return None
    routes, j = [], n
    while j > 0:
        routes.append(list(tour[cut[j]:j]))
        j = cut[j]
    if len(routes) > len(problem.vehicles):
        return None
    return routes[::-1], int(best[n])


def best_split(problem: Problem, tour: Sequence[int], rotations: int = ROTATIONS) -> list[list[int]] | None:
    """:func:`split` at ``rotations`` rotations of the tour, both ways round; the cheapest routes."""
    found = None
    step = max(1, len(tour) // max(1, rotations))
    for r in range(0, len(tour), step):
        turned = list(tour[r:]) + list(tour[:r])
        for candidate in (turned, turned[::-1]):
            result = split(problem, candidate)
            if result is not None and (found is None or result[1] < found[1]):
                found = result
    return None if found is None else found[0]
