"""Snapping to the nearest point of the nearest road, and travel between snapped points.

The real-road tests use the Kota Kediri network (RBI 1:25,000 roads) from the shared data folder;
the rest use small OSM extracts written here and the generated demo network.
"""

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from conftest import SHARED, write_osm

from routing.config import DEFAULT_SPEEDS_KPH, Settings
from routing.geo import LatLon, haversine_m
from routing.roads.matrix import leg_paths, travel_matrix
from routing.roads.network import load_network
from routing.roads.snap import Snap, snap

O = LatLon(-7.56, 112.22)
M_PER_DEG = math.pi / 180 * 6_371_008.8


@pytest.fixture(scope="module")
def kediri():
    return load_network(SHARED / "data" / "nearby" / "kota_kediri_rbi25k_roads.osm.bz2", DEFAULT_SPEEDS_KPH, None)


def tails(net):
    return np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))


def shape_of(net, e):
    lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
    return [LatLon(float(a), float(b)) for a, b in zip(net.geom_lat[lo:hi], net.geom_lon[lo:hi])]


def along(net, e, metres, offset_m=0.0):
    """The point ``metres`` along edge ``e``'s shape (haversine), moved ``offset_m`` to the left."""
    pts = shape_of(net, e)
    for p, q in itertools.pairwise(pts):
        step = haversine_m(p, q)
        if metres <= step:
            t = metres / step if step else 0.0
            lat, lon = p.lat + t * (q.lat - p.lat), p.lon + t * (q.lon - p.lon)
            east = (q.lon - p.lon) * M_PER_DEG * math.cos(math.radians(lat))
            north = (q.lat - p.lat) * M_PER_DEG
            norm = math.hypot(east, north)
            # Left of the direction of travel: (-north, east).
            return LatLon(lat + offset_m * east / norm / M_PER_DEG,
                          lon - offset_m * north / norm / (M_PER_DEG * math.cos(math.radians(lat))))
        metres -= step
    raise ValueError("beyond the end of the edge")


def shape_length(pts):
    return sum(haversine_m(p, q) for p, q in itertools.pairwise(pts))


def nearest_main_node_m(net, p):
    main = np.nonzero(net.main)[0]
    return min(haversine_m(p, LatLon(float(net.node_lat[n]), float(net.node_lon[n]))) for n in main)


@pytest.mark.shared
def test_house_beside_a_long_real_road_rides_along_it(kediri):
    """A house 20 m off the middle of a long Kediri road meets it there, not at a junction."""
    net = kediri
    t, h = tails(net), net.indices
    candidates = [e for e in np.nonzero(net.main[t] & net.main[h] & (net.length_dm >= 3000))[0]]
    assert candidates
    for e in candidates:
        length = shape_length(shape_of(net, e))
        house = along(net, e, length / 2, offset_m=20.0)
        other = along(net, e, length / 2 + 100.0)
        s_house, s_other = snap(net, [house, other])
        if {s_house.tail, s_house.head} == {int(t[e]), int(h[e])} and s_other.edge == s_house.edge:
            break
    else:
        pytest.fail("no long road where a house 20 m off its middle meets that road")
    assert s_house.distance_m <= 25 and s_other.distance_m == 0
    # Snapping to the nearest junction would have put this house far from the road.
    assert nearest_main_node_m(net, house) > 100
    assert abs(s_other.fraction - s_house.fraction) == pytest.approx(100.0 / length, rel=0.01)
    m = travel_matrix(net, [s_house, s_other])
    time_ms = int(net.time_ms[s_house.edge])
    expected_s = round(time_ms * abs(s_other.fraction - s_house.fraction) / 1000)
    assert m.time_s[0, 1] == expected_s and m.time_s[1, 0] == expected_s
    assert abs(m.dist_m[0, 1] - 100) <= 1
    # The drawn leg runs from the snapped point along the road only.
    (shape,) = leg_paths(net, [(s_house, s_other)]).values()
    assert shape[0] == s_house.point and shape[-1] == s_other.point
    assert shape_length(shape) == pytest.approx(100, abs=1)
    assert haversine_m(house, s_house.point) == pytest.approx(20, abs=1)


@pytest.mark.shared
def test_houses_within_40_m_of_real_roads_snap_within_that(kediri):
    """The review flags a house far from a road only when it is: every house placed 5-40 m off a
    Kediri road snaps within its offset."""
    net = kediri
    t, h = tails(net), net.indices
    rng = np.random.default_rng(12)
    roads = np.nonzero(net.main[t] & net.main[h] & (net.length_dm >= 200))[0]
    houses, offsets, feet, edges = [], [], [], []
    for e in rng.choice(roads, 200):
        length = shape_length(shape_of(net, e))
        off = float(rng.uniform(5, 40)) * rng.choice([-1, 1])
        at = float(rng.uniform(0.1, 0.9)) * length
        houses.append(along(net, e, at, off))
        feet.append(along(net, e, at))
        offsets.append(abs(off))
        edges.append(int(e))
    snaps = snap(net, houses)
    assert all(s.distance_m <= off + 1 for s, off in zip(snaps, offsets))
    assert all(net.main[s.tail] and net.main[s.head] for s in snaps)
    # Where it meets the road, not only how far: the reported point is that far from the house,
    # lies on its edge's shape at its fraction, and is (unless another road is nearer) the foot of
    # the perpendicular on the road the house was placed beside.
    assert all(abs(haversine_m(s.point, p) - s.distance_m) <= 1.5 for s, p in zip(snaps, houses))
    for s in snaps:
        length = shape_length(shape_of(net, s.edge))
        assert haversine_m(along(net, s.edge, s.fraction * length), s.point) <= 1.0
    same_road = [haversine_m(s.point, foot) <= 2.0 for s, foot, e in zip(snaps, feet, edges)
                 if e in (s.edge, s.reverse)]
    assert len(same_road) >= 150 and all(same_road)  # 174 of 200: the rest meet a nearer road
    # Measured to the nearest junction instead, 16 of these houses would be flagged.
    warn = Settings().snap_warn_m
    assert sum(nearest_main_node_m(net, p) > warn for p in houses) >= 10


@pytest.mark.shared
def test_points_at_nodes_match_the_node_matrix(kediri):
    """A point exactly at a junction travels as that junction did under the node snap."""
    net = kediri
    rng = np.random.default_rng(5)
    nodes = [int(n) for n in rng.choice(np.nonzero(net.main)[0], 40, replace=False)]
    snaps = snap(net, [LatLon(float(net.node_lat[n]), float(net.node_lon[n])) for n in nodes])
    assert all(s.distance_m == 0 and s.fraction in (0.0, 1.0) and s.node == n for s, n in zip(snaps, nodes))
    by_snap, by_node = travel_matrix(net, snaps), travel_matrix(net, nodes)
    assert np.array_equal(by_snap.time_s, by_node.time_s)
    assert np.array_equal(by_snap.dist_m, by_node.dist_m)
    legs = [(snaps[k], snaps[k + 1]) for k in range(10)]
    shapes = leg_paths(net, legs)
    for k, leg in enumerate(legs):
        assert shape_length(shapes[leg]) == pytest.approx(by_node.dist_m[k, k + 1], abs=2)


def split_graph_matrix(net, snaps):
    """Reference answer: the snapped points inserted into the road graph as nodes, networkx
    Dijkstra between them. Weights are whole milliseconds and decimetres as in the network."""
    shift = 2**22
    t = tails(net)
    G = nx.DiGraph()
    for e in range(net.n_edges):
        G.add_edge(int(t[e]), int(net.indices[e]), w=int(net.time_ms[e]) * shift + int(net.length_dm[e]))
    by_edge = {}
    for k, s in enumerate(snaps):
        by_edge.setdefault(s.edge, []).append(k)

    def cut(e, share):
        return round(share * int(net.time_ms[e])), round(share * int(net.length_dm[e]))

    for e, ks in by_edge.items():
        s0 = snaps[ks[0]]
        ks.sort(key=lambda k: snaps[k].fraction)
        stops = [("stop", k) for k in ks]
        # Forward: tail, the points in order, head, cut where each point lies.
        chain = [s0.tail] + stops + [s0.head]
        marks = [(0, 0)] + [cut(e, snaps[k].fraction) for k in ks] + [(int(net.time_ms[e]), int(net.length_dm[e]))]
        for a, b, ma, mb in zip(chain, chain[1:], marks, marks[1:]):
            G.add_edge(a, b, w=(mb[0] - ma[0]) * shift + (mb[1] - ma[1]))
        if s0.reverse >= 0:
            r = s0.reverse
            chain = [s0.head] + stops[::-1] + [s0.tail]
            marks = [(0, 0)] + [cut(r, 1 - snaps[k].fraction) for k in ks[::-1]] + \
                [(int(net.time_ms[r]), int(net.length_dm[r]))]
            for a, b, ma, mb in zip(chain, chain[1:], marks, marks[1:]):
                G.add_edge(a, b, w=(mb[0] - ma[0]) * shift + (mb[1] - ma[1]))
        for k in ks:  # a point exactly at an end is that junction
            for node, at in ((s0.tail, 0.0), (s0.head, 1.0)):
                if snaps[k].fraction == at:
                    G.add_edge(("stop", k), node, w=0)
                    G.add_edge(node, ("stop", k), w=0)
    n = len(snaps)
    time_s = np.zeros((n, n), dtype=np.int64)
    dist_m = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        lengths = nx.single_source_dijkstra_path_length(G, ("stop", i), weight="w")
        for j in range(n):
            if i != j:
                w = lengths[("stop", j)]
                time_s[i, j], dist_m[i, j] = (w // shift + 500) // 1000, (w % shift + 5) // 10
    return time_s, dist_m


@pytest.mark.parametrize("which", ["demo", pytest.param("kediri", marks=pytest.mark.shared)])
def test_matrix_equals_shortest_paths_with_points_inserted(which, request):
    """Exact against an independent construction: several stops on the same roads (rides along
    the road between them) and houses scattered anywhere."""
    net = request.getfixturevalue("demo_network" if which == "demo" else "kediri")
    t, h = tails(net), net.indices
    rng = np.random.default_rng(21)
    roads = rng.choice(np.nonzero(net.main[t] & net.main[h] & (net.length_dm >= 1000))[0], 6, replace=False)
    points = [along(net, e, f * shape_length(shape_of(net, e)), float(rng.uniform(-30, 30)))
              for e in roads for f in rng.uniform(0.05, 0.95, 4)]
    s, w, n, e = net.bbox
    points += [LatLon(float(rng.uniform(s, n)), float(rng.uniform(w, e))) for _ in range(16)]
    snaps = snap(net, points)
    shared_roads = {x.edge for x in snaps if sum(y.edge == x.edge for y in snaps) > 1}
    assert len(shared_roads) >= 5
    m = travel_matrix(net, snaps)
    time_s, dist_m = split_graph_matrix(net, snaps)
    assert np.array_equal(m.time_s, time_s)
    assert np.array_equal(m.dist_m, dist_m)


@pytest.fixture
def one_way_loop(tmp_path):
    """A one-way road 1 -> 2 (~440 m east), back through 3 and 4 on two-way roads, a two-way
    spur 3 - 5, and a one-way dead end 3 -> 6 (outside the main component)."""
    d = 0.004
    nodes = {1: (O.lat, O.lon), 2: (O.lat, O.lon + d), 3: (O.lat + d, O.lon + d), 4: (O.lat + d, O.lon),
             5: (O.lat + d, O.lon + 1.5 * d), 6: (O.lat + 1.5 * d, O.lon + d)}
    ways = [([1, 2], {"highway": "residential", "oneway": "yes"}),
            ([2, 3], {"highway": "residential"}),
            ([3, 4, 1], {"highway": "residential"}),
            ([3, 5], {"highway": "residential"}),
            ([3, 6], {"highway": "residential", "oneway": "yes"})]
    net = load_network(write_osm(tmp_path / "oneway.osm", nodes, ways), DEFAULT_SPEEDS_KPH, None)
    return net, nodes


def node_at(net, lat, lon):
    return int(np.argmin(np.hypot(net.node_lat - lat, net.node_lon - lon)))


def test_one_way_road_rides_forward_only(one_way_loop):
    net, nodes = one_way_loop
    d = 0.004
    a_house = LatLon(O.lat - 0.00018, O.lon + 0.25 * d)  # ~20 m south of the one-way road
    b_house = LatLon(O.lat + 0.00018, O.lon + 0.75 * d)
    a, b = snap(net, [a_house, b_house])
    n1, n2, n3 = (node_at(net, *nodes[k]) for k in (1, 2, 3))
    assert (a.tail, a.head, a.reverse) == (n1, n2, -1) and b.edge == a.edge
    assert a.distance_m == 20 and b.distance_m == 20
    assert a.fraction == pytest.approx(0.25, abs=1e-6) and b.fraction == pytest.approx(0.75, abs=1e-6)
    m = travel_matrix(net, [a, b])
    t_e = int(net.time_ms[a.edge])
    assert m.time_s[0, 1] == round(0.5 * t_e / 1000)
    # Back against the one-way: on to 2, round by 3 and 4 to 1, then along to the house.
    t_loop = int(net.time_ms[net.edge_index(n2, n3)]) + int(net.time_ms[net.edge_index(n3, n1)])
    assert m.time_s[1, 0] == round((0.5 * t_e + t_loop) / 1000)
    shapes = leg_paths(net, [(a, b), (b, a)])
    forward, back = shapes[(a, b)], shapes[(b, a)]
    assert forward == [a.point, b.point]
    corner = LatLon(*nodes[3])
    assert corner in back and back[0] == b.point and back[-1] == a.point
    assert shape_length(back) == pytest.approx(m.dist_m[1, 0], abs=2)


def test_road_outside_the_main_component_is_not_a_snap_target(one_way_loop):
    net, nodes = one_way_loop
    dead_end = node_at(net, *nodes[6])
    assert not net.main[dead_end]
    house = LatLon(nodes[6][0] - 0.0002, nodes[6][1] + 0.0001)  # ~11 m beside the dead end
    (s,) = snap(net, [house])
    assert net.main[s.tail] and net.main[s.head] and dead_end not in (s.tail, s.head)
    assert s.distance_m > 30


def test_snap_validates_itself():
    with pytest.raises(ValueError, match="fraction"):
        Snap(0, -1, 0, 1, 1.5, 0, O)
    with pytest.raises(ValueError, match="negative"):
        Snap(0, -1, 0, 1, 0.5, -1, O)


def test_no_path_is_an_error_not_a_wrong_answer(one_way_loop):
    """Only a node outside the main component can be cut off: the dead end 3 -> 6 has no way out."""
    net, nodes = one_way_loop
    dead_end, n1 = node_at(net, *nodes[6]), node_at(net, *nodes[1])
    with pytest.raises(ValueError, match="cannot reach"):
        travel_matrix(net, [dead_end, n1])
    with pytest.raises(ValueError, match="no path"):
        leg_paths(net, [(dead_end, n1)])
    (a,) = snap(net, [LatLon(O.lat, O.lon + 0.001)])
    assert leg_paths(net, [(a, a)]) == {(a, a): [a.point]}


@pytest.mark.shared
def test_a_real_roads_day_of_houses_near_roads_flags_none_as_far_from_a_road(kediri, tmp_path):
    """Through the whole pipeline: review.csv lists no house within 40 m of a road as far from one."""
    import csv

    from conftest import MONDAY, nik_for, records_csv

    from maps.render import write_tables
    from routing.pipeline import plan_day
    from routing.records import read_records
    from routing.region import Region

    net = kediri
    t, h = tails(net), net.indices
    rng = np.random.default_rng(21)
    # Long roads, houses near their middle: under the old junction snap most would be flagged.
    roads = np.nonzero(net.main[t] & net.main[h] & (net.length_dm >= 4000))[0]
    rows = []
    for k, e in enumerate(rng.choice(roads, 40), start=1):
        length = shape_length(shape_of(net, e))
        p = along(net, e, float(rng.uniform(0.4, 0.6)) * length, float(rng.uniform(5, 40)) * rng.choice([-1, 1]))
        rows.append(dict(nik=nik_for(k), nama=f"Warga {k}", alamat=f"Jl. Kediri {k}", rt="1", rw="1", dusun="",
                         desa="Kediri", kecamatan="Kota", lat=f"{p.lat:.7f}", lon=f"{p.lon:.7f}"))
    depot = along(net, int(roads[0]), 10.0)
    settings = Settings(depot=depot, time_limit_s=2, couriers=3, region=Region("Kota Kediri"))
    plan = plan_day(read_records(records_csv(tmp_path / "in.csv", rows)), net, settings, MONDAY)
    assert plan.cards_planned == 40
    assert max(v.snap_m for r in plan.routes for v in r.visits) <= 41
    write_tables(plan, tmp_path / "out")
    with open(tmp_path / "out" / "review.csv", encoding="utf-8-sig") as f:
        notes = [row["note"] for row in csv.DictReader(f)]
    assert not [n for n in notes if "from the nearest road" in n]
    houses = [LatLon(float(r["lat"]), float(r["lon"])) for r in rows]
    assert sum(nearest_main_node_m(net, p) > settings.snap_warn_m for p in houses) >= 20  # the old way
