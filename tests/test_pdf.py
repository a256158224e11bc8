"""PDF route sheets, parsed back with an independent reader (pypdf)."""

import io
import json
import os
import re
import stat
import threading
from dataclasses import replace

import pypdf
import pytest
from conftest import MONDAY, card, hand_plan, nik_for, records_csv, run_cli, sengon_rows, village_rows
from fpdf.enums import MethodReturnValue
from fpdf.fonts import FontFace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps import pdf
from maps.navigation import navigation_url
from maps.pdf import _COLUMNS, _WIDTHS, QR_MASK, _SheetPDF, qr_code, qr_image, route_pdf, route_pdfs
from maps.render import render_all
from maps.sheets import MAX_CHARS, blocks, precision_label, rw_rt
from routing.clock import format_clock
from routing.config import Settings
from routing.nik import mask
from routing.outputs import Preview
from routing.outcomes import legend
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


def varied_plan():
    """Two couriers: doors searched for in a desa under a heading, a household continued on more
    rows, a cut address, long names that wrap, urgent cards, a stop far from the road, phones."""
    long_name = "Siti Nur Aisyah binti Haji Abdul Rahman Wahid"
    k01 = [household(1, 1, nama=long_name, urgent=True, telepon="0812 3456 7890"),
           household(25, 10, nama="Santri Pondok Pesantren Darul Ulum"),
           [card(40, address="Jl. Raya Sengon Gang Mawar " * 200)],
           *[[card(50 + k, nama=f"Warga {k} {'panjang ' * (k % 4)}", desa="Sengon", rw="002", rt=f"00{k}",
                   address=f"Dusun Sengon RT 00{k}/RW 002, Desa Sengon")] for k in range(6)],
           *[household(1, 60 + k) for k in range(12)]]
    plan = hand_plan({"K01": k01, "K02": [household(2, 200, telepon="0857 1234 5678"), household(1, 210)]})
    route = plan.routes[0]
    visits = tuple(replace(v, precision="desa" if 3 <= v.seq - 1 < 9 else v.precision,
                           snap_m=400 if v.seq == 2 else v.snap_m) for v in route.visits)
    return replace(plan, routes=(replace(route, visits=visits), *plan.routes[1:]))


class _TableSheet(_SheetPDF):
    """The sheet as fpdf2's table() drew it before the table was laid out in maps/pdf.py."""

    def route_section(self, route):
        self.route = route
        self.add_page()
        first = self.page_no()
        L = self.L
        heads = (L["no"], L["eta"], L["name"], L["nik"], L["address"], L["n_cards"], L["precision"], L["phone"],
                 L["received"], L["outcome"], "QR")
        boxes = "\n".join(" ".join(f"\u2610 {c}" for c, _ in legend(self.lang)[k:k + 3]) for k in (0, 3))
        self.set_font("DejaVu", "", 8)
        with self.table(col_widths=tuple(_WIDTHS.values()), line_height=4, padding=1, first_row_as_headings=True,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
                        repeat_headings=1, v_align="TOP", text_align="LEFT") as table:
            table.row(heads)
            searched = [b for b in blocks(route, self.lang) if b.heading]
            heading_at = {b.visits[0].seq: b.heading for b in searched}
            in_search = {v.seq for b in searched for v in b.visits}
            for v in route.visits:
                if v.seq in heading_at:
                    table.row().cell(self.fit(heading_at[v.seq], "address")[0], colspan=len(heads),
                                     style=FontFace(emphasis="BOLD", fill_color=(244, 244, 244)))
                for k, (names, niks, phones) in enumerate(self.household_rows(v.cards)):
                    if k:
                        table.row([str(v.seq), "", names, niks, f"({L['continued']} {L['no']} {v.seq})", "", "",
                                   phones, "", "", ""])
                        continue
                    row = table.row()
                    for text in (str(v.seq), format_clock(v.arrival_s), names, niks):
                        row.cell(text)
                    address, _ = self.fit(v.cards[0].address, "address")
                    if v.seq in in_search and rw_rt(v):
                        address = f"{rw_rt(v)}\n{address}"
                    row.cell(address + (f"\n{v.snap_m} m {L['snap']}" if v.snap_m > self.plan.snap_warn_m else ""))
                    for text in (str(len(v.cards)), self.fit(precision_label(v, self.lang), "precision")[0], phones,
                                 "", boxes):
                        row.cell(text)
                    row.cell(img=qr_image(navigation_url(v)), img_fill_width=True, link=navigation_url(v))
        self.sign_off(route, first)


#: A PDF literal string (the glyph ids of a text, in the order the font subset was filled).
_GLYPHS = re.compile(rb"\((?:\\.|[^\\()])*\)")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_table_is_drawn_as_fpdf2s_table_drew_it(lang):
    """Same pages, same text on each, and the same drawing operations at the same places (frames,
    fills, images, links, text positions); only the glyph ids inside the text strings may differ,
    as the font subset is filled in another order."""
    plan = varied_plan()
    ours = pypdf.PdfReader(io.BytesIO(route_pdf(plan, list(plan.routes), lang)))
    table = _TableSheet(plan, lang, "")
    for r in plan.routes:
        table.route_section(r)
    theirs = pypdf.PdfReader(io.BytesIO(bytes(table.output())))
    assert len(ours.pages) == len(theirs.pages) >= 3
    for a, b in zip(ours.pages, theirs.pages, strict=True):
        assert a.extract_text() == b.extract_text()
        assert _GLYPHS.sub(b"()", a.get_contents().get_data()) == _GLYPHS.sub(b"()", b.get_contents().get_data())
        assert [x.get_object()["/Rect"] for x in a.get("/Annots", [])] == \
               [x.get_object()["/Rect"] for x in b.get("/Annots", [])]


def _same_pages(a: bytes, b: bytes) -> None:
    """Same pages, text, links and drawing operations (glyph ids aside: see the test above)."""
    ours, theirs = pypdf.PdfReader(io.BytesIO(a)), pypdf.PdfReader(io.BytesIO(b))
    assert len(ours.pages) == len(theirs.pages)
    for x, y in zip(ours.pages, theirs.pages, strict=True):
        assert x.extract_text() == y.extract_text()
        assert _GLYPHS.sub(b"()", x.get_contents().get_data()) == _GLYPHS.sub(b"()", y.get_contents().get_data())
        assert [a.get_object()["/A"]["/URI"] for a in x.get("/Annots", [])] == \
               [a.get_object()["/A"]["/URI"] for a in y.get("/Annots", [])]


def _preview(plan, stop=None):
    visits = [v for r in plan.routes for v in r.visits]
    return Preview(tuple(v.point for v in visits), tuple(v.cards for v in visits), stop or threading.Event())


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_prepared_sheet_draws_the_same_pages(lang):
    """What :func:`maps.pdf.prepare` does while the solver runs (fonts loaded, addresses measured,
    QR codes encoded) changes nothing on the pages, in either language; the prepared document is
    taken once."""
    plan = varied_plan()
    parts, whole = route_pdfs(plan, list(plan.routes), lang)
    pdf.qr_modules.cache_clear()
    pdf.prepare(_preview(plan))
    assert len(pdf._PREPARED) == 1 and pdf._PREPARED[0]._wrapped
    assert pdf.qr_modules.cache_info().currsize == len({navigation_url(v) for r in plan.routes for v in r.visits})
    prepared_parts, prepared_whole = route_pdfs(plan, list(plan.routes), lang)
    assert pdf._PREPARED == []
    _same_pages(whole, prepared_whole)
    for a, b in zip(parts, prepared_parts, strict=True):
        _same_pages(a, b)


def test_preparing_ends_when_asked():
    stop = threading.Event()
    stop.set()
    pdf.qr_modules.cache_clear()
    pdf.prepare(_preview(varied_plan(), stop))
    assert pdf.qr_modules.cache_info().currsize == 0
    pdf.discard_prepared()
    assert pdf._PREPARED == []


def test_every_qr_code_reads_as_its_stops_navigation_link():
    """Decoded by an independent reader (zxing-cpp): each page shows exactly the codes of the
    links on it, and the day's codes are every stop's navigation link (QR_MASK changes no content)."""
    import zxingcpp

    plan = varied_plan()
    _, whole = route_pdfs(plan, list(plan.routes))
    seen = set()
    for page in pypdf.PdfReader(io.BytesIO(whole)).pages:
        links = {a.get_object()["/A"]["/URI"] for a in page.get("/Annots", [])}
        codes = [r.text for im in page.images for r in zxingcpp.read_barcodes(im.image)]
        assert len(codes) == len(page.images) and set(codes) == links
        seen |= links
    assert seen == {navigation_url(v) for r in plan.routes for v in r.visits}
    assert all(qr_code(u).mask == QR_MASK for u in seen)


def test_every_card_name_and_masked_nik_is_printed():
    plan = varied_plan()
    flat = re.sub(r"\s+", " ", pdf_text(route_pdf(plan, list(plan.routes)))[1])
    for c in (c for r in plan.routes for v in r.visits for c in v.cards):
        assert re.sub(r"\s+", " ", c.nama).strip() in flat and mask(c.nik) in flat and c.nik not in flat


def test_long_address_wraps_inside_its_column(measuring_sheet):
    """Every line of a long address starts at the column's padding and fits the column."""
    words = "Jl. Raya Sengon Gang Mawar Nomor 12 RT 003 RW 002 Dusun Sengon Kidul Desa Sengon Kecamatan Jombang"
    plan = hand_plan({"K01": [[card(1, address=words)], household(1, 2)]})
    data = route_pdf(plan, list(plan.routes))
    sheet = measuring_sheet
    sheet.set_font("DejaVu", "", 8)
    column = _COLUMNS.index("address")
    left, width = sheet.col_x[column], sheet.col_widths[column]
    lines = []

    def visit(text, cm, tm, font, size):
        x = tm[4] / sheet.k
        if text.strip() and left <= x < left + width:
            lines.append((x, text))

    pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    drawn = [(x, t.strip()) for x, t in lines if t.split()[0] in words.split()][:-1]  # the next stop's last
    assert len(drawn) == 3 and " ".join(t for _, t in drawn) == words
    for x, text in drawn:
        assert x == pytest.approx(left + 1, abs=0.01)
        assert sheet.get_string_width(text) <= width - 2


@pytest.fixture(scope="module")
def measuring_sheet():
    """One sheet to measure text with (an FPDF keeps its font files open until its output)."""
    sheet = _SheetPDF(hand_plan({"K01": [household(1)]}), "id", "")
    sheet.add_page()
    yield sheet
    sheet.output()


_TEXT = st.lists(st.sampled_from(list("aW .,-/\u00e9\u2610\n") + ["  ", "Gang ", "RT 003/RW 002", "\r\n"]),
                 max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT, column=st.sampled_from(range(len(_COLUMNS) - 1)), bold=st.booleans())
def test_wrap_gives_fpdf2s_own_lines(measuring_sheet, text, column, bold):
    """Wrapping once with string widths gives the lines fpdf2's multi_cell breaks the text into."""
    sheet = measuring_sheet
    sheet.set_font("DejaVu", "B" if bold else "", 8)
    for width in (sheet.col_widths[column], _WIDTHS[_COLUMNS[column]]):
        got = sheet.wrap(text, width)
        assert list(got) == sheet.multi_cell(width, 4, text, padding=1, dry_run=True, output=MethodReturnValue.LINES)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(st.sampled_from(["Gang", "Mawar", "RT 003/RW 002,", "Dusun", "W" * 30, "\n", "Sengon Kidul"]),
                      max_size=250), column=st.sampled_from(["address", "precision"]))
def test_cut_is_fit_without_counting_lines(measuring_sheet, words, column):
    sheet = measuring_sheet
    sheet.set_font("DejaVu", "", 8)
    text = " ".join(words)
    assert sheet.cut(text, column) == sheet.fit(text, column)[0]
