"""Benchmark: a 500 x 500 travel matrix on a large road network, against a per-pair baseline.

Network: the Jombang road network from ../shared/data/jombang if SOURCES.md lists one (today it
does not), else a generated grid of at least 50,000 nodes with irregular speeds, one-way streets
and missing blocks. Baseline, in the same run: networkx Dijkstra per pair (what osmnx's
``shortest_path`` does), timed on a sample of pairs and scaled up to all pairs.

Usage: python bench/matrix.py [--stops 500] [--side 225] [--sample 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import networkx as nx
import numpy as np

from routing.matrix import travel_matrix
from routing.network import graph_to_network


def grid_graph(side: int, rng: np.random.Generator) -> nx.MultiDiGraph:
    """A ``side x side`` street grid around Jombang, ~100 m blocks, with some variety."""
    G = nx.MultiDiGraph(crs="epsg:4326")
    lat0, lon0, step = -7.75, 112.06, 0.0009
    for i in range(side):
        for j in range(side):
            G.add_node(i * side + j, y=lat0 + i * step, x=lon0 + j * step)
    speeds = np.array([12.0, 20.0, 25.0, 30.0, 40.0])
    for i in range(side):
        for j in range(side):
            u = i * side + j
            for v in ((u + 1) if j + 1 < side else None, (u + side) if i + 1 < side else None):
                if v is None or rng.random() < 0.05:  # missing blocks: rice fields, rivers
                    continue
                length = 100.0 * rng.uniform(0.9, 1.3)
                kph = speeds[4] if (i % 20 == 0 or j % 20 == 0) else rng.choice(speeds[:4])
                t = length / (kph / 3.6)
                G.add_edge(u, v, length=length, travel_time=t)
                if rng.random() > 0.03:  # 3 % one-way streets
                    G.add_edge(v, u, length=length, travel_time=t)
    return G


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stops", type=int, default=500)
    ap.add_argument("--side", type=int, default=225, help="grid side; 225 gives 50,625 nodes")
    ap.add_argument("--sample", type=int, default=200, help="pairs timed for the baseline")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    G = grid_graph(args.side, rng)
    net = graph_to_network(G, f"generated grid {args.side}x{args.side}")
    print(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges, "
          f"largest strong component {int(net.main.sum()):,} nodes (built in {time.perf_counter() - t0:.1f} s)")
    main_nodes = np.nonzero(net.main)[0]
    stops = rng.choice(main_nodes, args.stops, replace=False)

    tracemalloc.start()
    t0 = time.perf_counter()
    m = travel_matrix(net, stops)
    ours = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n_pairs = args.stops * (args.stops - 1)

    ids = list(G.nodes)
    pairs = [(int(a), int(b)) for a, b in rng.choice(stops, (args.sample, 2)) if a != b]
    t0 = time.perf_counter()
    mismatches = 0
    index = {int(s): k for k, s in enumerate(stops)}
    for a, b in pairs:
        t = nx.shortest_path_length(G, ids[a], ids[b], weight="travel_time")
        mismatches += abs(round(t) - m.time_s[index[a], index[b]]) > 1
    per_pair = (time.perf_counter() - t0) / len(pairs)
    baseline = per_pair * n_pairs

    # A stronger baseline: one networkx single-source Dijkstra per stop.
    t0 = time.perf_counter()
    for s in stops[:5]:
        nx.single_source_dijkstra_path_length(G, ids[int(s)], weight="travel_time")
    per_source = (time.perf_counter() - t0) / 5
    print(f"stops: {args.stops} ({n_pairs:,} ordered pairs)")
    print(f"ektp-route matrix (scipy csgraph, batched): {ours:8.2f} s   peak Python memory {peak / 2**20:.0f} MiB")
    print(f"baseline networkx per pair: {per_pair * 1000:8.2f} ms/pair x {n_pairs:,} = {baseline:8.1f} s "
          f"(sampled {len(pairs)} pairs)")
    print(f"speed-up: {baseline / ours:6.1f}x   (target >= 50x; 500x500 in < 5 s: "
          f"{'met' if ours < 5 and baseline / ours >= 50 else 'NOT met'})")
    print(f"stronger baseline networkx single-source per stop: {per_source:.2f} s x {args.stops} = "
          f"{per_source * args.stops:.1f} s -> speed-up {per_source * args.stops / ours:.1f}x")
    print(f"agreement on sampled pairs: {len(pairs) - mismatches}/{len(pairs)} within 1 s")
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
