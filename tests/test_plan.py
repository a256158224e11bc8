"""The plan: every input row accounted for exactly once (property), and an edited plan.json given to
`render`: courier ids that would write outside the folder, values of the wrong type, text that cannot be
written, and the courier's name on the sheet."""

import csv
import dataclasses
import datetime as dt
import json
import os
import xml.etree.ElementTree as ET

import pytest
from conftest import DATA, MONDAY, nik_for, one_line_error, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps.render import draw
from maps.sheets import render_sheet
from routing.config import MON_THU, Settings
from routing.demo import ISLAND, VILLAGES
from routing.errors import InputError
from routing.gazetteer import read_gazetteer
from routing.geo import LatLon
from routing.pipeline import plan_day
from routing.plan import Card, Plan, Route, Unassigned, Visit, from_json, read_plan, to_json
from routing.records import Rejection, read_records


def small_plan(courier_name: str = "") -> Plan:
    cards = (Card(2, nik_for(1), "Siti", "Jl. Mawar 1, Ds. Sengon", "Sengon", "Jombang"),
             Card(3, nik_for(2), "Budi", "Jl. Mawar 1, Ds. Sengon", "Sengon", "Jombang"))
    visit = Visit(1, "S001", cards, LatLon(-7.535, 112.226), 8 * 3600, 360, 900, 4000, "coordinates", 12)
    route = Route("K01", MON_THU, 7 * 3600 + 1800, 9 * 3600, 8000, (visit,),
                  (LatLon(-7.553, 112.233), LatLon(-7.535, 112.226)), courier_name=courier_name)
    lost = Unassigned(Card(4, nik_for(3), "Eko", "Jl. Jauh", "Sengon", "Jombang"), "not_geocoded", "no match")
    bad = Rejection(5, "", "nik", "123", "invalid_nik", "x.csv, row 5: NIK must have 16 digits")
    return Plan(MONDAY, LatLon(-7.553, 112.233), 4, (route,), (lost,), (bad,))


def test_courier_name_travels_through_plan_json_to_the_sheet():
    plan = from_json(json.loads(json.dumps(to_json(small_plan("Budi <b>Santoso</b>")))))
    (route,) = plan.routes
    assert route.courier_name == "Budi <b>Santoso</b>" and route.label == "K01 (Budi <b>Santoso</b>)"
    html = render_sheet(plan, route)
    assert "K01 (Budi &lt;b&gt;Santoso&lt;/b&gt;)" in html and "<b>Santoso" not in html
    assert small_plan().routes[0].label == "K01"


def write_plan(folder, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.json").write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return folder


def _tree(folder):
    return {os.path.join(d, n) for d, _, names in os.walk(folder) for n in names}


@pytest.mark.parametrize("cid", ["../../x", "ABS", "a/b", "K" * 300, "${x}"], ids=["up", "abs", "slash", "long", "js"])
def test_cli_render_refuses_a_courier_id_that_is_not_a_plain_name(tmp_path, cid):
    if cid == "ABS":
        cid = str(tmp_path / "abs" / "path")
    data = to_json(small_plan())
    data["routes"][0]["courier_id"] = cid
    folder = write_plan(tmp_path / "day", data)
    before = _tree(tmp_path)
    line = one_line_error(run_cli("render", folder))
    assert "routes[0].courier_id" in line and "plan.json" in line
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["routes"][0]["visits"][0].update(arrival_s="08:00"), "arrival_s must be int"),
    (lambda d: d["routes"][0]["visits"][0].update(arrival_s=10**30), "within a day"),
    (lambda d: d["routes"][0]["visits"][0].update(lat=float("nan")), "NaN is not a number"),
    (lambda d: d["routes"][0]["visits"][0]["recipients"][0].update(urgent="no"), "urgent must be bool"),
    (lambda d: d["routes"][0].update(courier_name=5), "courier_name must be str"),
    (lambda d: d["rejected"][0].update(row="5"), "rejection row must be int"),
    (lambda d: d["rejected"][0].update(detail=None), "rejection detail must be str"),
    (lambda d: d["routes"].append(dict(d["routes"][0], courier_id="k01")), "same courier id"),
    (lambda d: d["routes"][0].update(shift=5), "not a plan written by ektp-route"),
    (lambda d: d.update(summary=[]), "not a plan written by ektp-route"),
])
def test_edited_plan_values_of_the_wrong_kind_are_one_line(tmp_path, edit, message):
    data = to_json(small_plan())
    edit(data)
    folder = write_plan(tmp_path / "day", json.dumps(data))
    with pytest.raises(InputError) as err:
        read_plan(folder / "plan.json")
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("text, message", [
    ("[]", "expected a JSON object"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    (json.dumps(to_json(small_plan())).replace('"Siti"', '"Si\\ud800ti"'), "recipients[0].nama"),
], ids=["list", "deep", "surrogate"])
def test_cli_render_unusable_plan_json_is_one_line(tmp_path, text, message):
    folder = write_plan(tmp_path / "day", text)
    assert message in one_line_error(run_cli("render", folder))


def test_control_characters_in_an_edited_plan_are_removed_before_drawing(tmp_path):
    data = to_json(small_plan("Bu\x1bdi"))
    data["routes"][0]["visits"][0]["recipients"][0]["address"] = "Jl. Mawar\x00 1\x08"
    folder = write_plan(tmp_path / "day", data)
    plan = read_plan(folder / "plan.json")
    assert plan.routes[0].courier_name == "Budi"
    out = draw(plan, folder)
    for g in out.gpx:
        ET.parse(g)
    assert "Jl. Mawar 1" in out.gpx[0].read_text(encoding="utf-8")


def test_plan_refuses_a_route_with_a_path_for_an_id():
    with pytest.raises(ValueError, match="courier id"):
        Route("../x", MON_THU, 7 * 3600 + 1800, 8 * 3600, 0, ())


def test_courier_name_heads_every_pdf_page(tmp_path):
    import pypdf

    out = draw(small_plan("Budi Santoso"), tmp_path / "day")
    pdf = next(p for p in out.pdfs if p.name == "K01.pdf")
    pages = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    assert pages and all("Kurir: K01 (Budi Santoso)" in text for text in pages)


DESA = list(VILLAGES) + ["Karangwinongan"]


@st.composite
def record_rows(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for k in range(n):
        serial = draw(st.integers(1, 30))  # small range: duplicates happen
        nik = draw(st.sampled_from([nik_for(serial), nik_for(serial, female=True), "3.51709E+15", "12345",
                                    "9917091507900003"]))
        desa = draw(st.sampled_from(DESA))
        centre = VILLAGES.get(desa, (ISLAND[2],))[0]
        coords = draw(st.sampled_from(["near", "none", "island", "swapped", "zero", "junk"]))
        lat, lon = {"near": (f"{centre.lat + draw(st.floats(-0.003, 0.003)):.6f}",
                             f"{centre.lon + draw(st.floats(-0.003, 0.003)):.6f}"),
                    "none": ("", ""), "island": (str(ISLAND[2].lat), str(ISLAND[2].lon)),
                    "swapped": (str(centre.lon), str(centre.lat)), "zero": ("0", "0"), "junk": ("x", "y")}[coords]
        rows.append([nik, draw(st.sampled_from(["Siti", "Nu'man", "<b>x</b>", ""])), f"Jl. {k % 4}",
                     str(k % 3), "1", draw(st.sampled_from(["", "Krajan", VILLAGES.get(desa, ((), ("",)))[1][0]])),
                     desa, "Jombang", draw(st.sampled_from(["", "3517090101000001", "3517090101000002"])), lat, lon,
                     draw(st.sampled_from(["", "1"]))])
    return rows


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=record_rows())
def test_every_row_accounted_exactly_once(tmp_path, demo_network, demo_files, rows):
    path = tmp_path / "p.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon",
                    "prioritas"])
        w.writerows(rows)
    rs = read_records(path)
    plan = plan_day(rs, demo_network, Settings(time_limit_s=1), dt.date(2026, 11, 30),
                    read_gazetteer(demo_files.gazetteer))
    s = plan.summary()
    assert s["cards_in"] == len(rows) == s["cards_planned"] + s["cards_unassigned"] + s["cards_rejected"]
    planned = [c.nik for r in plan.routes for v in r.visits for c in v.cards]
    assert len(planned) == len(set(planned))
    rows_seen = [c.row for r in plan.routes for v in r.visits for c in v.cards]
    rows_seen += [u.card.row for u in plan.unassigned] + [r.row for r in plan.rejected]
    assert sorted(rows_seen) == list(range(2, len(rows) + 2))


def test_the_reader_s_rejections_are_the_plan_s_own(demo_network):
    # One rejection type: the plan keeps what the reader made, and plan.json gives the same back.
    rs = read_records(DATA / "valid.csv")
    bad = Rejection(99, "123", "nik", "123", "invalid_nik", "x.csv, row 99: NIK must have 16 digits")
    plan = plan_day(dataclasses.replace(rs, rejected=(bad,)), demo_network, Settings(time_limit_s=1), MONDAY)
    assert plan.rejected == (bad,) and type(plan.rejected[0]) is Rejection
    assert from_json(json.loads(json.dumps(to_json(plan)))).rejected == (bad,)
