"""PDF sheets, GPX and GeoPackage: parsed back with independent readers."""

import os
import re
import stat

import geopandas as gpd
import gpxpy
import pypdf
import pytest

from routing.config import Settings
from routing.nik import mask
from routing.pipeline import plan_day
from routing.records import read_records
from routing.render import render_all

from conftest import MONDAY, records_csv
from test_pipeline import village_rows


@pytest.fixture(scope="module")
def long_day(tmp_path_factory, demo_network):
    """One courier with 60 stops, names with apostrophes and non-ASCII letters."""
    tmp = tmp_path_factory.mktemp("long")
    rows = village_rows(60)
    rows[0]["nama"] = "Nu'man Syafi’i"
    rows[1]["nama"] = "Ñoño Çelik Ülker"
    settings = Settings(time_limit_s=2, couriers=1, service_base_s=60, service_per_card_s=30)
    plan = plan_day(read_records(records_csv(tmp / "in.csv", rows)), demo_network, settings, MONDAY)
    assert plan.cards_planned == 60 and len(plan.routes) == 1
    return plan, render_all(plan, tmp / "out")


def pdf_pages(path):
    return [p.extract_text() for p in pypdf.PdfReader(path).pages]


def test_pdf_has_every_stop_masked_nik_and_no_full_nik(long_day):
    plan, out = long_day
    (route,) = plan.routes
    pdf = next(p for p in out.pdfs if p.name == "K01.pdf")
    text = "\n".join(pdf_pages(pdf))
    flat = re.sub(r"\s+", " ", text)
    for v in route.visits:
        for c in v.cards:
            assert c.nik not in text
            assert mask(c.nik) in text
        street = v.cards[0].address.split(",")[0]
        assert street in flat
    assert "Nu'man Syafi’i" in flat and "Ñoño Çelik Ülker" in flat
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", text)


def test_long_route_spans_pages_with_header_repeated(long_day):
    _, out = long_day
    pages = pdf_pages(next(p for p in out.pdfs if p.name == "K01.pdf"))
    assert len(pages) >= 3
    for k, page in enumerate(pages, start=1):
        assert "Lembar Rute Pengantaran e-KTP" in page and "Kurir: K01" in page
        assert "Senin, 30 November 2026" in page and "Tiba" in page and "Diterima oleh" in page
        assert f"Halaman {k}" in page


def test_pdf_navigation_links_carry_only_coordinates(long_day):
    plan, out = long_day
    reader = pypdf.PdfReader(next(p for p in out.pdfs if p.name == "K01.pdf"))
    uris = [a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots", [])
            if "/A" in a.get_object()]
    assert len(uris) == 60
    pattern = re.compile(r"^https://www\.google\.com/maps/dir/\?api=1&destination=-?\d+\.\d{6},\d+\.\d{6}"
                         r"&travelmode=two-wheeler$")
    assert all(pattern.match(u) for u in uris)
    first = plan.routes[0].visits[0].point
    assert f"{first.lat:.6f},{first.lon:.6f}" in uris[0]


def test_combined_pdf_holds_every_courier(tmp_path, demo_network):
    rows = village_rows(30) + village_rows(30, 100, "Tunggorono")
    s = Settings(time_limit_s=2, couriers=2, service_base_s=1200)
    plan = plan_day(read_records(records_csv(tmp_path / "in.csv", rows)), demo_network, s, MONDAY)
    out = render_all(plan, tmp_path / "out", lang="en")
    assert len(plan.routes) == 2
    text = "\n".join(pdf_pages(next(p for p in out.pdfs if p.name == "all.pdf")))
    assert "Courier: K01" in text and "Courier: K02" in text and "e-KTP Delivery Route Sheet" in text


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


def test_geopackage_opens_with_geopandas(long_day):
    plan, out = long_day
    stops = gpd.read_file(out.gpkg, layer="stops")
    routes = gpd.read_file(out.gpkg, layer="routes")
    assert len(stops) == 60 and list(stops["seq"]) == list(range(1, 61))
    assert stops.crs.to_epsg() == 4326 and routes.geometry.iloc[0].geom_type == "LineString"
    assert int(routes["distance_m"].iloc[0]) == plan.routes[0].distance_m
    assert "nik" not in stops.columns and "nama" not in stops.columns


def test_all_courier_files_owner_only(long_day):
    _, out = long_day
    for f in [*out.pdfs, *out.gpx, out.gpkg]:
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
