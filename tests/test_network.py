"""Real osmnx loads of small OSM extracts written by the tests, and the demo network."""

import itertools

import numpy as np
import pytest
from conftest import grid_osm, write_osm

from routing.config import DEFAULT_SPEEDS_KPH
from routing.errors import InputError
from routing.geo import LatLon
from routing.roads.matrix import leg_paths, travel_matrix
from routing.roads.network import (
    edge_speed_kph,
    load_graph,
    load_network,
    motorbike_allows,
    parse_maxspeed,
    save_graphml,
)
from routing.roads.snap import snap

O = LatLon(-7.56, 112.22)


def node_near(net, lat, lon):
    return snap(net, [LatLon(lat, lon)])[0].node


@pytest.mark.parametrize("tags, allowed", [
    ({"highway": "residential"}, True),
    ({"highway": "service"}, True),
    ({"highway": "track"}, True),
    ({"highway": "living_street"}, True),
    ({"highway": "motorway"}, False),
    ({"highway": "motorway_link"}, False),
    ({"highway": "motorway", "motorcycle": "yes"}, False),
    ({"highway": "footway"}, False),
    ({"highway": "footway", "motorcycle": "yes"}, True),
    ({"highway": "steps"}, False),
    ({"highway": "residential", "motorcycle": "no"}, False),
    ({"highway": "residential", "access": "no"}, False),
    ({"highway": "residential", "access": "no", "motorcycle": "yes"}, True),
    ({"highway": "pedestrian", "area": "yes"}, False),
    ({"building": "yes"}, False),
])
def test_motorbike_rules(tags, allowed):
    assert motorbike_allows(tags) is allowed


def test_maxspeed_lowers_class_speed():
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed(["40", "20"]) == 20
    assert parse_maxspeed("signals") is None
    assert edge_speed_kph({"highway": "primary", "maxspeed": "20"}, DEFAULT_SPEEDS_KPH) == 20
    assert edge_speed_kph({"highway": "primary", "maxspeed": "80"}, DEFAULT_SPEEDS_KPH) == DEFAULT_SPEEDS_KPH["primary"]


@pytest.fixture
def shortcut_osm(tmp_path):
    """A 5x5 grid, a motorway and a footway as diagonal shortcuts, and a lane (gang) to a spur node."""
    n = 5
    extra = {100: (O.lat - 0.003, O.lon), 200: (O.lat + 0.0041, O.lon + 0.0041)}
    ways = [([7, 19], {"highway": "motorway"}),  # diagonal from intersection (1,1) to (3,3)
            ([1 + n - 1, 1 + (n - 1) * n], {"highway": "footway"}),
            ([1, 100], {"highway": "service", "service": "alley"}),
            ([200, 1 + (n - 1) * n + (n - 1)], {"highway": "residential", "motorcycle": "no"})]
    return grid_osm(tmp_path / "shortcut.osm", n=n, extra_ways=ways, extra_nodes=extra)


def test_filter_keeps_lane_and_drops_motorway(shortcut_osm):
    G = load_graph(shortcut_osm, DEFAULT_SPEEDS_KPH)
    highways = {d["highway"] for _, _, d in G.edges(data=True)}
    assert "service" in highways
    assert not highways & {"motorway", "footway"}
    assert 200 not in G.nodes  # reachable only over motorcycle=no
    net = load_network(shortcut_osm, DEFAULT_SPEEDS_KPH, None)
    a, b = node_near(net, O.lat + 0.002, O.lon + 0.002), node_near(net, O.lat + 0.006, O.lon + 0.006)
    m = travel_matrix(net, [a, b])
    # Without the motorway the trip follows the grid: 4 blocks of ~221 m, not the ~625 m diagonal.
    assert m.dist_m[0, 1] == pytest.approx(4 * 0.002 * 111_320 * 0.996, rel=0.02)
    lane_end = node_near(net, O.lat - 0.003, O.lon)
    assert snap(net, [LatLon(O.lat - 0.003, O.lon)])[0].distance_m == 0 and net.main[lane_end]


def test_one_way_street_makes_matrix_asymmetric(tmp_path):
    nodes = {1: (O.lat, O.lon), 2: (O.lat, O.lon + 0.004), 3: (O.lat + 0.004, O.lon + 0.004), 4: (O.lat + 0.004, O.lon)}
    ways = [([1, 2], {"highway": "residential", "oneway": "yes"}),
            ([2, 3, 4, 1], {"highway": "residential"})]
    net = load_network(write_osm(tmp_path / "oneway.osm", nodes, ways), DEFAULT_SPEEDS_KPH, None)
    a, b = node_near(net, *nodes[1]), node_near(net, *nodes[2])
    m = travel_matrix(net, [a, b])
    assert m.time_s[0, 1] < m.time_s[1, 0]
    assert m.dist_m[1, 0] == pytest.approx(3 * m.dist_m[0, 1], rel=0.02)


def test_matrix_diagonal_zero_and_triangle_inequality(demo_network):
    rng = np.random.default_rng(7)
    nodes = rng.choice(np.nonzero(demo_network.main)[0], 25, replace=False)
    m = travel_matrix(demo_network, nodes)
    assert (np.diag(m.time_s) == 0).all() and (np.diag(m.dist_m) == 0).all()
    assert (m.time_s[~np.eye(25, dtype=bool)] > 0).all()
    for i, j, k in itertools.permutations(range(25), 3):
        assert m.time_s[i, k] <= m.time_s[i, j] + m.time_s[j, k] + 1  # +1: per-entry rounding


def test_matrix_matches_networkx_on_pairs(demo_files, demo_network):
    """The compiled matrix agrees with osmnx/networkx shortest paths (the benchmark's baseline)."""
    import networkx as nx

    G = load_graph(demo_files.network, DEFAULT_SPEEDS_KPH)
    ids = list(G.nodes)
    rng = np.random.default_rng(3)
    main = np.nonzero(demo_network.main)[0]
    pick = rng.choice(main, 6, replace=False)
    m = travel_matrix(demo_network, pick)
    for i, j in itertools.permutations(range(6), 2):
        t = nx.shortest_path_length(G, ids[pick[i]], ids[pick[j]], weight="travel_time")
        assert abs(m.time_s[i, j] - t) <= 1


def test_leg_paths_follow_the_roads(demo_network):
    main = np.nonzero(demo_network.main)[0]
    a, b = int(main[0]), int(main[-1])
    shape = leg_paths(demo_network, [(a, b)])[(a, b)]
    assert shape[0] == LatLon(float(demo_network.node_lat[a]), float(demo_network.node_lon[a]))
    assert shape[-1] == LatLon(float(demo_network.node_lat[b]), float(demo_network.node_lon[b]))
    assert len(shape) > 3
    # Consecutive points are close together: the line runs along streets, not straight across.
    from routing.geo import haversine_m
    assert max(haversine_m(p, q) for p, q in zip(shape, shape[1:])) < 400


def test_graphml_round_trip_and_cache(tmp_path, demo_files):
    G = load_graph(demo_files.network, DEFAULT_SPEEDS_KPH)
    out = tmp_path / "demo.graphml"
    save_graphml(G, out)
    from_xml = load_network(demo_files.network, DEFAULT_SPEEDS_KPH, None)
    from_graphml = load_network(out, DEFAULT_SPEEDS_KPH, tmp_path / "cache")
    assert from_graphml.n_edges == from_xml.n_edges and from_graphml.main.sum() == from_xml.main.sum()
    assert len(list((tmp_path / "cache").glob("network-*.npz"))) == 1
    cached = load_network(out, DEFAULT_SPEEDS_KPH, tmp_path / "cache")
    assert np.array_equal(cached.time_ms, from_graphml.time_ms)
    # Different speeds are a different cache entry, and give different times.
    slow = load_network(out, {**DEFAULT_SPEEDS_KPH, "residential": 10.0}, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("network-*.npz"))) == 2
    assert slow.time_ms.sum() > cached.time_ms.sum()


@pytest.mark.parametrize("name, content, message", [
    ("missing.osm", None, "network file not found"),
    ("bad.osm", "this is not xml", "not a readable OpenStreetMap XML"),
    ("roads.osm.pbf", "x", "not a readable .osm.pbf"),
    ("roads.shp", "x", "expected an OpenStreetMap extract"),
    ("bad.graphml", "<graphml>", "not a GraphML file"),
])
def test_bad_network_files_are_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_network(path, DEFAULT_SPEEDS_KPH, None)


def test_pbf_extract_gives_the_same_network(tmp_path, demo_files):
    import osmium

    pbf = tmp_path / "demo.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(demo_files.network)):
        (writer.add_node if obj.is_node() else writer.add_way)(obj)
    writer.close()
    a = load_network(demo_files.network, DEFAULT_SPEEDS_KPH, None)
    b = load_network(pbf, DEFAULT_SPEEDS_KPH, None)
    assert (a.n_nodes, a.n_edges) == (b.n_nodes, b.n_edges)
    assert np.array_equal(np.sort(a.time_ms), np.sort(b.time_ms))


def test_clip_to_bbox(demo_files):
    from routing.roads.network import clip

    G = load_graph(demo_files.network, DEFAULT_SPEEDS_KPH)
    small = clip(G.copy(), bbox=(-7.57, 112.20, -7.54, 112.24))
    assert 0 < small.number_of_nodes() < G.number_of_nodes()
    # Edges crossing the edge of the box are kept whole, so their far ends may lie a block outside.
    assert all(-7.585 <= d["y"] <= -7.525 for _, d in small.nodes(data=True))
    with pytest.raises(InputError, match="no roads are left"):
        clip(G.copy(), bbox=(-6.0, 106.0, -5.9, 106.1))


@pytest.mark.shared
def test_clip_to_real_regency_polygon(demo_files):
    from conftest import SHARED
    from shapely.geometry import Point, shape

    from routing.roads.network import clip

    G = load_graph(demo_files.network, DEFAULT_SPEEDS_KPH)
    boundary = SHARED / "data" / "jombang" / "kabupaten_kemendagri_3517.geojson"
    inside = clip(G.copy(), polygon_file=boundary)
    import json
    poly = shape(json.loads(boundary.read_text())["features"][0]["geometry"])
    assert inside.number_of_nodes() > 0.5 * G.number_of_nodes()
    outside = [n for n, d in inside.nodes(data=True) if not poly.buffer(0.015).contains(Point(d["x"], d["y"]))]
    assert not outside


def test_bz2_extract_loads_like_plain_xml(tmp_path, demo_files):
    import bz2

    packed = tmp_path / "demo.osm.bz2"
    packed.write_bytes(bz2.compress(demo_files.network.read_bytes()))
    a = load_network(demo_files.network, DEFAULT_SPEEDS_KPH, None)
    b = load_network(packed, DEFAULT_SPEEDS_KPH, None)
    assert (a.n_nodes, a.n_edges) == (b.n_nodes, b.n_edges) and np.array_equal(a.time_ms, b.time_ms)


def test_network_info_counts_a_two_way_road_once(tmp_path):
    """``network info`` km by class: a two-way road is its length, not twice it; a one-way road once too."""
    from conftest import run_cli

    from routing.geo import haversine_m
    from routing.roads.network import describe

    a, b, c = LatLon(O.lat, O.lon), LatLon(O.lat + 0.009, O.lon), LatLon(O.lat + 0.009, O.lon + 0.0045)
    osm = write_osm(tmp_path / "two.osm", {1: (a.lat, a.lon), 2: (b.lat, b.lon), 3: (c.lat, c.lon)},
                    [([1, 2], {"highway": "residential"}), ([2, 3], {"highway": "tertiary", "oneway": "yes"})])
    info = describe(load_graph(osm, DEFAULT_SPEEDS_KPH))
    assert info["edges"] == 3  # the two-way road is still two directed edges
    assert info["km_by_class"]["residential"] == pytest.approx(haversine_m(a, b) / 1000, rel=0.005)
    assert info["km_by_class"]["tertiary"] == pytest.approx(haversine_m(b, c) / 1000, rel=0.005)
    done = run_cli("network", "info", osm, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: float(line.split()[1]) for line in done.stdout.splitlines()
             if line.strip().startswith(("residential", "tertiary"))}
    assert lines == {"residential": pytest.approx(1.00, abs=0.01), "tertiary": pytest.approx(0.50, abs=0.01)}
