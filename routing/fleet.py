"""The day's couriers as vehicles: how many are needed, where each starts and ends, who goes where.

Couriers come from ``--couriers N`` (all at the office on the day's hours) or a couriers file
(:mod:`routing.couriers`) with homes, open ends, own hours and stop limits. Their own start and
end points become extra locations after the stops ("terminals"); an open end is reached from
anywhere at no cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.clock import Shift
from routing.config import Settings
from routing.couriers import Courier
from routing.errors import InputError
from routing.geo import LatLon
from routing.roads.network import RoadNetwork
from routing.roads.snap import Snap, snap
from routing.solver.problem import Vehicle


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


@dataclass(frozen=True, slots=True)
class Terminals:
    """Couriers' own start and end points, in location order after the stops.

    Attributes
    ----------
    nodes
        Where each terminal meets the road network; ``None`` stands for an open end.
    ends
        Per courier, the terminal index of its start and end (-1: the office).
    custom
        Whether any courier differs from the office's default (own points, hours or limits).
    """

    fleet: tuple[Courier, ...]
    shift: Shift
    nodes: tuple[Snap | None, ...]
    ends: tuple[tuple[int, int], ...]
    custom: bool
    #: Seconds each shift is filled short of its end (``shift_reserve_s``, :meth:`Shift.reserved`).
    reserve_s: int = 0

    def vehicles(self, where: dict[int, int], count: int) -> tuple[Vehicle, ...]:
        """Vehicles of a (sub)problem, given where each terminal index sits in it, and how many to make.

        Their shifts are the couriers' shifts less the reserve: what the solver may fill.
        """
        if not self.custom:
            return tuple(Vehicle(f"K{v + 1:02d}", self.shift.reserved(self.reserve_s)) for v in range(count))
        return tuple(Vehicle(c.courier_id, (c.shift or self.shift).reserved(self.reserve_s), max_stops=c.max_stops,
                             start=0 if a < 0 else where[a], end=0 if b < 0 else where[b])
                     for c, (a, b) in zip(self.fleet, self.ends))

    def shift_of(self, courier_id: str) -> Shift:
        """The courier's own shift, the reserve not taken off (what the sheets show)."""
        if self.custom:
            for c in self.fleet:
                if c.courier_id == courier_id:
                    return c.shift or self.shift
        return self.shift


def terminals(network: RoadNetwork, settings: Settings, fleet: Sequence[Courier], shift: Shift,
              named: bool = False) -> Terminals:
    """Snap couriers' own start/end points, each distinct point once.

    ``named``: the couriers come from the office's file, so their own ids are kept even when nothing
    else sets them apart.

    Raises
    ------
    InputError
        When a courier's point is farther than ``snap_max_m`` from the network.
    """
    nodes: list[Snap | None] = []
    slot: dict[object, int] = {}

    def terminal(point: LatLon | None, open_end: bool, who: str) -> int:
        if point is None and not open_end:
            return -1  # the office
        key: object = "open" if open_end or point is None else (point.lat, point.lon)
        if key not in slot:
            if open_end or point is None:
                nodes.append(None)
            else:
                (sn,) = snap(network, [point])
                if sn.distance_m > settings.snap_max_m:
                    raise InputError(f"courier {who}: {point} is {sn.distance_m} m from the nearest road of the "
                                     f"network; give a point inside the network's area")
                nodes.append(sn)
            slot[key] = len(nodes) - 1
        return slot[key]

    ends = tuple((terminal(c.start, False, c.courier_id), terminal(c.end, c.open_end, c.courier_id)) for c in fleet)
    custom = named or any(c.start or c.end or c.open_end or c.shift or c.max_stops for c in fleet)
    return Terminals(tuple(fleet), shift, tuple(nodes), ends, custom, settings.shift_reserve_s)


def with_open_end(m: np.ndarray, terminals: Sequence[Snap | None]) -> np.ndarray:
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


def share_couriers(groups: Sequence[tuple[np.ndarray, Sequence[int]]], shift: Shift, fixed: int | None) -> list[int]:
    """Couriers per group: each group's own estimate, or ``fixed`` split in proportion to the work.

    Parameters
    ----------
    groups
        Per group, its travel matrix (office first, then its stops) and its stops' service times.
    """
    need = [estimate_couriers(travel, list(service), shift) for travel, service in groups]
    if fixed is None or len(groups) <= 1:
        return need if fixed is None else [fixed] * len(groups)
    if fixed < len(groups):
        raise InputError(f"{fixed} couriers cannot cover {len(groups)} groups separately; "
                         f"use --group-by kecamatan or none, or more couriers")
    work = [sum(service) or 1 for _, service in groups]
    share = [max(1, int(fixed * w / sum(work))) for w in work]
    while sum(share) < fixed:  # give the rest to the groups with the most work per courier
        share[max(range(len(share)), key=lambda g: work[g] / share[g])] += 1
    while sum(share) > fixed:
        share[max((g for g in range(len(share)) if share[g] > 1), key=lambda g: share[g] / work[g])] -= 1
    return share
