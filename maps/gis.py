"""GeoPackage of stops and routes for QGIS: the only module that imports geopandas.

The layers carry what an officer analyses on a map (courier, order, ETA, cards, desa, location
precision), not names or NIKs.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point

from routing.clock import format_clock
from routing.plan import Plan


def write_geopackage(plan: Plan, path: Path) -> Path:
    """Write layers ``stops`` (points) and ``routes`` (road-following lines), EPSG:4326."""
    stops = gpd.GeoDataFrame(
        [{"courier_id": r.courier_id, "seq": v.seq, "stop_id": v.stop_id, "eta": format_clock(v.arrival_s),
          "arrival_s": v.arrival_s, "cards": len(v.cards), "urgent": any(c.urgent for c in v.cards),
          "desa": v.cards[0].desa, "precision": v.precision, "snap_m": v.snap_m,
          "geometry": Point(v.point.lon, v.point.lat)} for r in plan.routes for v in r.visits],
        geometry="geometry", crs="EPSG:4326")
    routes = gpd.GeoDataFrame(
        [{"courier_id": r.courier_id, "stops": len(r.visits), "cards": r.n_cards, "distance_m": r.distance_m,
          "duration_s": r.duration_s, "start": format_clock(r.start_s), "end": format_clock(r.end_s),
          "geometry": LineString([(p.lon, p.lat) for p in r.geometry])} for r in plan.routes if len(r.geometry) > 1],
        geometry="geometry", crs="EPSG:4326")
    path.unlink(missing_ok=True)
    stops.to_file(path, layer="stops", driver="GPKG")
    routes.to_file(path, layer="routes", driver="GPKG")
    path.chmod(0o600)
    return path
