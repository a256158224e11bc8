"""Route sheets: households located only by desa or dusun are grouped under "cari di Desa X" in RW/RT order."""

import re

import pypdf
import pytest
from conftest import MONDAY, accounted, nik_for, records_csv, village_rows

from routing.config import Settings
from routing.demo import VILLAGES
from routing.fleet import default_fleet
from routing.gazetteer import Gazetteer, GazetteerEntry
from routing.nik import mask
from routing.pipeline import build_problem, plan_day
from routing.progress import SILENT
from routing.records import read_records
from routing.render import render_all
from routing.sheets import render_sheet
from routing.stops import locate_stops

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
        problem = build_problem(located, demo_network, settings, default_fleet(settings), MONDAY, SILENT).problem
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
