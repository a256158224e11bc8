"""Travel matrices and road-following leg shapes between snapped points (:mod:`routing.roads.snap`).

All shortest paths run in scipy's compiled Dijkstra, one call per batch of sources, never one
networkx call per pair. Time decides the path; its length in metres is read off the same path:
each edge weighs ``time_ms * 2**22 + length_dm``, so a path's total weight encodes both sums
exactly (float64 holds integers to 2**53) and ties in time go to the shorter road. The part of a
road between a snapped point and the road's ends is weighed the same way, in whole milliseconds and
decimetres proportional to the distance along the road's shape.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing.geo import LatLon, haversine_m
from routing.roads.network import RoadNetwork
from routing.roads.snap import Snap, metres_per_degree, positions_along

_SHIFT = 2**22  # decimetres per path stay below this: 419 km, far beyond a regency
_BATCH = 64  # sources per Dijkstra call: bounds memory at 64 x nodes x 8 bytes
Where = Snap | int


def _weights(net: RoadNetwork) -> csr_matrix:
    w = net.time_ms.astype(np.float64) * _SHIFT + net.length_dm.astype(np.float64)
    return csr_matrix((w, net.indices, net.indptr), shape=(net.n_nodes, net.n_nodes))



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


def _with_terminals(net: RoadNetwork, ends: _Ends) -> csr_matrix:
    """The network with two nodes of its own per location: ``N + i`` it leaves by, ``N + n + i`` it
    arrives at (``N`` nodes, ``n`` locations).

    Leaving node ``N + i`` has edges only out, to the ends its road lets it ride to, weighed as in
    :class:`_Ends`; arriving node ``N + n + i`` has edges only in. So no path between two other
    places runs through them, and one Dijkstra from the ``n`` leaving nodes gives every pair: as many
    sources as locations, not the two ends of every snapped road. Every such edge weighs one more than
    its share (a stored zero would be read as no edge); a ride uses exactly two, so 2 comes off after.
    """
    n, big = len(ends.edge), net.n_nodes
    rows, cols, weights = [], [], []
    for slot in (0, 1):
        out = np.nonzero(np.isfinite(ends.exit_w[:, slot]))[0]
        rows.append(big + out)
        cols.append(ends.exit_node[out, slot])
        weights.append(ends.exit_w[out, slot] + 1.0)
        into = np.nonzero(np.isfinite(ends.entry_w[:, slot]))[0]
        rows.append(ends.entry_node[into, slot])
        cols.append(big + n + into)
        weights.append(ends.entry_w[into, slot] + 1.0)
    r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    # Both slots at one node (a road that starts and ends there): keep the cheaper, never the sum.
    order = np.lexsort((w, c, r))
    r, c, w = r[order], c[order], w[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    base = _weights(net).tocoo()
    size = big + 2 * n
    return csr_matrix((np.concatenate((base.data, w[first])),
                       (np.concatenate((base.row, r[first])), np.concatenate((base.col, c[first])))),
                      shape=(size, size))


def _combined(net: RoadNetwork, ends: _Ends) -> np.ndarray:
    """All-pairs combined weights (float64, exact integers) between the locations."""
    n = len(ends.edge)
    graph = _with_terminals(net, ends)
    leave, arrive = net.n_nodes + np.arange(n), net.n_nodes + n + np.arange(n)
    total = np.full((n, n), np.inf)
    for lo in range(0, n, _BATCH):
        total[lo:lo + _BATCH] = dijkstra(graph, directed=True, indices=leave[lo:lo + _BATCH])[:, arrive] - 2.0
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
    pos = positions_along(net, e, scale)
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


@dataclass(frozen=True, slots=True)
class Leg:
    """The way one leg rides: its road-following shape and the seconds of it on main roads.

    Attributes
    ----------
    shape
        Points along the roads, both snapped points included.
    main_s
        Seconds of the leg's travel time on main roads (:func:`routing.roads.network.is_main_road`),
        the rest being local roads; what lets the field's clock be fitted per road group.
    """

    shape: list[LatLon]
    main_s: int

    def __post_init__(self) -> None:
        if not self.shape or self.main_s < 0:
            raise ValueError("a leg needs a shape and main-road seconds >= 0")


def leg_paths(net: RoadNetwork, legs: Sequence[tuple[Where, Where]]) -> dict[tuple[Where, Where], list[LatLon]]:
    """Road-following shape of each leg ``(from, to)``, from snapped point to snapped point (see
    :func:`leg_routes`)."""
    return {k: leg.shape for k, leg in leg_routes(net, legs).items()}


def leg_routes(net: RoadNetwork, legs: Sequence[tuple[Where, Where]]) -> dict[tuple[Where, Where], Leg]:
    """The way each leg ``(from, to)`` rides, from snapped point to snapped point.

    Each leg takes the way :func:`travel_matrix` weighs: along the first road from the snapped
    point, through the network, and along the last road to the other point (or straight along a
    road they share). Node indices stand for the points at those nodes.

    Returns
    -------
    dict
        ``(from, to) -> Leg``: its shape along the roads and its seconds on main roads.
    """
    main_ms = net.main_ms()
    scale = metres_per_degree(net)
    pending = list(dict.fromkeys(legs))
    places = list(dict.fromkeys(w for leg in pending for w in leg))
    slot_of = {w: k for k, w in enumerate(places)}
    ends = _ends(net, places)
    graph = _weights(net)
    shapes: dict[tuple[Where, Where], Leg] = {}
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
                        shapes[(a, b)] = Leg([_point(net, a)], 0)
                        continue
                    found = _leg_shape(net, ends, i, slot_of[b], dist, pred, row_of, limit, scale, main_ms)
                    if found is None:
                        retry.append((a, b))
                    else:
                        shape, main = found
                        shape[0], shape[-1] = _point(net, a), _point(net, b)
                        shapes[(a, b)] = Leg(shape, round(main / 1000))
        pending = retry
    if pending:
        a, b = pending[0]
        raise ValueError(f"no path between {_point(net, a)} and {_point(net, b)}")
    return shapes


def _leg_shape(net: RoadNetwork, ends: _Ends, i: int, j: int, dist: np.ndarray, pred: np.ndarray,
               row_of: dict[int, int], limit: float, scale: tuple[float, float],
               main_ms: np.ndarray) -> tuple[list[LatLon], float] | None:
    """The shape from location ``i`` to another ``j`` and its milliseconds on main roads, or ``None``
    if the search within ``limit`` cannot tell the best way (or there is none)."""
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
        f0, f1 = float(ends.fraction[i]), float(ends.fraction[j])
        return _partial(net, e, f0, f1, scale), abs(f1 - f0) * float(main_ms[e])
    p, q = how
    x, y = int(ends.exit_node[i, p]), int(ends.entry_node[j, q])
    path = [y]
    row = pred[row_of[x]]
    while path[-1] != x:
        path.append(int(row[path[-1]]))
    path.reverse()
    edges = [net.edge_index(u, v) for u, v in itertools.pairwise(path)]
    parts = [_shape(net, path, edges)]
    main = float(main_ms[edges].sum()) if edges else 0.0
    if e >= 0:  # slot 0 leaves by the head (fraction 1), slot 1 by the tail (fraction 0)
        parts.insert(0, _partial(net, e, float(ends.fraction[i]), 1.0 - p, scale))
        main += abs(1.0 - p - float(ends.fraction[i])) * float(main_ms[e])
    if ends.edge[j] >= 0:
        last = int(ends.edge[j])
        parts.append(_partial(net, last, 1.0 - q, float(ends.fraction[j]), scale))
        main += abs(float(ends.fraction[j]) - (1.0 - q)) * float(main_ms[last])
    return _join(parts), main


def _shape(net: RoadNetwork, path: list[int], edges: list[int]) -> list[LatLon]:
    if len(path) == 1:
        return [LatLon(float(net.node_lat[path[0]]), float(net.node_lon[path[0]]))]
    out: list[LatLon] = []
    for e in edges:
        lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
        pts = [LatLon(float(a), float(b)) for a, b in zip(net.geom_lat[lo:hi], net.geom_lon[lo:hi])]
        out.extend(pts[1:] if out else pts)
    return out
