"""GPX files for OsmAnd, parsed back with gpxpy."""

import gpxpy


def test_gpx_waypoints_in_visit_order(long_day):
    plan, out = long_day
    (route,) = plan.routes
    gpx = gpxpy.parse(out.gpx[0].read_text())
    assert [w.name for w in gpx.waypoints] == [f"{v.seq:02d}" for v in route.visits]
    assert [(w.latitude, w.longitude) for w in gpx.waypoints] == [(v.point.lat, v.point.lon) for v in route.visits]
    (rte,) = gpx.routes
    assert rte.points[0].name == rte.points[-1].name == "KANTOR" and len(rte.points) == 62
    assert len(gpx.tracks[0].segments[0].points) == len(route.geometry)
    assert not any(c.nik in out.gpx[0].read_text() or c.nama in out.gpx[0].read_text()
                   for v in route.visits for c in v.cards)
