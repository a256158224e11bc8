"""Stage: solved problems back into the office's words: routes of visits with road-following lines.

Location indices are global here: 0 the office, 1..n stops, then the couriers' terminals
(:mod:`routing.fleet`). Each solved (sub)problem maps its own indices back through ``keep``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.geo import LatLon
from routing.matrix import Snap, leg_paths
from routing.network import RoadNetwork
from routing.plan import Route, Visit
from routing.problem import Problem, Solution, Vehicle
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
    shapes = leg_paths(network, legs) if legs else {}
    routes = []
    for d, nodes in zip(route_drafts, paths):
        visits, prev, total_m = [], d.start, 0
        for k, (i, arrival) in enumerate(zip(d.stops, d.arrivals_s), start=1):
            s = stops[i - 1]
            total_m += int(dist[prev, i])
            visits.append(Visit(k, s.stop_id, tuple(card_of(r) for r in s.household.records), s.location.point,
                                arrival, service[i], int(travel[prev, i]), int(dist[prev, i]),
                                s.location.precision, s.snap_m, s.location.note))
            prev = i
        total_m += int(dist[prev, d.end])
        geometry: list[LatLon] = []
        for a, b in zip(nodes, nodes[1:]):
            shape = shapes[(a, b)]
            geometry.extend(shape[1:] if geometry else shape)
        open_end = d.end != 0 and node_of(d.end) is None
        routes.append(Route(d.vehicle.courier_id, d.vehicle.shift, d.start_s, d.end_s, total_m, tuple(visits),
                            tuple(geometry), start=point(d.start) if d.start else None,
                            end=point(d.end) if d.end and not open_end else None, open_end=open_end))
    return routes
