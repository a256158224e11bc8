"""The gazetteer: fuzzy desa/dusun lookup and real Kemendagri desa lists."""

import pytest
from conftest import GAZ, SHARED, rec

from routing.gazetteer import read_gazetteer
from routing.geo import LatLon
from routing.geocode import locate
from routing.households import group_households
from routing.region import JOMBANG


def test_gazetteer_fuzzy_dusun_then_desa():
    (h,) = group_households([rec(2, 1, dusun="Carukkulon", desa="Djabon")])
    loc = locate(h, GAZ, JOMBANG)
    assert loc.precision == "dusun" and loc.point == LatLon(-7.566, 112.209) and loc.score < 100
    (h,) = group_households([rec(2, 1, dusun="Dukuh Baru")])
    assert locate(h, GAZ, JOMBANG).precision == "desa"
    (h,) = group_households([rec(2, 1, desa="Karangwinongan")])
    assert isinstance(locate(h, GAZ, JOMBANG), str)


@pytest.mark.shared
def test_real_kemendagri_desa_centroids_as_gazetteer(tmp_path):
    """The real Jombang desa list (../shared) locates Desa Jabon where SOURCES.md says it is."""
    import csv

    src = SHARED / "data" / "jombang" / "desa_centroids_kemendagri_3517.csv"
    out = tmp_path / "gaz.csv"
    with open(src, encoding="utf-8") as f, open(out, "w", newline="", encoding="utf-8") as g:
        w = csv.writer(g)
        w.writerow(["kecamatan", "desa", "dusun", "lat", "lon"])
        for row in csv.DictReader(f):
            w.writerow([row["nama_kec"], row["nama"], "", row["lat"], row["lng"]])
    gaz = read_gazetteer(out)
    assert len(gaz.entries) == 306
    (h,) = group_households([rec(2, 1, dusun="", desa="Jabon", kecamatan="Jombang")])
    loc = locate(h, gaz, JOMBANG)
    assert loc.precision == "desa"
    assert loc.point.lat == pytest.approx(-7.565169, abs=1e-5) and loc.point.lon == pytest.approx(112.212371, abs=1e-5)
    # A spelling variant named in SOURCES.md still finds its desa.
    (h,) = group_households([rec(2, 1, dusun="", desa="Tugusumberejo", kecamatan="Peterongan")])
    assert locate(h, gaz, JOMBANG).precision == "desa"


def _polygon_feature(props, ring):
    """A GeoJSON polygon feature from ``(lat, lon)`` corners (written lon, lat)."""
    coords = [[lon, lat] for lat, lon in ring] + [[ring[0][1], ring[0][0]]]
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [coords]}}


def _box(south, west, north, east):
    return [(south, west), (south, east), (north, east), (north, west)]


def _road_metres(network):
    """Every road of ``network`` as a shapely line in local metres, and the projection used."""
    import math

    import shapely
    from shapely.geometry import LineString

    lat0 = float(network.node_lat.mean())
    kx, ky = math.pi / 180 * 6_371_008.8 * math.cos(math.radians(lat0)), math.pi / 180 * 6_371_008.8

    def project(lat, lon):
        return lon * kx, lat * ky

    lines = []
    for e in range(network.n_edges):
        a, b = network.geom_ptr[e], network.geom_ptr[e + 1]
        lines.append(LineString(zip(*project(network.geom_lat[a:b], network.geom_lon[a:b]))))
    return lines, shapely.STRtree(lines), project


@pytest.mark.shared
def test_desa_points_from_real_polygons_lie_on_roads_inside_their_desa(tmp_path):
    """Kota Kediri's 46 real kelurahan polygons and its real RBI road network (../shared), through
    the real CLI: every point lies inside its own polygon and on a road, and mostly where roads are
    denser than around the published polygon centroid."""
    import csv
    import json

    from conftest import run_cli
    from shapely.geometry import Point, shape

    from routing.config import DEFAULT_SPEEDS_KPH
    from routing.roads.network import load_network

    nearby = SHARED / "data" / "nearby"
    boundaries, roads = nearby / "desa_kemendagri_3571.geojson", nearby / "kota_kediri_rbi25k_roads.osm.bz2"
    out = tmp_path / "gazetteer.csv"
    done = run_cli("gazetteer", "build", "--boundaries", boundaries, "--network", roads, "--out", out, cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "46 desa" in done.stdout and "without a road" not in done.stdout
    with open(out, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    features = {(f["properties"]["nama"], f["properties"]["nama_kec"]): f
                for f in json.loads(boundaries.read_text(encoding="utf-8"))["features"]}
    assert sorted((r["desa"], r["kecamatan"]) for r in rows) == sorted(features)
    network = load_network(roads, DEFAULT_SPEEDS_KPH, tmp_path / "cache")
    lines, tree, project = _road_metres(network)

    def road_m_within(x, y, radius=300.0):
        circle = Point(x, y).buffer(radius)
        return sum(lines[i].intersection(circle).length for i in tree.query(circle))

    denser = 0
    for r in rows:
        feature = features[(r["desa"], r["kecamatan"])]
        lat, lon = float(r["lat"]), float(r["lon"])
        assert shape(feature["geometry"]).contains(Point(lon, lat)), r
        here = Point(*project(lat, lon))
        nearest = tree.nearest(here)
        assert lines[nearest].distance(here) <= 30, (r, lines[nearest].distance(here))
        centroid = project(feature["properties"]["lat"], feature["properties"]["lng"])
        denser += road_m_within(here.x, here.y) >= road_m_within(*centroid)
    assert denser >= 0.8 * len(rows), f"only {denser} of {len(rows)} points are where roads are denser"


def _two_quarters_osm(path, west_class, east_class):
    """Two identical 5x5 street grids 1.5 km apart, of classes ``west_class`` and ``east_class``,
    joined by one unclassified road; node ids 1.. (west) and 101.. (east)."""
    from conftest import write_osm

    lat0, lon0, step, n = -7.56, 112.20, 0.0015, 5
    nodes, ways = {}, []
    for base, dlon, cls in ((1, 0.0, west_class), (101, 0.0194, east_class)):
        for i in range(n):
            for j in range(n):
                nodes[base + i * n + j] = (lat0 + i * step, lon0 + dlon + j * step)
        ways += [([base + i * n + j for j in range(n)], {"highway": cls}) for i in range(n)]
        ways += [([base + i * n + j for i in range(n)], {"highway": cls}) for j in range(n)]
    ways.append(([1 + 2 * n + n - 1, 101 + 2 * n], {"highway": "unclassified"}))
    return write_osm(path, nodes, ways)


def test_desa_point_goes_to_village_streets_not_main_roads(tmp_path):
    """Of two equally dense street grids in one desa, the point goes to the residential one (houses
    line village streets), not to the grid of primary roads."""
    from routing.config import DEFAULT_SPEEDS_KPH
    from routing.gazetteer import build_from_boundaries
    from routing.roads.network import load_network

    polygon = {"type": "FeatureCollection",
               "features": [_polygon_feature({"nama": "Karangasem", "nama_kec": "Jombang"},
                                             _box(-7.562, 112.198, -7.552, 112.228))]}
    boundaries = tmp_path / "desa.geojson"
    boundaries.write_text(__import__("json").dumps(polygon), encoding="utf-8")
    # West of the field a grid of primary roads (112.200-112.206), east of it the same grid of
    # residential streets (112.2194-112.2254): the west one would win a tie, so only the weights
    # can send the point east.
    net = load_network(_two_quarters_osm(tmp_path / "mixed.osm", "primary", "residential"), DEFAULT_SPEEDS_KPH, None)
    (entry,), roadless = build_from_boundaries(boundaries, net, DEFAULT_SPEEDS_KPH)
    assert roadless == [] and (entry.desa, entry.kecamatan) == ("Karangasem", "Jombang")
    assert 112.2190 <= entry.point.lon <= 112.2260 and -7.5605 <= entry.point.lat <= -7.5535
    # The polygon's own centre, 112.213, lies in the empty field between the two quarters.
    assert abs(entry.point.lon - 112.213) > 0.006


def test_rbi_layer_with_a_roadless_desa_through_the_cli(tmp_path):
    """A BIG/RBI-style layer (NAMOBJ/WADMKC in capitals, CRS84): names tidied, a desa without roads
    gets its polygon's representative point and is named in the output."""
    import json

    from conftest import run_cli
    from shapely.geometry import Point, shape

    from routing.gazetteer import read_gazetteer

    layer = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
             "features": [_polygon_feature({"NAMOBJ": "KARANG ASEM", "WADMKC": "JOMBANG", "WADMKK": "JOMBANG"},
                                           _box(-7.562, 112.198, -7.552, 112.228)),
                          _polygon_feature({"NAMOBJ": "SAWAH LOR", "WADMKC": "JOMBANG", "WADMKK": "JOMBANG"},
                                           _box(-7.580, 112.198, -7.570, 112.228))]}
    boundaries = tmp_path / "rbi.geojson"
    boundaries.write_text(json.dumps(layer), encoding="utf-8")
    osm = _two_quarters_osm(tmp_path / "roads.osm", "residential", "residential")
    done = run_cli("gazetteer", "build", "--boundaries", boundaries, "--network", osm, "--out", tmp_path / "g.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 desa" in done.stdout and "1 desa without a road" in done.stdout and "Sawah Lor" in done.stdout
    gaz = {e.desa: e for e in read_gazetteer(tmp_path / "g.csv").entries}
    assert set(gaz) == {"Karang Asem", "Sawah Lor"} and gaz["Karang Asem"].kecamatan == "Jombang"
    sawah = shape(layer["features"][1]["geometry"])
    assert sawah.contains(Point(gaz["Sawah Lor"].point.lon, gaz["Sawah Lor"].point.lat))


@pytest.mark.parametrize("args, message", [
    (["--boundaries", "{noname}", "--network", "{osm}"], "no desa name column; columns are: kode, luas"),
    (["--boundaries", "{noname}"], "--boundaries and --network go together"),
    (["--boundaries", "{missing}", "--network", "{osm}"], "boundaries file not found"),
    (["--boundaries", "{notjson}", "--network", "{osm}"], "not a GeoJSON FeatureCollection"),
    (["--boundaries", "{noname}", "--osm", "{osm}", "--network", "{osm}"], "give exactly one of"),
])
def test_bad_boundaries_are_one_line_errors(tmp_path, args, message):
    import json

    from conftest import grid_osm, run_cli

    files = {"noname": tmp_path / "noname.geojson", "osm": grid_osm(tmp_path / "grid.osm"),
             "missing": tmp_path / "nothing.geojson", "notjson": tmp_path / "bad.geojson"}
    files["noname"].write_text(json.dumps({"type": "FeatureCollection", "features": [_polygon_feature(
        {"kode": "35.17.09.2018", "luas": 2.5}, _box(-7.56, 112.22, -7.55, 112.23))]}), encoding="utf-8")
    files["notjson"].write_text("<kml>not json</kml>", encoding="utf-8")
    done = run_cli("gazetteer", "build", *[a.format(**files) for a in args], "--out", tmp_path / "g.csv", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "g.csv").exists()
