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

STOP_COLUMNS = ("courier_id", "seq", "stop_id", "eta", "arrival_s", "cards", "urgent", "desa", "precision", "snap_m")
ROUTE_COLUMNS = ("courier_id", "stops", "cards", "distance_m", "duration_s", "start", "end")


def _layer(rows: list[dict[str, object]], columns: tuple[str, ...], path: Path, name: str, kind: str) -> None:
    """One layer; its columns and geometry type are given, so a layer with no rows is still well formed."""
    frame = gpd.GeoDataFrame(rows, columns=[*columns, "geometry"], geometry="geometry", crs="EPSG:4326")
    frame.to_file(path, layer=name, driver="GPKG", geometry_type=kind)


def write_geopackage(plan: Plan, path: Path) -> Path:
    """Write layers ``stops`` (points) and ``routes`` (road-following lines), EPSG:4326.

    Every route has its row; one that never leaves the office's road point (every stop there) has
    no line to draw, so its geometry is empty rather than the route missing from the layer.
    """
    stops = [{"courier_id": r.courier_id, "seq": v.seq, "stop_id": v.stop_id, "eta": format_clock(v.arrival_s),
              "arrival_s": v.arrival_s, "cards": len(v.cards), "urgent": any(c.urgent for c in v.cards),
              "desa": v.cards[0].desa, "precision": v.precision, "snap_m": v.snap_m,
              "geometry": Point(v.point.lon, v.point.lat)} for r in plan.routes for v in r.visits]
    routes = [{"courier_id": r.courier_id, "stops": len(r.visits), "cards": r.n_cards, "distance_m": r.distance_m,
               "duration_s": r.duration_s, "start": format_clock(r.start_s), "end": format_clock(r.end_s),
               "geometry": LineString([(p.lon, p.lat) for p in r.geometry]) if len(r.geometry) > 1 else None}
              for r in plan.routes]
    path.unlink(missing_ok=True)
    _layer(stops, STOP_COLUMNS, path, "stops", "Point")
    _layer(routes, ROUTE_COLUMNS, path, "routes", "LineString")
    path.chmod(0o600)
    return path
