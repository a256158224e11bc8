"""The daily plan, stage by stage: records -> households -> locations -> snapped stops ->
travel matrix -> routing problem -> solution -> :class:`~routing.plan.Plan`.

Each stage takes and returns typed values; this module reads and writes no files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from routing.config import Settings, Shift, format_clock
from routing.errors import InputError
from routing.geo import JOMBANG_BBOX, LatLon
from routing.geocode import Gazetteer, Location, household_key, locate_all
from routing.couriers import Courier
from routing.households import Household, group_households, normalise_name
from routing.matrix import Snap, leg_paths, snap, travel_matrix
from routing.network import RoadNetwork
from routing.plan import Card, Plan, Rejected, Review, Route, Unassigned, Visit
from routing.problem import Problem, Solution, Vehicle
from routing.records import Record, RecordSet
from routing.solve import solve, solve_portfolio

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


def default_fleet(settings: Settings) -> tuple[Courier, ...]:
    """``settings.couriers`` (or one placeholder) couriers at the office on the day's hours."""
    return tuple(Courier(f"K{k + 1:02d}") for k in range(settings.couriers or 1))


def _terminals(network: RoadNetwork, settings: Settings, fleet: Sequence[Courier], shift: Shift
               ) -> tuple[list[int | None], Callable[[dict[int, int], int], tuple[Vehicle, ...]]]:
    """Snap couriers' own start/end points; ``None`` stands for an open end.

    Returns the terminal nodes (in location order after the stops) and a function that builds
    the vehicles given where each terminal sits in a (sub)problem and how many to make.
    """
    nodes: list[int | None] = []
    slot: dict[object, int] = {}

    def terminal(point: LatLon | None, open_end: bool, who: str) -> int:
        if point is None and not open_end:
            return -1  # the office
        key = "open" if open_end else (point.lat, point.lon)
        if key not in slot:
            if open_end:
                nodes.append(None)
            else:
                (sn,) = snap(network, [point])
                if sn.distance_m > settings.snap_max_m:
                    raise InputError(f"courier {who}: {point} is {sn.distance_m} m from the nearest road of the "
                                     f"network; give a point inside the network's area")
                nodes.append(sn.node)
            slot[key] = len(nodes) - 1
        return slot[key]

    ends = [(terminal(c.start, False, c.courier_id), terminal(c.end, c.open_end, c.courier_id)) for c in fleet]
    custom = any(c.start or c.end or c.open_end or c.shift or c.max_stops for c in fleet)

    def vehicles_for(where_: dict[int, int], count: int) -> tuple[Vehicle, ...]:
        if not custom:
            return tuple(Vehicle(f"K{v + 1:02d}", shift) for v in range(count))
        return tuple(Vehicle(c.courier_id, c.shift or shift, max_stops=c.max_stops,
                             start=0 if a < 0 else where_[a], end=0 if b < 0 else where_[b])
                     for c, (a, b) in zip(fleet, ends))

    return nodes, vehicles_for


def _with_open_end(m: np.ndarray, terminals: Sequence[int | None]) -> np.ndarray:
    """Put an open end's row and column in: reached from anywhere at no cost, placed where it belongs."""
    if None not in terminals:
        return m
    n_real = m.shape[0]
    k_open = terminals.index(None)
    base = n_real - sum(t is not None for t in terminals)  # locations before the terminals
    out = np.zeros((n_real + 1, n_real + 1), dtype=m.dtype)
    at = base + k_open
    keep = [i for i in range(n_real + 1) if i != at]
    out[np.ix_(keep, keep)] = m
    return out


def _groups(stops: Sequence[LocatedStop], feasible: Sequence[int], group_by: str) -> list[list[int]]:
    """Feasible stop indices split by desa or kecamatan (``none``: one group)."""
    if group_by == "none":
        return [list(feasible)] if feasible else []
    groups: dict[str, list[int]] = {}
    for i in feasible:
        r = stops[i - 1].household.first
        key = normalise_name(r.desa if group_by == "desa" else r.kecamatan) + "|" + normalise_name(r.kecamatan)
        groups.setdefault(key, []).append(i)
    return [groups[k] for k in sorted(groups)]


def _share_couriers(groups: Sequence[Sequence[int]], service: Sequence[int], travel: np.ndarray, shift: Shift,
                    fixed: int | None) -> list[int]:
    """Couriers per group: each group's own estimate, or ``fixed`` split in proportion to the work."""
    need = [estimate_couriers(travel[np.ix_([0] + list(m), [0] + list(m))], [service[i] for i in m], shift)
            for m in groups]
    if fixed is None or len(groups) <= 1:
        return need if fixed is None else [fixed] * len(groups)
    if fixed < len(groups):
        raise InputError(f"{fixed} couriers cannot cover {len(groups)} groups separately; "
                         f"use --group-by kecamatan or none, or more couriers")
    work = [sum(service[i] for i in m) or 1 for m in groups]
    share = [max(1, int(fixed * w / sum(work))) for w in work]
    while sum(share) < fixed:  # give the rest to the groups with the most work per courier
        share[max(range(len(share)), key=lambda g: work[g] / share[g])] += 1
    while sum(share) > fixed:
        share[max((g for g in range(len(share)) if share[g] > 1), key=lambda g: share[g] / work[g])] -= 1
    return share


def _solve_all(problems: Sequence[Problem], limits: Sequence[int], deterministic: bool, workers: int) -> list:
    """Solve independent problems, in parallel processes when there are several.

    A single problem gets a portfolio of first-solution strategies, one per core.
    """
    if len(problems) == 1:
        return [solve_portfolio(problems[0], limits[0], deterministic, os.cpu_count() or 1)]
    if workers <= 1:
        return [solve(p, t, deterministic) for p, t in zip(problems, limits)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(pool.map(solve, problems, limits, [deterministic] * len(problems)))


def _locate_stops(records: RecordSet, network: RoadNetwork, settings: Settings, gazetteer: Gazetteer | None,
                  confirmed: Mapping[str, LatLon] | None,
                  online: Callable[[str], tuple[float, float] | None] | None, report: Report
                  ) -> tuple[list[LocatedStop], Snap, list[Unassigned], list[Review]]:
    """Households, located and snapped; cards that cannot be are unassigned, doubtful ones reviewed."""
    unassigned: list[Unassigned] = []
    review: list[Review] = []

    def to_review(h: Household, precision: str, note: str) -> list[Review]:
        key = household_key(h)
        return [Review(r.row, r.nik, r.desa, r.dusun, precision, note, r.address(), key) for r in h.records]

    households = group_households(records.records)
    report(f"{len(records.records)} cards in {len(households)} households ({len(records.rejected)} rows rejected)")
    bbox = _union_bbox(JOMBANG_BBOX, network.bbox)
    located: list[tuple[Household, Location]] = []
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
    return stops, depot_snap, unassigned, review


def _build_routes(jobs: Sequence[tuple[list[int], Problem]], solutions: Sequence[Solution],
                  stops: Sequence[LocatedStop], terminals: Sequence[int | None], depot_node: int,
                  travel: np.ndarray, dist: np.ndarray, service: Sequence[int], network: RoadNetwork
                  ) -> tuple[list[Route], list[int]]:
    """Routes with visits and road-following geometry, and the stops the solver dropped.

    Location indices are global here: 0 the office, 1..n stops, then the couriers' terminals.
    """
    n = len(stops)

    def node_of(location: int) -> int | None:
        if location == 0:
            return depot_node
        if location <= n:
            return stops[location - 1].node
        return terminals[location - n - 1]

    def point(location: int) -> LatLon:
        node = node_of(location)
        return LatLon(float(network.node_lat[node]), float(network.node_lon[node]))

    dropped: list[int] = []
    raw = []
    for (keep, problem), solution in zip(jobs, solutions):
        dropped += [keep[i] for i in solution.dropped]
        for v, seq in enumerate(solution.routes):
            if seq:
                vehicle = problem.vehicles[v]
                raw.append((vehicle, [keep[st.location] for st in seq], [st.arrival_s for st in seq],
                            solution.starts_s[v], solution.ends_s[v], keep[vehicle.start], keep[vehicle.end]))
    paths = [[x for x in [node_of(start)] + [node_of(i) for i in seq] + [node_of(end)] if x is not None]
             for _, seq, _, _, _, start, end in raw]
    legs = [leg for nodes in paths for leg in zip(nodes, nodes[1:])]
    shapes = leg_paths(network, legs) if legs else {}
    routes = []
    for (vehicle, seq, arrivals, t0, t1, start, end), nodes in zip(raw, paths):
        visits, prev, total_m = [], start, 0
        for k, (i, arrival) in enumerate(zip(seq, arrivals), start=1):
            s = stops[i - 1]
            total_m += int(dist[prev, i])
            visits.append(Visit(k, s.stop_id, tuple(card_of(r) for r in s.household.records), s.location.point,
                                arrival, service[i], int(travel[prev, i]), int(dist[prev, i]),
                                s.location.precision, s.snap_m, s.location.note))
            prev = i
        total_m += int(dist[prev, end])
        geometry: list[LatLon] = []
        for a, b in zip(nodes, nodes[1:]):
            shape = shapes[(a, b)]
            geometry.extend(shape[1:] if geometry else shape)
        open_end = end != 0 and node_of(end) is None
        routes.append(Route(vehicle.courier_id, vehicle.shift, t0, t1, total_m, tuple(visits), tuple(geometry),
                            start=point(start) if start else None,
                            end=point(end) if end and not open_end else None, open_end=open_end))
    return routes, dropped


def plan_day(records: RecordSet, network: RoadNetwork, settings: Settings, day: dt.date,
             gazetteer: Gazetteer | None = None, *, confirmed: Mapping[str, LatLon] | None = None,
             online: Callable[[str], tuple[float, float] | None] | None = None,
             couriers: Sequence[Courier] | None = None, synthetic: bool = False, report: Report = _quiet) -> Plan:
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
    couriers
        The day's couriers (from a couriers file); ``None`` means ``settings.couriers`` or as many
        as needed, all at the office on the day's hours.
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
    rejected = [Rejected(r.row, r.nik, r.column, r.value, r.reason, r.detail) for r in records.rejected]

    stops, depot_snap, unassigned, review = _locate_stops(records, network, settings, gazetteer, confirmed,
                                                          online, report)
    fleet = couriers or default_fleet(settings)
    terminals, vehicles_for = _terminals(network, settings, fleet, shift)
    real_terminals = [t for t in terminals if t is not None]
    matrix = travel_matrix(network, [depot_snap.node] + [s.node for s in stops] + real_terminals)
    report(f"travel matrix {matrix.size}x{matrix.size} computed")
    n = len(stops)
    travel, dist = _with_open_end(matrix.time_s, terminals), _with_open_end(matrix.dist_m, terminals)
    size = travel.shape[0]
    service = [0] + [settings.service_s(len(s.household.records)) for s in stops] + [0] * (size - n - 1)
    deadline = [-1] + [settings.urgent_deadline_s if (s.household.urgent and settings.urgent_deadline_s)
                       else -1 for s in stops] + [-1] * (size - n - 1)
    penalty = [0] + [(settings.urgent_drop_penalty_s if s.household.urgent else settings.drop_penalty_s)
                     * len(s.household.records) for s in stops] + [0] * (size - n - 1)
    terminal_index = {k: n + 1 + k for k in range(len(terminals))}
    windows = [None] + [s.household.window for s in stops] + [None] * (size - n - 1)
    any_window = any(w is not None for w in windows)

    # Stops no courier could serve even alone never reach the solver.
    probe = Problem(travel, tuple(service), tuple(penalty), vehicles_for(terminal_index, 1), 0,
                    tuple(deadline), stops=n, windows=tuple(windows) if any_window else None)
    feasible: list[int] = []
    for i, s in enumerate(stops, start=1):
        fits = [v for v in probe.vehicles if probe.fits_alone(i, v)]
        if not fits:
            reason = "outside_hours"
            v0 = probe.vehicles[0]
            detail = (f"out {travel[v0.start, i]} s + service {service[i]} s + back {travel[i, v0.end]} s "
                      f"does not fit the shift {v0.shift.label()}")
        elif not any(probe.meets_deadline(i, v) for v in fits):
            reason = "window_infeasible"
            w = windows[i]
            detail = (f"{travel[0, i]} s from the office: cannot be reached by the urgent deadline "
                      f"{format_clock(settings.urgent_deadline_s)}" if w is None else
                      f"window {format_clock(w[0])}-{format_clock(w[1])} cannot be met within the shift "
                      f"({travel[0, i]} s from the office)")
        else:
            feasible.append(i)
            continue
        unassigned += [Unassigned(card_of(r), reason, detail) for r in s.household.records]

    groups = _groups(stops, feasible, settings.group_by)
    jobs = []
    fixed = settings.couriers if couriers is None else len(couriers)
    shares = _share_couriers(groups, service, travel, shift, settings.couriers) if couriers is None else None
    if couriers is not None and len(groups) > 1:
        raise InputError("--group-by works with --couriers N or with as many couriers as needed, "
                         "not with a couriers file; use --group-by none")
    for g, members in enumerate(groups):
        keep = [0] + members + [n + 1 + k for k in range(len(terminals))]
        local = {old: new for new, old in enumerate(keep)}
        count = shares[g] if shares is not None else len(fleet)
        vehicles = vehicles_for({k: local[n + 1 + k] for k in range(len(terminals))}, count)
        together = ()
        if settings.keep_desa_cost:
            by_desa: dict[str, list[int]] = {}
            for i in members:
                by_desa.setdefault(normalise_name(stops[i - 1].household.first.desa), []).append(local[i])
            together = tuple(tuple(v) for v in by_desa.values() if len(v) > 1)
        idx = np.array(keep)
        jobs.append((keep, Problem(travel[np.ix_(idx, idx)], tuple(service[i] for i in keep),
                                   tuple(penalty[i] for i in keep), vehicles, settings.courier_fixed_cost_s,
                                   tuple(deadline[i] for i in keep), stops=len(members),
                                   balance_cost=settings.balance_cost, keep_together=together,
                                   keep_together_cost=settings.keep_desa_cost,
                                   windows=tuple(windows[i] for i in keep) if any_window else None)))
    total = sum(len(m) for m in groups) or 1
    workers = min(len(jobs), os.cpu_count() or 1)
    limits = [max(1, round(settings.time_limit_s * workers * len(m) / total)) if len(jobs) > 1
              else settings.time_limit_s for m in groups]
    mode = "deterministic" if settings.deterministic else f"up to {settings.time_limit_s} s"
    report(f"solving {len(feasible)} stops in {len(jobs)} group(s) with up to "
           f"{sum(len(p.vehicles) for _, p in jobs)} couriers ({mode})")
    solutions = _solve_all([p for _, p in jobs], limits, settings.deterministic, workers)

    routes, dropped = _build_routes(jobs, solutions, stops, terminals, depot_snap.node, travel, dist, service, network)
    for i in dropped:
        binding = (f"all {fixed} couriers' shifts ({shift.label()}) are full" if fixed
                   else f"no room within the couriers' shifts ({shift.label()})")
        unassigned += [Unassigned(card_of(r), "no_capacity", binding) for r in stops[i - 1].household.records]
    if couriers is None:
        routes.sort(key=lambda r: (r.visits[0].stop_id if r.visits else ""))
        routes = [dataclasses.replace(r, courier_id=f"K{k:02d}") for k, r in enumerate(routes, start=1)]
    n_couriers = sum(len(p.vehicles) for _, p in jobs)
    unassigned.sort(key=lambda u: u.card.row)
    return Plan(date=day, depot=settings.depot, cards_in=records.rows, routes=tuple(routes),
                unassigned=tuple(unassigned), rejected=tuple(rejected), review=tuple(sorted(review, key=lambda r: r.row)),
                source=records.path, network=network.source, synthetic=synthetic,
                meta={"shift": shift.label(), "couriers_available": n_couriers,
                      "time_limit_s": settings.time_limit_s, "deterministic": settings.deterministic,
                      "group_by": settings.group_by, "groups": len(jobs), "depot_snap_m": depot_snap.distance_m})
