"""Stage: solved problems back into the office's words: routes of visits with road-following lines.

Location indices are global here: 0 the office, 1..n stops, then the couriers' terminals
(:mod:`routing.fleet`). Each solved (sub)problem maps its own indices back through ``keep``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from routing.geo import LatLon
from routing.households import normalise_name
from routing.plan import Route, Visit
from routing.roads.matrix import leg_routes
from routing.roads.network import RoadNetwork
from routing.roads.snap import Snap
from routing.solver.problem import Problem, Solution, Vehicle
from routing.stops import LocatedStop, card_of


@dataclass(frozen=True, slots=True)
class Job:
    """One problem handed to the solver, and the global location of each of its locations."""

    keep: tuple[int, ...]
    problem: Problem


@dataclass(frozen=True, slots=True)
class RouteDraft:
    """A solved route in global location indices, before visits and geometry are filled in."""

    vehicle: Vehicle
    stops: tuple[int, ...]
    arrivals_s: tuple[int, ...]
    start_s: int
    end_s: int
    start: int
    end: int


def drafts(jobs: Sequence[Job], solutions: Sequence[Solution]) -> tuple[list[RouteDraft], list[int]]:
    """Non-empty routes of every job in global indices, and the stops the solver dropped."""
    dropped: list[int] = []
    out: list[RouteDraft] = []
    for job, solution in zip(jobs, solutions):
        keep = job.keep
        dropped += [keep[i] for i in solution.dropped]
        for v, seq in enumerate(solution.routes):
            if seq:
                vehicle = job.problem.vehicles[v]
                out.append(RouteDraft(vehicle, tuple(keep[st.location] for st in seq),
                                      tuple(st.arrival_s for st in seq), solution.starts_s[v], solution.ends_s[v],
                                      keep[vehicle.start], keep[vehicle.end]))
    return out, dropped


def _rw_rt(stop: LocatedStop) -> tuple[int, int]:
    def number(text: str) -> int:
        digits = re.sub(r"\D", "", text)
        # A household without RW or RT is asked for last.
        return int(digits) if digits else 10**9

    r = stop.household.first
    return number(r.rw), number(r.rt)


def search_place(stop: LocatedStop) -> tuple[str, str, str] | None:
    """Where the courier searches for this stop's door, ``(precision, desa, dusun)`` normalised, or
    ``None`` when the door is located."""
    if not stop.searched:
        return None
    r, precision = stop.household.first, stop.location.precision
    return precision, normalise_name(r.desa), normalise_name(r.dusun) if precision == "dusun" else ""


def in_search_order(draft: RouteDraft, stops: Sequence[LocatedStop], problem: Problem) -> RouteDraft:
    """The route with each run of consecutive stops searched in one desa (or dusun) put in RW, RT order.

    Such stops share one point (the desa's or dusun's), so the ride is the same in any order and
    the run ends when it did: only who is asked first changes, and the courier walks the desa
    neighbourhood (RW) by neighbourhood. ``problem`` is the whole day's, in global indices. A run
    is left in the solver's order when one of its stops has a time window or deadline, when its
    stops do not share a point on the network, or when the solver waited inside it (a break).
    """
    order, arrivals = list(draft.stops), list(draft.arrivals_s)
    k = 0
    while k < len(order):
        place = search_place(stops[order[k] - 1])
        end = k + 1
        while (place is not None and end < len(order) and search_place(stops[order[end] - 1]) == place
               and stops[order[end] - 1].location.point == stops[order[k] - 1].location.point):
            end += 1
        run = order[k:end]
        untimed = all(problem.deadline_s[i] < 0 and (problem.windows is None or problem.windows[i] is None)
                      for i in run)
        together = not problem.travel_s[np.ix_(run, run)].any()
        back_to_back = all(arrivals[j + 1] == arrivals[j] + problem.service_s[order[j]] for j in range(k, end - 1))
        if len(run) > 1 and untimed and together and back_to_back:
            run.sort(key=lambda i: _rw_rt(stops[i - 1]))
            t = arrivals[k]
            for j, i in enumerate(run, start=k):
                order[j], arrivals[j] = i, t
                t += problem.service_s[i]
        k = end
    return replace(draft, stops=tuple(order), arrivals_s=tuple(arrivals))


def build_routes(route_drafts: Sequence[RouteDraft], stops: Sequence[LocatedStop],
                 terminals: Sequence[Snap | None], depot: Snap, travel: np.ndarray, dist: np.ndarray,
                 service: Sequence[int], network: RoadNetwork) -> list[Route]:
    """Routes with visits and the road-following line of the whole ride, from and to the snapped points."""
    n = len(stops)

    def node_of(location: int) -> Snap | None:
        if location == 0:
            return depot
        if location <= n:
            return stops[location - 1].snap
        return terminals[location - n - 1]

    def point(location: int) -> LatLon:
        where = node_of(location)
        assert where is not None, "an open end has no point"
        return where.point

    paths = [[x for x in [node_of(d.start)] + [node_of(i) for i in d.stops] + [node_of(d.end)] if x is not None]
             for d in route_drafts]
    legs = [leg for nodes in paths for leg in zip(nodes, nodes[1:])]
    shapes = leg_routes(network, legs) if legs else {}

    def main_s(a: int, b: int) -> int:
        """Seconds of the ride ``a -> b`` on main roads (none from an open start)."""
        x, y = node_of(a), node_of(b)
        return 0 if x is None or y is None else min(shapes[(x, y)].main_s, int(travel[a, b]))

    routes = []
    for d, nodes in zip(route_drafts, paths):
        visits, prev, total_m = [], d.start, 0
        for k, (i, arrival) in enumerate(zip(d.stops, d.arrivals_s), start=1):
            s = stops[i - 1]
            total_m += int(dist[prev, i])
            visits.append(Visit(k, s.stop_id, tuple(card_of(r) for r in s.household.records), s.location.point,
                                arrival, service[i], int(travel[prev, i]), int(dist[prev, i]),
                                s.location.precision, s.snap_m, s.location.note, main_s(prev, i)))
            prev = i
        total_m += int(dist[prev, d.end])
        geometry: list[LatLon] = []
        for a, b in zip(nodes, nodes[1:]):
            shape = shapes[(a, b)].shape
            geometry.extend(shape[1:] if geometry else shape)
        open_end = d.end != 0 and node_of(d.end) is None
        routes.append(Route(d.vehicle.courier_id, d.vehicle.shift, d.start_s, d.end_s, total_m, tuple(visits),
                            tuple(geometry), start=point(d.start) if d.start else None,
                            end=point(d.end) if d.end and not open_end else None, open_end=open_end))
    return routes
