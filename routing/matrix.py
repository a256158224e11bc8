"""Snapping stops to the road network, travel matrices and road-following leg shapes.

All shortest paths run in scipy's compiled Dijkstra, one call per batch of sources, never one
networkx call per pair. Time decides the path; its length in metres is read off the same path:
each edge weighs ``time_ms * 2**22 + length_dm``, so a path's total weight encodes both sums
exactly (float64 holds integers to 2**53) and ties in time go to the shorter road.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from routing.geo import EARTH_RADIUS_M, LatLon
from routing.network import RoadNetwork

_SHIFT = 2**22  # decimetres per path stay below this: 419 km, far beyond a regency
_BATCH = 64  # sources per Dijkstra call: bounds memory at 64 x nodes x 8 bytes


def _weights(net: RoadNetwork) -> csr_matrix:
    w = net.time_ms.astype(np.float64) * _SHIFT + net.length_dm.astype(np.float64)
    return csr_matrix((w, net.indices, net.indptr), shape=(net.n_nodes, net.n_nodes))


def _project(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    k = math.pi / 180 * EARTH_RADIUS_M
    return np.column_stack((lon * k * math.cos(math.radians(lat0)), lat * k))


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a point meets the road network: a node in the main component and how far away it is."""

    node: int
    distance_m: int


def snap(net: RoadNetwork, points: Sequence[LatLon]) -> list[Snap]:
    """Snap each point to the nearest node of the largest strongly connected component.

    Only main-component nodes are candidates, so every snapped stop can reach the depot and be
    reached from it; a point whose nearest such node is far away (an island) shows that in its
    ``distance_m`` and is judged by the caller.
    """
    if not points:
        return []
    main_idx = np.nonzero(net.main)[0]
    lat0 = float(net.node_lat[main_idx].mean())
    tree = cKDTree(_project(net.node_lat[main_idx], net.node_lon[main_idx], lat0))
    q = _project(np.array([p.lat for p in points]), np.array([p.lon for p in points]), lat0)
    dist, pos = tree.query(q)
    return [Snap(int(main_idx[i]), int(round(d))) for i, d in zip(pos, dist)]


@dataclass(frozen=True, slots=True, eq=False)
class TravelMatrix:
    """Travel time (whole seconds) and distance (whole metres) between locations ``i -> j``."""

    time_s: np.ndarray
    dist_m: np.ndarray

    def __post_init__(self) -> None:
        n = self.time_s.shape[0]
        if self.time_s.shape != (n, n) or self.dist_m.shape != (n, n):
            raise ValueError("travel matrices must be square and the same size")
        if (self.time_s < 0).any() or (self.dist_m < 0).any():
            raise ValueError("travel matrix has unreachable or negative entries")

    @property
    def size(self) -> int:
        """Number of locations."""
        return self.time_s.shape[0]


def travel_matrix(net: RoadNetwork, nodes: Sequence[int]) -> TravelMatrix:
    """All-pairs travel time and distance between network nodes (repeats allowed).

    Raises
    ------
    ValueError
        If a pair has no path; callers snap to the main component so this means a bug.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    unique, inverse = np.unique(nodes, return_inverse=True)
    graph = _weights(net)
    k = len(unique)
    t = np.empty((k, k), dtype=np.int64)
    d = np.empty((k, k), dtype=np.int64)
    for lo in range(0, k, _BATCH):
        rows = dijkstra(graph, directed=True, indices=unique[lo:lo + _BATCH])[:, unique]
        if not np.isfinite(rows).all():
            raise ValueError("some snapped nodes cannot reach each other")
        rows = rows.astype(np.int64)
        t_ms, d_dm = rows // _SHIFT, rows % _SHIFT
        t[lo:lo + _BATCH] = (t_ms + 500) // 1000
        d[lo:lo + _BATCH] = (d_dm + 5) // 10
    return TravelMatrix(t[np.ix_(inverse, inverse)], d[np.ix_(inverse, inverse)])


def leg_paths(net: RoadNetwork, legs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], list[LatLon]]:
    """Road-following shape of each leg ``(from_node, to_node)``, computed once per source.

    Returns
    -------
    dict
        ``(from_node, to_node) -> [LatLon, ...]`` along the roads, endpoints included.
    """
    graph = _weights(net)
    sources = sorted({a for a, _ in legs})
    shapes: dict[tuple[int, int], list[LatLon]] = {}
    for lo in range(0, len(sources), _BATCH):
        batch = sources[lo:lo + _BATCH]
        _, pred = dijkstra(graph, directed=True, indices=batch, return_predecessors=True)
        row_of = {s: i for i, s in enumerate(batch)}
        for a, b in legs:
            if a not in row_of or (a, b) in shapes:
                continue
            p = pred[row_of[a]]
            path = [b]
            while path[-1] != a:
                prev = int(p[path[-1]])
                if prev < 0:
                    raise ValueError(f"no path from node {a} to node {b}")
                path.append(prev)
            path.reverse()
            shapes[(a, b)] = _shape(net, path)
    return shapes


def _shape(net: RoadNetwork, path: list[int]) -> list[LatLon]:
    if len(path) == 1:
        return [LatLon(float(net.node_lat[path[0]]), float(net.node_lon[path[0]]))]
    out: list[LatLon] = []
    for u, v in zip(path, path[1:]):
        e = net.edge_index(u, v)
        lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
        pts = [LatLon(float(a), float(b)) for a, b in zip(net.geom_lat[lo:hi], net.geom_lon[lo:hi])]
        out.extend(pts[1:] if out else pts)
    return out
