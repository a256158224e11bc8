"""The one module that imports osmnx: every call into it, and the settings it runs with.

Public modules (:mod:`routing.roads.network`, :mod:`routing.gazetteer`, :mod:`routing.geocode`) build
on these few functions, as osmnx's own ``graph.py`` builds on its private ``_overpass.py``.
osmnx's own errors are translated here into the project's error tree, so no other module needs
to know them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from routing.errors import InputError, ServiceUnreachable

#: Way tags osmnx keeps beyond its defaults: the motorbike access rules and speeds need them.
EXTRA_WAY_TAGS = ("motorcycle", "motor_vehicle", "vehicle", "access", "maxspeed", "oneway", "highway")

#: Raised by the HTTP stack when a service cannot be reached; osmnx re-raises them unchanged.
_OFFLINE: tuple[type[BaseException], ...] = (ConnectionError, OSError)


def _ox(online: bool = False) -> Any:
    import osmnx as ox

    ox.settings.useful_tags_way = sorted(set(ox.settings.useful_tags_way) | set(EXTRA_WAY_TAGS))
    ox.settings.log_console = False
    ox.settings.requests_timeout = 30
    if online:
        ox.settings.use_cache = True
    return ox


def _offline_errors() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.exceptions.RequestException, *_OFFLINE)


def read_xml(path: Path) -> Any:
    """The raw (unsimplified, directed) graph of every way in an OSM XML extract."""
    ox = _ox()
    try:
        return ox.graph_from_xml(path, simplify=False, retain_all=True, bidirectional=False)
    except Exception as exc:  # osmnx raises a variety of parser errors; all mean a bad file
        raise InputError(f"{path}: not a readable OpenStreetMap XML file ({exc.__class__.__name__}: {exc})") from None


def simplify(G: Any) -> Any:
    """Merge chains of degree-2 nodes into single edges, summing length and travel time.

    Edges of different class or speed limit stay apart so their speeds stay exact after merging.
    """
    return _ox().simplify_graph(G, edge_attrs_differ=["highway", "maxspeed", "oneway"],
                                edge_attr_aggs={"length": sum, "travel_time": sum})


def truncate(G: Any, bbox: tuple[float, float, float, float] | None, polygon: Any | None) -> Any:
    """The part of ``G`` inside ``bbox`` (south, west, north, east) and/or a shapely polygon."""
    ox = _ox()
    try:
        if bbox is not None:
            s, w, n, e = bbox
            G = ox.truncate.truncate_graph_bbox(G, (w, s, e, n), truncate_by_edge=True)
        if polygon is not None:
            G = ox.truncate.truncate_graph_polygon(G, polygon, truncate_by_edge=True)
    except ValueError as exc:  # osmnx: "Found no graph nodes within the requested polygon"
        raise InputError(f"no roads are left inside the clipping area ({exc})") from None
    return G


def load_graphml(path: Path) -> Any:
    """A graph saved by osmnx (or by ``ektp-route network import``)."""
    ox = _ox()
    try:
        return ox.load_graphml(path)
    except FileNotFoundError:
        raise InputError(f"{path}: network file not found") from None
    except Exception as exc:
        raise InputError(f"{path}: not a GraphML file saved by osmnx ({exc.__class__.__name__}: {exc})") from None


def save_graphml(G: Any, path: Path) -> None:
    """Write ``G`` as GraphML that :func:`load_graphml` reads back."""
    _ox().save_graphml(G, Path(path))


def download_graph(place: str, custom_filter: str) -> Any:
    """The raw graph of ways matching ``custom_filter`` in ``place``, from Overpass (online, cached).

    Raises
    ------
    ServiceUnreachable
        When Overpass or Nominatim cannot be reached and osmnx has no cached answer.
    """
    ox = _ox(online=True)
    try:
        return ox.graph_from_place(place, custom_filter=custom_filter, simplify=False, retain_all=True)
    except _offline_errors() as exc:
        raise ServiceUnreachable(
            f"cannot download the road network for {place!r}: the map service is unreachable "
            f"({exc.__class__.__name__}); use `ektp-route network import EXTRACT` offline instead"
        ) from None
    except ValueError as exc:
        raise InputError(f"place {place!r}: {exc}") from None


def features_from_xml(path: Path, tags: Mapping[str, Any]) -> Any:
    """A GeoDataFrame of the features in an OSM XML extract that carry ``tags``."""
    ox = _ox()
    try:
        return ox.features_from_xml(path, tags=dict(tags))
    except Exception as exc:  # osmnx: parse errors, or "no matching features"
        raise InputError(f"{path}: no desa or dusun places could be read ({exc.__class__.__name__}: {exc})") from None


def features_from_place(place: str, tags: Mapping[str, Any]) -> Any:
    """A GeoDataFrame of the features in ``place`` that carry ``tags``, from Overpass (online, cached)."""
    ox = _ox(online=True)
    try:
        return ox.features_from_place(place, tags=dict(tags))
    except _offline_errors() as exc:
        raise ServiceUnreachable(f"cannot download places for {place!r}: the map service is unreachable "
                                 f"({exc.__class__.__name__}); use `--osm EXTRACT` offline instead") from None


def geocode(query: str) -> tuple[float, float] | None:
    """``(lat, lon)`` for an address query from Nominatim (cached by osmnx), ``None`` when not found.

    Raises
    ------
    ServiceUnreachable
        When Nominatim cannot be reached.
    """
    ox = _ox(online=True)
    try:
        lat, lon = ox.geocode(query)
    except ox._errors.InsufficientResponseError:
        return None
    except _offline_errors() as exc:
        raise ServiceUnreachable(f"online geocoding unreachable ({exc.__class__.__name__})") from None
    return float(lat), float(lon)
