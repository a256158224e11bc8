"""What deliveries teach: where a household's door really is, from the couriers' GPS, checked first.

A card handed over (outcome ``DT``) with a plausible phone position is one :class:`Fix`: evidence,
kept for good in the ledger's events. A household's point is derived from its fixes each time a plan
is made (:func:`learn`, :meth:`Learned.for_household`), never stored, so a rule changed here applies
to all the evidence at once and a wrong fix can be set aside without losing the others.

A phone's position is a claim to check, not a fact:

* Only a plausible position teaches (:func:`plausible`): finite, in range, with an accuracy above
  0 and at most :data:`LEARN_ACCURACY_M`. A phone that says it is exact (0 m) is not a GPS fix.
* Only ``DT`` teaches. A ``TR`` (not at home) is usually at the door too, but ``AT`` (address not
  found) and ``PA`` (moved away) are recorded where the courier gave up, which may be anywhere.
* One position standing for :data:`CLUSTER_HOUSEHOLDS` or more households in one courier's day (all
  within :data:`CLUSTER_M` of it) teaches none of them: a phone stuck on its last fix, or outcomes
  tapped at the office, put many doors at one point (:func:`screen`).
* A position more than :data:`FAR_FROM_DESA_M` from the desa (or dusun) point the plan used for the
  card teaches nothing: the household cannot live there. The ledger keeps where each stop was put;
  desa polygons are not known when outcomes are recorded, so the distance stands in for them. When
  the plan put the card elsewhere (typed coordinates, an earlier learned or confirmed point), there
  is no desa point to check against and this rule does not apply.
* A household's point is a robust centre of its fixes (:func:`centre`): the median of the largest
  group that agree within :data:`OUTLIER_M`, the earlier group winning a tie; one fix far from the
  others does not move it.

Learned points are found by the household's KK number and by its normalised address
(:func:`routing.households.address_text`). An address teaches and learns only when it has a street
line: a bare dusun/RT/desa is dozens of doors. The officer has the last word: a location confirmed
after a household's fixes overrules them (:meth:`Learned.overruled_by`), and ``ektp-route forget``
drops them (:meth:`routing.ledger.Ledger.forget`); fixes made later teach again.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from routing.geo import LatLon, haversine_m
from routing.households import Household, address_text
from routing.outcome_rows import Position
from routing.records import Record

#: A phone position teaches the household's location only when at least this accurate (metres).
LEARN_ACCURACY_M = 50.0
#: When the learned point is farther than this from where the plan had put the household, the
#: officer is told: the planned location (a desa point, a typed coordinate) was wrong.
WRONG_PLAN_M = 300
#: A fix farther than this from the household's other fixes does not move its point (metres).
OUTLIER_M = 100
#: Fixes within this of one position (metres) ...
CLUSTER_M = 15
#: ... for this many households or more, in one courier's day, teach none of them.
CLUSTER_HOUSEHOLDS = 3
#: A fix farther than this from the desa or dusun point the plan used teaches nothing (metres).
FAR_FROM_DESA_M = 3000
#: Planned precisions whose point stands for the household's desa (see :mod:`routing.geocode`).
DESA_PRECISIONS = ("desa", "dusun")

_M_PER_DEG = 111_320.0


def plausible(point: LatLon | None, accuracy_m: float | None) -> bool:
    """True when a phone position may teach: finite and in range, accuracy in (0, :data:`LEARN_ACCURACY_M`]."""
    if point is None or accuracy_m is None:
        return False
    in_range = (math.isfinite(point.lat) and math.isfinite(point.lon) and -90 <= point.lat <= 90
                and -180 <= point.lon <= 180)
    if not (in_range and math.isfinite(accuracy_m) and 0 < accuracy_m <= LEARN_ACCURACY_M):
        return False
    # The bounds the ledger flags when a row is read (0,0, the ends of the ranges, 0.5 m), on the stored values.
    return not Position(point, accuracy_m).doubt


def moment(text: str, day: dt.date) -> dt.datetime:
    """When a fix was taken, from an event's ``at`` (ISO, with or without an offset), else the day's start.

    An offset is turned into this machine's local time, as the officer's confirmations are kept.
    """
    try:
        when = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return dt.datetime.combine(day, dt.time())
    return when.astimezone().replace(tzinfo=None) if when.tzinfo is not None else when


@dataclass(frozen=True, slots=True)
class Fix:
    """One delivered card's phone position: evidence of where its household's door is.

    Attributes
    ----------
    nik, kk, address
        The card, its household's KK number (may be empty) and normalised address key.
    point, accuracy_m
        The phone's position and its accuracy (metres); :func:`plausible`, or the fix is refused.
    at, day
        When the outcome was tapped, and the delivery day.
    courier
        The courier whose phone it was (empty when the file did not say).
    planned
        The desa or dusun point the plan used for the card, or ``None`` when the plan put it elsewhere.
    event, row
        The ledger event that keeps it (0 before it is recorded), and its outcomes file row (0 when
        read back from the ledger).
    """

    nik: str
    kk: str
    address: str
    point: LatLon
    accuracy_m: float
    at: dt.datetime
    day: dt.date
    courier: str = ""
    planned: LatLon | None = None
    event: int = 0
    row: int = 0

    def __post_init__(self) -> None:
        if not plausible(self.point, self.accuracy_m):
            raise ValueError(f"position {self.point} \u00b1{self.accuracy_m!r} m does not teach a location "
                             f"(accuracy above 0 and at most {LEARN_ACCURACY_M:g} m)")

    @property
    def household(self) -> str:
        """The household as the ledger's lines name it: ``kk:NUMBER``, else ``addr:KEY``."""
        return f"kk:{self.kk}" if self.kk else f"addr:{self.address}"


def fix_of(r: Record, point: LatLon, accuracy_m: float, at: dt.datetime, day: dt.date, courier: str = "",
           planned: LatLon | None = None, event: int = 0, row: int = 0) -> Fix:
    """A delivered card's fix (see :class:`Fix`)."""
    return Fix(r.nik, r.no_kk, address_text(r), point, accuracy_m, at, day, courier, planned, event, row)


@dataclass(frozen=True, slots=True)
class LearnedPoint:
    """Where a household's door is, from its fixes: the robust centre, how sure, and how much agrees.

    Attributes
    ----------
    point
        The median of the agreeing fixes.
    accuracy_m
        Their median accuracy (metres).
    day
        The newest agreeing fix's day.
    fixes, outliers
        How many fixes agree, and how many were set aside as too far from them.
    """

    point: LatLon
    accuracy_m: float
    day: dt.date
    fixes: int = 1
    outliers: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.accuracy_m <= LEARN_ACCURACY_M:
            raise ValueError(f"accuracy {self.accuracy_m} m does not teach a location "
                             f"(above 0, at most {LEARN_ACCURACY_M:g} m)")
        if self.fixes < 1 or self.outliers < 0:
            raise ValueError(f"a learned point needs a fix ({self.fixes} agree, {self.outliers} set aside)")


def centre(fixes: Sequence[Fix]) -> LearnedPoint | None:
    """The robust centre of one household's fixes, given in time order; ``None`` without fixes.

    The fix with the most others within :data:`OUTLIER_M` (itself included) leads, the earliest on
    a tie, so a single later fix that disagrees with an established point never moves it; the point
    is the median latitude and longitude of the fixes within :data:`OUTLIER_M` of the leader.
    """
    if not fixes:
        return None
    support = [[g for g in fixes if haversine_m(f.point, g.point) <= OUTLIER_M] for f in fixes]
    lead = max(range(len(fixes)), key=lambda i: (len(support[i]), -i))
    group = support[lead]
    point = LatLon(statistics.median(f.point.lat for f in group), statistics.median(f.point.lon for f in group))
    return LearnedPoint(point, statistics.median(f.accuracy_m for f in group), max(f.day for f in group),
                        len(group), len(fixes) - len(group))


@dataclass(frozen=True, slots=True)
class Cluster:
    """Fixes of one courier's day that stand for many households at one position: none teaches."""

    courier: str
    day: dt.date
    fixes: tuple[Fix, ...]

    def __post_init__(self) -> None:
        if len({f.household for f in self.fixes}) < CLUSTER_HOUSEHOLDS:
            raise ValueError(f"a cluster stands for {CLUSTER_HOUSEHOLDS} households or more")

    @property
    def point(self) -> LatLon:
        """The median position of the cluster's fixes."""
        return LatLon(statistics.median(f.point.lat for f in self.fixes),
                      statistics.median(f.point.lon for f in self.fixes))

    @property
    def households(self) -> int:
        """How many households the one position stood for."""
        return len({f.household for f in self.fixes})


@dataclass(frozen=True, slots=True)
class FarFix:
    """A fix farther than :data:`FAR_FROM_DESA_M` from the desa point the plan used: it teaches nothing."""

    fix: Fix
    gap_m: int

    def __post_init__(self) -> None:
        if self.fix.planned is None or self.gap_m <= FAR_FROM_DESA_M:
            raise ValueError(f"{self.gap_m} m from the desa point is not far ({FAR_FROM_DESA_M} m)")


@dataclass(frozen=True, slots=True)
class Screened:
    """Fixes sorted into those that teach and those that cannot (clustered, or far from their desa)."""

    teaching: tuple[Fix, ...]
    clusters: tuple[Cluster, ...] = ()
    far: tuple[FarFix, ...] = ()


def _cell(p: LatLon) -> tuple[int, int]:
    # Grid cells CLUSTER_M wide: neighbours within CLUSTER_M are in the 3x3 cells around, so a day
    # of fixes is screened in linear time rather than pair by pair.
    return (math.floor(p.lat * _M_PER_DEG / CLUSTER_M),
            math.floor(p.lon * _M_PER_DEG * math.cos(math.radians(p.lat)) / CLUSTER_M))


def _clusters(fixes: Sequence[Fix]) -> list[list[int]]:
    """Indices of the fixes of one courier's day that form clusters (see :func:`screen`)."""
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, f in enumerate(fixes):
        grid[_cell(f.point)].append(i)
    parent = list(range(len(fixes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    clustered = set()
    for i, f in enumerate(fixes):
        y, x = _cell(f.point)
        near = [j for dy in (-1, 0, 1) for dx in (-1, 0, 1) for j in grid.get((y + dy, x + dx), ())
                if haversine_m(f.point, fixes[j].point) <= CLUSTER_M]
        if len({fixes[j].household for j in near}) >= CLUSTER_HOUSEHOLDS:
            for j in near:
                clustered.add(j)
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in sorted(clustered):
        groups[root(i)].append(i)
    return list(groups.values())


def screen(fixes: Iterable[Fix]) -> Screened:
    """Sort fixes into those that teach, the clusters, and those far from their desa point.

    A fix is clustered when the fixes of its courier's day within :data:`CLUSTER_M` of it stand for
    :data:`CLUSTER_HOUSEHOLDS` households or more; those fixes all are, and overlapping ones form one
    cluster. One courier's day is the upload: the page writes one results file a courier a day.
    """
    fixes = list(fixes)
    by_upload: dict[tuple[dt.date, str], list[Fix]] = defaultdict(list)
    for f in fixes:
        by_upload[(f.day, f.courier)].append(f)
    clusters = []
    for (day, courier), upload in by_upload.items():
        for group in _clusters(upload):
            clusters.append(Cluster(courier, day, tuple(upload[i] for i in group)))
    refused = {id(f) for c in clusters for f in c.fixes}
    far = []
    for f in fixes:
        if id(f) in refused or f.planned is None:
            continue
        gap = round(haversine_m(f.point, f.planned))
        if gap > FAR_FROM_DESA_M:
            far.append(FarFix(f, gap))
            refused.add(id(f))
    return Screened(tuple(f for f in fixes if id(f) not in refused), tuple(clusters), tuple(far))


def _frozen(m: Mapping[str, tuple[Fix, ...]]) -> Mapping[str, tuple[Fix, ...]]:
    return MappingProxyType({k: tuple(v) for k, v in m.items()})


@dataclass(frozen=True, slots=True)
class Learned:
    """The fixes that teach, by KK number and by address key, and the officer's confirmations that overrule them.

    Attributes
    ----------
    by_kk, by_address
        Each household's teaching fixes in time order.
    overruled
        When the officer confirmed a location, by address key: fixes taken before then do not teach
        that household.
    """

    by_kk: Mapping[str, tuple[Fix, ...]] = field(default_factory=dict)
    by_address: Mapping[str, tuple[Fix, ...]] = field(default_factory=dict)
    overruled: Mapping[str, dt.datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Read-only views of private copies: the value cannot change after it is built.
        object.__setattr__(self, "by_kk", _frozen(self.by_kk))
        object.__setattr__(self, "by_address", _frozen(self.by_address))
        object.__setattr__(self, "overruled", MappingProxyType(dict(self.overruled)))
        if any(not k for k in self.by_kk) or any(not specific_address(k) for k in self.by_address):
            raise ValueError("learned locations need a KK number or an address with a street line")
        if any(not v for v in (*self.by_kk.values(), *self.by_address.values())):
            raise ValueError("a learned location needs at least one fix")

    def __len__(self) -> int:
        return len(self.by_kk) + len(self.by_address)

    def overruled_by(self, confirmed_at: Mapping[str, dt.datetime]) -> Learned:
        """These fixes with the officer's confirmations (when each address key was confirmed)."""
        return Learned(self.by_kk, self.by_address, {**self.overruled, **confirmed_at})

    def for_household(self, household: Household) -> LearnedPoint | None:
        """The household's learned point, by its KK number first, else by its address.

        Fixes taken before the officer confirmed the household's address do not count.
        """
        kk = household.first.no_kk
        key = address_text(household.first)
        fixes = self.by_kk.get(kk, ()) if kk else ()
        if not fixes and specific_address(key):
            fixes = self.by_address.get(key, ())
        since = self.overruled.get(key)
        return centre([f for f in fixes if f.at > since] if since is not None else fixes)


def specific_address(key: str) -> bool:
    """True when an address key (``alamat|dusun|rt|rw|desa|kecamatan``) has a street line."""
    return bool(key.split("|", 1)[0])


def household_of(r: Record) -> str:
    """A card's household as the outcomes report names it: its KK number, else its address key."""
    return f"kk:{r.no_kk}" if r.no_kk else "addr:" + address_text(r)


def learn(fixes: Iterable[Fix], forgotten: Mapping[str, int] | None = None) -> Learned:
    """What the fixes (in time order) teach, once screened (:func:`screen`): by KK and by street address.

    ``forgotten`` gives, by household (``kk:NUMBER`` or ``addr:KEY``), the last ledger event the
    officer set aside: those fixes and earlier ones teach nothing. They are set aside after screening,
    since a forgotten fix is still evidence that its phone put many doors at one point.
    """
    forgotten = forgotten or {}
    by_kk: dict[str, list[Fix]] = defaultdict(list)
    by_address: dict[str, list[Fix]] = defaultdict(list)
    for f in screen(fixes).teaching:
        limit = max(forgotten.get(f"kk:{f.kk}", 0) if f.kk else 0, forgotten.get(f"addr:{f.address}", 0))
        if limit and f.event <= limit:
            continue
        if f.kk:
            by_kk[f.kk].append(f)
        if specific_address(f.address):
            by_address[f.address].append(f)
    return Learned({k: tuple(v) for k, v in by_kk.items()}, {k: tuple(v) for k, v in by_address.items()})
