"""Snapping points to the roads, travel matrices and road-following leg shapes.

A point (a house, the office, a courier's home) meets the network at the nearest point of the
nearest road, not at the nearest junction: on a long village road the ride starts where the
house is and runs along the road to either end, as the road's direction allows. Only roads whose
both ends lie in the main strongly connected component are candidates, so every snapped point can
reach every other one.

All shortest paths run in scipy's compiled Dijkstra, one call per batch of sources, never one
networkx call per pair. Time decides the path; its length in metres is read off the same path:
each edge weighs ``time_ms * 2**22 + length_dm``, so a path's total weight encodes both sums
exactly (float64 holds integers to 2**53) and ties in time go to the shorter road. The part of a
road between a snapped point and the road's ends is weighed the same way, in whole milliseconds and
decimetres proportional to the distance along the road's shape.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from routing.errors import InputError
from routing.geo import EARTH_RADIUS_M, LatLon, haversine_m
from routing.roads.network import RoadNetwork

_SHIFT = 2**22  # decimetres per path stay below this: 419 km, far beyond a regency
_BATCH = 64  # sources per Dijkstra call: bounds memory at 64 x nodes x 8 bytes
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
Where = Snap | int


def _weights(net: RoadNetwork) -> csr_matrix:
    w = net.time_ms.astype(np.float64) * _SHIFT + net.length_dm.astype(np.float64)
    return csr_matrix((w, net.indices, net.indptr), shape=(net.n_nodes, net.n_nodes))


def _scale(net: RoadNetwork) -> tuple[float, float]:
    """Metres per degree of longitude and latitude (equirectangular, at the network's mean latitude).

    Linear in degrees, so a point interpolated in metres is the same point interpolated in degrees.
    """
    k = math.pi / 180 * EARTH_RADIUS_M
    return k * math.cos(math.radians(float(net.node_lat.mean()))), k


def _tails(net: RoadNetwork) -> np.ndarray:
    return np.repeat(np.arange(net.n_nodes, dtype=np.int64), np.diff(net.indptr))


def _reverse_edges(net: RoadNetwork, tails: np.ndarray) -> np.ndarray:
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


def _positions(net: RoadNetwork, e: int, scale: tuple[float, float]) -> np.ndarray:
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
    scale = _scale(net)
    tails = _tails(net)
    reverse = _reverse_edges(net, tails)
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
    scale = _scale(net)
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
        pos = _positions(net, e, scale)
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


@dataclass(frozen=True, slots=True, eq=False)
class _Ends:
    """How each location leaves the network's nodes and joins them, as combined weights.

    Slot 0 is the edge's head, slot 1 its tail (a node location uses its node in both, slot 1
    unusable). ``inf`` marks a way the road's direction forbids.
    """

    exit_node: np.ndarray  # (n, 2)
    exit_w: np.ndarray
    entry_node: np.ndarray
    entry_w: np.ndarray
    edge: np.ndarray  # -1 for node locations
    fraction: np.ndarray
    from_tail: np.ndarray  # weight from the tail along the edge to the point
    from_head: np.ndarray  # weight from the head along the reverse edge to the point (inf if one-way)


def _part(time_ms: int, length_dm: int, share: float) -> tuple[int, int]:
    return int(np.rint(share * time_ms)), int(np.rint(share * length_dm))


def _w(t: int, d: int) -> float:
    return float(t) * _SHIFT + float(d)


def _ends(net: RoadNetwork, where: Sequence[Where] | np.ndarray) -> _Ends:
    n = len(where)
    exit_node = np.zeros((n, 2), dtype=np.int64)
    entry_node = np.zeros((n, 2), dtype=np.int64)
    exit_w = np.full((n, 2), np.inf)
    entry_w = np.full((n, 2), np.inf)
    edge = np.full(n, -1, dtype=np.int64)
    fraction = np.zeros(n)
    from_tail = np.full(n, np.inf)
    from_head = np.full(n, np.inf)
    for i, w in enumerate(where):
        if not isinstance(w, Snap):
            node = int(w)
            if not 0 <= node < net.n_nodes:
                raise ValueError(f"node {node} is not in the network")
            exit_node[i] = entry_node[i] = node
            exit_w[i, 0] = entry_w[i, 0] = 0.0
            continue
        e, f = w.edge, w.fraction
        exit_node[i] = entry_node[i] = (w.head, w.tail)
        edge[i], fraction[i] = e, f
        # Entering from the tail costs the rounded share; leaving to the head costs the rest, so
        # the two add up to the whole edge and rides along the edge subtract exactly.
        t_e, d_e = int(net.time_ms[e]), int(net.length_dm[e])
        a_t, a_d = _part(t_e, d_e, f)
        from_tail[i] = entry_w[i, 1] = _w(a_t, a_d)
        exit_w[i, 0] = _w(t_e - a_t, d_e - a_d)
        if w.reverse >= 0:
            t_r, d_r = int(net.time_ms[w.reverse]), int(net.length_dm[w.reverse])
            b_t, b_d = _part(t_r, d_r, 1.0 - f)
            from_head[i] = entry_w[i, 0] = _w(b_t, b_d)
            exit_w[i, 1] = _w(t_r - b_t, d_r - b_d)
        # A point exactly at an end is that node, whatever the road's direction.
        if f == 0.0:
            exit_w[i, 1] = entry_w[i, 1] = 0.0
        if f == 1.0:
            exit_w[i, 0] = entry_w[i, 0] = 0.0
        # An unusable slot points at the usable node, so it adds no Dijkstra source.
        for node_, w_ in ((exit_node, exit_w), (entry_node, entry_w)):
            if not np.isfinite(w_[i, 1]):
                node_[i, 1] = node_[i, 0]
            if not np.isfinite(w_[i, 0]):
                node_[i, 0] = node_[i, 1]
    return _Ends(exit_node, exit_w, entry_node, entry_w, edge, fraction, from_tail, from_head)


def _along(ends: _Ends, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Weight of the ride from location ``i`` to ``j`` along their shared edge, inf where the
    direction forbids it."""
    fwd = np.where(ends.fraction[j] >= ends.fraction[i], ends.from_tail[j] - ends.from_tail[i], np.inf)
    with np.errstate(invalid="ignore"):  # inf - inf on a one-way road
        back = np.where(ends.fraction[j] <= ends.fraction[i], ends.from_head[j] - ends.from_head[i], np.inf)
    return np.fmin(fwd, np.where(np.isnan(back), np.inf, back))


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


def _combined(net: RoadNetwork, ends: _Ends) -> np.ndarray:
    """All-pairs combined weights (float64, exact integers) between the locations."""
    n = len(ends.edge)
    graph = _weights(net)
    sources, src_pos = np.unique(ends.exit_node, return_inverse=True)
    targets, dst_pos = np.unique(ends.entry_node, return_inverse=True)
    src_pos, dst_pos = src_pos.reshape(n, 2), dst_pos.reshape(n, 2)
    total = np.full((n, n), np.inf)
    for lo in range(0, len(sources), _BATCH):
        rows = dijkstra(graph, directed=True, indices=sources[lo:lo + _BATCH])[:, targets]
        # From each source node to each location, through whichever end the road allows.
        arrive = np.minimum(rows[:, dst_pos[:, 0]] + ends.entry_w[:, 0], rows[:, dst_pos[:, 1]] + ends.entry_w[:, 1])
        for slot in (0, 1):
            rel = src_pos[:, slot] - lo
            sel = np.nonzero((rel >= 0) & (rel < len(rows)) & np.isfinite(ends.exit_w[:, slot]))[0]
            if len(sel):
                total[sel] = np.minimum(total[sel], ends.exit_w[sel, slot, None] + arrive[rel[sel]])
    # Two locations on the same road: the ride between them along it, where that is shorter.
    on_edge = np.nonzero(ends.edge >= 0)[0]
    order = on_edge[np.argsort(ends.edge[on_edge], kind="stable")]
    groups = np.split(order, np.nonzero(np.diff(ends.edge[order]))[0] + 1) if len(order) else []
    for members in groups:
        if len(members) > 1:
            i, j = np.meshgrid(members, members, indexing="ij")
            total[i, j] = np.minimum(total[i, j], _along(ends, i, j))
    np.fill_diagonal(total, 0.0)
    return total


def travel_matrix(net: RoadNetwork, where: Sequence[Where] | np.ndarray) -> TravelMatrix:
    """All-pairs travel time and distance between snapped points and/or nodes (repeats allowed).

    From a snapped point the ride runs along its road to an end the road's direction allows, on
    through the network, and along the last road to the other point; two points on the same road
    also get the ride straight along it. A node index stands for the point exactly at that node.

    Raises
    ------
    ValueError
        If a pair has no path; callers snap to the main component so this means a bug.
    """
    if len(where) == 0:
        z = np.zeros((0, 0), dtype=np.int64)
        return TravelMatrix(z, z.copy())
    total = _combined(net, _ends(net, where))
    if not np.isfinite(total).all():
        raise ValueError("some snapped locations cannot reach each other")
    w = total.astype(np.int64)
    t_ms, d_dm = w // _SHIFT, w % _SHIFT
    return TravelMatrix((t_ms + 500) // 1000, (d_dm + 5) // 10)


def _point(net: RoadNetwork, w: Where) -> LatLon:
    if isinstance(w, Snap):
        return w.point
    return LatLon(float(net.node_lat[int(w)]), float(net.node_lon[int(w)]))


def _partial(net: RoadNetwork, e: int, f0: float, f1: float, scale: tuple[float, float]) -> list[LatLon]:
    """The shape of edge ``e`` from fraction ``f0`` to ``f1`` (backwards when ``f1 < f0``)."""
    lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
    lat, lon = net.geom_lat[lo:hi], net.geom_lon[lo:hi]
    pos = _positions(net, e, scale)
    a, b = f0 * pos[-1], f1 * pos[-1]
    inner = np.nonzero((pos > min(a, b)) & (pos < max(a, b)))[0]
    if b < a:
        inner = inner[::-1]
    ends = [(float(np.interp(x, pos, lat)), float(np.interp(x, pos, lon))) for x in (a, b)]
    pts = [ends[0]] + [(float(lat[k]), float(lon[k])) for k in inner] + [ends[1]]
    return [LatLon(la, lo_) for la, lo_ in pts]


def _join(parts: Sequence[list[LatLon]]) -> list[LatLon]:
    """Parts laid end to end; a point repeated where parts meet (or a part of no length) appears once."""
    out: list[LatLon] = []
    for part in parts:
        for p in part:
            if not out or p != out[-1]:
                out.append(p)
    return out


#: First search radius of a leg, as a travel time for twice the straight-line distance plus
#: 200 m at 12 km/h (slower than any road's speed): most legs join neighbouring stops, and a
#: search that stops there settles them without exploring the whole regency.
_LEG_GUESS_MPS = 12 / 3.6


def leg_paths(net: RoadNetwork, legs: Sequence[tuple[Where, Where]]) -> dict[tuple[Where, Where], list[LatLon]]:
    """Road-following shape of each leg ``(from, to)``, from snapped point to snapped point.

    Each leg takes the way :func:`travel_matrix` weighs: along the first road from the snapped
    point, through the network, and along the last road to the other point (or straight along a
    road they share). Node indices stand for the points at those nodes.

    Returns
    -------
    dict
        ``(from, to) -> [LatLon, ...]`` along the roads, both snapped points included.
    """
    scale = _scale(net)
    pending = list(dict.fromkeys(legs))
    places = list(dict.fromkeys(w for leg in pending for w in leg))
    slot_of = {w: k for k, w in enumerate(places)}
    ends = _ends(net, places)
    graph = _weights(net)
    shapes: dict[tuple[Where, Where], list[LatLon]] = {}
    # A search bounded by a generous radius finds the best way whenever that way is no longer than
    # the radius (every way it missed is longer); the few legs it does not settle are searched
    # again without a bound.
    for bounded in (True, False):
        reach: dict[int, float] = {}
        by_source: dict[int, list[tuple[Where, Where]]] = {}
        for a, b in pending:
            i = slot_of[a]
            by_source.setdefault(i, []).append((a, b))
            if bounded:
                metres = 2 * haversine_m(_point(net, a), _point(net, b)) + 200
                reach[i] = max(reach.get(i, 0.0), math.ceil(1000 * metres / _LEG_GUESS_MPS + 1) * float(_SHIFT))
        sources = sorted(by_source, key=lambda i: reach.get(i, 0.0))
        retry: list[tuple[Where, Where]] = []
        # Batches of source locations (two exit nodes each), so one source's choices share a batch.
        for lo in range(0, len(sources), _BATCH // 2):
            batch = sources[lo:lo + _BATCH // 2]
            limit = max(reach[i] for i in batch) if bounded else np.inf
            nodes = sorted({int(x) for i in batch for x in ends.exit_node[i]})
            row_of = {x: r for r, x in enumerate(nodes)}
            dist, pred = dijkstra(graph, directed=True, indices=nodes, return_predecessors=True, limit=limit)
            for i in batch:
                for a, b in by_source[i]:
                    if slot_of[b] == i:
                        shapes[(a, b)] = [_point(net, a)]
                        continue
                    shape = _leg_shape(net, ends, i, slot_of[b], dist, pred, row_of, limit, scale)
                    if shape is None:
                        retry.append((a, b))
                    else:
                        shape[0], shape[-1] = _point(net, a), _point(net, b)
                        shapes[(a, b)] = shape
        pending = retry
    if pending:
        a, b = pending[0]
        raise ValueError(f"no path between {_point(net, a)} and {_point(net, b)}")
    return shapes


def _leg_shape(net: RoadNetwork, ends: _Ends, i: int, j: int, dist: np.ndarray, pred: np.ndarray,
               row_of: dict[int, int], limit: float, scale: tuple[float, float]) -> list[LatLon] | None:
    """The shape from location ``i`` to another ``j``, or ``None`` if the search within ``limit``
    cannot tell the best way (or there is none)."""
    best, how = np.inf, (0, 0)
    for p in (0, 1):
        for q in (0, 1):
            x, y = int(ends.exit_node[i, p]), int(ends.entry_node[j, q])
            w = ends.exit_w[i, p] + dist[row_of[x], y] + ends.entry_w[j, q]
            if w < best:
                best, how = w, (p, q)
    e = int(ends.edge[i])
    along = _along(ends, np.array([i]), np.array([j]))[0] if e >= 0 and ends.edge[j] == e else np.inf
    if not min(best, along) <= limit or not np.isfinite(min(best, along)):
        return None
    if along <= best:
        return _partial(net, e, float(ends.fraction[i]), float(ends.fraction[j]), scale)
    p, q = how
    x, y = int(ends.exit_node[i, p]), int(ends.entry_node[j, q])
    path = [y]
    row = pred[row_of[x]]
    while path[-1] != x:
        path.append(int(row[path[-1]]))
    path.reverse()
    parts = [_shape(net, path)]
    if e >= 0:  # slot 0 leaves by the head (fraction 1), slot 1 by the tail (fraction 0)
        parts.insert(0, _partial(net, e, float(ends.fraction[i]), 1.0 - p, scale))
    if ends.edge[j] >= 0:
        parts.append(_partial(net, int(ends.edge[j]), 1.0 - q, float(ends.fraction[j]), scale))
    return _join(parts)


def _shape(net: RoadNetwork, path: list[int]) -> list[LatLon]:
    if len(path) == 1:
        return [LatLon(float(net.node_lat[path[0]]), float(net.node_lon[path[0]]))]
    out: list[LatLon] = []
    for u, v in itertools.pairwise(path):
        e = net.edge_index(u, v)
        lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
        pts = [LatLon(float(a), float(b)) for a, b in zip(net.geom_lat[lo:hi], net.geom_lon[lo:hi])]
        out.extend(pts[1:] if out else pts)
    return out
