"""The vehicle-routing problem as plain integer data: what the solver module is given.

Location 0 is the depot; locations 1..n are stops. Times are whole seconds after midnight,
travel in whole seconds. Nothing here knows about cards, files or OR-Tools.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.config import Shift


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One courier's motorbike for the day."""

    courier_id: str
    shift: Shift
    max_stops: int | None = None

    def __post_init__(self) -> None:
        if not self.courier_id:
            raise ValueError("courier id is empty")
        if self.max_stops is not None and self.max_stops < 1:
            raise ValueError(f"max_stops must be >= 1, got {self.max_stops}")


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """Integer routing data.

    Attributes
    ----------
    travel_s
        ``(n+1, n+1)`` travel seconds, depot first.
    service_s
        Service seconds per location (0 for the depot).
    penalty
        Cost of leaving each location out (0 for the depot, unused).
    vehicles
        The couriers available.
    fixed_cost
        Cost of using a courier at all, in the same unit as travel seconds.
    deadline_s
        Latest service start per location, or -1 for none.
    """

    travel_s: np.ndarray
    service_s: tuple[int, ...]
    penalty: tuple[int, ...]
    vehicles: tuple[Vehicle, ...]
    fixed_cost: int
    deadline_s: tuple[int, ...]

    def __post_init__(self) -> None:
        n = len(self.service_s)
        if self.travel_s.shape != (n, n):
            raise ValueError(f"travel matrix is {self.travel_s.shape}, expected {(n, n)}")
        if len(self.penalty) != n or len(self.deadline_s) != n:
            raise ValueError("per-location arrays differ in length")
        if not self.vehicles:
            raise ValueError("a problem needs at least one vehicle")
        if min(self.service_s, default=0) < 0 or self.fixed_cost < 0:
            raise ValueError("service times and fixed cost must be >= 0")

    @property
    def n_stops(self) -> int:
        """Stops, excluding the depot."""
        return len(self.service_s) - 1

    def meets_deadline(self, i: int, shift: Shift) -> bool:
        """Whether stop ``i`` can be reached before its deadline by riding straight there."""
        return self.deadline_s[i] < 0 or shift.start_s + int(self.travel_s[0, i]) <= self.deadline_s[i]

    def fits_alone(self, i: int, shift: Shift) -> bool:
        """Whether stop ``i`` can be served by itself within ``shift`` (break included)."""
        out_back = int(self.travel_s[0, i]) + self.service_s[i] + int(self.travel_s[i, 0])
        if shift.break_start_s is not None and shift.start_s + out_back <= shift.break_start_s:
            return True
        return out_back + shift.break_s <= shift.end_s - shift.start_s


@dataclass(frozen=True, slots=True)
class Stop:
    """A visit in a solved route: location index and the time service starts."""

    location: int
    arrival_s: int


@dataclass(frozen=True, slots=True)
class Solution:
    """Solver output: one sequence of stops per vehicle (empty when unused), and dropped stops."""

    routes: tuple[tuple[Stop, ...], ...]
    starts_s: tuple[int, ...]
    ends_s: tuple[int, ...]
    dropped: tuple[int, ...]
    objective: int
    status: str
