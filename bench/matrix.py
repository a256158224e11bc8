"""Benchmark: the 500 x 500 travel matrix on the real Sidoarjo road network, against two baselines.

Network: the RBI 1:25,000 roads of Kabupaten Sidoarjo in ../shared/data/nearby (see its
SOURCES.md), loaded as the planner loads it (motorbike filter, simplified, through the cache).
Stops: houses placed 5-40 m to either side of real roads (road chosen in proportion to its
length, position uniform along it; seeded), so most stand beside a road, away from junctions.

Timed, each once, whole, in this process (no sample scaled up):
- the project: ``snap`` (nearest point of the nearest road, road index built in the same call)
  and ``travel_matrix`` over the snapped points (ride along the first and last road included);
  and ``travel_matrix`` over the stops' nearest junctions, what the planner computed before;
- (a) one plain ``scipy.sparse.csgraph.dijkstra(indices=stop_nodes)`` call on travel times,
  stops at their nearest junctions;
- (b) networkx ``single_source_dijkstra_path_length`` from every stop's junction.

Agreement on sampled pairs: (a), (b) and the project's junction matrix must give the same
seconds; the snapped matrix must equal min over (first road end, last road end) of the ride
along the roads plus networkx's time between the ends (or the ride along a shared road).

Usage: python bench/matrix.py [--network PATH] [--stops 500] [--sample 40] [--seed 1] [--cache DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from routing.config import DEFAULT_SPEEDS_KPH
from routing.geo import EARTH_RADIUS_M, LatLon
from routing.roads.matrix import travel_matrix
from routing.files import default_cache_dir
from routing.roads.network import RoadNetwork, load_network
from routing.roads.snap import Snap, snap

SIDOARJO = Path(__file__).resolve().parents[2] / "shared" / "data" / "nearby" / "sidoarjo_rbi25k_roads.osm.bz2"
M_PER_DEG = math.pi / 180 * EARTH_RADIUS_M


def houses_along_roads(net: RoadNetwork, n: int, rng: np.random.Generator) -> list[LatLon]:
    """``n`` points 5-40 m to the left or right of roads whose both ends are in the main component."""
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    roads = np.nonzero(net.main[tails] & net.main[net.indices])[0]
    weight = net.length_dm[roads] / net.length_dm[roads].sum()
    out = []
    for e in rng.choice(roads, n, p=weight):
        lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
        lat, lon = net.geom_lat[lo:hi], net.geom_lon[lo:hi]
        cos = math.cos(math.radians(float(lat.mean())))
        x, y = lon * M_PER_DEG * cos, lat * M_PER_DEG
        step = np.hypot(np.diff(x), np.diff(y))
        at = rng.uniform(0, step.sum())
        k = min(int(np.searchsorted(np.cumsum(step), at)), len(step) - 1)
        t = (at - (np.cumsum(step)[k] - step[k])) / step[k] if step[k] else 0.0
        px, py = x[k] + t * (x[k + 1] - x[k]), y[k] + t * (y[k + 1] - y[k])
        off = rng.uniform(5, 40) * rng.choice([-1.0, 1.0])
        ux, uy = (x[k + 1] - x[k]) / (step[k] or 1.0), (y[k + 1] - y[k]) / (step[k] or 1.0)
        out.append(LatLon(float((py + off * ux) / M_PER_DEG), float((px - off * uy) / (M_PER_DEG * cos))))
    return out


def nearest_junctions(net: RoadNetwork, points: list[LatLon]) -> np.ndarray:
    """The nearest main-component node of each point: the planner's snap before snapping to roads."""
    main = np.nonzero(net.main)[0]
    cos = math.cos(math.radians(float(net.node_lat[main].mean())))
    tree = cKDTree(np.column_stack((net.node_lon[main] * cos, net.node_lat[main])))
    _, pos = tree.query(np.column_stack(([p.lon * cos for p in points], [p.lat for p in points])))
    return main[pos]


CPU: dict[str, float] = {}


def timed(fn: Callable[[], Any], name: str = "") -> tuple[Any, float]:
    """Run ``fn`` once; wall seconds returned, CPU seconds of this process kept in ``CPU[name]``
    (the fairer figure when other work shares the machine)."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    CPU[name] = time.process_time() - c0
    return out, time.perf_counter() - t0


def peak_mib(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def expected_snapped_ms(net: RoadNetwork, a: Snap, b: Snap, between: Callable[[int, int], float]) -> float:
    """Travel time (ms) between two snapped points from first principles: leave ``a``'s road by an
    end its direction allows, ``between`` those ends, join ``b``'s road; or ride along a shared road."""
    def share(e: int, f: float) -> int:
        return int(np.rint(f * int(net.time_ms[e])))

    leave = [(a.head, int(net.time_ms[a.edge]) - share(a.edge, a.fraction))]
    join = [(b.tail, share(b.edge, b.fraction))]
    if a.reverse >= 0:
        leave.append((a.tail, int(net.time_ms[a.reverse]) - share(a.reverse, 1 - a.fraction)))
    if b.reverse >= 0:
        join.append((b.head, share(b.reverse, 1 - b.fraction)))
    leave += [(a.tail, 0)] * (a.fraction == 0.0) + [(a.head, 0)] * (a.fraction == 1.0)
    join += [(b.tail, 0)] * (b.fraction == 0.0) + [(b.head, 0)] * (b.fraction == 1.0)
    best = min(x + between(u, v) + y for u, x in leave for v, y in join)
    if a.edge == b.edge:
        if b.fraction >= a.fraction:
            best = min(best, share(a.edge, b.fraction) - share(a.edge, a.fraction))
        if a.reverse >= 0 and b.fraction <= a.fraction:
            best = min(best, share(a.reverse, 1 - b.fraction) - share(a.reverse, 1 - a.fraction))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", type=Path, default=SIDOARJO)
    ap.add_argument("--stops", type=int, default=500)
    ap.add_argument("--sample", type=int, default=40, help="source stops checked against networkx (x all targets)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=default_cache_dir())
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    net, t_load = timed(lambda: load_network(args.network, DEFAULT_SPEEDS_KPH, args.cache))
    print(f"network: {args.network.name}: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges, "
          f"main component {int(net.main.sum()):,} nodes; loaded in {t_load:.2f} s (cache {args.cache})")
    houses = houses_along_roads(net, args.stops, rng)
    junctions = nearest_junctions(net, houses)

    # The project's own functions, each timed on a cold call (the road index is built inside snap).
    snaps, t_snap = timed(lambda: snap(net, houses), "snap")
    ours, t_ours = timed(lambda: travel_matrix(net, snaps), "ours")
    ours_j, t_ours_j = timed(lambda: travel_matrix(net, [int(j) for j in junctions]), "ours_j")
    # (a) one plain scipy call on travel times in milliseconds.
    plain_graph = csr_matrix((net.time_ms.astype(np.float64), net.indices, net.indptr),
                             shape=(net.n_nodes, net.n_nodes))
    plain, t_plain = timed(lambda: dijkstra(plain_graph, directed=True, indices=junctions), "plain")
    # (b) networkx, one single-source Dijkstra per stop, all of them.
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    G, t_build = timed(lambda: nx.DiGraph((int(u), int(v), {"ms": int(t)})
                                           for u, v, t in zip(tails, net.indices, net.time_ms)))
    nx_rows, t_nx = timed(lambda: [nx.single_source_dijkstra_path_length(G, int(s), weight="ms") for s in junctions],
                          "nx")

    mem_ours = peak_mib(lambda: travel_matrix(net, snaps))
    mem_plain = peak_mib(lambda: dijkstra(plain_graph, directed=True, indices=junctions))

    n = args.stops
    rows = [
        ("project: snap houses to the nearest road (index built in the call)", t_snap, "snap", None),
        (f"project: travel_matrix over snapped points ({n} sources, a node per house)", t_ours, "ours", mem_ours),
        (f"project: travel_matrix over nearest junctions ({len(np.unique(junctions))} nodes)", t_ours_j, "ours_j",
         None),
        ("(a) scipy dijkstra(indices=stop_nodes), one call, junctions", t_plain, "plain", mem_plain),
        (f"(b) networkx single_source_dijkstra_path_length x {n}, junctions", t_nx, "nx", None),
    ]
    print(f"\n{n} stops ({n * (n - 1):,} ordered pairs), houses 5-40 m off real roads, seed {args.seed}; "
          f"load average at start {os.getloadavg()[0]:.2f}\n")
    print(f"| {'what':<80} | {'wall s':>7} | {'CPU s':>7} | {'CPU x snapped matrix':>20} | {'peak MiB':>8} |")
    print(f"|{'-' * 82}|{'-' * 9}|{'-' * 9}|{'-' * 22}|{'-' * 10}|")
    for label, t, key, mem in rows:
        print(f"| {label:<80} | {t:7.2f} | {CPU[key]:7.2f} | {CPU[key] / CPU['ours']:20.2f} | "
              f"{'' if mem is None else f'{mem:8.0f}':>8} |")
    print(f"(networkx graph built from the arrays in {t_build:.2f} s, not counted)")

    # Agreement. Junctions: (a), (b) and the project's junction matrix, whole seconds.
    sample = rng.choice(n, min(args.sample, n), replace=False)
    bad_a = bad_b = 0
    for i in sample:
        a_ms = plain[i, junctions]
        b_ms = np.array([nx_rows[i][int(v)] for v in junctions], dtype=np.float64)
        bad_a += int(((a_ms.astype(np.int64) + 500) // 1000 != ours_j.time_s[i]).sum())
        bad_b += int((a_ms != b_ms).sum())
    checked = len(sample) * n
    print(f"\nagreement, junctions: project vs (a) {checked - bad_a}/{checked} pairs equal to the second; "
          f"(a) vs (b) {checked - bad_b}/{checked} equal to the millisecond")
    # Snapped: from first principles with networkx times between road ends.
    bad_s = 0
    cache: dict[int, dict[int, float]] = {}

    def between(u: int, v: int) -> float:
        if u not in cache:
            cache[u] = nx.single_source_dijkstra_path_length(G, u, weight="ms")
        return cache[u][v]

    for i in sample:
        for j in range(n):
            if i != j:
                ms = expected_snapped_ms(net, snaps[i], snaps[j], between)
                bad_s += int((int(ms) + 500) // 1000 != ours.time_s[i, j])
    checked = len(sample) * (n - 1)
    print(f"agreement, snapped: project vs networkx between road ends {checked - bad_s}/{checked} pairs equal "
          f"to the second")
    snap_m = np.array([s.distance_m for s in snaps])
    cos = math.cos(math.radians(float(net.node_lat.mean())))
    junction_m = np.hypot((np.array([p.lat for p in houses]) - net.node_lat[junctions]) * M_PER_DEG,
                          (np.array([p.lon for p in houses]) - net.node_lon[junctions]) * M_PER_DEG * cos)
    print(f"house to road: median {np.median(snap_m):.0f} m, max {snap_m.max()} m; house to nearest junction: "
          f"median {np.median(junction_m):.0f} m, max {junction_m.max():.0f} m, "
          f"{int((junction_m > 150).sum())} over 150 m")
    print(f"mean travel time between stops: snapped {ours.time_s.mean():.0f} s, junctions "
          f"{ours_j.time_s.mean():.0f} s")
    print(f"snapped matrix / one plain scipy call, CPU: {CPU['ours'] / CPU['plain']:.2f} (target at most 1.2)")
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
