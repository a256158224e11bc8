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


def test_a_day_whose_every_stop_sits_at_the_office_is_written_whole(tmp_path, demo_files):
    """Every household at the office's own road point: the route never rides, and the GeoPackage
    still gets both layers (the route's row with no line) instead of stopping every output."""
    from conftest import records_csv, run_cli, village_rows

    rows = village_rows(3)
    for r in rows:
        r["lat"], r["lon"] = "-7.5530", "112.2330"
    done = run_cli("plan", records_csv(tmp_path / "kartu.csv", rows), "--network", demo_files.network,
                   "--out", tmp_path / "out", "--date", "2026-11-30", "--deterministic", "-q", cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    for name in ("plan.json", "sheets/K01.html", "sheets/K01.pdf", "kurir/K01.html", "maps/overview.html"):
        assert (tmp_path / "out" / name).is_file(), name
    stops = gpd.read_file(tmp_path / "out" / "routes.gpkg", layer="stops")
    routes = gpd.read_file(tmp_path / "out" / "routes.gpkg", layer="routes")
    assert len(stops) >= 1 and int(stops["cards"].sum()) == 3
    assert list(routes["courier_id"]) == ["K01"] and routes.geometry.iloc[0] is None
