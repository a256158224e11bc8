"""Stage: households located and met with the road network, or set aside with a reason.

Records become households (:mod:`routing.households`), households get a location
(:mod:`routing.geocode`), locations are snapped to the road network (:mod:`routing.roads.matrix`).
A household that cannot be located or reached becomes ``Unassigned``; a doubtful one goes to
the officer's review list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from routing.config import Settings
from routing.errors import InputError
from routing.gazetteer import Gazetteer
from routing.geo import LatLon
from routing.geocode import Location, household_key, locate_all
from routing.households import Household, group_households
from routing.learning import Learned
from routing.plan import Card, Review, Unassigned
from routing.progress import Progress
from routing.records import Record, RecordSet
from routing.region import Region, box_text, overlaps
from routing.roads.network import RoadNetwork
from routing.roads.snap import Snap, snap

#: An online geocoder: an address query in, ``(lat, lon)`` or ``None`` out.
OnlineGeocoder = Callable[[str], "tuple[float, float] | None"]

#: Precisions at which the courier must ask around, so the officer is told.
_VAGUE = ("dusun", "desa", "online")
#: Precisions at which the door is searched for in a desa or dusun: search time is added, and the
#: sheet groups such households under "cari di Desa X" in RW/RT order.
SEARCHED = ("desa", "dusun")


def card_of(r: Record) -> Card:
    """The courier's view of a record."""
    return Card(row=r.row, nik=r.nik, nama=r.nama, address=r.address(), desa=r.desa, kecamatan=r.kecamatan,
                telepon=r.telepon, urgent=r.urgent, dusun=r.dusun, rt=r.rt, rw=r.rw)


@dataclass(frozen=True, slots=True)
class LocatedStop:
    """A household with its location and where it meets the road network."""

    stop_id: str
    household: Household
    location: Location
    snap: Snap
    snap_m: int

    @property
    def searched(self) -> bool:
        """Located only by its desa or dusun name: the courier asks around for the door."""
        return self.location.precision in SEARCHED


@dataclass(frozen=True, slots=True)
class LocatedDay:
    """The day's stops, the office's place on the network, the cards set aside so far, and the
    region they were located in (with its area, the network's extent when the config gave none)."""

    stops: tuple[LocatedStop, ...]
    depot: Snap
    unassigned: tuple[Unassigned, ...]
    review: tuple[Review, ...]
    region: Region


def _to_review(h: Household, precision: str, note: str) -> list[Review]:
    key = household_key(h)
    return [Review(r.row, r.nik, r.desa, r.dusun, precision, note, r.address(), key) for r in h.records]


def locate_stops(records: RecordSet, network: RoadNetwork, settings: Settings, gazetteer: Gazetteer | None,
                 confirmed: Mapping[str, LatLon] | None, online: OnlineGeocoder | None,
                 progress: Progress, learned: Learned | None = None) -> LocatedDay:
    """Households, located and snapped; cards that cannot be are unassigned, doubtful ones reviewed.

    ``learned`` (from the ledger) places households where a card of theirs was handed over before.
    Points count as inside when they fall in the office's region (``settings.region``, its area the
    network's padded extent when the config gives none); a network that lies wholly outside the
    region's area is warned about, since every typed point would then be refused.

    Raises
    ------
    InputError
        When the office itself is not near the road network.
    """
    unassigned: list[Unassigned] = []
    review: list[Review] = []
    households = group_households(records.records)
    progress.note(f"{len(records.records)} cards in {len(households)} households "
                  f"({len(records.rejected)} rows rejected)")
    region = settings.region.within(network.bbox)
    if not overlaps(region.area, network.bbox):
        progress.warn(f"the road network {network.source} ({box_text(network.bbox)}) lies outside the region "
                      f"{region.name} ({box_text(region.area)}); set [region] name (and bbox) in the config")
    located: list[tuple[Household, Location]] = []
    for h, loc in zip(households, locate_all(households, gazetteer, region, confirmed, online, learned)):
        if isinstance(loc, str):
            unassigned += [Unassigned(card_of(r), "not_geocoded", loc) for r in h.records]
            review += _to_review(h, "none", loc)
        else:
            located.append((h, loc))
            if loc.precision in _VAGUE or loc.note:
                review += _to_review(h, loc.precision,
                                     loc.note or f"located at {loc.precision} level (match score {loc.score:.0f})")

    snaps = snap(network, [settings.depot] + [loc.point for _, loc in located])
    depot = snaps[0]
    if depot.distance_m > settings.snap_max_m:
        raise InputError(f"depot {settings.depot} is {depot.distance_m} m from the nearest road of the "
                         f"network {network.source}; give --depot inside the network's area")
    stops: list[LocatedStop] = []
    for k, ((h, loc), s) in enumerate(zip(located, snaps[1:]), start=1):
        if s.distance_m > settings.snap_max_m:
            why = (f"{s.distance_m} m from the nearest road connected to the depot "
                   f"(limit {settings.snap_max_m} m)")
            unassigned += [Unassigned(card_of(r), "unreachable", why) for r in h.records]
            continue
        stops.append(LocatedStop(f"S{k:03d}", h, loc, s, s.distance_m))
        if s.distance_m > settings.snap_warn_m:
            review += _to_review(h, loc.precision, f"{s.distance_m} m from the nearest road")
    progress.note(f"{len(stops)} stops located and snapped to the road network")
    return LocatedDay(tuple(stops), depot, tuple(unassigned), tuple(review), region)
