"""Road networks for motorbikes: from a file (or Overpass) to flat arrays the matrix computes on.

A network comes from an OpenStreetMap XML extract (``.osm``, ``.osm.bz2``), a GraphML file
saved by osmnx, or (optionally, online) an Overpass download. Every path goes through the same
steps: keep what a motorbike may ride, give each edge a motorbike travel time, simplify, and
turn the graph into flat arrays (:class:`RoadNetwork`) that the matrix module computes on.
Loaded networks are cached by file content so the daily run does not parse the same file twice.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from routing.errors import InputError
from routing.roads import _osmnx
from routing.roads.roadstats import km_by_class

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
CACHE_FORMAT = 4

#: Highway classes counted as main roads (their ``_link`` roads too); every other class a motorbike
#: rides is a local road. The field's clock is fitted per group (:mod:`routing.calibration`): main
#: roads carry mixed traffic and markets, local roads lanes and village streets, and the two are slowed
#: by different things.
MAIN_ROADS = frozenset({"trunk", "primary", "secondary", "tertiary"})

#: Longest street name kept per edge, in characters (names live in a fixed-width array).
NAME_CHARS = 80

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


def is_main_road(tags: Mapping[str, Any]) -> bool:
    """Whether an edge is a main road (:data:`MAIN_ROADS`): any of its merged ways' classes is one."""
    return any(h.removesuffix("_link") in MAIN_ROADS for h in _values(tags.get("highway")))


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
    edge_name
        Per edge, the street's name (``""`` where the data has none; several merged ways' names
        joined by `` / ``), for the maps; ``None`` when the network carries no names at all.
    edge_main
        Per edge, whether it is a main road (:func:`is_main_road`); ``None`` when the network does
        not say, and every edge counts as a local road.
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
    edge_name: np.ndarray | None = None
    edge_main: np.ndarray | None = None

    def __post_init__(self) -> None:
        n, e = len(self.node_lat), len(self.indices)
        if n == 0 or e == 0:
            raise InputError(f"{self.source}: the road network has no roads a motorbike may use")
        if len(self.indptr) != n + 1 or self.indptr[-1] != e:
            raise ValueError("inconsistent CSR arrays")
        if len(self.time_ms) != e or len(self.length_dm) != e or len(self.geom_ptr) != e + 1:
            raise ValueError("edge arrays differ in length")
        if self.edge_name is not None and len(self.edge_name) != e:
            raise ValueError("edge names differ in length")
        if self.edge_main is not None and (len(self.edge_main) != e or self.edge_main.dtype != np.bool_):
            raise ValueError("edge_main must be one bool per edge")
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
        arrays = {k: getattr(self, k) for k in _ARRAY_FIELDS}
        for optional in _OPTIONAL_FIELDS:
            if getattr(self, optional) is not None:
                arrays[optional] = getattr(self, optional)
        return arrays

    def main_ms(self) -> np.ndarray:
        """Per edge, its travel time (ms) when it is a main road, else 0."""
        if self.edge_main is None:
            return np.zeros_like(self.time_ms)
        return np.where(self.edge_main, self.time_ms, 0)

    def slowed(self, main: float, local: float) -> RoadNetwork:
        """The same network ridden at ``main`` and ``local`` times the speeds it was built with.

        How a calibration (:mod:`routing.calibration`) makes the plan's clock the field's: a factor of
        0.7 makes every main (or local) road take 1/0.7 of its time. Lengths and shapes stay.
        """
        if not (0 < main and 0 < local):
            raise ValueError(f"speed factors must be positive, got {main} and {local}")
        factor = np.full(len(self.time_ms), local) if self.edge_main is None \
            else np.where(self.edge_main, main, local)
        time_ms = np.maximum(1, np.rint(self.time_ms / factor)).astype(np.int64)
        return dataclasses.replace(self, time_ms=time_ms)


_ARRAY_FIELDS = ("node_lat", "node_lon", "indptr", "indices", "time_ms", "length_dm",
                 "geom_ptr", "geom_lat", "geom_lon", "main")
_OPTIONAL_FIELDS = ("edge_name", "edge_main")




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




def pbf_to_xml(path: Path, out: Path) -> Path:
    """Convert an ``.osm.pbf`` extract to OSM XML holding only highway ways and their nodes.

    Uses pyosmium (libosmium), in two passes so a large extract is never held in memory as XML.
    """
    import osmium

    refs: set[int] = set()
    way: Any
    obj: Any
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
    return _osmnx.simplify(_filter_and_time(_osmnx.read_xml(path), speeds_kph))



def clip(G: Any, bbox: tuple[float, float, float, float] | None = None, polygon_file: Path | None = None) -> Any:
    """Keep the part of a graph inside ``bbox`` (south, west, north, east) and/or a GeoJSON polygon.

    The polygon file may hold a Polygon, MultiPolygon, Feature or FeatureCollection (all parts are
    merged), e.g. the regency boundary.
    """
    polygon = None if polygon_file is None else _read_polygon(polygon_file)
    G = _osmnx.truncate(G, bbox, polygon)
    if G.number_of_edges() == 0:
        raise InputError("no roads are left inside the clipping area")
    return G


def _read_polygon(polygon_file: Path) -> Any:
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
    return polygon





def graph_from_graphml(path: Path, speeds_kph: Mapping[str, float]) -> Any:
    """Load a GraphML saved by osmnx; re-apply the motorbike filter and speeds."""
    return _filter_and_time(_osmnx.load_graphml(path), speeds_kph)



def fetch_graph(place: str, speeds_kph: Mapping[str, float]) -> Any:
    """Download a motorbike network for ``place`` from Overpass (online, cached by osmnx).

    Raises
    ------
    ServiceUnreachable
        When Overpass or Nominatim cannot be reached and osmnx has no cached answer.
    """
    return _osmnx.simplify(_filter_and_time(_osmnx.download_graph(place, OVERPASS_FILTER), speeds_kph))



def save_graphml(G: Any, path: Path) -> None:
    """Write a graph as GraphML that :func:`load_network` reads back."""
    _osmnx.save_graphml(G, path)


def graph_to_network(G: Any, source: str) -> RoadNetwork:
    """Flatten an osmnx graph into a :class:`RoadNetwork`; parallel edges keep the fastest."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    lat = np.array([G.nodes[n]["y"] for n in nodes], dtype=np.float64)
    lon = np.array([G.nodes[n]["x"] for n in nodes], dtype=np.float64)
    best: dict[tuple[int, int], tuple[float, float, Any, str, bool]] = {}
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        key = (index[u], index[v])
        t = float(d["travel_time"])
        if key not in best or t < best[key][0]:
            best[key] = (t, float(d["length"]), d.get("geometry"), _edge_name(d.get("name")), is_main_road(d))
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
    names = [best[k][3] for k in keys]
    return RoadNetwork(lat, lon, indptr, dst, time_ms, length_dm, np.array(geom_ptr, dtype=np.int64),
                       np.array(g_lat), np.array(g_lon), main, source,
                       np.array(names, dtype=str) if any(names) else None,
                       np.array([best[k][4] for k in keys], dtype=bool))


def _edge_name(tag: Any) -> str:
    """An edge's ``name`` tag as one short string: merged ways' distinct names joined, clipped."""
    if tag is None or (isinstance(tag, float) and np.isnan(tag)):
        return ""
    parts = tag if isinstance(tag, (list, tuple)) else [tag]
    names = list(dict.fromkeys(" ".join(str(p).split()) for p in parts if str(p).strip()))
    return " / ".join(names)[:NAME_CHARS]


def _cache_key(path: Path, speeds_kph: Mapping[str, float]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    h.update(json.dumps({"speeds": dict(sorted(speeds_kph.items())), "format": CACHE_FORMAT}).encode())
    return h.hexdigest()[:32]


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
                    optional: dict[str, Any] = {k: data[k] if k in data else None for k in _OPTIONAL_FIELDS}
                    return RoadNetwork(**{k: data[k] for k in _ARRAY_FIELDS}, source=str(path), **optional)
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
            arrays: dict[str, Any] = network.to_arrays()
            np.savez(tmp, **arrays)
            os.replace(tmp, cached)
        except OSError as exc:
            log.warning("could not write network cache %s: %s", cached, exc)
    return network


#: Networks a process keeps in memory (:func:`load_network_kept`): a batch worker plans one office
#: after another, and offices of one province share a few network files.
KEEP_NETWORKS = 4


def load_network_kept(path: Path, speeds_kph: Mapping[str, float], cache_dir: Path | None = None) -> RoadNetwork:
    """:func:`load_network`, remembered by this process while the file stays the same.

    The key is the path as given, the file's size, modification time (ns) and inode, the speeds and
    the cache folder, so an edited or replaced file is loaded again. The network returned is shared
    by every caller in the process: treat its arrays as read-only.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return load_network(path, speeds_kph, cache_dir)  # says what is wrong with the file
    return _kept(str(path), st.st_size, st.st_mtime_ns, st.st_ino, tuple(sorted(speeds_kph.items())),
                 None if cache_dir is None else str(cache_dir))


@functools.lru_cache(maxsize=KEEP_NETWORKS)
def _kept(path: str, size: int, mtime_ns: int, inode: int, speeds: tuple[tuple[str, float], ...],
          cache_dir: str | None) -> RoadNetwork:
    return load_network(Path(path), dict(speeds), None if cache_dir is None else Path(cache_dir))


def describe(G: Any) -> dict[str, Any]:
    """Figures for ``network info``: nodes, edges, km by class, components, bounding box.

    ``km_by_class`` is road length: a two-way road counts once, not once per direction.
    """
    import networkx as nx

    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    sccs = sorted((len(c) for c in nx.strongly_connected_components(G)), reverse=True)
    return {
        "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
        "km_by_class": km_by_class(G),
        "strong_components": len(sccs), "largest_component_nodes": sccs[0] if sccs else 0,
        "bbox": (min(ys), min(xs), max(ys), max(xs)) if xs else None,
    }


def load_graph(path: Path, speeds_kph: Mapping[str, float]) -> Any:
    """The osmnx graph for a file (no cache): for ``network info`` and ``network import``."""
    path = Path(path)
    if path.suffix.lower() == ".graphml":
        return graph_from_graphml(path, speeds_kph)
    return graph_from_extract(path, speeds_kph)
