"""The vehicle-routing problem as plain integer data: what the solver module is given.

Location 0 is the depot; locations 1..n are stops; locations after the stops are couriers'
own start and end points (a home, or an "open" end that is reached from anywhere at no cost).
Times are whole seconds after midnight, travel in whole seconds. Nothing here knows about cards,
files or OR-Tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from routing.clock import Shift


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One courier's motorbike for the day."""

    courier_id: str
    shift: Shift
    max_stops: int | None = None
    #: How much the vehicle carries, in the unit of ``Problem.demand`` (None: unlimited).
    capacity: int | None = None
    #: Location indices where the day starts and ends (0 = the office).
    start: int = 0
    end: int = 0

    def __post_init__(self) -> None:
        if not self.courier_id:
            raise ValueError("courier id is empty")
        if self.start < 0 or self.end < 0:
            raise ValueError("start and end must be location indices")
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
    #: Stops are locations 1..n_stops; ``None`` means every location but the depot.
    stops: int | None = None
    #: Cost per second of the longest working day (0: off); evens out the couriers' days.
    balance_cost: int = 0
    #: Groups of stops (e.g. one desa) that should stay with one courier, and the cost of
    #: each extra courier a group is split over.
    keep_together: tuple[tuple[int, ...], ...] = ()
    keep_together_cost: int = 0
    #: Optional time window per location ``(earliest, latest)`` service start; None = any time.
    windows: tuple[tuple[int, int] | None, ...] | None = None
    #: Optional load per location (with ``Vehicle.capacity``).
    demand: tuple[int, ...] | None = None

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
        if self.stops is not None and not 0 <= self.stops < n:
            raise ValueError(f"stops={self.stops} does not fit {n} locations")
        if self.windows is not None and len(self.windows) != n:
            raise ValueError("windows must have one entry per location")
        if self.windows is not None and any(w is not None and not 0 <= w[0] <= w[1] for w in self.windows):
            raise ValueError("a time window must have 0 <= earliest <= latest")
        if self.demand is not None and (len(self.demand) != n or min(self.demand) < 0):
            raise ValueError("demand must have one non-negative entry per location")
        for v in self.vehicles:
            if v.start >= n or v.end >= n or 1 <= v.start <= self.n_stops or 1 <= v.end <= self.n_stops:
                raise ValueError(f"vehicle {v.courier_id}: start/end must be the depot or a terminal location")

    def subset(self, locations: Sequence[int], vehicles: tuple[Vehicle, ...], stops: int,
               keep_together: tuple[tuple[int, ...], ...] = ()) -> Problem:
        """The problem restricted to ``locations``, renumbered in that order.

        Parameters
        ----------
        locations
            Old indices: the depot (0) first, then the ``stops`` stops, then terminals.
        vehicles
            The couriers of the smaller problem, their start and end already renumbered.
        stops
            How many of ``locations`` after the depot are stops.
        keep_together
            Groups in the new numbering.
        """
        idx = np.asarray(locations, dtype=np.int64)

        def pick(values: Sequence[int]) -> tuple[int, ...]:
            return tuple(values[i] for i in locations)

        return replace(self, travel_s=self.travel_s[np.ix_(idx, idx)], service_s=pick(self.service_s),
                       penalty=pick(self.penalty), deadline_s=pick(self.deadline_s), vehicles=vehicles,
                       stops=stops, keep_together=keep_together,
                       windows=None if self.windows is None else tuple(self.windows[i] for i in locations),
                       demand=None if self.demand is None else pick(self.demand))

    @property
    def n_stops(self) -> int:
        """Stops, excluding the depot and couriers' own start/end points."""
        return len(self.service_s) - 1 if self.stops is None else self.stops

    def meets_deadline(self, i: int, vehicle: Vehicle) -> bool:
        """Whether stop ``i`` can be reached before its deadline (and inside its window) riding straight there."""
        arrive = vehicle.shift.start_s + int(self.travel_s[vehicle.start, i])
        window = self.windows[i] if self.windows is not None else None
        if window is not None and (arrive > window[1] or window[0] + self.service_s[i]
                                   + int(self.travel_s[i, vehicle.end]) > vehicle.shift.end_s):
            return False
        return self.deadline_s[i] < 0 or arrive <= self.deadline_s[i]

    def fits_alone(self, i: int, vehicle: Vehicle) -> bool:
        """Whether stop ``i`` can be served by ``vehicle`` alone within its shift (break included)."""
        shift = vehicle.shift
        out_back = int(self.travel_s[vehicle.start, i]) + self.service_s[i] + int(self.travel_s[i, vehicle.end])
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
