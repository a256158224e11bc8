"""The daily plan, stage by stage: records -> households -> locations -> snapped stops ->
travel matrix -> routing problem -> solution -> :class:`~routing.plan.Plan`.

Each stage takes and returns typed values; this module reads and writes no files.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from routing.config import Settings, Shift, format_clock
from routing.errors import InputError
from routing.geo import JOMBANG_BBOX, LatLon
from routing.geocode import Gazetteer, Location, household_key, locate_all
from routing.households import Household, group_households
from routing.matrix import leg_paths, snap, travel_matrix
from routing.network import RoadNetwork
from routing.plan import Card, Plan, Rejected, Review, Route, Unassigned, Visit
from routing.problem import Problem, Vehicle
from routing.records import Record, RecordSet
from routing.solve import solve

Report = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def card_of(r: Record) -> Card:
    """The courier's view of a record."""
    return Card(row=r.row, nik=r.nik, nama=r.nama, address=r.address(), desa=r.desa, kecamatan=r.kecamatan,
                telepon=r.telepon, urgent=r.urgent)


@dataclass(frozen=True, slots=True)
class LocatedStop:
    """A household with its location and where it meets the road network."""

    stop_id: str
    household: Household
    location: Location
    node: int
    snap_m: int


def _union_bbox(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> tuple[float, ...]:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def estimate_couriers(travel_s: np.ndarray, service_s: list[int], shift: Shift) -> int:
    """An upper bound on the couriers a day needs, so the solver is never short of vehicles.

    Work is service plus, per stop, the travel from its nearest neighbour; a third is added
    for the ride out and back and for imperfect packing. The fixed cost per courier makes the
    solver leave spare vehicles unused.
    """
    n = len(service_s)
    if n == 0:
        return 1
    t = travel_s[1:, 1:].astype(float) + np.diag(np.full(n, np.inf))
    nearest = t.min(axis=0) if n > 1 else np.array([travel_s[0, 1]])
    work = sum(service_s) + float(nearest.sum())
    return max(1, min(n, math.ceil(1.35 * work / shift.working_s) + 1))


def plan_day(records: RecordSet, network: RoadNetwork, settings: Settings, day: dt.date,
             gazetteer: Gazetteer | None = None, *, confirmed: Mapping[str, LatLon] | None = None,
             online: Callable[[str], tuple[float, float] | None] | None = None,
             synthetic: bool = False, report: Report = _quiet) -> Plan:
    """Plan one day's deliveries for every card in ``records``.

    Parameters
    ----------
    records
        Cards read from the day's file, with the rows already rejected.
    network
        The motorbike road network.
    settings
        Depot, shifts, service times, penalties, solver budget.
    day
        The delivery date; Friday has its own hours.
    gazetteer
        Named places for cards without coordinates.
    confirmed
        Locations the office confirmed earlier, by address key.
    online
        Optional online geocoder (address query -> lat, lon), asked when nothing else locates a card.
    synthetic
        Marks plans made from the generated demo data.
    report
        Receives one line per stage for the user.

    Raises
    ------
    InputError
        When the depot is not near the road network.
    """
    shift = settings.shift_for(day)
    unassigned: list[Unassigned] = []
    review: list[Review] = []
    rejected = [Rejected(r.row, r.nik, r.column, r.value, r.reason, r.detail) for r in records.rejected]

    households = group_households(records.records)
    report(f"{len(records.records)} cards in {len(households)} households ({len(records.rejected)} rows rejected)")
    bbox = _union_bbox(JOMBANG_BBOX, network.bbox)
    located: list[tuple[Household, Location]] = []
    def to_review(h: Household, precision: str, note: str) -> list[Review]:
        key = household_key(h)
        return [Review(r.row, r.nik, r.desa, r.dusun, precision, note, r.address(), key) for r in h.records]

    for h, loc in zip(households, locate_all(households, gazetteer, bbox, confirmed, online)):
        if isinstance(loc, str):
            unassigned += [Unassigned(card_of(r), "not_geocoded", loc) for r in h.records]
            review += to_review(h, "none", loc)
        else:
            located.append((h, loc))
            if loc.precision in ("dusun", "desa", "online") or loc.note:
                review += to_review(h, loc.precision,
                                    loc.note or f"located at {loc.precision} level (match score {loc.score:.0f})")

    snaps = snap(network, [settings.depot] + [loc.point for _, loc in located])
    depot_snap = snaps[0]
    if depot_snap.distance_m > settings.snap_max_m:
        raise InputError(f"depot {settings.depot} is {depot_snap.distance_m} m from the nearest road of the "
                         f"network {network.source}; give --depot inside the network's area")
    stops: list[LocatedStop] = []
    for k, ((h, loc), s) in enumerate(zip(located, snaps[1:]), start=1):
        if s.distance_m > settings.snap_max_m:
            why = (f"{s.distance_m} m from the nearest road connected to the depot "
                   f"(limit {settings.snap_max_m} m)")
            unassigned += [Unassigned(card_of(r), "unreachable", why) for r in h.records]
            continue
        stops.append(LocatedStop(f"S{k:03d}", h, loc, s.node, s.distance_m))
        if s.distance_m > settings.snap_warn_m:
            review += to_review(h, loc.precision, f"{s.distance_m} m from the nearest road")
    report(f"{len(stops)} stops located and snapped to the road network")

    matrix = travel_matrix(network, [depot_snap.node] + [s.node for s in stops])
    report(f"travel matrix {matrix.size}x{matrix.size} computed")
    service = [0] + [settings.service_s(len(s.household.records)) for s in stops]
    deadline = [-1] + [settings.urgent_deadline_s if (s.household.urgent and settings.urgent_deadline_s)
                       else -1 for s in stops]
    penalty = [0] + [(settings.urgent_drop_penalty_s if s.household.urgent else settings.drop_penalty_s)
                     * len(s.household.records) for s in stops]

    # Stops no courier could serve even alone never reach the solver.
    full = Problem(matrix.time_s, tuple(service), tuple(penalty),
                   (Vehicle("K01", shift),), settings.courier_fixed_cost_s, tuple(deadline))
    feasible = [0]
    for i, s in enumerate(stops, start=1):
        if not full.fits_alone(i, shift):
            reason = "outside_hours"
            detail = (f"out {matrix.time_s[0, i]} s + service {service[i]} s + back {matrix.time_s[i, 0]} s "
                      f"does not fit the shift {shift.label()}")
        elif not full.meets_deadline(i, shift):
            reason = "window_infeasible"
            detail = (f"{matrix.time_s[0, i]} s from the office: cannot be reached by the urgent deadline "
                      f"{format_clock(settings.urgent_deadline_s)}")
        else:
            feasible.append(i)
            continue
        unassigned += [Unassigned(card_of(r), reason, detail) for r in s.household.records]

    idx = np.array(feasible)
    sub_service = [service[i] for i in feasible]
    n_couriers = settings.couriers or estimate_couriers(matrix.time_s[np.ix_(idx, idx)], sub_service[1:], shift)
    vehicles = tuple(Vehicle(f"K{v + 1:02d}", shift) for v in range(n_couriers))
    problem = Problem(matrix.time_s[np.ix_(idx, idx)], tuple(sub_service), tuple(penalty[i] for i in feasible),
                      vehicles, settings.courier_fixed_cost_s, tuple(deadline[i] for i in feasible))
    routes: list[Route] = []
    if problem.n_stops:
        mode = "deterministic" if settings.deterministic else f"up to {settings.time_limit_s} s"
        report(f"solving {problem.n_stops} stops with up to {n_couriers} couriers ({mode})")
        solution = solve(problem, settings.time_limit_s, settings.deterministic)
        for i in solution.dropped:
            s = stops[feasible[i] - 1]
            why = (f"all {n_couriers} couriers' shifts ({shift.label()}) are full"
                   if settings.couriers else f"no room within {n_couriers} couriers' shifts ({shift.label()})")
            unassigned += [Unassigned(card_of(r), "no_capacity", why) for r in s.household.records]
        legs: list[tuple[int, int]] = []
        for seq in solution.routes:
            nodes = [depot_snap.node] + [stops[feasible[st.location] - 1].node for st in seq] + [depot_snap.node]
            legs += list(zip(nodes, nodes[1:]))
        shapes = leg_paths(network, legs) if legs else {}
        for v, seq in enumerate(solution.routes):
            if not seq:
                continue
            visits, prev, dist = [], 0, 0
            nodes = [depot_snap.node]
            for k, st in enumerate(seq, start=1):
                i = feasible[st.location]
                s = stops[i - 1]
                nodes.append(s.node)
                dist += int(matrix.dist_m[prev, i])
                visits.append(Visit(k, s.stop_id, tuple(card_of(r) for r in s.household.records), s.location.point,
                                    st.arrival_s, service[i], int(matrix.time_s[prev, i]), int(matrix.dist_m[prev, i]),
                                    s.location.precision, s.snap_m, s.location.note))
                prev = i
            dist += int(matrix.dist_m[prev, 0])
            nodes.append(depot_snap.node)
            geometry: list[LatLon] = []
            for a, b in zip(nodes, nodes[1:]):
                shape = shapes[(a, b)]
                geometry.extend(shape[1:] if geometry else shape)
            routes.append(Route(vehicles[v].courier_id, shift, solution.starts_s[v], solution.ends_s[v], dist,
                                tuple(visits), tuple(geometry)))
    routes = [Route(f"K{k:02d}", r.shift, r.start_s, r.end_s, r.distance_m, r.visits, r.geometry)
              for k, r in enumerate(routes, start=1)]
    unassigned.sort(key=lambda u: u.card.row)
    return Plan(date=day, depot=settings.depot, cards_in=records.rows, routes=tuple(routes),
                unassigned=tuple(unassigned), rejected=tuple(rejected), review=tuple(sorted(review, key=lambda r: r.row)),
                source=records.path, network=network.source, synthetic=synthetic,
                meta={"shift": shift.label(), "couriers_available": n_couriers,
                      "time_limit_s": settings.time_limit_s, "deterministic": settings.deterministic,
                      "depot_snap_m": depot_snap.distance_m})
