"""Road networks for motorbikes: the only module that imports osmnx.

A network comes from an OpenStreetMap XML extract (``.osm``, ``.osm.bz2``), a GraphML file
saved by osmnx, or (optionally, online) an Overpass download. Every path goes through the same
steps: keep what a motorbike may ride, give each edge a motorbike travel time, simplify, and
turn the graph into flat arrays (:class:`RoadNetwork`) that the matrix module computes on.
Loaded networks are cached by file content so the daily run does not parse the same file twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from routing.errors import InputError, ServiceUnreachable

log = logging.getLogger(__name__)

#: Highway classes a motorbike may not use. Motorbikes are barred from Indonesian toll roads
#: (motorways); footways, steps and paths are for people unless tagged otherwise.
BANNED_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "footway", "steps", "pedestrian", "cycleway", "bridleway",
    "corridor", "elevator", "platform", "construction", "proposed", "abandoned", "raceway",
    "bus_guideway", "busway", "escape", "via_ferrata", "path", "bus_stop", "rest_area", "services",
})
_YES = {"yes", "designated", "permissive", "destination"}
_NO = {"no", "private"}

#: Overpass filter with the same rules, for online downloads.
OVERPASS_FILTER = (
    '["highway"]["area"!~"yes"]'
    f'["highway"!~"{"|".join(sorted(BANNED_HIGHWAYS))}"]'
    '["motorcycle"!~"no"]["motor_vehicle"!~"no"]["access"!~"no|private"]'
)

#: Bump when the arrays or the way they are derived change, so old caches are not reused.
CACHE_FORMAT = 2

_EXTRA_WAY_TAGS = ("motorcycle", "motor_vehicle", "vehicle", "access", "maxspeed", "oneway", "highway")


def _values(tag: Any) -> list[str]:
    if tag is None or (isinstance(tag, float) and np.isnan(tag)):
        return []
    if isinstance(tag, (list, tuple)):
        return [str(t).strip().lower() for t in tag]
    return [t.strip().lower() for t in str(tag).split(";")]


def motorbike_allows(tags: Mapping[str, Any]) -> bool:
    """Whether a motorbike may ride a way with these OSM tags.

    Kept: everything with a ``highway`` tag that is not banned (residential, unclassified,
    service, living_street, track and the village lanes the car network drops), and banned
    non-motorway classes explicitly opened with ``motorcycle=yes``. Dropped: motorways, foot
    and cycle infrastructure, and anything tagged ``motorcycle=no``, ``motor_vehicle=no`` or
    ``access=no/private`` without a motorcycle permission.
    """
    highways = _values(tags.get("highway"))
    if not highways or "yes" in _values(tags.get("area")):
        return False
    moto = _values(tags.get("motorcycle")) or _values(tags.get("motor_vehicle"))
    if any(h in ("motorway", "motorway_link") for h in highways):
        return False
    if any(m in _NO for m in moto):
        return False
    if any(m in _YES for m in moto):
        return True
    if any(h in BANNED_HIGHWAYS for h in highways):
        return False
    if any(a in _NO for a in _values(tags.get("access")) + _values(tags.get("vehicle"))):
        return False
    return True


_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed(tag: Any) -> float | None:
    """A ``maxspeed`` tag in km/h (lowest of several), or ``None`` when absent or unparseable."""
    speeds = []
    for value in _values(tag):
        m = _MAXSPEED.match(value)
        if m:
            kph = float(m.group(1)) * (1.609344 if m.group(2) == "mph" else 1.0)
            if kph > 0:
                speeds.append(kph)
    return min(speeds) if speeds else None


def edge_speed_kph(tags: Mapping[str, Any], speeds_kph: Mapping[str, float]) -> float:
    """Motorbike speed on an edge: the class speed, lowered to ``maxspeed`` where tagged."""
    classes = [speeds_kph.get(h) or speeds_kph.get(h.removesuffix("_link")) for h in _values(tags.get("highway"))]
    known = [c for c in classes if c]
    speed = min(known) if known else speeds_kph.get("road", 20.0)
    limit = parse_maxspeed(tags.get("maxspeed"))
    return min(speed, limit) if limit else speed


@dataclass(frozen=True, slots=True, eq=False)
class RoadNetwork:
    """A directed road network as flat arrays (compressed sparse rows by from-node).

    Attributes
    ----------
    node_lat, node_lon
        Node coordinates (float64, degrees).
    indptr, indices
        CSR structure: edges leaving node ``i`` are ``indices[indptr[i]:indptr[i+1]]``.
    time_ms, length_dm
        Per edge, integer travel time (milliseconds) and length (decimetres); the finer units
        keep per-edge rounding from adding up along a path. Converted to whole seconds and metres
        in the matrix.
    geom_ptr, geom_lat, geom_lon
        Per edge, the road's shape from ``geom_ptr[e]`` to ``geom_ptr[e+1]`` (both ends included).
    main
        True for nodes in the largest strongly connected component: reachable from and to each other.
    source
        What the network was loaded from, for the plan's provenance.
    """

    node_lat: np.ndarray
    node_lon: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    time_ms: np.ndarray
    length_dm: np.ndarray
    geom_ptr: np.ndarray
    geom_lat: np.ndarray
    geom_lon: np.ndarray
    main: np.ndarray
    source: str

    def __post_init__(self) -> None:
        n, e = len(self.node_lat), len(self.indices)
        if n == 0 or e == 0:
            raise InputError(f"{self.source}: the road network has no roads a motorbike may use")
        if len(self.indptr) != n + 1 or self.indptr[-1] != e:
            raise ValueError("inconsistent CSR arrays")
        if len(self.time_ms) != e or len(self.length_dm) != e or len(self.geom_ptr) != e + 1:
            raise ValueError("edge arrays differ in length")
        if (self.time_ms <= 0).any():
            raise ValueError("every edge needs a positive travel time")

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_lat)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.indices)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(south, west, north, east)`` of the nodes."""
        return (float(self.node_lat.min()), float(self.node_lon.min()),
                float(self.node_lat.max()), float(self.node_lon.max()))

    def edge_index(self, u: int, v: int) -> int:
        """Index of the edge ``u -> v``."""
        lo, hi = self.indptr[u], self.indptr[u + 1]
        hits = np.nonzero(self.indices[lo:hi] == v)[0]
        if len(hits) == 0:
            raise KeyError((u, v))
        return int(lo + hits[0])

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for the cache file."""
        return {k: getattr(self, k) for k in _ARRAY_FIELDS}


_ARRAY_FIELDS = ("node_lat", "node_lon", "indptr", "indices", "time_ms", "length_dm",
                 "geom_ptr", "geom_lat", "geom_lon", "main")


def _configure_osmnx() -> Any:
    import osmnx as ox

    ox.settings.useful_tags_way = sorted(set(ox.settings.useful_tags_way) | set(_EXTRA_WAY_TAGS))
    ox.settings.log_console = False
    ox.settings.requests_timeout = 30
    return ox


def _filter_and_time(G: Any, speeds_kph: Mapping[str, float]) -> Any:
    """Drop edges a motorbike may not use, then give every edge ``travel_time`` in seconds."""
    banned = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not motorbike_allows(d)]
    G.remove_edges_from(banned)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    for _, _, d in G.edges(data=True):
        kph = edge_speed_kph(d, speeds_kph)
        d["speed_kph"] = kph
        d["travel_time"] = float(d["length"]) / (kph / 3.6)
    return G


def _simplify(ox: Any, G: Any) -> Any:
    # Edges of different class or speed limit stay apart so their speeds stay exact after merging.
    return ox.simplify_graph(G, edge_attrs_differ=["highway", "maxspeed", "oneway"],
                             edge_attr_aggs={"length": sum, "travel_time": sum})


def pbf_to_xml(path: Path, out: Path) -> Path:
    """Convert an ``.osm.pbf`` extract to OSM XML holding only highway ways and their nodes.

    Uses pyosmium (libosmium), in two passes so a large extract is never held in memory as XML.
    """
    import osmium

    refs: set[int] = set()
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if "highway" in way.tags:
            refs.update(n.ref for n in way.nodes)
    writer = osmium.SimpleWriter(str(out), overwrite=True)
    try:
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node() and obj.id in refs:
                writer.add_node(obj)
            elif obj.is_way() and "highway" in obj.tags:
                writer.add_way(obj)
    finally:
        writer.close()
    return out


def graph_from_extract(path: Path, speeds_kph: Mapping[str, float]) -> Any:
    """Build a filtered, timed, simplified osmnx graph from an OSM extract (.osm, .osm.bz2, .osm.pbf)."""
    ox = _configure_osmnx()
    path = Path(path)
    name = path.name.lower()
    if not path.exists():
        raise InputError(f"{path}: network file not found")
    if name.endswith(".pbf"):
        import tempfile

        with tempfile.TemporaryDirectory(prefix="ektp-pbf-") as tmp:
            try:
                xml = pbf_to_xml(path, Path(tmp) / "extract.osm")
            except RuntimeError as exc:
                raise InputError(f"{path}: not a readable .osm.pbf file ({exc})") from None
            return graph_from_extract(xml, speeds_kph)
    if not (name.endswith(".osm") or name.endswith(".osm.bz2") or name.endswith(".xml")):
        raise InputError(f"{path}: expected an OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf) or GraphML (.graphml)")
    try:
        G = ox.graph_from_xml(path, simplify=False, retain_all=True, bidirectional=False)
    except Exception as exc:  # osmnx raises a variety of parser errors; all mean a bad file
        raise InputError(f"{path}: not a readable OpenStreetMap XML file ({exc.__class__.__name__}: {exc})") from None
    return _simplify(ox, _filter_and_time(G, speeds_kph))


def clip(G: Any, bbox: tuple[float, float, float, float] | None = None, polygon_file: Path | None = None) -> Any:
    """Keep the part of a graph inside ``bbox`` (south, west, north, east) and/or a GeoJSON polygon.

    The polygon file may hold a Polygon, MultiPolygon, Feature or FeatureCollection (all parts are
    merged), e.g. the regency boundary.
    """
    ox = _configure_osmnx()
    try:
        return _clip(ox, G, bbox, polygon_file)
    except ValueError as exc:  # osmnx: "Found no graph nodes within the requested polygon"
        raise InputError(f"no roads are left inside the clipping area ({exc})") from None


def _clip(ox: Any, G: Any, bbox: tuple[float, float, float, float] | None, polygon_file: Path | None) -> Any:
    if bbox is not None:
        s, w, n, e = bbox
        G = ox.truncate.truncate_graph_bbox(G, (w, s, e, n), truncate_by_edge=True)
    if polygon_file is not None:
        from shapely.geometry import shape
        from shapely.ops import unary_union

        try:
            data = json.loads(Path(polygon_file).read_text(encoding="utf-8"))
            geoms = [f["geometry"] for f in data["features"]] if data.get("type") == "FeatureCollection" else \
                [data["geometry"] if data.get("type") == "Feature" else data]
            polygon = unary_union([shape(g) for g in geoms])
        except FileNotFoundError:
            raise InputError(f"{polygon_file}: polygon file not found") from None
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise InputError(f"{polygon_file}: not a GeoJSON polygon ({exc.__class__.__name__})") from None
        if polygon.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(f"{polygon_file}: holds a {polygon.geom_type}, expected a polygon")
        G = ox.truncate.truncate_graph_polygon(G, polygon, truncate_by_edge=True)
    if G.number_of_edges() == 0:
        raise InputError("no roads are left inside the clipping area")
    return G


def graph_from_graphml(path: Path, speeds_kph: Mapping[str, float]) -> Any:
    """Load a GraphML saved by osmnx; re-apply the motorbike filter and speeds."""
    ox = _configure_osmnx()
    try:
        G = ox.load_graphml(path)
    except FileNotFoundError:
        raise InputError(f"{path}: network file not found") from None
    except Exception as exc:
        raise InputError(f"{path}: not a GraphML file saved by osmnx ({exc.__class__.__name__}: {exc})") from None
    return _filter_and_time(G, speeds_kph)


def fetch_graph(place: str, speeds_kph: Mapping[str, float]) -> Any:
    """Download a motorbike network for ``place`` from Overpass (online, cached by osmnx).

    Raises
    ------
    ServiceUnreachable
        When Overpass or Nominatim cannot be reached and osmnx has no cached answer.
    """
    ox = _configure_osmnx()
    ox.settings.use_cache = True
    import requests

    try:
        G = ox.graph_from_place(place, custom_filter=OVERPASS_FILTER, simplify=False, retain_all=True)
    except (requests.exceptions.RequestException, ConnectionError, OSError) as exc:
        raise ServiceUnreachable(
            f"cannot download the road network for {place!r}: the map service is unreachable "
            f"({exc.__class__.__name__}); use `ektp-route network import EXTRACT` offline instead"
        ) from None
    except ValueError as exc:
        raise InputError(f"place {place!r}: {exc}") from None
    return _simplify(ox, _filter_and_time(G, speeds_kph))


def save_graphml(G: Any, path: Path) -> None:
    """Write a graph as GraphML that :func:`load_network` reads back."""
    ox = _configure_osmnx()
    ox.save_graphml(G, Path(path))


def graph_to_network(G: Any, source: str) -> RoadNetwork:
    """Flatten an osmnx graph into a :class:`RoadNetwork`; parallel edges keep the fastest."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    lat = np.array([G.nodes[n]["y"] for n in nodes], dtype=np.float64)
    lon = np.array([G.nodes[n]["x"] for n in nodes], dtype=np.float64)
    best: dict[tuple[int, int], tuple[float, float, Any]] = {}
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        key = (index[u], index[v])
        t = float(d["travel_time"])
        if key not in best or t < best[key][0]:
            best[key] = (t, float(d["length"]), d.get("geometry"))
    keys = sorted(best)
    src = np.array([k[0] for k in keys], dtype=np.int64)
    dst = np.array([k[1] for k in keys], dtype=np.int32)
    time_ms = np.maximum(1, np.rint([best[k][0] * 1000 for k in keys])).astype(np.int64)
    length_dm = np.maximum(1, np.rint([best[k][1] * 10 for k in keys])).astype(np.int64)
    geom_ptr = [0]
    g_lat: list[float] = []
    g_lon: list[float] = []
    for (u, v) in keys:
        geom = best[(u, v)][2]
        if geom is not None:
            xs, ys = geom.xy
            g_lon.extend(xs)
            g_lat.extend(ys)
        else:
            g_lon.extend((lon[u], lon[v]))
            g_lat.extend((lat[u], lat[v]))
        geom_ptr.append(len(g_lat))
    n = len(nodes)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    indptr = np.cumsum(indptr)
    graph = csr_matrix((np.ones(len(keys)), (src, dst)), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    main = labels == np.bincount(labels).argmax() if n else np.zeros(0, dtype=bool)
    return RoadNetwork(lat, lon, indptr, dst, time_ms, length_dm, np.array(geom_ptr, dtype=np.int64),
                       np.array(g_lat), np.array(g_lon), main, source)


def _cache_key(path: Path, speeds_kph: Mapping[str, float]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    h.update(json.dumps({"speeds": dict(sorted(speeds_kph.items())), "format": CACHE_FORMAT}).encode())
    return h.hexdigest()[:32]


def default_cache_dir() -> Path:
    """``$EKTP_CACHE_DIR``, else ``~/.cache/ektp-route``."""
    return Path(os.environ.get("EKTP_CACHE_DIR") or Path.home() / ".cache" / "ektp-route")


def load_network(path: Path, speeds_kph: Mapping[str, float], cache_dir: Path | None = None) -> RoadNetwork:
    """Load a road network file for motorbikes, through the content-keyed cache.

    Parameters
    ----------
    path
        ``.graphml`` saved by osmnx (e.g. by ``ektp-route network import``), or an OSM XML
        extract ``.osm`` / ``.osm.bz2``.
    speeds_kph
        Motorbike speed per highway class.
    cache_dir
        Where flattened networks are kept; ``None`` disables the cache.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: network file not found")
    cached = None
    if cache_dir is not None:
        cached = Path(cache_dir) / f"network-{_cache_key(path, speeds_kph)}.npz"
        if cached.exists():
            try:
                with np.load(cached) as data:
                    return RoadNetwork(**{k: data[k] for k in _ARRAY_FIELDS}, source=str(path))
            except (OSError, KeyError, ValueError):
                log.warning("ignoring unreadable network cache %s", cached)
    if path.suffix.lower() == ".graphml":
        G = graph_from_graphml(path, speeds_kph)
    else:
        G = graph_from_extract(path, speeds_kph)
    network = graph_to_network(G, str(path))
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp.npz")
            np.savez(tmp, **network.to_arrays())
            os.replace(tmp, cached)
        except OSError as exc:
            log.warning("could not write network cache %s: %s", cached, exc)
    return network


def describe(G: Any) -> dict[str, Any]:
    """Figures for ``network info``: nodes, edges, km by class, components, bounding box."""
    import networkx as nx

    km: dict[str, float] = {}
    for _, _, d in G.edges(data=True):
        cls = ",".join(_values(d.get("highway"))) or "?"
        km[cls] = km.get(cls, 0.0) + float(d.get("length", 0.0)) / 1000
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    sccs = sorted((len(c) for c in nx.strongly_connected_components(G)), reverse=True)
    return {
        "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
        "km_by_class": dict(sorted(km.items(), key=lambda kv: -kv[1])),
        "strong_components": len(sccs), "largest_component_nodes": sccs[0] if sccs else 0,
        "bbox": (min(ys), min(xs), max(ys), max(xs)) if xs else None,
    }


def load_graph(path: Path, speeds_kph: Mapping[str, float]) -> Any:
    """The osmnx graph for a file (no cache): for ``network info`` and ``network import``."""
    path = Path(path)
    if path.suffix.lower() == ".graphml":
        return graph_from_graphml(path, speeds_kph)
    return graph_from_extract(path, speeds_kph)


_PLACE_TAGS = {"place": ["village", "hamlet", "neighbourhood", "isolated_dwelling", "suburb", "quarter"],
               "boundary": "administrative"}
_DUSUN_PLACES = {"hamlet", "neighbourhood", "isolated_dwelling", "quarter"}


def _gazetteer_rows(features: Any) -> list[tuple[str, str, str, float, float]]:
    """``(kecamatan, desa, dusun, lat, lon)`` rows from osmnx place and boundary features.

    Desa come from ``admin_level=7`` boundaries (Indonesia: 6 kecamatan, 7 desa/kelurahan) and
    ``place=village`` points; dusun from hamlet-like points, assigned to the desa polygon that
    contains them, else to the nearest village point within 3 km.
    """
    from shapely.geometry import Point

    def col(row: Any, name: str) -> str:
        value = row.get(name) if hasattr(row, "get") else None
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)

    desa_polys, kec_polys, villages, hamlets = [], [], [], []
    for _, row in features.iterrows():
        name, geom = col(row, "name").strip(), row.geometry
        if not name or geom is None or geom.is_empty:
            continue
        level, place = col(row, "admin_level"), col(row, "place")
        if geom.geom_type in ("Polygon", "MultiPolygon") and col(row, "boundary") == "administrative":
            (desa_polys if level == "7" else kec_polys if level == "6" else []).append((name, geom))
        elif geom.geom_type == "Point" and place == "village":
            villages.append((name, geom))
        elif geom.geom_type == "Point" and place in _DUSUN_PLACES:
            hamlets.append((name, geom))

    def kecamatan_of(p: Any) -> str:
        return next((n for n, g in kec_polys if g.contains(p)), "")

    rows = []
    named = set()
    for name, poly in desa_polys:
        p = poly.representative_point()
        rows.append((kecamatan_of(p), name, "", p.y, p.x))
        named.add(name.lower())
    for name, p in villages:
        if name.lower() not in named:
            rows.append((kecamatan_of(p), name, "", p.y, p.x))
            named.add(name.lower())
    for name, p in hamlets:
        desa = next((n for n, g in desa_polys if g.contains(p)), "")
        if not desa and villages:
            # ~0.027 degrees is 3 km at Jombang's latitude.
            dist, nearest = min((p.distance(v), n) for n, v in villages)
            desa = nearest if dist <= 0.027 else ""
        if desa:
            rows.append((kecamatan_of(Point(p.x, p.y)), desa, name, p.y, p.x))
    return rows


def gazetteer_from_extract(path: Path) -> list[tuple[str, str, str, float, float]]:
    """Desa and dusun points from an OSM XML extract (offline); see :func:`_gazetteer_rows`."""
    ox = _configure_osmnx()
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: extract not found")
    try:
        features = ox.features_from_xml(path, tags=_PLACE_TAGS)
    except Exception as exc:  # osmnx: parse errors, or "no matching features"
        raise InputError(f"{path}: no desa or dusun places could be read ({exc.__class__.__name__}: {exc})") from None
    return _gazetteer_rows(features)


def gazetteer_from_place(place: str) -> list[tuple[str, str, str, float, float]]:
    """Desa and dusun points for ``place`` from Overpass (online, cached by osmnx)."""
    ox = _configure_osmnx()
    ox.settings.use_cache = True
    import requests

    try:
        features = ox.features_from_place(place, tags=_PLACE_TAGS)
    except (requests.exceptions.RequestException, ConnectionError, OSError) as exc:
        raise ServiceUnreachable(f"cannot download places for {place!r}: the map service is unreachable "
                                 f"({exc.__class__.__name__}); use `--osm EXTRACT` offline instead") from None
    return _gazetteer_rows(features)


def online_geocoder() -> Callable[[str], tuple[float, float] | None]:
    """A Nominatim lookup through osmnx: one request a second at most, answers cached by osmnx.

    The returned function takes an address query (never a name or NIK) and gives ``(lat, lon)``
    or ``None`` when nothing is found. Once the service is unreachable it raises
    :class:`ServiceUnreachable` at once for every later query, so an offline run is not slowed.
    """
    ox = _configure_osmnx()
    ox.settings.use_cache = True
    import requests

    down: list[str] = []

    def lookup(query: str) -> tuple[float, float] | None:
        if down:
            raise ServiceUnreachable(down[0])
        try:
            lat, lon = ox.geocode(query)
        except ox._errors.InsufficientResponseError:
            return None
        except (requests.exceptions.RequestException, ConnectionError, OSError) as exc:
            down.append(f"online geocoding unreachable ({exc.__class__.__name__})")
            raise ServiceUnreachable(down[0]) from None
        return float(lat), float(lon)

    return lookup
