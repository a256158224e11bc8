"""The gazetteer: named desa and dusun points for cards without coordinates.

Read from the office's CSV (``kecamatan, desa, dusun, lat, lon``), written in the same layout, and
built either from OpenStreetMap places and desa boundaries (offline from an extract, or online) or
from a desa polygon layer (Kemendagri or BIG/RBI) with a road network, which puts each desa's point
where its roads are densest: the settlement, where the houses are.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from routing.errors import InputError, where
from routing.files import read_rows, write_csv
from routing.geo import EARTH_RADIUS_M, LatLon, parse_degrees
from routing.households import normalise_name
from routing.roads import _osmnx
from routing.roads.network import RoadNetwork

log = logging.getLogger(__name__)

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
    #: Per entry, its normalised ``(desa, dusun, kecamatan)``: computed once, not once per lookup
    #: (a regency's gazetteer has hundreds of entries and a day hundreds of households).
    names: tuple[tuple[str, str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple((normalise_name(e.desa), normalise_name(e.dusun),
                                                 normalise_name(e.kecamatan)) for e in self.entries))

    def lookup(self, desa: str, dusun: str, kecamatan: str = "") -> tuple[GazetteerEntry, str, float] | None:
        """Best entry for a desa/dusun, as ``(entry, precision, score)``; ``None`` if nothing fits."""
        desa_n, dusun_n, kec_n = normalise_name(desa), normalise_name(dusun), normalise_name(kecamatan)
        kec_fits = {k: not kec_n or not k or fuzz.ratio(k, kec_n) >= MIN_MATCH_SCORE
                    for k in {n[2] for n in self.names}}
        in_kec = [i for i, (_, _, k) in enumerate(self.names) if kec_fits[k]]
        desa_names = sorted({self.names[i][0] for i in in_kec})
        best = process.extractOne(desa_n, desa_names, scorer=fuzz.ratio)
        if best is None or best[1] < MIN_MATCH_SCORE:
            return None
        desa_match, desa_score = best[0], float(best[1])
        in_desa = [self.entries[i] for i in in_kec if self.names[i][0] == desa_match]
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


#: Columns that name the desa in a polygon layer, in order of preference (compared without case):
#: Kemendagri lists (``nama``), BIG/RBI 25K (``NAMOBJ``), OpenStreetMap-style and office exports.
DESA_COLUMNS = ("nama", "namobj", "name", "desa", "nama_desa", "nm_desa", "namadesa", "desa_kel",
                "kelurahan", "wadmkd")
#: Columns that name the kecamatan, where a layer has one.
KECAMATAN_COLUMNS = ("nama_kec", "wadmkc", "kecamatan", "nama_kecamatan", "nm_kec", "kec")


@dataclass(frozen=True, slots=True)
class DesaArea:
    """One desa's polygon (lon/lat, shapely) with its name and kecamatan."""

    desa: str
    kecamatan: str
    polygon: Any

    def __post_init__(self) -> None:
        if not self.desa.strip():
            raise ValueError("a desa area needs a name")
        if self.polygon.geom_type not in ("Polygon", "MultiPolygon") or self.polygon.is_empty:
            raise ValueError(f"desa {self.desa}: not a polygon ({self.polygon.geom_type})")


def _pick_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    by_lower = {c.lower(): c for c in columns}
    return next((by_lower[c] for c in candidates if c in by_lower), None)


def _tidy_name(value: Any) -> str:
    text = "" if value is None else " ".join(str(value).split())
    # RBI layers write names in capitals (``JARAK``); the office writes ``Jarak``.
    return text.title() if text.isupper() else text


def read_desa_areas(path: Path) -> list[DesaArea]:
    """Desa polygons from a GeoJSON layer (lon/lat), with the name and kecamatan columns found by name.

    Features of the same desa and kecamatan (a desa drawn in parts) are merged. Features without
    a name or a polygon are skipped.

    Raises
    ------
    InputError
        When the file is missing or not GeoJSON, holds no polygons, or has no desa name column
        (the message lists the columns it has).
    """
    from shapely.geometry import shape
    from shapely.ops import unary_union

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        features = data["features"] if data.get("type") == "FeatureCollection" else [data]
    except FileNotFoundError:
        raise InputError(f"{path}: boundaries file not found") from None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a GeoJSON FeatureCollection ({exc.__class__.__name__})") from None
    crs = str(((data.get("crs") or {}).get("properties") or {}).get("name", "")).upper()
    if crs and not crs.endswith(("CRS84", "4326")):
        raise InputError(f"{path}: coordinates are in {crs}; give the layer in longitude/latitude (EPSG:4326)")
    columns: list[str] = []
    for f in features:
        for key in (f.get("properties") or {}) if isinstance(f, dict) else ():
            if key not in columns:
                columns.append(key)
    name_col = _pick_column(columns, DESA_COLUMNS)
    if name_col is None:
        raise InputError(f"{path}: no desa name column; columns are: {', '.join(columns) or '(none)'} "
                         f"(expected one of {', '.join(DESA_COLUMNS)})")
    kec_col = _pick_column(columns, KECAMATAN_COLUMNS)
    parts: dict[tuple[str, str], list[Any]] = {}
    for f in features:
        props = f.get("properties") or {}
        name = _tidy_name(props.get(name_col))
        try:
            geom = shape(f["geometry"]) if f.get("geometry") else None
        except (ValueError, KeyError, TypeError, AttributeError):
            geom = None
        if not name or geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            log.warning("%s: skipping a feature without a desa name or polygon (%s=%r)", path, name_col, name)
            continue
        if not geom.is_valid:
            geom = geom.buffer(0)
        parts.setdefault((name, _tidy_name(props.get(kec_col)) if kec_col else ""), []).append(geom)
    if not parts:
        raise InputError(f"{path}: no desa polygons with a name in column {name_col}")
    areas = [DesaArea(name, kec, unary_union(geoms) if len(geoms) > 1 else geoms[0])
             for (name, kec), geoms in parts.items()]
    west, south, east, north = (min(a.polygon.bounds[0] for a in areas), min(a.polygon.bounds[1] for a in areas),
                                max(a.polygon.bounds[2] for a in areas), max(a.polygon.bounds[3] for a in areas))
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InputError(f"{path}: coordinates {west:.0f},{south:.0f} .. {east:.0f},{north:.0f} are not "
                         "longitude/latitude; give the layer in EPSG:4326")
    return areas


#: Spacing of the points sampled along the roads (m): the snapped desa point lies within half
#: of it of a road.
SAMPLE_STEP_M = 10.0
#: Grid cell of the density surface (m).
CELL_M = 25.0
#: Kernel radius (standard deviation, m) of the road density: about the size of a dusun, so the
#: peak is a settlement's centre rather than one dense junction or the middle of the desa. On
#: generated days in 13 real Sidoarjo desa (bench/realday.py, 10 seeds), 300 m came closest to the
#: best single point per desa (median distance to the door 1.00x the geometric median's on
#: average, 1.12x at worst); 150 m gave 1.09x, 600 m 1.12x.
BANDWIDTH_M = 300.0


def settlement_weight(kph: np.ndarray, speeds_kph: Mapping[str, float]) -> np.ndarray:
    """How much a metre of road says "houses here", from the road's motorbike speed.

    The flat network keeps each edge's speed, not its class; speeds come from the class (see
    :data:`routing.config.DEFAULT_SPEEDS_KPH`), so the speed tells the class back. Village roads
    (residential, living_street, service, track: at most the residential speed) weigh 1, because
    houses line them; main roads (primary speed and up) weigh 0.25, because they cross fields
    between villages; classes in between are interpolated.
    """
    slow = float(speeds_kph.get("residential", 20.0))
    fast = max(float(speeds_kph.get("primary", 40.0)), slow + 1.0)
    return np.asarray(1.0 - 0.75 * np.clip((kph - slow) / (fast - slow), 0.0, 1.0))


@dataclass(frozen=True, slots=True)
class RoadSamples:
    """Points every few metres along each road (a two-way road once), in lon/lat and local metres."""

    lon: np.ndarray
    lat: np.ndarray
    xy: np.ndarray
    weight: np.ndarray
    lat0: float


def _to_metres(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    k = math.pi / 180 * EARTH_RADIUS_M
    return np.column_stack((lon * k * math.cos(math.radians(lat0)), lat * k))


def road_samples(network: RoadNetwork, speeds_kph: Mapping[str, float],
                 step_m: float = SAMPLE_STEP_M) -> RoadSamples:
    """Sample the network's road shapes every ``step_m`` metres, each sample weighted by
    :func:`settlement_weight` times the road length it stands for."""
    n = network.n_nodes
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(network.indptr))
    dst = network.indices.astype(np.int64)
    # A two-way road is the edges u->v and v->u: keep one of them, so it is not counted twice.
    reverse_exists = np.isin(dst * n + src, src * n + dst)
    keep = np.nonzero(~reverse_exists | (src < dst))[0]
    kph = (network.length_dm[keep] / 10.0) / (network.time_ms[keep] / 1000.0) * 3.6
    edge_w = settlement_weight(kph, speeds_kph)
    lat0 = float(network.node_lat.mean())
    xy = _to_metres(network.geom_lat, network.geom_lon, lat0)
    starts, ends = network.geom_ptr[keep], network.geom_ptr[keep + 1]
    # Segments are consecutive shape points within one edge: a..b-1 -> a+1..b for each kept edge.
    counts = ends - starts - 1
    seg_edge = np.repeat(np.arange(len(keep)), counts)
    seg_a = np.repeat(starts, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    seg_b = seg_a + 1
    seg_len = np.hypot(*(xy[seg_b] - xy[seg_a]).T)
    per_seg = np.maximum(1, np.ceil(seg_len / step_m)).astype(np.int64)
    sample_seg = np.repeat(np.arange(len(seg_a)), per_seg)
    k = np.arange(per_seg.sum()) - np.repeat(np.cumsum(per_seg) - per_seg, per_seg)
    t = (k + 0.5) / per_seg[sample_seg]
    a, b = seg_a[sample_seg], seg_b[sample_seg]
    lat = network.geom_lat[a] + t * (network.geom_lat[b] - network.geom_lat[a])
    lon = network.geom_lon[a] + t * (network.geom_lon[b] - network.geom_lon[a])
    weight = (seg_len / per_seg)[sample_seg] * edge_w[seg_edge[sample_seg]]
    return RoadSamples(lon, lat, _to_metres(lat, lon, lat0), weight, lat0)


def settlement_point(area: DesaArea, roads: RoadSamples, bandwidth_m: float = BANDWIDTH_M,
                     cell_m: float = CELL_M) -> LatLon | None:
    """The point on a road inside ``area`` nearest to where its roads are densest; ``None`` without roads.

    The density is a Gaussian kernel over the road samples inside the polygon (weighted by
    :func:`settlement_weight` and length), evaluated on a grid of ``cell_m`` cells inside the
    polygon; the densest cell is then moved onto the nearest road sample inside the polygon.
    """
    import shapely
    from scipy.ndimage import gaussian_filter

    west, south, east, north = area.polygon.bounds
    near = np.nonzero((roads.lon >= west) & (roads.lon <= east) & (roads.lat >= south) & (roads.lat <= north))[0]
    inside = near[shapely.contains_xy(area.polygon, roads.lon[near], roads.lat[near])]
    if len(inside) == 0:
        return None
    pad = 3 * bandwidth_m
    lo = _to_metres(np.array([south]), np.array([west]), roads.lat0)[0] - pad
    hi = _to_metres(np.array([north]), np.array([east]), roads.lat0)[0] + pad
    nx, ny = (np.ceil((hi - lo) / cell_m).astype(int) + 1)
    grid, _, _ = np.histogram2d(roads.xy[inside, 0], roads.xy[inside, 1], bins=(nx, ny),
                                range=((lo[0], lo[0] + nx * cell_m), (lo[1], lo[1] + ny * cell_m)),
                                weights=roads.weight[inside])
    density = gaussian_filter(grid, bandwidth_m / cell_m, mode="constant")
    cx = lo[0] + (np.arange(nx) + 0.5) * cell_m
    cy = lo[1] + (np.arange(ny) + 0.5) * cell_m
    gx, gy = np.meshgrid(cx, cy, indexing="ij")
    k = math.pi / 180 * EARTH_RADIUS_M
    cell_lon = gx / (k * math.cos(math.radians(roads.lat0)))
    cell_lat = gy / k
    density[~shapely.contains_xy(area.polygon, cell_lon, cell_lat)] = -1.0
    i, j = np.unravel_index(int(np.argmax(density)), density.shape)
    peak = np.array([cx[i], cy[j]])
    nearest = inside[int(np.argmin(np.hypot(*(roads.xy[inside] - peak).T)))]
    return LatLon(float(roads.lat[nearest]), float(roads.lon[nearest]))


def build_from_boundaries(path: Path, network: RoadNetwork,
                          speeds_kph: Mapping[str, float]) -> tuple[list[GazetteerEntry], list[str]]:
    """Desa points from a desa polygon layer and a road network: each where its roads are densest.

    Parameters
    ----------
    path
        GeoJSON desa polygons (Kemendagri or BIG/RBI layers; see :func:`read_desa_areas`).
    network
        The road network the points are placed on.
    speeds_kph
        The speeds the network was loaded with (they tell village roads from main roads).

    Returns
    -------
    entries, roadless
        One entry per desa; and the names of the desa with no road inside their polygon, which
        get the polygon's representative point instead.
    """
    areas = read_desa_areas(path)
    roads = road_samples(network, speeds_kph)
    entries: list[GazetteerEntry] = []
    roadless: list[str] = []
    for area in areas:
        point = settlement_point(area, roads)
        if point is None:
            p = area.polygon.representative_point()
            point = LatLon(p.y, p.x)
            roadless.append(area.desa)
        entries.append(GazetteerEntry(area.desa, "", point, area.kecamatan))
    return entries, roadless
