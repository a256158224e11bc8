"""Plan against fact: each planned stop beside what the courier's phone said of it, and whether to believe it.

A recorded plan keeps, per card, when it has the courier at the door (ledger migration 6) and, per
route, its start and planned finish (migration 7). An outcome keeps the phone's tap time and position.
This module puts them side by side, one :class:`StopFact` per planned stop, and says of each tap time
whether it may be taken as the time the courier was at that door (:data:`TRUST_RULES`). ``status`` and
``report`` show the error of the believed times; :mod:`routing.calibration` fits the field's clock from
them and from nothing else.

Definitions, stated once:

- The courier taps a household's outcome when the card has been handed over (the page asks for the
  recipient's name first), so a tap marks the **end** of the visit. The plan's time for that moment is
  the planned arrival plus the planned time at the door; the **arrival error** of a stop is its tap
  minus that (positive: later than planned), the same error the arrival itself has when the time at
  the door is as planned.
- A stop's tap is the first outcome any of its cards got that day after the plan was recorded (a
  correction tapped later does not move it: the first tap is when the phone was at the door); the
  stop's outcome code and position are that tap's, except that a household where any card was
  delivered at that tap counts as delivered.
- Times are seconds after the plan day's midnight in the office's zone (:data:`OFFICE_UTC_OFFSET`); a tap
  the phone dated on the plan day in its own zone but that falls on another day in the office's is
  not believed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from routing.clock import Shift
from routing.config import Settings
from routing.errors import InputError, shown
from routing.geo import LatLon, haversine_m
from routing.learning import DESA_PRECISIONS, FAR_FROM_DESA_M, plausible
from routing.ledger import Ledger, Row

#: The office's zone (WIB, Asia/Jakarta has no daylight saving): phone times with another offset are
#: read in it, so they compare with the plan's clock.
OFFICE_UTC_OFFSET = dt.timezone(dt.timedelta(hours=7))

#: A tap this far or farther from where the plan put the household was not made at its door (metres):
#: wider than the doors' typing slack (tens of metres) and the phone's accuracy.
AT_DOOR_M = 250
#: A household the plan located by its desa or dusun name has no door to measure from: its tap is
#: believed within this of the desa (or dusun) point, the rule that also keeps such a fix from teaching
#: a location (:data:`routing.learning.FAR_FROM_DESA_M`).
IN_DESA_M = FAR_FROM_DESA_M
#: Taps more than this before the shift starts, or after it ends, are not a working day's (seconds): a
#: phone whose clock runs hours wrong (set to UTC, another zone). Late taps get more room: a day that
#: runs long still delivers, and its times are real.
EARLY_S = 3600
LATE_S = 6 * 3600
#: No motorbike rides a village ride faster than this on average (metres per second, 72 km/h).
FASTEST_MPS = 20.0

#: Why a stop's tap time is not believed; each is one check in :func:`doubt`.
TRUST_RULES = {
    "no_outcome": "no outcome recorded for the stop",
    "no_time": "the outcome has no time of day",
    "not_the_phone": "the outcome did not come from the planned courier's phone",
    "no_position": "no usable position with the tap (none, or not a real fix, or less accurate than 50 m)",
    "not_at_door": f"tapped {AT_DOOR_M} m or more from where the plan put the household ({IN_DESA_M} m from its desa "
                   "or dusun point when it was located by name)",
    "off_shift": "tapped more than an hour before the courier's shift, or more than six hours after it, or on "
                 "another day in the office's zone",
}


def clock_s(at: str, day: dt.date | None = None) -> int | None:
    """Seconds after the office's midnight of an outcome's stored time (``None`` without a time).

    The ledger stores the phone's wall clock, with the phone's offset when it gave one
    (:meth:`routing.outcome_rows.TapTime.on`); a bare date means the row had no time. With ``day``, the
    seconds are counted from that day's midnight in the office's zone: a time the phone dated on the plan
    day in its own zone may fall on the day before or after in the office's (below 0, or 86,400 and more).
    """
    if "T" not in at:
        return None
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(OFFICE_UTC_OFFSET)
    seconds = when.hour * 3600 + when.minute * 60 + when.second
    return seconds if day is None else seconds + (when.date() - day).days * 86400


def percentile(values: Sequence[int], q: float) -> int:
    """The ``q`` quantile (0..1) of ``values`` by linear interpolation, rounded to whole seconds."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


@dataclass(frozen=True, slots=True)
class StopFact:
    """One planned stop and what the field said of it.

    Attributes
    ----------
    seq, cards
        The stop's number on the route and how many cards it holds.
    planned_s, service_s, travel_s, travel_main_s, distance_m
        The plan's clock for it: arrival, time at the door, the ride in (and its seconds on main roads,
        ``None`` for plans recorded before they were kept) and its length.
    precision, point
        How and where the plan located the household.
    tap_s, outcome, position, accuracy_m, phone
        The first tap (seconds after midnight, ``None`` without one), its outcome code, the phone's
        position and accuracy, and the courier the outcome came from.
    doubt
        ``""`` when the tap time is believed, else the :data:`TRUST_RULES` key that refuses it.
    """

    seq: int
    cards: int
    planned_s: int
    service_s: int
    travel_s: int
    travel_main_s: int | None
    distance_m: int
    precision: str
    point: LatLon
    tap_s: int | None = None
    outcome: str = ""
    position: LatLon | None = None
    accuracy_m: float | None = None
    phone: str = ""
    doubt: str = "no_outcome"

    def __post_init__(self) -> None:
        if self.seq < 1 or self.cards < 1 or min(self.planned_s, self.service_s, self.travel_s, self.distance_m) < 0:
            raise ValueError(f"stop {self.seq}: impossible plan figures in {self}")
        if self.doubt and self.doubt not in TRUST_RULES:
            raise ValueError(f"stop {self.seq}: unknown doubt {self.doubt!r}")
        if self.tap_s is None and self.doubt not in ("no_outcome", "no_time"):
            raise ValueError(f"stop {self.seq}: a doubt about a time it does not have")

    @property
    def trusted(self) -> bool:
        """Whether the tap time is believed to be the end of the visit."""
        return not self.doubt

    @property
    def searched(self) -> bool:
        """Whether the plan had the courier ask around for the door (a desa or dusun point)."""
        return self.precision in DESA_PRECISIONS

    @property
    def planned_tap_s(self) -> int:
        """When the plan has the visit end: arrival plus the time at the door."""
        return self.planned_s + self.service_s

    @property
    def error_s(self) -> int | None:
        """The tap minus :attr:`planned_tap_s` (``None`` without a tap)."""
        return None if self.tap_s is None else self.tap_s - self.planned_tap_s


@dataclass(frozen=True, slots=True)
class RouteFact:
    """One courier's planned day beside the field.

    ``shift``, the planned ``start_s``/``end_s`` and ``clock`` (the settings the plan timed it with,
    :meth:`routing.config.Settings.clock`) come from the recorded route (``None`` and empty for plans
    recorded before routes were kept).
    """

    day: dt.date
    courier_id: str
    stops: tuple[StopFact, ...]
    shift: Shift | None = None
    start_s: int | None = None
    end_s: int | None = None
    clock: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.courier_id:
            raise ValueError("a route fact needs its courier")
        if [s.seq for s in self.stops] != sorted({s.seq for s in self.stops}):
            raise ValueError(f"{self.day} {self.courier_id}: stops out of order or repeated")

    @property
    def trusted(self) -> tuple[StopFact, ...]:
        """The stops whose tap time is believed."""
        return tuple(s for s in self.stops if s.trusted)


def doubt(stop: StopFact, planned_courier: str, shift: Shift | None) -> str:
    """Why ``stop``'s tap time is not the end of its visit, or ``""`` (see :data:`TRUST_RULES`).

    The rules of the courier's page and ``outcomes`` already refused what could not be recorded (a
    time of another day, a tap ahead of the office's clock, a card not on the courier's route); these
    are the further checks a time must pass before it may teach the plan's clock.
    """
    if not stop.outcome:
        return "no_outcome"
    if stop.tap_s is None:
        return "no_time"
    if stop.phone != planned_courier:
        return "not_the_phone"
    if stop.position is None or not plausible(stop.position, stop.accuracy_m):
        return "no_position"
    if haversine_m(stop.position, stop.point) >= (IN_DESA_M if stop.searched else AT_DOOR_M):
        return "not_at_door"
    if not 0 <= stop.tap_s < 86400 or (shift is not None
                                       and not shift.start_s - EARLY_S <= stop.tap_s <= shift.end_s + LATE_S):
        return "off_shift"
    return ""


def route_facts(ledger: Ledger, first: dt.date, last: dt.date) -> tuple[RouteFact, ...]:
    """Every route recorded for a plan day from ``first`` to ``last``, each stop beside its first tap.

    A card counts on its latest plan of the day; its tap is the first outcome event after that plan
    (superseded or not). A route is one courier's in one recorded plan (a courier planned twice in a day
    has two). Routes are ordered by day, courier and plan.
    """
    rows = ledger.db.execute(
        "SELECT p.day, p.courier_id, p.plan_id, p.stop_seq, p.stop_cards, p.planned_s, p.service_s, p.travel_s, "
        "p.travel_main_s, p.distance_m, p.precision, p.lat, p.lon, o.at AS o_at, o.outcome AS o_outcome, "
        "o.lat AS o_lat, o.lon AS o_lon, o.accuracy_m AS o_accuracy, coalesce(o.courier_id, '') AS o_courier "
        "FROM events p "
        "LEFT JOIN events o ON o.id = (SELECT min(id) FROM events WHERE nik = p.nik AND +day = p.day "
        "                              AND outcome IS NOT NULL AND id > p.id) "
        "WHERE p.state = 'planned' AND p.day BETWEEN ? AND ? AND p.planned_s IS NOT NULL "
        "AND p.id = (SELECT max(id) FROM events WHERE nik = p.nik AND +state = 'planned' AND +day = p.day) "
        "ORDER BY p.day, p.courier_id, p.plan_id, p.stop_seq",
        (first.isoformat(), last.isoformat()))
    # A route is one courier's in one recorded plan: a second plan of the day numbers its stops from 1
    # too. Plans recorded before plans were numbered (plan_id NULL) are one route per courier and day.
    cards: dict[tuple[str, str, int, int], list[Row]] = defaultdict(list)
    for r in rows:
        cards[(r["day"], r["courier_id"] or "?", r["plan_id"] or 0, int(r["stop_seq"] or 0))].append(r)
    plans = {(r["day"], r["courier_id"], r["plan_id"]): r for r in ledger.db.execute(
        "SELECT * FROM plan_routes WHERE day BETWEEN ? AND ?", (first.isoformat(), last.isoformat()))}
    shifts = {key: Shift(plan["shift_start_s"], plan["shift_end_s"], plan["break_start_s"], plan["break_end_s"])
              for key, plan in plans.items()}
    by_route: dict[tuple[str, str, int], list[StopFact]] = defaultdict(list)
    for (day, courier, plan_id, seq), members in cards.items():
        by_route[(day, courier, plan_id)].append(_stop(seq, members, courier, shifts.get((day, courier, plan_id))))
    out = []
    for key, stops in sorted(by_route.items()):
        plan = plans.get(key)
        out.append(RouteFact(dt.date.fromisoformat(key[0]), key[1], _unique(sorted(stops, key=lambda s: s.seq)),
                             shifts.get(key), None if plan is None else plan["start_s"],
                             None if plan is None else plan["end_s"],
                             {} if plan is None else _recorded_clock(plan["clock"], ledger, key)))
    return tuple(out)


def _recorded_clock(text: str | None, ledger: Ledger, key: tuple[str, str, int]) -> dict[str, Any]:
    """The clock a recorded route was timed with (``plan_routes.clock``), checked as the settings it was.

    Raises
    ------
    InputError
        When it is not what ``plan --db`` wrote (a ledger changed outside ektp-route): one line naming
        the ledger, the route and the value, where the sums would otherwise fail far from the cause.
    """
    try:
        data = json.loads(text or "{}")
    except (ValueError, RecursionError):  # RecursionError: arrays nested a hundred thousand deep
        data = None
    if isinstance(data, dict):
        known = {f.name for f in fields(Settings)}
        try:
            Settings(**{k: v for k, v in data.items() if k in known})
            return data
        except (InputError, TypeError) as exc:
            detail = str(exc)
    else:
        detail = "not a JSON object"
    raise InputError(f"{ledger.path}, table plan_routes, day {key[0]}, courier {shown(key[1])}: the plan's clock "
                     f"{shown(text)} cannot be read ({detail}); the ledger was changed outside ektp-route")


def _stop(seq: int, members: Sequence[Row], courier: str, shift: Shift | None) -> StopFact:
    """A stop from its cards' rows: the plan's figures from the first, the tap from the earliest tapped
    card, and whether to believe it (:func:`doubt`). Built once: a 60-day report reads 30,000 of them."""
    first = members[0]
    plan = dict(seq=max(1, seq), cards=max(1, int(first["stop_cards"] or len(members))),
                planned_s=int(first["planned_s"]), service_s=int(first["service_s"] or 0),
                travel_s=int(first["travel_s"] or 0), travel_main_s=first["travel_main_s"],
                distance_m=int(first["distance_m"] or 0), precision=first["precision"] or "",
                point=LatLon(first["lat"], first["lon"]) if first["lat"] is not None else LatLon(0.0, 0.0))
    day = dt.date.fromisoformat(first["day"])
    timed = [(t, r) for r in members if r["o_at"] is not None and (t := clock_s(r["o_at"], day)) is not None]
    if not timed:
        outcomes = [str(r["o_outcome"]) for r in members if r["o_outcome"] is not None]
        return StopFact(**plan, outcome=outcomes[0] if outcomes else "",
                        doubt="no_time" if outcomes else "no_outcome")
    tap, r = min(timed, key=lambda x: x[0])
    position = LatLon(r["o_lat"], r["o_lon"]) if r["o_lat"] is not None and r["o_lon"] is not None else None
    # A household with one card delivered and another refused at the same tap was visited as a delivery.
    code = "DT" if any(t == tap and row["o_outcome"] == "DT" for t, row in timed) else str(r["o_outcome"])
    stop = StopFact(**plan, tap_s=tap, outcome=code, position=position,
                    accuracy_m=r["o_accuracy"], phone=r["o_courier"], doubt="")
    why = doubt(stop, courier, shift)
    return replace(stop, doubt=why) if why else stop


def _unique(stops: Iterable[StopFact]) -> tuple[StopFact, ...]:
    """One stop per number (a re-plan of the day numbering two households alike keeps the first)."""
    seen: dict[int, StopFact] = {}
    for s in stops:
        seen.setdefault(s.seq, s)
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class CourierDay:
    """What ``status`` shows of one courier's day: plan against fact.

    ``timed`` stops have a tap time, ``trusted`` ones a believed one; the errors are over the believed
    ones (``None`` without any). ``finish_s`` is the planned finish (back at the office), and
    ``field_finish_s`` the finish the field points to: the planned one moved by the error of the last
    believed stop (``None`` when either is unknown).
    """

    day: dt.date
    courier_id: str
    stops: int
    timed: int
    trusted: int
    error_median_s: int | None
    error_p90_s: int | None
    finish_s: int | None
    field_finish_s: int | None

    def __post_init__(self) -> None:
        if not 0 <= self.trusted <= self.timed <= self.stops:
            raise ValueError(f"{self.day} {self.courier_id}: trusted <= timed <= stops does not hold")
        if (self.error_median_s is None) != (self.trusted == 0):
            raise ValueError(f"{self.day} {self.courier_id}: errors without believed times, or the reverse")


def courier_days(routes: Iterable[RouteFact]) -> tuple[CourierDay, ...]:
    """Plan against fact per day and courier (see :class:`CourierDay`)."""
    out = []
    for r in routes:
        errors = [e for s in r.trusted if (e := s.error_s) is not None]
        last = max(r.trusted, key=lambda s: s.seq) if r.trusted else None
        field = None if last is None or last.error_s is None or r.end_s is None else r.end_s + last.error_s
        out.append(CourierDay(r.day, r.courier_id, len(r.stops), sum(s.tap_s is not None for s in r.stops),
                              len(errors), percentile(errors, 0.5) if errors else None,
                              percentile(errors, 0.9) if errors else None, r.end_s, field))
    return tuple(out)
