"""Main and local roads: which edges are main roads, how much of a leg rides on them, and a network ridden
at other speeds per group (what a calibration does to the plan's clock)."""

import networkx as nx
import numpy as np
import pytest
from conftest import grid_osm

from routing.config import DEFAULT_SPEEDS_KPH
from routing.geo import LatLon
from routing.roads.matrix import leg_routes, travel_matrix
from routing.roads.network import is_main_road, load_network
from routing.roads.snap import snap

ORIGIN = LatLon(-7.56, 112.22)
STEP = 0.002


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    """A 6 x 6 residential grid whose third row (node ids 13-18) is a secondary road."""
    path = tmp_path_factory.mktemp("groups") / "grid.osm"
    return load_network(grid_osm(path, extra_ways=[([13, 14, 15, 16, 17, 18], {"highway": "secondary"})]),
                        DEFAULT_SPEEDS_KPH, None)


def node_at(net, i, j):
    lat, lon = ORIGIN.lat + i * STEP, ORIGIN.lon + j * STEP
    return int(np.argmin((net.node_lat - lat) ** 2 + (net.node_lon - lon) ** 2))


def tails(net):
    return np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))


@pytest.mark.parametrize(("tags", "main"), [({"highway": "secondary"}, True), ({"highway": "primary_link"}, True),
                                              ({"highway": ["residential", "tertiary"]}, True),
                                              ({"highway": "residential"}, False), ({"highway": "service"}, False),
                                              ({}, False)])
def test_main_roads_are_the_classed_roads(tags, main):
    assert is_main_road(tags) is main


def test_edges_on_the_secondary_row_and_only_they_are_main(net):
    assert net.edge_main is not None and net.edge_main.dtype == np.bool_
    row = {node_at(net, 2, j) for j in range(6)}
    on_row = np.isin(tails(net), list(row)) & np.isin(net.indices, list(row))
    assert (net.edge_main == on_row).all() and on_row.sum() == 10  # 5 road pieces, both ways


def test_a_legs_main_seconds_are_its_time_on_the_main_road(net):
    a, b = node_at(net, 2, 0), node_at(net, 2, 5)           # both ends on the secondary road
    c, d = node_at(net, 0, 0), node_at(net, 0, 5)           # along a residential street
    e = node_at(net, 5, 3)                                   # across the secondary road, ends on residential
    legs = leg_routes(net, [(a, b), (c, d), (c, e)])
    m = travel_matrix(net, [a, b, c, d, e]).time_s
    assert legs[(a, b)].main_s == m[0, 1] > 0
    assert legs[(c, d)].main_s == 0
    # The path from c to e, weighed as the matrix weighs it, and the main edges' time along it.
    G = nx.DiGraph()
    for k, (u, v) in enumerate(zip(tails(net), net.indices)):
        G.add_edge(int(u), int(v), w=int(net.time_ms[k]), main=bool(net.edge_main[k]), ms=int(net.time_ms[k]))
    path = nx.shortest_path(G, c, e, weight="w")
    main_ms = sum(G[u][v]["ms"] for u, v in zip(path, path[1:]) if G[u][v]["main"])
    assert 0 < legs[(c, e)].main_s == round(main_ms / 1000) < m[2, 4]


def test_a_snapped_point_on_the_main_road_counts_its_part_of_the_road(net):
    a = node_at(net, 2, 0)
    lat, lon = ORIGIN.lat + 2 * STEP, ORIGIN.lon + 2.5 * STEP  # halfway along a secondary piece
    (mid,) = snap(net, [LatLon(lat, lon)])
    leg = leg_routes(net, [(a, mid)])[(a, mid)]
    assert abs(leg.main_s - travel_matrix(net, [a, mid]).time_s[0, 1]) <= 1 and leg.main_s > 0


def test_a_slowed_network_rides_each_group_at_its_factor(net):
    slow = net.slowed(0.5, 0.8)
    assert (slow.time_ms[net.edge_main] == 2 * net.time_ms[net.edge_main]).all()
    local = ~net.edge_main
    assert np.allclose(slow.time_ms[local], net.time_ms[local] / 0.8, atol=1)
    assert (slow.length_dm == net.length_dm).all() and slow.edge_main is net.edge_main
    a, b, c, d = node_at(net, 2, 0), node_at(net, 2, 5), node_at(net, 0, 0), node_at(net, 0, 5)
    before, after = travel_matrix(net, [a, b, c, d]).time_s, travel_matrix(slow, [a, b, c, d]).time_s
    assert abs(after[0, 1] - 2 * before[0, 1]) <= 1 and abs(after[2, 3] - before[2, 3] / 0.8) <= 1
    with pytest.raises(ValueError):
        net.slowed(0.0, 1.0)


def test_the_cache_keeps_the_main_roads(tmp_path):
    path = grid_osm(tmp_path / "g.osm", extra_ways=[([13, 14, 15], {"highway": "primary"})])
    first = load_network(path, DEFAULT_SPEEDS_KPH, tmp_path / "cache")
    again = load_network(path, DEFAULT_SPEEDS_KPH, tmp_path / "cache")
    assert again.edge_main is not None and (again.edge_main == first.edge_main).all() and first.edge_main.sum() == 4
