"""Locating households, in order of trust, each result carrying its precision.

1. ``coordinates``: typed in the file and checked against the office's region (:mod:`routing.region`).
2. ``gps``: where a card of the same household was handed over before, from the courier's phone
   (:mod:`routing.learning`): by KK number, else by address.
3. ``confirmed``: a point the office confirmed earlier for the same address.
4. ``dusun`` / ``desa``: a gazetteer point (:mod:`routing.gazetteer`), matched by name with fuzzy tolerance.
5. ``online``: Nominatim, only when asked (:func:`online_geocoder`), with a query naming the region.
Otherwise the household's cards are unassigned with reason ``not_geocoded``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from routing.errors import ServiceUnreachable
from routing.gazetteer import Gazetteer
from routing.geo import LatLon, in_bbox
from routing.households import Household, address_text
from routing.learning import Learned
from routing.region import Region
from routing.roads import _osmnx

PRECISIONS = ("coordinates", "gps", "confirmed", "dusun", "desa", "online")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a household will be looked for, how sure we are, and any note for the officer."""

    point: LatLon
    precision: str
    score: float = 100.0
    note: str = ""

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; expected one of {PRECISIONS}")


def household_key(household: Household) -> str:
    """The address key under which a confirmed or learned location is remembered."""
    return address_text(household.first)


def locate(household: Household, gazetteer: Gazetteer | None,
           region: Region, confirmed: Mapping[str, LatLon] | None = None,
           online: Callable[[str], tuple[float, float] | None] | None = None,
           learned: Learned | None = None) -> Location | str:
    """Locate one household; return a :class:`Location` or a note on why it could not be.

    Parameters
    ----------
    region
        The office's region, with its area: typed, learned and online points must fall in it, and
        notes about those that do not name it. The online query names it too.
    confirmed
        Locations the office confirmed earlier, by :func:`household_key`.
    online
        Optional online geocoder, asked last with the address only (dusun, desa, kecamatan, then
        the region's name and province).
    learned
        Where cards of known households were handed over before (from the ledger).
    """
    notes = []
    bbox = region.area
    for r in household.records:
        if r.point is None:
            continue
        if in_bbox(r.point, bbox):
            note = f"row {r.row}: lat/lon were swapped in the file; used swapped back" if r.point_swapped else ""
            return Location(r.point, "coordinates", note=note)
        notes.append(f"row {r.row}: coordinates {r.point.lat}, {r.point.lon} are outside {region.name}")
    first = household.first
    if learned:
        door = learned.for_household(household)
        if door is not None and in_bbox(door.point, bbox):
            return Location(door.point, "gps", note="; ".join(notes))
        if door is not None:
            notes.append(f"delivered on {door.day} at {door.point}, outside {region.name}; not used")
    if confirmed:
        point = confirmed.get(household_key(household))
        if point is not None:
            return Location(point, "confirmed", note="; ".join(notes))
    if gazetteer is not None:
        hit = gazetteer.lookup(first.desa, first.dusun, first.kecamatan)
        if hit is not None:
            entry, precision, score = hit
            return Location(entry.point, precision, score, "; ".join(notes))
    notes.append(f"desa {first.desa!r} dusun {first.dusun!r} not found in the gazetteer"
                 if gazetteer is not None else "no coordinates and no gazetteer given")
    if online is not None:
        query = region.geocoder_query(first.dusun, f"Desa {first.desa}", f"Kecamatan {first.kecamatan}")
        try:
            found = online(query)
        except ServiceUnreachable as exc:
            notes.append(f"{exc}; skipped")
        else:
            if found is not None and in_bbox(LatLon(*found), bbox):
                return Location(LatLon(*found), "online", note=f"online geocoding: {query}")
            notes.append(f"online geocoding found nothing in {region.name}")
    return "; ".join(notes)


def locate_all(households: Sequence[Household], gazetteer: Gazetteer | None, region: Region,
               confirmed: Mapping[str, LatLon] | None = None,
               online: Callable[[str], tuple[float, float] | None] | None = None,
               learned: Learned | None = None) -> list[Location | str]:
    """:func:`locate` for every household, in order."""
    return [locate(h, gazetteer, region, confirmed, online, learned) for h in households]


def online_geocoder() -> Callable[[str], tuple[float, float] | None]:
    """A Nominatim lookup: one request a second at most, answers cached by osmnx.

    The returned function takes an address query (never a name or NIK) and gives ``(lat, lon)``
    or ``None`` when nothing is found. Once the service is unreachable it raises
    :class:`ServiceUnreachable` at once for every later query, so an offline run is not slowed.
    """
    down: list[str] = []

    def lookup(query: str) -> tuple[float, float] | None:
        if down:
            raise ServiceUnreachable(down[0])
        try:
            return _osmnx.geocode(query)
        except ServiceUnreachable as exc:
            down.append(str(exc))
            raise

    return lookup
