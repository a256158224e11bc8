"""What the officer and the couriers get: private files, masked NIKs, escaped text, safe CSV cells."""

import csv
import dataclasses
import io
import json
import multiprocessing
import os
import re
import stat
import time
from pathlib import Path

import pypdf
import pytest
from conftest import XSS, card, hand_plan, nik_for

from maps import render
from maps.courier_page import courier_page
from maps.pdf import route_pdf
from maps.render import write_plan_json
from maps.sheets import render_sheet
from routing.errors import InputError
from routing.files import guard_cell
from routing.plan import read_plan


def test_outputs_are_owner_only(outputs):
    """Every folder and file under --out, at any depth, whatever the Outputs record lists."""
    _, out = outputs
    folders, files = [], []
    for root, dirs, names in os.walk(out.folder):
        folders += [os.path.join(root, d) for d in dirs]
        files += [os.path.join(root, n) for n in names]
    assert {os.path.basename(d) for d in folders} >= {"sheets", "maps", "gpx"}
    assert {os.path.relpath(f, out.folder) for f in files} >= {
        "plan.json", "routes.csv", "routes.gpkg", "sheets/K01.pdf", "sheets/all.pdf", "sheets/K01.html",
        "maps/K01.html", "maps/overview.html", "gpx/K01.gpx"}
    for f in files:
        assert stat.S_IMODE(os.lstat(f).st_mode) == 0o600, f
    for d in [out.folder, *folders]:
        assert stat.S_IMODE(os.lstat(d).st_mode) == 0o700, d


def test_sheet_masks_nik_and_escapes_names(outputs):
    plan, out = outputs
    (sheet,) = out.sheets
    text = sheet.read_text()
    for k in range(8):
        assert nik_for(k + 1) not in text
        assert f"{nik_for(k + 1)[:4]}********{nik_for(k + 1)[12:]}" in text
    assert XSS not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Nu&#39;man Syafi&#39;i Ñoño" in text
    assert "Lembar Rute Pengantaran e-KTP" in text and "Diterima oleh / Paraf" in text
    assert "Senin, 30 November 2026" in text


def test_maps_have_no_nik_no_name_and_escape_addresses(outputs):
    _, out = outputs
    for m in out.maps:
        text = m.read_text()
        assert not re.search(r"(?<![\w.])\d{16}(?!\w)", text)
        assert not any(nik_for(k + 1) in text for k in range(8))
        assert "Warga" not in text and "Ñoño" not in text
        assert XSS not in text
    overview = next(m for m in out.maps if m.name == "overview.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in overview or "\\u0026lt;img" in overview


def test_maps_draw_road_following_lines(outputs):
    plan, out = outputs
    route = plan.routes[0]
    assert len(route.geometry) > len(route.visits) + 2
    text = next(m for m in out.maps if m.name == "K01.html").read_text()
    assert "L.polyline" in text
    assert len(re.findall(r'stop-marker(?: urgent)?\\" style', text)) == len(route.visits)


def test_csv_cells_guarded_against_formulas(outputs):
    _, out = outputs
    routes_csv = next(p for p in out.csvs if p.name == "routes.csv")
    raw = routes_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    names = {r["nama"] for r in rows}
    assert "'=HYPERLINK(\"http://evil\",\"klik\")" in names
    assert all(r["lat"].startswith("-7.") for r in rows)  # negative numbers stay numbers


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+628123", "+628123"), ("+1+1", "'+1+1"), ("-7.56", "-7.56"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-cmd", "'-cmd"), ("Siti", "Siti"), (None, ""),
])
def test_guard_cell(value, expected):
    assert guard_cell(value) == expected


def test_the_plan_records_the_snap_warning_distance(outputs):
    plan, out = outputs
    assert plan.meta["snap_warn_m"] == 150
    assert json.loads(out.plan_json.read_text(encoding="utf-8"))["meta"]["snap_warn_m"] == 150


@pytest.mark.parametrize("meta, flagged", [({"snap_warn_m": 40}, True), ({"snap_warn_m": 150}, False),
                                           ({}, False), ({"snap_warn_m": "40"}, False)])
def test_a_stop_is_flagged_by_the_plans_snap_warning_distance(tmp_path, meta, flagged):
    """A stop 60 m from the road: flagged on the sheet, the PDF and the courier's page when the plan
    was made with ``snap_warn_m = 40``, not with 150 or in a plan that does not say (the default)."""
    plan = hand_plan({"K01": [[card(1)], [card(2)]]})
    route = plan.routes[0]
    far = dataclasses.replace(route.visits[1], snap_m=60)
    plan = dataclasses.replace(plan, routes=(dataclasses.replace(route, visits=(route.visits[0], far)),), meta=meta)
    plan = read_plan(write_plan_json(plan, tmp_path))  # drawn from plan.json, as `ektp-route render` does
    route = plan.routes[0]
    sheet = render_sheet(plan, route)
    pdf = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(route_pdf(plan, [route]))).pages)
    page = courier_page(plan, route)
    block = re.search(r'<script type="application/json" id="ektp-data">(.*?)</script>', page, re.S)
    assert block is not None
    stops = json.loads(block.group(1))["stops"]
    assert ("60 m dari jalan" in sheet) is flagged
    assert ("60 m dari jalan" in pdf) is flagged
    assert [s["snap_m"] for s in stops] == [0, 60 if flagged else 0]


def _pdf_pages(path):
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def test_pdf_sheets_drawn_beside_are_the_same(tmp_path, monkeypatch):
    """Where no other thread runs, draw() hands the PDF sheets to a forked process: the same files
    as when they are drawn in this one."""
    plan = hand_plan({"K01": [[card(1)], [card(2), card(3)]], "K02": [[card(4)]]})
    monkeypatch.setattr(render.threading, "active_count", lambda: 2)  # as under a progress bar: here
    here = render.render_all(plan, tmp_path / "here")
    monkeypatch.setattr(render.threading, "active_count", lambda: 1)
    forked = []
    real = render.multiprocessing.get_context

    def spy(method):
        forked.append(method)
        return real(method)

    monkeypatch.setattr(render.multiprocessing, "get_context", spy)
    beside = render.render_all(plan, tmp_path / "beside")
    assert forked == ["fork"]
    assert [p.name for p in beside.pdfs] == [p.name for p in here.pdfs] == ["K01.pdf", "K02.pdf", "all.pdf"]
    for a, b in zip(here.pdfs, beside.pdfs):
        assert _pdf_pages(a) == _pdf_pages(b)
        assert stat.S_IMODE(os.stat(b).st_mode) == 0o600


def test_an_error_drawing_pdfs_beside_is_raised_here(tmp_path, monkeypatch):
    def fail(plan, lang="id"):
        raise InputError("the sheets: font file gone")

    monkeypatch.setattr(render.threading, "active_count", lambda: 1)
    monkeypatch.setattr(render, "sheet_pdfs", fail)
    with pytest.raises(InputError, match="font file gone"):
        render.render_all(hand_plan({"K01": [[card(1)]]}), tmp_path / "out")
    assert multiprocessing.active_children() == []


def test_an_error_drawing_here_stops_the_pdfs_beside(tmp_path, monkeypatch):
    """An error here ends the run at once: the process drawing the sheets (here a minute long) is
    stopped, not waited for, and nothing is left running; it wrote nothing, since this process
    writes the sheets, last, after plan.json and everything else."""
    def fail(plan, folder, streets=None):
        raise InputError(f"{folder}/maps/K01.html: disk full")

    def slow(plan, lang="id"):
        time.sleep(60)
        return [], b""

    monkeypatch.setattr(render.threading, "active_count", lambda: 1)
    monkeypatch.setattr(render, "sheet_pdfs", slow)
    monkeypatch.setattr(render, "write_maps", fail)
    started = time.monotonic()
    with pytest.raises(InputError, match="K01.html: disk full"):
        render.render_all(hand_plan({"K01": [[card(1)]]}), tmp_path / "out")
    assert time.monotonic() - started < 30
    assert multiprocessing.active_children() == []
    assert (tmp_path / "out" / "plan.json").exists()
    assert not list((tmp_path / "out").glob("sheets/*.pdf"))


def test_plan_json_is_written_before_the_sheets(tmp_path, monkeypatch):
    """Every file drawn from a plan is written after plan.json, the PDF sheets (drawn beside) too."""
    written = []
    real = render.write_private

    def spy(path, data):
        written.append(Path(path).name)
        return real(path, data)

    monkeypatch.setattr(render.threading, "active_count", lambda: 1)
    monkeypatch.setattr(render, "write_private", spy)
    real_json = render.write_json
    monkeypatch.setattr(render, "write_json", lambda path, data: (written.append(Path(path).name), real_json(path, data))[1])
    render.render_all(hand_plan({"K01": [[card(1)]], "K02": [[card(2)]]}), tmp_path / "out")
    assert written[0] == "plan.json"
    assert {"K01.pdf", "K02.pdf", "all.pdf"} <= set(written)


def test_preparing_leaves_proj_to_after_the_fork():
    """The preparation runs in the process the sheets are forked from, so it must not open PROJ's
    database (geopandas, pyproj, pyogrio): PROJ's fork handler closes it in the copy and can wait
    for ever on SQLite's lock there (seen: a day's sheets hung in that handler)."""
    import subprocess
    import sys

    code = ("import sys, threading; import maps.render; from routing.outputs import Preview; "
            "maps.render.prepare(Preview((), (), threading.Event())); "
            "print(sorted(m for m in ('pyproj', 'pyogrio', 'geopandas', 'fiona', 'osgeo') if m in sys.modules)); "
            "print('fpdf' in sys.modules and 'folium' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]
