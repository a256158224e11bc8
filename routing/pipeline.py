"""The daily plan, stage by stage: records -> located stops -> travel matrix -> problem -> solution
-> :class:`~routing.plan.Plan`.

Each stage takes and returns typed values; this module reads and writes no files (that is
:mod:`routing.day`'s job).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from routing.assemble import Job, build_routes, drafts, in_search_order
from routing.clock import format_clock
from routing.config import Settings
from routing.couriers import Courier
from routing.errors import InputError
from routing.fleet import Terminals, default_fleet, share_couriers, terminals, with_open_end
from routing.gazetteer import Gazetteer
from routing.geo import LatLon
from routing.households import normalise_name
from routing.learning import Learned
from routing.outputs import Prepare, Preview, while_solving
from routing.plan import Plan, Unassigned
from routing.progress import SILENT, Progress
from routing.records import RecordSet
from routing.roads.matrix import travel_matrix
from routing.roads.network import RoadNetwork
from routing.solver.problem import Problem
from routing.solver.solve import solve_many
from routing.stops import LocatedDay, LocatedStop, OnlineGeocoder, card_of, locate_stops


@dataclass(frozen=True, slots=True, eq=False)
class Part:
    """One group's stops (the whole day when not grouped) as a routing problem with its own matrix.

    Location 0 is the office, 1..n the group's stops, then the couriers' terminals. ``travel_s`` and
    ``dist_m`` include an open end's row and column. Matrices are built per group, so a large day
    split with ``--group-by`` never holds one matrix for every stop.
    """

    problem: Problem
    stops: tuple[LocatedStop, ...]
    terminals: Terminals
    travel_s: np.ndarray
    dist_m: np.ndarray

    @property
    def n_stops(self) -> int:
        """Stops, without the office and terminals."""
        return len(self.stops)


#: Bytes per pair of locations while a problem is built and solved: two int64 matrices (time and
#: distance), the solver's transit table as Python integers (about 36 bytes each) and slack.
BYTES_PER_PAIR = 64


def available_memory() -> int:
    """Bytes this machine can still give (``MemAvailable``), or physical memory where that is unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_size(group_sizes: Sequence[int], n_terminals: int, workers: int, group_by: str,
               available: int | None = None) -> None:
    """Refuse, before building anything, a day whose matrices would not fit in memory.

    Raises
    ------
    InputError
        With the estimate, what the machine has, and what to do instead.
    """
    if not group_sizes:
        return
    sizes = sorted((n + 1 + n_terminals for n in group_sizes), reverse=True)
    need = BYTES_PER_PAIR * sum(n * n for n in sizes[:max(1, workers)])
    have = available_memory() if available is None else available
    if need > 0.8 * have:
        gib = 1 << 30
        hint = ("split the records file into smaller days" if group_by == "desa" else
                "plan with --group-by kecamatan (or desa), which builds one matrix per group"
                if group_by == "none" else "plan with --group-by desa, or split the records file")
        raise InputError(f"{sum(group_sizes)} stops (largest group {max(group_sizes)}) would need about "
                         f"{need / gib:.1f} GiB for travel matrices and the solver, and this machine has "
                         f"{have / gib:.1f} GiB free; {hint}")


def build_part(located: LocatedDay, members: Sequence[int], ends: Terminals, network: RoadNetwork,
               settings: Settings, day: dt.date, progress: Progress) -> Part:
    """A group's travel matrix and per-location data (service, penalty, deadline, window) in one problem.

    ``members`` are indices into ``located.stops``.
    """
    stops = tuple(located.stops[i] for i in members)
    real_terminals = [t for t in ends.nodes if t is not None]
    matrix = travel_matrix(network, [located.depot] + [s.snap for s in stops] + real_terminals)
    progress.note(f"travel matrix {matrix.size}x{matrix.size} computed")
    travel, dist = with_open_end(matrix.time_s, ends.nodes), with_open_end(matrix.dist_m, ends.nodes)
    n_terminals = travel.shape[0] - len(stops) - 1
    urgent_deadline = settings.urgent_deadline_s if settings.urgent_deadline_s else -1
    service = [0] + [settings.service_s(len(s.household.records)) + (settings.search_s if s.searched else 0)
                     for s in stops] + [0] * n_terminals
    deadline = [-1] + [urgent_deadline if s.household.urgent else -1 for s in stops] + [-1] * n_terminals
    penalty = [0] + [(settings.urgent_drop_penalty_s if s.household.urgent else settings.drop_penalty_s)
                     * len(s.household.records) for s in stops] + [0] * n_terminals
    windows = [None] + [s.household.window for s in stops] + [None] * n_terminals
    any_window = any(w is not None for w in windows)
    where = {k: len(stops) + 1 + k for k in range(len(ends.nodes))}
    problem = Problem(travel, tuple(service), tuple(penalty), ends.vehicles(where, 1), settings.courier_fixed_cost_s,
                      tuple(deadline), stops=len(stops), balance_cost=settings.balance_cost,
                      keep_together_cost=settings.keep_desa_cost, windows=tuple(windows) if any_window else None)
    return Part(problem, stops, ends, travel, dist)


def screen(part: Part) -> tuple[list[int], list[Unassigned]]:
    """Stops some courier could serve alone, and the cards of those none could (with the reason).

    Such stops never reach the solver: no plan could include them, so the officer is told why.
    """
    p = part.problem
    feasible: list[int] = []
    unassigned: list[Unassigned] = []
    for i, s in enumerate(part.stops, start=1):
        fits = [v for v in p.vehicles if p.fits_alone(i, v)]
        if not fits:
            reason = "outside_hours"
            v0 = p.vehicles[0]
            detail = (f"out {p.travel_s[v0.start, i]} s + service {p.service_s[i]} s + back "
                      f"{p.travel_s[i, v0.end]} s does not fit the shift {v0.shift.label()}")
        elif not any(p.meets_deadline(i, v) for v in fits):
            reason = "window_infeasible"
            w = p.windows[i] if p.windows is not None else None
            detail = (f"{p.travel_s[0, i]} s from the office: cannot be reached by the urgent deadline "
                      f"{format_clock(p.deadline_s[i])}" if w is None else
                      f"window {format_clock(w[0])}-{format_clock(w[1])} cannot be met within the shift "
                      f"({p.travel_s[0, i]} s from the office)")
        else:
            feasible.append(i)
            continue
        unassigned += [Unassigned(card_of(r), reason, detail) for r in s.household.records]
    return feasible, unassigned


def groups(stops: Sequence[LocatedStop], group_by: str) -> list[list[int]]:
    """Stop indices (into ``stops``) split by desa or kecamatan (``none``: one group)."""
    if group_by == "none":
        return [list(range(len(stops)))] if stops else []
    by_key: dict[str, list[int]] = {}
    for i, s in enumerate(stops):
        r = s.household.first
        key = normalise_name(r.desa if group_by == "desa" else r.kecamatan) + "|" + normalise_name(r.kecamatan)
        by_key.setdefault(key, []).append(i)
    return [by_key[k] for k in sorted(by_key)]


def job_for(part: Part, members: Sequence[int], count: int, keep_desa: bool) -> Job:
    """The solver's job for a part: its feasible stops ``members`` with the office and every terminal."""
    n, n_terminals = part.n_stops, len(part.terminals.nodes)
    keep = (0, *members, *(n + 1 + k for k in range(n_terminals)))
    local = {old: new for new, old in enumerate(keep)}
    vehicles = part.terminals.vehicles({k: local[n + 1 + k] for k in range(n_terminals)}, count)
    together: tuple[tuple[int, ...], ...] = ()
    if keep_desa:
        by_desa: dict[str, list[int]] = {}
        for i in members:
            by_desa.setdefault(normalise_name(part.stops[i - 1].household.first.desa), []).append(local[i])
        together = tuple(tuple(v) for v in by_desa.values() if len(v) > 1)
    return Job(keep, part.problem.subset(keep, vehicles, len(members), together))


def _preview(located: LocatedDay, stop: threading.Event) -> Preview:
    """The located stops as the writers may see them before the solve."""
    return Preview(tuple(s.location.point for s in located.stops),
                   tuple(tuple(card_of(r) for r in s.household.records) for s in located.stops), stop)


def plan_day(records: RecordSet, network: RoadNetwork, settings: Settings, day: dt.date,
             gazetteer: Gazetteer | None = None, *, confirmed: Mapping[str, LatLon] | None = None,
             online: OnlineGeocoder | None = None, couriers: Sequence[Courier] | None = None,
             synthetic: bool = False, progress: Progress = SILENT, learned: Learned | None = None,
             prepare: Prepare | None = None) -> Plan:
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
    progress
        Told of each stage, and of the search while it runs.
    learned
        Where households' cards were handed over before (the ledger's
        :meth:`~routing.ledger.Ledger.learned_locations`): their later cards are planned there.
    prepare
        Given a :class:`~routing.outputs.Preview` of the located stops in a thread while the solver
        runs (the writers' preparation, :func:`routing.outputs.while_solving`).

    Raises
    ------
    InputError
        When the depot is not near the road network, or options contradict each other.
    """
    shift = settings.shift_for(day)
    located = locate_stops(records, network, settings, gazetteer, confirmed, online, progress, learned)
    fleet = tuple(couriers) if couriers else default_fleet(settings)
    ends = terminals(network, settings, fleet, shift, named=couriers is not None)
    members_of = groups(located.stops, settings.group_by)
    workers = min(len(members_of), os.cpu_count() or 1)
    check_size([len(m) for m in members_of], len(ends.nodes), workers, settings.group_by)

    parts: list[Part] = []
    feasible_of: list[list[int]] = []
    unassigned = list(located.unassigned)
    for members in members_of:
        part = build_part(located, members, ends, network, settings, day, progress)
        feasible, unserviceable = screen(part)
        unassigned += unserviceable
        if feasible:
            parts.append(part)
            feasible_of.append(feasible)
    if couriers is not None and len(parts) > 1:
        raise InputError("--group-by works with --couriers N or with as many couriers as needed, "
                         "not with a couriers file; use --group-by none")
    counts = (share_couriers([(p.travel_s[np.ix_([0, *f], [0, *f])], [p.problem.service_s[i] for i in f])
                              for p, f in zip(parts, feasible_of)], shift.reserved(settings.shift_reserve_s),
                             settings.couriers)
              if couriers is None else [len(fleet)] * len(parts))
    jobs = [job_for(p, f, k, bool(settings.keep_desa_cost)) for p, f, k in zip(parts, feasible_of, counts)]
    total = sum(len(f) for f in feasible_of) or 1
    cores = settings.solver_workers or os.cpu_count() or 1
    workers = min(len(jobs), cores)
    limits = [max(1, round(settings.time_limit_s * workers * len(f) / total)) if len(jobs) > 1
              else settings.time_limit_s for f in feasible_of]
    mode = "deterministic" if settings.deterministic else f"up to {settings.time_limit_s} s"
    progress.note(f"solving {sum(len(f) for f in feasible_of)} stops in {len(jobs)} group(s) with up to "
                  f"{sum(len(j.problem.vehicles) for j in jobs)} couriers ({mode})")
    solving = time.monotonic()
    with while_solving(prepare, functools.partial(_preview, located)):
        solutions = solve_many([j.problem for j in jobs], limits, settings.deterministic, workers, progress, cores)
        # Said before waiting for the preparation to end: that wait is the drawing's, not the solver's.
        progress.note(f"solved in {time.monotonic() - solving:.1f} s")

    fixed = settings.couriers if couriers is None else len(couriers)
    hours = shift.label() + (f", back {settings.shift_reserve_s // 60} min before the end"
                             if settings.shift_reserve_s else "")
    binding = (f"all {fixed} couriers' shifts ({hours}) are full" if fixed
               else f"no room within the couriers' shifts ({hours})")
    routes = []
    for part, job, solution in zip(parts, jobs, solutions):
        route_drafts, dropped = drafts([job], [solution])
        route_drafts = [in_search_order(d, part.stops, part.problem) for d in route_drafts]
        routes += [dataclasses.replace(r, shift=ends.shift_of(r.courier_id))
                   for r in build_routes(route_drafts, part.stops, part.terminals.nodes, located.depot, part.travel_s,
                                         part.dist_m, part.problem.service_s, network)]
        for i in dropped:
            unassigned += [Unassigned(card_of(r), "no_capacity", binding) for r in part.stops[i - 1].household.records]
    if couriers is not None:
        names = {c.courier_id: c.nama for c in couriers}
        routes = [dataclasses.replace(r, courier_name=names.get(r.courier_id, "")) for r in routes]
    else:
        routes.sort(key=lambda r: (r.visits[0].stop_id if r.visits else ""))
        routes = [dataclasses.replace(r, courier_id=f"K{k:02d}") for k, r in enumerate(routes, start=1)]
    unassigned.sort(key=lambda u: u.card.row)
    return Plan(date=day, depot=settings.depot, cards_in=records.rows, routes=tuple(routes),
                unassigned=tuple(unassigned), rejected=records.rejected,
                review=tuple(sorted(located.review, key=lambda r: r.row)),
                source=records.path, network=network.source, synthetic=synthetic,
                meta={"shift": shift.label(), "couriers_available": sum(len(j.problem.vehicles) for j in jobs),
                      "time_limit_s": settings.time_limit_s, "deterministic": settings.deterministic,
                      "group_by": settings.group_by, "groups": len(jobs),
                      "depot_snap_m": located.depot.distance_m, "solver_workers": cores,
                      "office_name": settings.office_name, "snap_warn_m": settings.snap_warn_m,
                      "notify": settings.notify, "arrival_error_p80_s": settings.arrival_error_p80_s,
                      "clock": settings.clock(),
                      "region": located.region.to_json()})
