"""Figures about a road graph for ``network info``, from the networkx graph's data alone.

Works on the graphs osmnx builds (``MultiDiGraph``, one directed edge per direction of a two-way
road) and on plain ``DiGraph`` objects; osmnx itself is not needed.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any


def _values(tag: Any) -> list[str]:
    if tag is None or (isinstance(tag, float) and math.isnan(tag)):
        return []
    if isinstance(tag, (list, tuple, set, frozenset)):
        return sorted(str(t).strip().lower() for t in tag)
    return [t.strip().lower() for t in str(tag).split(";")]


def road_class(data: dict[str, Any]) -> str:
    """An edge's highway class as ``network info`` names it (several joined by commas, ``?`` if none)."""
    return ",".join(_values(data.get("highway"))) or "?"


def _way_ids(data: dict[str, Any]) -> frozenset[str]:
    # A simplified edge carries a list of the ways it was merged from; the reverse edge of the same
    # road carries the same ways, not necessarily in the same order.
    return frozenset(_values(data.get("osmid")))


def _edges(G: Any) -> list[tuple[Hashable, Hashable, Hashable, dict[str, Any]]]:
    if G.is_multigraph():
        return list(G.edges(keys=True, data=True))
    return [(u, v, 0, d) for u, v, d in G.edges(data=True)]


def _between(G: Any, u: Hashable, v: Hashable) -> list[tuple[Hashable, dict[str, Any]]]:
    if not G.has_edge(u, v):
        return []
    return list(G[u][v].items()) if G.is_multigraph() else [(0, G[u][v])]


def km_by_class(G: Any) -> dict[str, float]:
    """Kilometres of road per highway class, each two-way road counted once, largest first.

    osmnx stores a two-way road as two directed edges; an edge ``u -> v`` whose reverse
    ``v -> u`` carries the same OSM way id(s) and the same length is the other direction of the
    same road and is not counted again. A one-way road counts once, as does a second road between
    the same junctions (other ways, or another length).

    Parameters
    ----------
    G
        A networkx ``MultiDiGraph`` or ``DiGraph`` whose edges have ``length`` (metres), and
        ``highway`` and ``osmid`` where known.
    """
    km: dict[str, float] = {}
    counted: set[tuple[Hashable, Hashable, Hashable]] = set()
    for u, v, k, d in _edges(G):
        if (u, v, k) in counted:
            continue
        counted.add((u, v, k))
        length = float(d.get("length", 0.0))
        ways = _way_ids(d)
        for k2, d2 in _between(G, v, u):
            if (v, u, k2) not in counted and _way_ids(d2) == ways and \
                    math.isclose(float(d2.get("length", 0.0)), length, rel_tol=1e-9, abs_tol=0.01):
                counted.add((v, u, k2))
                break
        cls = road_class(d)
        km[cls] = km.get(cls, 0.0) + length / 1000
    return dict(sorted(km.items(), key=lambda kv: -kv[1]))
