"""The streets around a day's routes, taken from the road network, for maps that work without tiles.

Offline (no background tiles) a courier's map would show the route line on grey and nothing to
find the way by. :func:`streets_around` keeps every edge of the network that comes within
``radius_m`` of a stop or of a route's line, one polyline per road (a two-way road is two directed
edges, drawn once), with its name where the network has one. The maps draw them as one thin grey
layer under the routes. ``plan.json`` does not hold the network, so the streets are written beside
it as ``streets.json`` (:func:`to_json`) and ``ektp-route render`` draws them again from there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from routing.errors import InputError
from routing.geo import LatLon
from routing.plan import Plan
from routing.roads.network import RoadNetwork

#: How far from a stop or a route's line a street is still drawn, metres.
RADIUS_M = 300

#: Decimal places kept of each coordinate (6 places: about 0.1 m).
DECIMALS = 6

#: Layout version of ``streets.json``.
FORMAT = 1

_M_PER_DEG = 111_320.0


@dataclass(frozen=True, slots=True)
class Street:
    """One road to draw: its shape (at least two points) and its name (``""`` when unknown)."""

    points: tuple[LatLon, ...]
    name: str = ""

    def __post_init__(self) -> None:
        if len(self.points) < 2:
            raise ValueError(f"a street needs at least two points, got {len(self.points)}")


@dataclass(frozen=True, slots=True)
class Streets:
    """The streets drawn under a day's routes (may be empty: a plan redrawn without them)."""

    streets: tuple[Street, ...] = ()
    #: Every street's points (lat, lon) one after another, and where each street's begin: each
    #: courier's map and page look for the streets near its route among them.
    _points: np.ndarray = field(init=False, repr=False, compare=False)
    _starts: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sizes = np.fromiter((len(s.points) for s in self.streets), dtype=np.int64, count=len(self.streets))
        points = np.array([(p.lat, p.lon) for s in self.streets for p in s.points], dtype=np.float64).reshape(-1, 2)
        object.__setattr__(self, "_points", points)
        object.__setattr__(self, "_starts", np.cumsum(sizes) - sizes)

    def __len__(self) -> int:
        return len(self.streets)

    def near(self, points: Iterable[LatLon], radius_m: float) -> Streets:
        """The streets with a point within ``radius_m`` of any of ``points`` (one courier's part)."""
        pts = list(points)
        if not pts or not self.streets:
            return Streets()
        lat0 = pts[0].lat
        tree = cKDTree(_project([(p.lat, p.lon) for p in pts], lat0))
        dist, _ = tree.query(_project(self._points, lat0), distance_upper_bound=radius_m)
        close = np.logical_or.reduceat(np.isfinite(dist), self._starts)
        return Streets(tuple(s for s, keep in zip(self.streets, close) if keep))


def _project(latlon: Sequence[tuple[float, float]] | np.ndarray, lat0: float) -> np.ndarray:
    """Degrees to local metres (equirectangular about ``lat0``): exact enough within a regency."""
    a = np.asarray(latlon, dtype=np.float64).reshape(-1, 2)
    return np.column_stack((a[:, 0] * _M_PER_DEG, a[:, 1] * _M_PER_DEG * math.cos(math.radians(lat0))))


def _route_points(plan: Plan) -> list[LatLon]:
    pts = [plan.depot]
    for r in plan.routes:
        pts.extend(v.point for v in r.visits)
        pts.extend(r.geometry)
        pts.extend(p for p in (r.start, r.end) if p is not None)
    return pts


def streets_around(network: RoadNetwork, plan: Plan, radius_m: float = RADIUS_M) -> Streets:
    """The network's roads within ``radius_m`` of any stop, terminal or route line of ``plan``.

    An edge is kept when any point of its shape lies within ``radius_m`` of any of the plan's
    points (stops, the office, the couriers' own starts and ends, every vertex of the route
    lines); the route lines follow the roads, so their vertices are dense enough. Of a two-way
    road's two directed edges (same ends, same length) only one is kept. Coordinates are rounded
    to :data:`DECIMALS` places and repeated points dropped.

    Parameters
    ----------
    network
        The road network the plan was made on.
    plan
        The day's plan.
    radius_m
        Distance around the routes, metres.
    """
    pts = _route_points(plan)
    if not plan.routes:
        return Streets()
    lat0 = plan.depot.lat
    tree = cKDTree(_project([(p.lat, p.lon) for p in pts], lat0))
    dist, _ = tree.query(_project(np.column_stack((network.geom_lat, network.geom_lon)), lat0),
                         distance_upper_bound=radius_m)
    near_vertex = np.isfinite(dist)
    starts = network.geom_ptr[:-1]
    # Every edge's shape has at least two points, so no reduceat segment is empty.
    near_edge = np.logical_or.reduceat(near_vertex, starts) if len(starts) else np.zeros(0, dtype=bool)
    tails = np.repeat(np.arange(network.n_nodes), np.diff(network.indptr))
    heads = network.indices
    seen: set[tuple[int, int, int]] = set()
    out: list[Street] = []
    for e in np.nonzero(near_edge)[0]:
        u, v = int(tails[e]), int(heads[e])
        key = (min(u, v), max(u, v), int(network.length_dm[e]))
        if key in seen:
            continue
        seen.add(key)
        lo, hi = int(network.geom_ptr[e]), int(network.geom_ptr[e + 1])
        lats = np.round(network.geom_lat[lo:hi], DECIMALS)
        lons = np.round(network.geom_lon[lo:hi], DECIMALS)
        points: list[LatLon] = []
        for a, b in zip(lats.tolist(), lons.tolist()):
            if not points or (a, b) != (points[-1].lat, points[-1].lon):
                points.append(LatLon(a, b))
        if len(points) < 2:
            continue
        name = str(network.edge_name[e]) if network.edge_name is not None else ""
        out.append(Street(tuple(points), name))
    return Streets(tuple(out))


def to_json(streets: Streets) -> dict[str, Any]:
    """``streets.json``: ``{"format": 1, "names": [...], "lines": [[name index or -1, [lat, lon, ...]], ...]}``.

    Names are listed once and lines refer to them by index; coordinates are flat pairs.
    """
    names: dict[str, int] = {}
    lines: list[list[Any]] = []
    for s in streets.streets:
        k = names.setdefault(s.name, len(names)) if s.name else -1
        lines.append([k, [c for p in s.points for c in (p.lat, p.lon)]])
    return {"format": FORMAT, "names": list(names), "lines": lines}


def from_json(data: Mapping[str, Any], where: str = "streets.json") -> Streets:
    """Read what :func:`to_json` wrote.

    Raises
    ------
    InputError
        The data is not a streets file of this format (the message names ``where`` and what is wrong).
    """
    try:
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        names = [str(n) for n in data["names"]]
        out = []
        for k, flat in data["lines"]:
            if not isinstance(k, int) or not -1 <= k < len(names) or len(flat) % 2:
                raise ValueError(f"bad line {str([k, flat])[:80]}")
            pts = tuple(LatLon(float(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2))
            out.append(Street(pts, names[k] if k >= 0 else ""))
    except (KeyError, TypeError, AttributeError, ValueError, InputError) as exc:
        raise InputError(f"{where}: not a streets file ({exc}); delete it to draw the maps without streets") from None
    return Streets(tuple(out))
