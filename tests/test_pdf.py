"""PDF route sheets, parsed back with an independent reader (pypdf)."""

import io
import json
import os
import re
import stat

import pypdf
import pytest
from conftest import MONDAY, card, hand_plan, nik_for, records_csv, run_cli, sengon_rows, village_rows

from maps.pdf import route_pdf
from maps.render import render_all
from maps.sheets import MAX_CHARS
from routing.config import Settings
from routing.nik import mask
from routing.pipeline import plan_day
from routing.records import read_records

CUT = "\u2026[dipotong]"


def pdf_text(data: bytes) -> tuple[int, str]:
    """Page count and the text of every page, as pypdf reads it."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def household(n: int, first: int = 1, **fields: object) -> list:
    return [card(first + k, **fields) for k in range(n)]


@pytest.mark.parametrize("cards, pages_at_least", [
    (household(60, nama="Santri Pondok Pesantren Darul Ulum"), 2),
    (household(200, nama="Santri", telepon="0812 3456 7890"), 5),
])
def test_big_household_flows_over_pages_with_every_card(cards, pages_at_least):
    plan = hand_plan({"K01": [household(2, 900), cards, household(1, 950)]})
    pages, text = pdf_text(route_pdf(plan, list(plan.routes)))
    assert pages >= pages_at_least
    for c in plan.routes[0].visits[1].cards + plan.routes[0].visits[0].cards + plan.routes[0].visits[2].cards:
        assert mask(c.nik) in text and c.nik not in text
    assert text.count("(lanjutan No. 2)") >= pages_at_least - 1  # continued rows name their stop
    assert CUT not in text  # nothing here is too long to print whole


@pytest.mark.parametrize("field, size", [("address", 60_000), ("address", 100_000), ("nama", 100_000),
                                         ("telepon", 60_000)])
def test_huge_cell_is_cut_with_a_mark(field, size):
    long = "Jl. " + "Panjang " * (size // 8)
    cards = household(3, **{field: long})
    plan = hand_plan({"K01": [cards, household(1, 10)]})
    data = route_pdf(plan, list(plan.routes))
    pages, text = pdf_text(data)
    assert pages <= 3 and len(data) < 200_000
    assert CUT in text
    assert all(mask(c.nik) in text for r in plan.routes for v in r.visits for c in v.cards)


def test_unbroken_long_word_and_english_mark():
    plan = hand_plan({"K01": [[card(1, nama="W" * 100_000, address="x" * 100_000)]]})
    _, text = pdf_text(route_pdf(plan, list(plan.routes), lang="en"))
    assert text.count("\u2026[cut]") >= 2 and mask(nik_for(1)) in text


def test_long_courier_id_is_cut_in_header():
    plan = hand_plan({"K" * 5000: [household(2)]})
    _, text = pdf_text(route_pdf(plan, list(plan.routes)))
    assert "K" * MAX_CHARS["courier"] + CUT in text.replace("\n", "")


def test_render_all_writes_every_sheet_for_a_pesantren(tmp_path):
    plan = hand_plan({"K01": [household(120, address="Pondok " * 10_000)], "K02": [household(3, 500)]})
    out = render_all(plan, tmp_path / "out")
    assert sorted(p.name for p in out.pdfs) == ["K01.pdf", "K02.pdf", "all.pdf"]
    _, text = pdf_text((tmp_path / "out" / "sheets" / "all.pdf").read_bytes())
    assert all(mask(c.nik) in text for r in plan.routes for v in r.visits for c in v.cards)


def test_plan_command_with_a_pesantren_and_a_60kb_cell(tmp_path, demo_files):
    """The real command on a records file: one household of 60 cards and one 60 KB address."""
    rows = sengon_rows(64)
    for r in rows[:60]:
        r.update(no_kk="3517090101000009", alamat="Pondok Pesantren Darul Ulum", lat=rows[0]["lat"],
                 lon=rows[0]["lon"], keterangan="santri")
    for k, r in enumerate(rows[60:]):
        r["lat"] = rows[k + 1]["lat"]  # near the office, like the household
    rows[61]["alamat"] = "Jl. Mawar " + "sangat panjang " * 4000  # 60 KB
    records = records_csv(tmp_path / "kartu.csv", rows)
    assert len(records.read_bytes()) > 60_000
    out = tmp_path / "rute"
    result = run_cli("plan", str(records), "--network", str(demo_files.network), "--out", str(out),
                     "--date", "2026-11-30", "--time-limit", "2", "-q", cwd=tmp_path)
    assert result.returncode in (0, 4), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert plan["summary"]["cards_planned"] == 64
    couriers = [r["courier_id"] for r in plan["routes"]]
    for name in [*(f"{c}.pdf" for c in couriers), *(f"{c}.html" for c in couriers), "all.pdf"]:
        assert (out / "sheets" / name).stat().st_size > 0, name
    for name in [*(f"maps/{c}.html" for c in couriers), "maps/overview.html", *(f"gpx/{c}.gpx" for c in couriers)]:
        assert (out / name).exists(), name
    _, text = pdf_text((out / "sheets" / "all.pdf").read_bytes())
    for k in range(60):
        assert mask(nik_for(k + 1)) in text
    assert CUT in text
    assert stat.S_IMODE((out / "sheets" / "all.pdf").stat().st_mode) == 0o600


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
