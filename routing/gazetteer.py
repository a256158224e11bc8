"""The gazetteer: named desa and dusun points for cards without coordinates.

Read from the office's CSV (``kecamatan, desa, dusun, lat, lon``), written in the same layout, and
built from OpenStreetMap places and desa boundaries (offline from an extract, or online).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from routing import _osmnx
from routing.errors import InputError, where
from routing.files import read_rows, write_csv
from routing.geo import LatLon, parse_degrees
from routing.households import normalise_name

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
            point = LatLon(parse_degrees(row["lat"]), parse_degrees(row["lon"]))
        except (ValueError, InputError):
            raise InputError(f"{where(path, row_no, 'lat', row['lat'] + ',' + row['lon'])}: "
                             "not a coordinate") from None
        entries.append(GazetteerEntry(row["desa"], row["dusun"], point, row.get("kecamatan", "")))
    return Gazetteer(tuple(entries))


def write_gazetteer(path: Path, entries: Sequence[GazetteerEntry]) -> Path:
    """Write entries in the layout :func:`read_gazetteer` reads (desa centres first, then dusun)."""
    rows = [(e.kecamatan, e.desa, e.dusun, f"{e.point.lat:.6f}", f"{e.point.lon:.6f}") for e in entries]
    return write_csv(path, ["kecamatan", "desa", "dusun", "lat", "lon"], rows)


#: OpenStreetMap features a gazetteer is built from: named places and administrative boundaries.
PLACE_TAGS = {"place": ["village", "hamlet", "neighbourhood", "isolated_dwelling", "suburb", "quarter"],
               "boundary": "administrative"}
#: ``place`` values that stand for a dusun (hamlet) rather than a desa.
DUSUN_PLACES = {"hamlet", "neighbourhood", "isolated_dwelling", "quarter"}


def entries_from_features(features: Any) -> list[GazetteerEntry]:
    """Gazetteer entries from OpenStreetMap place and boundary features (a GeoDataFrame).

    Desa come from ``admin_level=7`` boundaries (Indonesia: 6 kecamatan, 7 desa/kelurahan) and
    ``place=village`` points; dusun from hamlet-like points, assigned to the desa polygon that
    contains them, else to the nearest village point within 3 km.
    """
    from shapely.geometry import Point

    def col(row: Any, name: str) -> str:
        value = row.get(name) if hasattr(row, "get") else None
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)

    desa_polys: list[tuple[str, Any]] = []
    kec_polys: list[tuple[str, Any]] = []
    villages: list[tuple[str, Any]] = []
    hamlets: list[tuple[str, Any]] = []
    for _, row in features.iterrows():
        name, geom = col(row, "name").strip(), row.geometry
        if not name or geom is None or geom.is_empty:
            continue
        level, place = col(row, "admin_level"), col(row, "place")
        if geom.geom_type in ("Polygon", "MultiPolygon") and col(row, "boundary") == "administrative":
            (desa_polys if level == "7" else kec_polys if level == "6" else []).append((name, geom))
        elif geom.geom_type == "Point" and place == "village":
            villages.append((name, geom))
        elif geom.geom_type == "Point" and place in DUSUN_PLACES:
            hamlets.append((name, geom))

    def kecamatan_of(p: Any) -> str:
        return next((n for n, g in kec_polys if g.contains(p)), "")

    rows: list[GazetteerEntry] = []
    named = set()
    for name, poly in desa_polys:
        p = poly.representative_point()
        rows.append(GazetteerEntry(name, "", LatLon(p.y, p.x), kecamatan_of(p)))
        named.add(name.lower())
    for name, p in villages:
        if name.lower() not in named:
            rows.append(GazetteerEntry(name, "", LatLon(p.y, p.x), kecamatan_of(p)))
            named.add(name.lower())
    for name, p in hamlets:
        desa = next((n for n, g in desa_polys if g.contains(p)), "")
        if not desa and villages:
            # ~0.027 degrees is 3 km at Jombang's latitude.
            dist, nearest = min((p.distance(v), n) for n, v in villages)
            desa = nearest if dist <= 0.027 else ""
        if desa:
            rows.append(GazetteerEntry(desa, name, LatLon(p.y, p.x), kecamatan_of(Point(p.x, p.y))))
    return rows


def build_from_extract(path: Path) -> list[GazetteerEntry]:
    """Desa and dusun points from an OSM XML extract (offline); see :func:`entries_from_features`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: extract not found")
    return entries_from_features(_osmnx.features_from_xml(path, PLACE_TAGS))


def build_from_place(place: str) -> list[GazetteerEntry]:
    """Desa and dusun points for ``place`` from Overpass (online, cached by osmnx)."""
    return entries_from_features(_osmnx.features_from_place(place, PLACE_TAGS))
