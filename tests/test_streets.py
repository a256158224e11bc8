"""The streets around a day's routes, from the road network: which edges, once per road, rounded,
names kept; ``streets.json`` written beside ``plan.json`` and read back by ``ektp-route render``."""

import json
import re

import numpy as np
import pytest
from conftest import MONDAY, records_csv, run_cli, village_rows

from maps.render import STREETS_FILE, read_streets, render_all
from maps.routes import courier_map
from maps.spread import spread_leg, spread_offsets
from routing.config import DEFAULT_SPEEDS_KPH, Settings
from routing.day import DayInputs, run_day
from routing.errors import InputError
from routing.geo import LatLon, haversine_m
from routing.pipeline import plan_day
from routing.plan import read_plan
from routing.records import read_records
from routing.roads.network import NAME_CHARS, load_network
from routing.roads.streets import RADIUS_M, Street, Streets, from_json, streets_around, to_json


@pytest.fixture(scope="module")
def small_day(tmp_path_factory, demo_network):
    tmp = tmp_path_factory.mktemp("streets")
    plan = plan_day(read_records(records_csv(tmp / "in.csv", village_rows(8))), demo_network,
                    Settings(time_limit_s=1), MONDAY)
    return plan, streets_around(demo_network, plan)


def street_data(page):
    """The streets drawn on a folium map page, as the array literal its StreetLayer script holds."""
    m = re.search(r"map\._ektpStreets = g;\}\)\(map_\w+, (.*?)\);", page)
    return json.loads(m.group(1)) if m else None


def metres(points):
    """Points as local (north, east) metres, for distances within a town."""
    return np.array([(p.lat * 111_320, p.lon * 111_320 * np.cos(np.radians(-7.55))) for p in points])


def route_points(plan):
    return ([plan.depot] + [v.point for r in plan.routes for v in r.visits]
            + [p for r in plan.routes for p in r.geometry])


def test_streets_are_the_roads_near_the_routes_each_once(small_day, demo_network):
    plan, streets = small_day
    net = demo_network
    assert len(streets) > 20
    pts = route_points(plan)
    # Every street drawn comes within the radius of the routes (one of its points does).
    route_xy = metres(pts)
    for s in streets.streets:
        street_xy = metres(s.points)
        gap = np.sqrt(((street_xy[:, None, :] - route_xy[None, :, :]) ** 2).sum(axis=2)).min()
        assert gap <= RADIUS_M + 1
        assert len(s.points) >= 2
        assert all(round(p.lat, 6) == p.lat and round(p.lon, 6) == p.lon for p in s.points)
    # A two-way road is one street, not two: no street is another one reversed.
    shapes = {tuple((p.lat, p.lon) for p in s.points) for s in streets.streets}
    assert len(shapes) == len(streets)
    assert not any(tuple(reversed(k)) in shapes for k in shapes if k != tuple(reversed(k)))
    # Every edge of the network that touches a stop's close surroundings is drawn (or its reverse).
    stop = plan.routes[0].visits[0].point
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    near = [e for e in range(net.n_edges)
            if haversine_m(stop, LatLon(float(net.node_lat[tails[e]]), float(net.node_lon[tails[e]]))) < 150]
    assert near
    for e in near:
        lo, hi = net.geom_ptr[e], net.geom_ptr[e + 1]
        first = (round(float(net.geom_lat[lo]), 6), round(float(net.geom_lon[lo]), 6))
        last = (round(float(net.geom_lat[hi - 1]), 6), round(float(net.geom_lon[hi - 1]), 6))
        assert any({(s.points[0].lat, s.points[0].lon), (s.points[-1].lat, s.points[-1].lon)} == {first, last}
                   for s in streets.streets), e
    # Far roads are left out: the demo network is much larger than one village's surroundings.
    assert len(streets) < net.n_edges / 4


def test_street_names_come_from_the_network(small_day, demo_network):
    _, streets = small_day
    assert demo_network.edge_name is not None
    names = {s.name for s in streets.streets}
    assert "" not in names or len(names) > 1
    assert names - {""} <= {str(n) for n in demo_network.edge_name}
    assert any(n.startswith("Jl.") for n in names)


def test_streets_json_round_trips_and_bad_files_are_one_line(tmp_path, small_day):
    _, streets = small_day
    again = from_json(json.loads(json.dumps(to_json(streets))))
    assert again == streets
    for bad in ({"format": 99, "names": [], "lines": []}, {"format": 1, "names": [], "lines": [[0, [1, 2, 3, 4]]]},
                {"format": 1, "names": [], "lines": [[-1, [1, 2, 3]]]},
                {"format": 1, "names": [], "lines": [[-1, [91, 2, 3, 4]]]}, {"format": 1}):
        with pytest.raises(InputError, match="streets.json: not a streets file"):
            from_json(bad)
    (tmp_path / STREETS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not JSON"):
        read_streets(tmp_path)
    assert read_streets(tmp_path / "none") is None


def test_hostile_street_names_stay_text(small_day):
    plan, _ = small_day
    route = plan.routes[0]
    evil = "</script><script>alert(1)</script>{{7*7}}{% if 1 %}${x}`'\u2028"
    streets = Streets((Street((route.visits[0].point, LatLon(route.visits[0].point.lat + 0.001,
                                                              route.visits[0].point.lon)), evil),))
    page = courier_map(plan, route, 0, "", streets)
    script = page[page.index("_ektpStreets") - 2000: page.index("_ektpStreets")]
    assert "</script><script>alert" not in page and "{{" not in script and "{%" not in script
    assert "\\u0026lt;/script\\u0026gt;" in page  # HTML-escaped (tooltips are HTML), then a JS string


def test_render_writes_streets_json_and_render_command_draws_it_again(tmp_path, small_day):
    plan, streets = small_day
    out = tmp_path / "out"
    render_all(plan, out, streets=streets)
    assert (out / STREETS_FILE).stat().st_mode & 0o077 == 0
    assert read_streets(out) == streets
    drawn = street_data((out / "maps" / "K01.html").read_text(encoding="utf-8"))
    assert drawn and len(drawn[1]) > 10
    (out / "maps" / "K01.html").unlink()
    done = run_cli("render", out)
    assert done.returncode == 0, done.stderr
    assert street_data((out / "maps" / "K01.html").read_text(encoding="utf-8")) == drawn
    # Redrawn without streets (a plan made elsewhere), an old streets.json is not left to mislead.
    render_all(read_plan(out / "plan.json"), out)
    assert not (out / STREETS_FILE).exists()
    assert street_data((out / "maps" / "K01.html").read_text(encoding="utf-8")) is None


def test_run_day_writes_the_streets(tmp_path, demo_files):
    records = records_csv(tmp_path / "in.csv", village_rows(5))
    result = run_day(DayInputs(network=demo_files.network, out=tmp_path / "out", day=MONDAY, records=records,
                               settings=Settings(time_limit_s=1), gazetteer=demo_files.gazetteer,
                               cache_dir=tmp_path / "cache"), render_all)
    streets = read_streets(tmp_path / "out")
    assert streets is not None and len(streets) > 0
    drawn = street_data((tmp_path / "out" / "maps" / "overview.html").read_text(encoding="utf-8"))
    assert drawn and len(drawn[1]) == len(streets)
    assert result.plan.routes


def test_stops_sharing_a_point_are_set_apart_on_rings():
    p, q = LatLon(-7.55, 112.23), LatLon(-7.56, 112.24)
    offsets = spread_offsets([p, q] + [p] * 7)
    assert offsets[1] == (0, 0)  # alone at its point: not moved
    at_p = [offsets[0]] + offsets[2:]
    assert len(set(at_p)) == 8
    # No two markers (24 px) overlap, and every one is off its point by at least a marker's radius.
    for i, a in enumerate(at_p):
        assert (a[0] ** 2 + a[1] ** 2) ** 0.5 >= 18
        for b in at_p[i + 1:]:
            assert ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 >= 24
    assert spread_offsets([p]) == [(0, 0)] and spread_leg((0, 0)) is None
    left, top, width, deg = spread_leg((0, -20))  # marker straight above its point: leg points down
    assert (left, top, width, deg) == (12, 24, 8, 90)


def test_street_names_survive_the_network_cache(tmp_path, demo_files):
    first = load_network(demo_files.network, DEFAULT_SPEEDS_KPH, tmp_path)
    assert list(tmp_path.glob("network-*.npz"))
    again = load_network(demo_files.network, DEFAULT_SPEEDS_KPH, tmp_path)
    assert first.edge_name is not None and again.edge_name is not None
    assert again.edge_name.tolist() == first.edge_name.tolist()
    assert "Jl. Seberang" in set(again.edge_name.tolist())
    assert max(len(n) for n in again.edge_name.tolist()) <= NAME_CHARS
