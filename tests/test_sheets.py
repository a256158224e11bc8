"""HTML route sheets: big households over several rows, long text cut with a mark, printable in Chromium."""

import dataclasses
import io
import re

import pypdf
import pytest
from conftest import MONDAY, accounted, card, hand_plan, nik_for, records_csv, village_rows

from maps.render import render_all
from maps.sheets import clip, household_parts, render_sheet
from routing.config import Settings
from routing.demo import VILLAGES
from routing.fleet import default_fleet, terminals
from routing.gazetteer import Gazetteer, GazetteerEntry
from routing.nik import mask
from routing.pipeline import build_part, plan_day
from routing.progress import SILENT
from routing.records import read_records
from routing.stops import locate_stops

CUT = "\u2026[dipotong]"


def pesantren_plan(n: int = 200, **fields: object):
    return hand_plan({"K01": [[card(900)], [card(k + 1, **fields) for k in range(n)], [card(950)]]})


def test_big_household_continues_on_further_rows():
    plan = pesantren_plan(200)
    html = render_sheet(plan, plan.routes[0])
    assert len(re.findall(r'<tr class="continued">', html)) == len(household_parts(plan.routes[0].visits[1].cards)) - 1
    assert html.count("(lanjutan No. 2)") == 9
    for k in range(200):
        assert mask(nik_for(k + 1)) in html and nik_for(k + 1) not in html
    assert html.count("DT</span>") == 3  # outcome boxes once per stop, not per row


@pytest.mark.parametrize("field, limit", [("address", 400), ("nama", 200), ("telepon", 100)])
def test_huge_cells_are_cut_with_a_mark(field, limit):
    plan = hand_plan({"K01": [[card(1, **{field: "Pondok " * 15_000})]]})
    html = render_sheet(plan, plan.routes[0])
    assert len(html) < 20_000
    assert ("Pondok " * 15_000)[:limit] + CUT in html


def test_clip_in_english_and_untouched_short_text():
    assert clip("abc", 3, "en") == "abc" and clip("abcd", 3, "en") == "abc\u2026[cut]"


def test_unknown_precision_from_an_edited_plan_is_printed_escaped():
    plan = hand_plan({"K01": [[card(1)]]})
    route = plan.routes[0]
    visit = dataclasses.replace(route.visits[0], precision="<b>kira-kira</b>")
    html = render_sheet(plan, dataclasses.replace(route, visits=(visit,)))
    assert "&lt;b&gt;kira-kira&lt;/b&gt;" in html


def test_chromium_prints_a_pesantren_over_pages(browser, tmp_path):  # noqa: F811
    plan = pesantren_plan(200, address="x" * 60_000)
    sheet = tmp_path / "K01.html"
    sheet.write_text(render_sheet(plan, plan.routes[0]), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(sheet.as_uri())
    # An unbroken 400-character address wraps inside its cell instead of widening the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1100
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4", landscape=True)))
    page.close()
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 5
    assert all(mask(nik_for(k + 1)) in text for k in range(200))
    assert CUT in text


HOSTILE = "Sengon</td><script>alert('x')</script>"
GAZETTEER = Gazetteer((GazetteerEntry("Jabon", "", VILLAGES["Jabon"][0], "Jombang"),
                       GazetteerEntry(HOSTILE, "", VILLAGES["Sengon"][0], "Jombang")))
#: Jabon's households by desa name only, in file order, as (rw, rt, cards).
JABON = [("3", "1", 1), ("10", "1", 1), ("1", "4", 2), ("", "", 1), ("1", "2", 1), ("2", "2", 1)]


def search_rows():
    rows, serial = [], 100
    for k, (rw, rt, cards) in enumerate(JABON):
        for _ in range(cards):
            serial += 1
            rows.append(dict(nik=nik_for(serial), nama=f"Warga {serial}", alamat=f"Gang Mawar {k}", rw=rw, rt=rt,
                             desa="Jabon", kecamatan="Jombang", no_kk=f"35170901010000{k:02d}"))
    rows.append(dict(nik=nik_for(200), nama="Warga 200", alamat="Gang Kenanga 1", rw="1", rt="1", desa=HOSTILE,
                     kecamatan="Jombang"))
    return rows + village_rows(4, 20)  # with coordinates, also in Jabon


@pytest.fixture(scope="module")
def search_day(tmp_path_factory, demo_network):
    tmp = tmp_path_factory.mktemp("search")
    records = read_records(records_csv(tmp / "in.csv", search_rows()))
    settings = Settings(time_limit_s=2, couriers=1, deterministic=True)
    plan = plan_day(records, demo_network, settings, MONDAY, GAZETTEER)
    return plan, settings, render_all(plan, tmp / "out")


def test_desa_households_are_ridden_in_rw_rt_order_with_search_time(search_day):
    plan, settings, _ = search_day
    assert accounted(plan)["cards_planned"] == 12 and len(plan.routes) == 1
    visits = plan.routes[0].visits
    jabon = [k for k, v in enumerate(visits) if v.cards[0].desa == "Jabon" and v.precision == "desa"]
    assert jabon == list(range(jabon[0], jabon[0] + 6)), "the desa's households are one run"
    assert [(visits[k].cards[0].rw, visits[k].cards[0].rt) for k in jabon] == [
        ("1", "2"), ("1", "4"), ("2", "2"), ("3", "1"), ("10", "1"), ("", "")]
    for v in visits:
        search = settings.search_s if v.precision in ("desa", "dusun") else 0
        assert v.service_s == settings.service_s(len(v.cards)) + search
    assert {v.precision for v in visits} == {"desa", "coordinates"}
    for a, b in zip(visits[jabon[0]:jabon[-1]], visits[jabon[0] + 1:jabon[-1] + 1]):
        assert b.arrival_s == a.departure_s and b.travel_s == 0


def test_search_time_is_a_setting(tmp_path, demo_network):
    records = read_records(records_csv(tmp_path / "in.csv", search_rows()))
    for search_s in (0, 900):
        settings = Settings(couriers=1, search_s=search_s)
        located = locate_stops(records, demo_network, settings, GAZETTEER, None, None, SILENT)
        fleet = default_fleet(settings)
        ends = terminals(demo_network, settings, fleet, settings.shift_for(MONDAY))
        members = list(range(len(located.stops)))
        problem = build_part(located, members, ends, demo_network, settings, MONDAY, SILENT).problem
        for i, s in enumerate(located.stops, start=1):
            extra = search_s if s.location.precision == "desa" else 0
            assert problem.service_s[i] == settings.service_s(len(s.household.records)) + extra


def test_sheet_heads_each_search_run_and_shows_rw_rt(search_day):
    plan, _, _ = search_day
    route = plan.routes[0]
    html = render_sheet(plan, route, "id")
    heading = "Cari di Desa Jabon (Kec. Jombang) - tanya warga; urut RW/RT"
    assert html.count(heading) == 1
    jabon = [v for v in route.visits if v.cards[0].desa == "Jabon" and v.precision == "desa"]
    at = [html.index(mask(v.cards[0].nik)) for v in jabon]
    assert html.index(heading) < at[0] and at == sorted(at)
    labels = [html.index(f"<b>{t}</b>") for t in ("RW 1 / RT 2", "RW 1 / RT 4", "RW 2 / RT 2", "RW 3 / RT 1",
                                                   "RW 10 / RT 1")]
    assert labels == sorted(labels) and labels[0] > html.index(heading)
    located = next(v for v in route.visits if v.precision == "coordinates")
    row = html[html.index(mask(located.cards[0].nik)):]
    assert not row[:row.index("</tr>")].count("<b>RW"), "located doors get no search label"
    # The hostile desa name is a heading of its own, escaped like every other text.
    assert "<script>alert" not in html and "Cari di Desa Sengon&lt;/td&gt;&lt;script&gt;" in html
    assert html.count("tanya warga; urut RW/RT") == 2
    assert "Search in Desa Jabon (Kec. Jombang) - ask around; in RW/RT order" in render_sheet(plan, route, "en")


def test_pdf_sheet_heads_the_search_run(search_day):
    plan, _, out = search_day
    pdf = next(p for p in out.pdfs if p.name == "K01.pdf")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages))
    assert "Cari di Desa Jabon (Kec. Jombang) - tanya warga; urut RW/RT" in text
    assert text.index("RW 1 / RT 2") < text.index("RW 1 / RT 4") < text.index("RW 10 / RT 1")
