"""The GeoPackage for QGIS, read back with geopandas."""

import geopandas as gpd


def test_geopackage_opens_with_geopandas(long_day):
    plan, out = long_day
    stops = gpd.read_file(out.gpkg, layer="stops")
    routes = gpd.read_file(out.gpkg, layer="routes")
    assert len(stops) == 60 and list(stops["seq"]) == list(range(1, 61))
    assert stops.crs.to_epsg() == 4326 and routes.geometry.iloc[0].geom_type == "LineString"
    assert int(routes["distance_m"].iloc[0]) == plan.routes[0].distance_m
    assert "nik" not in stops.columns and "nama" not in stops.columns
