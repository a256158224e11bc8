"""PDF route sheets, parsed back with an independent reader (pypdf)."""

import os
import re
import stat

import pypdf
from conftest import MONDAY, records_csv, village_rows

from routing.config import Settings
from routing.nik import mask
from routing.pipeline import plan_day
from routing.records import read_records
from routing.render import render_all


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


def test_all_courier_files_owner_only(long_day):
    _, out = long_day
    for f in [*out.pdfs, *out.gpx, out.gpkg]:
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f


def test_courier_pdfs_are_their_pages_of_all_pdf_numbered_from_one(tmp_path, demo_network):
    """all.pdf is drawn once and each courier's PDF is copied out of it: every page's header and
    footer name the same courier, page numbers start at 1 per courier, links stay with their stops."""
    rows = village_rows(30) + village_rows(30, 100, "Tunggorono")
    s = Settings(time_limit_s=2, couriers=2, service_base_s=1200)
    plan = plan_day(read_records(records_csv(tmp_path / "in.csv", rows)), demo_network, s, MONDAY)
    out = render_all(plan, tmp_path / "out")
    assert [r.courier_id for r in plan.routes] == ["K01", "K02"]
    pdfs = {p.name: p for p in out.pdfs}
    whole = pdf_pages(pdfs["all.pdf"])
    parts = {c: pdf_pages(pdfs[f"{c}.pdf"]) for c in ("K01", "K02")}
    assert whole == parts["K01"] + parts["K02"]
    for courier, pages in parts.items():
        other = "K02" if courier == "K01" else "K01"
        for k, page in enumerate(pages, start=1):
            assert f"Kurir: {courier}" in page and f"{courier} - Halaman {k}" in page
            assert f"Kurir: {other}" not in page and f"{other} - Halaman" not in page
        reader = pypdf.PdfReader(pdfs[f"{courier}.pdf"])
        links = [a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots", [])]
        route = next(r for r in plan.routes if r.courier_id == courier)
        assert links == [f"https://www.google.com/maps/dir/?api=1&destination={v.point.lat:.6f},{v.point.lon:.6f}"
                         "&travelmode=two-wheeler" for v in route.visits]
        assert reader.metadata.title == "Lembar Rute Pengantaran e-KTP"
