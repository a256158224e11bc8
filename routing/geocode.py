"""Locating households, in order of trust, each result carrying its precision.

1. ``coordinates``: typed in the file and checked against the regency (or network) box.
2. ``dusun`` / ``desa``: a gazetteer point, matched by name with fuzzy tolerance.
Otherwise the household's cards are unassigned with reason ``not_geocoded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from rapidfuzz import fuzz, process

from routing.errors import InputError, ServiceUnreachable, where
from routing.files import read_rows, write_csv
from routing.geo import LatLon, in_bbox
from routing.households import Household, address_key, normalise_name

PRECISIONS = ("coordinates", "confirmed", "dusun", "desa", "online")

#: A fuzzy name match must score at least this (0-100) to be trusted: catches Jabon/Djabon and
#: Caruk Kulon/Carukkulon, rejects a neighbouring village with a different name.
MIN_MATCH_SCORE = 85.0


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """A named place: a desa centroid (``dusun`` empty) or a dusun point."""

    desa: str
    dusun: str
    point: LatLon
    kecamatan: str = ""


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Named places, indexed by normalised desa and dusun names."""

    entries: tuple[GazetteerEntry, ...]

    def lookup(self, desa: str, dusun: str, kecamatan: str = "") -> tuple[GazetteerEntry, str, float] | None:
        """Best entry for a desa/dusun, as ``(entry, precision, score)``; ``None`` if nothing fits."""
        desa_n, dusun_n, kec_n = normalise_name(desa), normalise_name(dusun), normalise_name(kecamatan)
        in_kec = [e for e in self.entries if not kec_n or not e.kecamatan
                  or fuzz.ratio(normalise_name(e.kecamatan), kec_n) >= MIN_MATCH_SCORE]
        desa_names = sorted({normalise_name(e.desa) for e in in_kec})
        best = process.extractOne(desa_n, desa_names, scorer=fuzz.ratio)
        if best is None or best[1] < MIN_MATCH_SCORE:
            return None
        desa_match, desa_score = best[0], float(best[1])
        in_desa = [e for e in in_kec if normalise_name(e.desa) == desa_match]
        if dusun_n:
            named = {normalise_name(e.dusun): e for e in in_desa if e.dusun}
            hit = process.extractOne(dusun_n, list(named), scorer=fuzz.ratio)
            if hit is not None and hit[1] >= MIN_MATCH_SCORE:
                return named[hit[0]], "dusun", min(desa_score, float(hit[1]))
        centre = [e for e in in_desa if not e.dusun]
        if centre:
            return centre[0], "desa", desa_score
        if in_desa:
            # No desa centroid listed: the mean of its dusun points stands for the desa.
            lat = sum(e.point.lat for e in in_desa) / len(in_desa)
            lon = sum(e.point.lon for e in in_desa) / len(in_desa)
            return GazetteerEntry(in_desa[0].desa, "", LatLon(lat, lon), in_desa[0].kecamatan), "desa", desa_score
        return None


def read_gazetteer(path: Path) -> Gazetteer:
    """Read a gazetteer CSV with columns ``desa, dusun, lat, lon`` and optional ``kecamatan``."""
    path = Path(path)
    table = read_rows(path, "gazetteer file")
    missing = {"desa", "dusun", "lat", "lon"} - set(table.header)
    if missing:
        raise InputError(f"{where(path, 1)}: missing column(s) {', '.join(sorted(missing))}")
    entries = []
    for row_no, row in table.rows:
        try:
            point = LatLon(float(row["lat"]), float(row["lon"]))
        except (ValueError, InputError):
            raise InputError(f"{where(path, row_no, 'lat', row['lat'] + ',' + row['lon'])}: "
                             "not a coordinate") from None
        entries.append(GazetteerEntry(row["desa"], row["dusun"], point, row.get("kecamatan", "")))
    return Gazetteer(tuple(entries))


def write_gazetteer(path: Path, rows: Sequence[tuple[str, str, str, float, float]]) -> Path:
    """Write ``(kecamatan, desa, dusun, lat, lon)`` rows in the layout :func:`read_gazetteer` reads."""
    return write_csv(path, ["kecamatan", "desa", "dusun", "lat", "lon"],
                     [(k, d, u, f"{lat:.7f}", f"{lon:.7f}") for k, d, u, lat, lon in sorted(rows)])


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
    """The address key under which a confirmed location is remembered."""
    return "|".join(address_key(household.first))


def locate(household: Household, gazetteer: Gazetteer | None,
           bbox: tuple[float, float, float, float], confirmed: Mapping[str, LatLon] | None = None,
           online: Callable[[str], tuple[float, float] | None] | None = None) -> Location | str:
    """Locate one household; return a :class:`Location` or a note on why it could not be.

    Parameters
    ----------
    bbox
        ``(south, west, north, east)`` that typed coordinates must fall in (the regency or
        the road network, whichever the run uses).
    confirmed
        Locations the office confirmed earlier, by :func:`household_key`.
    online
        Optional online geocoder, asked last with the address only (dusun, desa, kecamatan).
    """
    notes = []
    for r in household.records:
        if r.point is None:
            continue
        if in_bbox(r.point, bbox):
            note = f"row {r.row}: lat/lon were swapped in the file; used swapped back" if r.point_swapped else ""
            return Location(r.point, "coordinates", note=note)
        notes.append(f"row {r.row}: coordinates {r.point.lat}, {r.point.lon} are outside the area")
    first = household.first
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
        query = ", ".join(p for p in (first.dusun, f"Desa {first.desa}", f"Kecamatan {first.kecamatan}",
                                      "Kabupaten Jombang", "Jawa Timur", "Indonesia") if p.strip())
        try:
            found = online(query)
        except ServiceUnreachable as exc:
            notes.append(f"{exc}; skipped")
        else:
            if found is not None and in_bbox(LatLon(*found), bbox):
                return Location(LatLon(*found), "online", note=f"online geocoding: {query}")
            notes.append("online geocoding found nothing in the area")
    return "; ".join(notes)


def locate_all(households: Sequence[Household], gazetteer: Gazetteer | None,
               bbox: tuple[float, float, float, float],
               confirmed: Mapping[str, LatLon] | None = None,
               online: Callable[[str], tuple[float, float] | None] | None = None) -> list[Location | str]:
    """:func:`locate` for every household, in order."""
    return [locate(h, gazetteer, bbox, confirmed, online) for h in households]
