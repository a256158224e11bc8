"""Snapping points to the roads: the nearest point of the nearest road, not the nearest junction.

A point (a house, the office, a courier's home) meets the network on a long village road where the
house is, so the ride runs along the road to either end as the road's direction allows. Only roads
whose both ends lie in the main strongly connected component are candidates, so every snapped point
can reach every other one. Roads are indexed in short pieces (a k-d tree over their midpoints).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from routing.errors import InputError
from routing.geo import EARTH_RADIUS_M, LatLon
from routing.roads.network import RoadNetwork

#: Roads are indexed in pieces at most this long (metres), so that the search around a point
#: stays small even next to a straight road several kilometres long.
_PIECE_M = 40.0


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a point meets the road network: a position on one road.

    Attributes
    ----------
    edge
        The directed edge ``tail -> head`` the point lies on. For a two-way road (both directed
        edges along the same shape) it is the lower-numbered of the pair.
    reverse
        The edge ``head -> tail`` along the same road, or -1 when the road is one-way.
    tail, head
        The edge's end nodes.
    fraction
        Position along the edge's shape, 0 at ``tail`` and 1 at ``head``; travel time and length
        to either end are this share of the edge's.
    distance_m
        From the point to the road, whole metres.
    point
        Where the point meets the road.
    """

    edge: int
    reverse: int
    tail: int
    head: int
    fraction: float
    distance_m: int
    point: LatLon

    def __post_init__(self) -> None:
        if self.edge < 0 or self.tail < 0 or self.head < 0:
            raise ValueError(f"snap on edge {self.edge} ({self.tail} -> {self.head}) is not an edge")
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"snap fraction {self.fraction!r} is outside 0..1")
        if self.distance_m < 0:
            raise ValueError(f"snap distance {self.distance_m!r} m is negative")

    @property
    def node(self) -> int:
        """The nearer end of the road (by distance along it)."""
        return self.tail if self.fraction <= 0.5 else self.head


#: A place in the network: a snapped point, or a node index (the point exactly at that node).

def metres_per_degree(net: RoadNetwork) -> tuple[float, float]:
    """Metres per degree of longitude and latitude (equirectangular, at the network's mean latitude).

    Linear in degrees, so a point interpolated in metres is the same point interpolated in degrees.
    """
    k = math.pi / 180 * EARTH_RADIUS_M
    return k * math.cos(math.radians(float(net.node_lat.mean()))), k


def edge_tails(net: RoadNetwork) -> np.ndarray:
    return np.repeat(np.arange(net.n_nodes, dtype=np.int64), np.diff(net.indptr))


def reverse_edges(net: RoadNetwork, tails: np.ndarray) -> np.ndarray:
    """Per edge ``u -> v``, the edge ``v -> u`` along the same shape reversed (the other way of a
    two-way road), or -1.

    A ``v -> u`` edge with another shape is a different road between the same junctions.
    """
    heads = net.indices.astype(np.int64)
    key = tails * net.n_nodes + heads
    order = np.argsort(key, kind="stable")
    pos = np.minimum(np.searchsorted(key[order], heads * net.n_nodes + tails), len(key) - 1)
    cand = order[pos]
    ptr = net.geom_ptr
    count = np.diff(ptr)
    same = (key[cand] == heads * net.n_nodes + tails) & (count[cand] == count)
    check = np.nonzero(same)[0]
    if len(check):
        # Compare vertex k of each edge with vertex -1-k of its candidate, all at once.
        n = count[check]
        first = np.repeat(ptr[check], n)
        k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        mine = first + k
        theirs = np.repeat(ptr[cand[check] + 1] - 1, n) - k
        equal = (np.abs(net.geom_lat[mine] - net.geom_lat[theirs]) < 1e-9) & \
                (np.abs(net.geom_lon[mine] - net.geom_lon[theirs]) < 1e-9)
        same[check] = np.logical_and.reduceat(equal, np.cumsum(n) - n)
    return np.where(same, cand, -1)


def positions_along(net: RoadNetwork, e: int, scale: tuple[float, float]) -> np.ndarray:
    """Metres from the start of edge ``e``'s shape to each of its vertices."""
    lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
    step = np.hypot(np.diff(net.geom_lon[lo:hi]) * scale[0], np.diff(net.geom_lat[lo:hi]) * scale[1])
    return np.concatenate(([0.0], np.cumsum(step)))


@dataclass(frozen=True, slots=True, eq=False)
class _RoadPieces:
    """Candidate roads cut into short straight pieces, with a KD-tree over the pieces' midpoints."""

    tree: cKDTree
    x0: np.ndarray
    y0: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    seg: np.ndarray  # shape vertex where the piece's segment starts
    edge: np.ndarray
    half: float  # the longest piece's half length: how far a piece reaches beyond its midpoint


def _road_pieces(net: RoadNetwork, tails: np.ndarray, reverse: np.ndarray, scale: tuple[float, float]
                 ) -> _RoadPieces:
    e_all = np.arange(net.n_edges)
    keep = net.main[tails] & net.main[net.indices] & ((reverse < 0) | (e_all < reverse))
    if not keep.any():
        raise InputError(f"{net.source}: no road connects the main part of the network")
    count = np.diff(net.geom_ptr)
    edge_of_vertex = np.repeat(e_all, count)
    start = np.arange(len(net.geom_lat) - 1)
    # A segment joins vertex g to g + 1 of the same edge, on a candidate road.
    ok = (start + 1 < net.geom_ptr[edge_of_vertex[start] + 1]) & keep[edge_of_vertex[start]]
    start = start[ok]
    x = net.geom_lon * scale[0]
    y = net.geom_lat * scale[1]
    sx, sy = x[start], y[start]
    sdx, sdy = x[start + 1] - sx, y[start + 1] - sy
    m = np.maximum(1, np.ceil(np.hypot(sdx, sdy) / _PIECE_M)).astype(np.int64)
    which = np.repeat(np.arange(len(start)), m)
    j = np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)
    t0 = j / m[which]
    dt = 1.0 / m[which]
    x0, y0 = sx[which] + t0 * sdx[which], sy[which] + t0 * sdy[which]
    dx, dy = sdx[which] * dt, sdy[which] * dt
    tree = cKDTree(np.column_stack((x0 + dx / 2, y0 + dy / 2)))
    return _RoadPieces(tree, x0, y0, dx, dy, start[which], edge_of_vertex[start[which]],
                       float(np.hypot(dx, dy).max()) / 2)


@functools.lru_cache(maxsize=1)
def _road_index(net: RoadNetwork) -> tuple[np.ndarray, np.ndarray, _RoadPieces]:
    """Edge tails, reverse edges and the road pieces of ``net``, built once per network.

    The day snaps the office, the stops and each courier's home in separate calls; the index
    takes longer to build (about 0.1 s on a regency) than a call takes to use it. The cache holds
    the last network only (networks compare by identity, and the cache keeps it alive, so an
    identity is never reused while cached).
    """
    scale = metres_per_degree(net)
    tails = edge_tails(net)
    reverse = reverse_edges(net, tails)
    return tails, reverse, _road_pieces(net, tails, reverse, scale)


def _distance_to(p: _RoadPieces, qx: np.ndarray, qy: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Distance (metres) from each query point to piece ``k``."""
    length2 = p.dx[k] ** 2 + p.dy[k] ** 2
    t = ((qx - p.x0[k]) * p.dx[k] + (qy - p.y0[k]) * p.dy[k]) / np.where(length2 > 0, length2, 1.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(qx - p.x0[k] - t * p.dx[k], qy - p.y0[k] - t * p.dy[k])


def snap(net: RoadNetwork, points: Sequence[LatLon]) -> list[Snap]:
    """Snap each point to the nearest point of the nearest road of the main component.

    A road qualifies when both its ends are in the largest strongly connected component, so every
    snapped point can reach the depot and be reached from it; a point whose nearest such road is
    far away (an island, a road cut off by one-way streets) shows that in its ``distance_m`` and is
    judged by the caller. The nearest point is found on the road's shape, not on the straight line
    between its ends. Snap the depot, the stops and the couriers' homes with this same function.

    Raises
    ------
    InputError
        When no road of the network has both ends in the main component.
    """
    if not points:
        return []
    scale = metres_per_degree(net)
    tails, reverse, pieces = _road_index(net)
    qx = np.array([p.lon for p in points]) * scale[0]
    qy = np.array([p.lat for p in points]) * scale[1]
    # Any piece nearer than the nearest midpoint's piece has its midpoint within that distance
    # plus half a piece, so the ball query cannot miss the true nearest road.
    _, nearest = pieces.tree.query(np.column_stack((qx, qy)))
    bound = _distance_to(pieces, qx, qy, nearest)
    balls = pieces.tree.query_ball_point(np.column_stack((qx, qy)), bound + pieces.half + 1e-6)
    sizes = np.array([len(b) for b in balls])
    query = np.repeat(np.arange(len(points)), sizes)
    cand = np.concatenate([np.asarray(b, dtype=np.int64) for b in balls])
    dist = _distance_to(pieces, qx[query], qy[query], cand)
    # Nearest first; equal distances (a point on a junction) go to the lowest edge, for stable output.
    order = np.lexsort((pieces.edge[cand], dist, query))
    best = order[np.concatenate(([0], np.cumsum(sizes)[:-1]))]
    out = []
    for q, b in enumerate(best):
        k = cand[b]
        e = int(pieces.edge[k])
        g = int(pieces.seg[k])
        # Where on the whole segment, projected again so that a point on a vertex gives exactly
        # 0 or 1; there the vertex itself is used, since a point on a junction must be that node.
        sx, sy = net.geom_lon[g] * scale[0], net.geom_lat[g] * scale[1]
        dx, dy = net.geom_lon[g + 1] * scale[0] - sx, net.geom_lat[g + 1] * scale[1] - sy
        length2 = dx * dx + dy * dy
        t_seg = min(1.0, max(0.0, ((qx[q] - sx) * dx + (qy[q] - sy) * dy) / length2)) if length2 > 0 else 0.0
        pos = positions_along(net, e, scale)
        v = g - int(net.geom_ptr[e])
        if t_seg in (0.0, 1.0):
            g, v = (g, v) if t_seg == 0.0 else (g + 1, v + 1)
            at, lat, lon = float(pos[v]), float(net.geom_lat[g]), float(net.geom_lon[g])
        else:
            at = float(pos[v] + t_seg * (pos[v + 1] - pos[v]))
            lat = float(net.geom_lat[g] + t_seg * (net.geom_lat[g + 1] - net.geom_lat[g]))
            lon = float(net.geom_lon[g] + t_seg * (net.geom_lon[g + 1] - net.geom_lon[g]))
        fraction = min(1.0, max(0.0, at / float(pos[-1]))) if pos[-1] > 0 else 0.0
        out.append(Snap(e, int(reverse[e]), int(tails[e]), int(net.indices[e]), fraction,
                        round(float(dist[b])), LatLon(lat, lon)))
    return out
