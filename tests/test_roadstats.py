"""``network info``'s kilometres of road by class: a two-way road counted once."""

import networkx as nx
import pytest
from conftest import SHARED, write_osm

from routing.config import DEFAULT_SPEEDS_KPH
from routing.geo import LatLon, haversine_m
from routing.roads.network import describe, load_graph
from routing.roads.roadstats import km_by_class, road_class

O = LatLon(-7.56, 112.22)


def test_two_way_road_counted_once_one_way_once(tmp_path):
    d = 0.004
    nodes = {1: (O.lat, O.lon), 2: (O.lat, O.lon + d), 3: (O.lat, O.lon + 2 * d), 4: (O.lat + d, O.lon + 2 * d)}
    ways = [([1, 2, 3], {"highway": "residential"}),
            ([3, 4], {"highway": "primary", "oneway": "yes"}),
            ([4, 1], {"highway": "primary"})]
    G = load_graph(write_osm(tmp_path / "roads.osm", nodes, ways), DEFAULT_SPEEDS_KPH)
    p = {k: LatLon(*v) for k, v in nodes.items()}
    residential = (haversine_m(p[1], p[2]) + haversine_m(p[2], p[3])) / 1000
    primary = (haversine_m(p[3], p[4]) + haversine_m(p[4], p[1])) / 1000
    km = km_by_class(G)
    assert km == {"primary": pytest.approx(primary, rel=1e-3), "residential": pytest.approx(residential, rel=1e-3)}
    assert list(km) == ["primary", "residential"]  # largest first
    # network info (describe) shows the same: a two-way road once, not both directions.
    assert describe(G)["km_by_class"] == km


def test_second_road_between_the_same_junctions_counts_too():
    """Way ids in another order are the same road; other ways or another length are another road."""
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", osmid=[7, 8], length=500.0, highway="residential")
    G.add_edge("b", "a", osmid=[8, 7], length=500.0 + 1e-10, highway="residential")
    G.add_edge("a", "b", osmid=9, length=800.0, highway="residential")  # a parallel lane, one-way
    G.add_edge("b", "a", osmid=[7, 8], length=650.0, highway="residential")  # not the reverse of 500 m
    G.add_edge("c", "c", osmid=10, length=300.0, highway=["track", "service"])  # a loop, both directions
    G.add_edge("c", "c", osmid=10, length=300.0, highway=["track", "service"])
    assert km_by_class(G) == {"residential": pytest.approx(1.95), "service,track": pytest.approx(0.3)}
    D = nx.DiGraph()
    D.add_edge(1, 2, osmid=3, length=100.0, highway="unclassified")
    D.add_edge(2, 1, osmid=3, length=100.0, highway="unclassified")
    D.add_edge(2, 3, length=50.0)
    assert km_by_class(D) == {"unclassified": pytest.approx(0.1), "?": pytest.approx(0.05)}


@pytest.mark.shared
def test_real_kediri_network_is_half_its_directed_edges():
    """RBI roads carry no one-way information: every road is two-way, so half the directed length."""
    G = load_graph(SHARED / "data" / "nearby" / "kota_kediri_rbi25k_roads.osm.bz2", DEFAULT_SPEEDS_KPH)
    km = km_by_class(G)
    directed: dict[str, float] = {}
    for _, _, d in G.edges(data=True):
        cls = road_class(d)
        directed[cls] = directed.get(cls, 0.0) + float(d["length"]) / 1000
    assert set(km) == set(directed) and describe(G)["km_by_class"] == km
    for cls in km:
        assert km[cls] == pytest.approx(directed[cls] / 2, rel=1e-9)
    assert 300 < sum(km.values()) < 345  # SOURCES.md: about 340 km, footpaths dropped for motorbikes
