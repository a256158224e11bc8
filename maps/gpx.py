"""GPX per courier (gpxpy): numbered waypoints, a route in visit order and the road track.

OsmAnd and other phone navigators import it. Waypoints are named by stop number and described
by ETA and address; no name or NIK is written.
"""

from __future__ import annotations

import datetime as dt

import gpxpy.gpx

from routing.clock import format_clock
from routing.plan import Plan, Route


def route_gpx(plan: Plan, route: Route) -> str:
    """The GPX document for one courier."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "ektp-route"
    gpx.name = f"e-KTP {route.courier_id} {plan.date.isoformat()}"
    rte = gpxpy.gpx.GPXRoute(name=f"{route.courier_id} {plan.date.isoformat()}")
    rte.points.append(gpxpy.gpx.GPXRoutePoint(plan.depot.lat, plan.depot.lon, name="KANTOR"))
    midnight = dt.datetime.combine(plan.date, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=7)))  # WIB
    for v in route.visits:
        name = f"{v.seq:02d}"
        desc = f"{format_clock(v.arrival_s)} - {v.cards[0].address} - {len(v.cards)} kartu"
        when = midnight + dt.timedelta(seconds=v.arrival_s)
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(v.point.lat, v.point.lon, name=name, description=desc, time=when))
        rte.points.append(gpxpy.gpx.GPXRoutePoint(v.point.lat, v.point.lon, name=name, description=desc))
    rte.points.append(gpxpy.gpx.GPXRoutePoint(plan.depot.lat, plan.depot.lon, name="KANTOR"))
    gpx.routes.append(rte)
    if route.geometry:
        trk = gpxpy.gpx.GPXTrack(name=f"{route.courier_id} jalan")
        seg = gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(p.lat, p.lon) for p in route.geometry])
        trk.segments.append(seg)
        gpx.tracks.append(trk)
    return gpx.to_xml()
