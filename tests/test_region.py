"""The office's region as a setting: validated, read from the config, taken from the network, recorded
in the plan, and used by locating, the review page and ``confirm``; on the real Sidoarjo network."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil

import pytest
from conftest import (
    HOSTILE,
    MONDAY,
    SHARED,
    card,
    hand_plan,
    one_line_error,
    only_tiles,
    open_offline_page,
    read_download,
    records_csv,
    run_cli,
    village_rows,
)

from maps.review_page import review_page
from routing.config import Settings, load_settings
from routing.confirmed import read_store, review_region
from routing.errors import InputError
from routing.pipeline import plan_day
from routing.plan import Review, from_json, read_plan, to_json
from routing.progress import SILENT
from routing.records import read_records
from routing.region import JOMBANG, JOMBANG_BBOX, NETWORK_PAD_DEG, Region
from routing.stops import locate_stops

NEARBY = SHARED / "data" / "nearby"
SIDOARJO_NET = NEARBY / "sidoarjo_rbi25k_roads.osm.bz2"
#: The Sidoarjo regency office (SOURCES.md), and Jombang's (the default depot): outside Sidoarjo.
SIDOARJO_OFFICE = (-7.4478, 112.7183)
JOMBANG_OFFICE = (-7.5530, 112.2330)

#: Names that must never reach a page, a CSV cell or a message as they are.
HOSTILE_NAMES = [HOSTILE, "<script>alert(1)</script>", 'Kabupaten "Sidoarjo"', "Kabupaten `id`", "Kota ${x}",
                 "Kabupaten\x07Sidoarjo", "Kabupaten\nSidoarjo", "Kota\u2028Kediri", "=HYPERLINK(\"x\")",
                 "K" * 100_000, "", "   ", " Kabupaten Sidoarjo", 42]


def one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    text = str(exc.value)
    assert "\n" not in text and "\r" not in text and "\u2028" not in text and len(text) < 400, text
    return text


# -- the value object -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_region_name_that_is_not_a_plain_name_is_refused_in_one_line(name):
    with pytest.raises(InputError) as exc:
        Region(name, (-7.6, 112.4, -7.3, 112.9))
    text = one_line(exc)
    assert text.startswith("region name ") and "\x07" not in text  # quoted with repr, cut short
    if name != "":  # an empty province is allowed: the query leaves it out
        with pytest.raises(InputError) as exc:
            Region("Kabupaten Sidoarjo", None, province=name)
        assert one_line(exc).startswith("region province ")


@pytest.mark.parametrize("name", ["Kabupaten Sidoarjo", "Kota Bau-Bau", "Kab. Toba Samosir", "Kota Ma'ruf (Uji)",
                                  "Kabupaten Pangkajene dan Kepulauan", "Kota Gunungsitoli/Nias"])
def test_real_region_names_are_accepted(name):
    assert Region(name).name == name


@pytest.mark.parametrize("bbox", [[-7.3, 112.4, -7.6, 112.9], [-7.6, 112.9, -7.3, 112.4], [-7.6, 112.4, -7.3],
                                  ["-7.6", 112.4, -7.3, 112.9], [True, 112.4, -7.3, 112.9], [-95, 112.4, -7.3, 112.9],
                                  [-7.6, 112.4, -7.3, 190], [float("nan"), 112.4, -7.3, 112.9], "-7.6,112.4,-7.3,112.9"])
def test_a_bad_box_is_refused_quoting_it(bbox):
    with pytest.raises(InputError) as exc:
        Region("Kabupaten Sidoarjo", bbox)
    text = one_line(exc)
    assert text.startswith("region bbox ") and repr(bbox)[:20] in text


def test_the_default_region_is_jombang_as_before():
    assert Settings().region == load_settings(None).region == JOMBANG
    assert JOMBANG.name == "Kabupaten Jombang" and JOMBANG.province == "Jawa Timur"
    assert JOMBANG.area == JOMBANG_BBOX == (-7.80, 112.04, -7.32, 112.48)
    assert JOMBANG.within((-7.0, 110.0, -6.0, 111.0)) is JOMBANG  # a box of its own: the network does not change it


def test_without_a_box_the_area_is_the_network_extent_padded():
    region = Region("Kabupaten Sidoarjo").within((-7.5748, 112.4570, -7.3366, 112.8452))
    assert region.area == pytest.approx((-7.5748 - NETWORK_PAD_DEG, 112.4570 - NETWORK_PAD_DEG,
                                         -7.3366 + NETWORK_PAD_DEG, 112.8452 + NETWORK_PAD_DEG))
    with pytest.raises(ValueError):
        Region("Kabupaten Sidoarjo").area  # noqa: B018 -- never asked before a network gives it


# -- the config file --------------------------------------------------------------------------------

def config(tmp_path, text):
    path = tmp_path / "kantor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_region_name_province_and_box(tmp_path):
    s = load_settings(config(tmp_path, '[region]\nname = "Kabupaten Sidoarjo"\nprovince = "Jawa Timur"\n'
                                       "bbox = [-7.60, 112.43, -7.31, 112.87]\n"))
    assert s.region == Region("Kabupaten Sidoarjo", (-7.60, 112.43, -7.31, 112.87), "Jawa Timur")
    # An office that names its region is not headed as Jombang's.
    assert s.office_name == "Dispendukcapil Kabupaten Sidoarjo"
    s = load_settings(config(tmp_path, 'office_name = "Dinas Kependudukan Sidoarjo"\n'
                                       '[region]\nname = "Kabupaten Sidoarjo"\n'))
    assert s.region == Region("Kabupaten Sidoarjo") and s.region.bbox is None and s.region.province == ""
    assert s.office_name == "Dinas Kependudukan Sidoarjo"


@pytest.mark.parametrize("text, expected", [
    ("[region]\nname = \"Kabupaten Sidoarjo\"\nbbox = [-7.31, 112.43, -7.60, 112.87]\n",
     "region.bbox needs -90 <= south < north <= 90 (south first, then west, north, east), "
     "got [-7.31, 112.43, -7.6, 112.87]"),
    ("[region]\nname = \"Kabupaten Sidoarjo\"\nbbox = [-7.6, 112.4]\n",
     "region.bbox must be [south, west, north, east] in degrees, e.g. [-7.60, 112.43, -7.31, 112.87], "
     "got [-7.6, 112.4]"),
    ("[region]\nname = \"Kabupaten Sidoarjo\"\nbbox = \"-7.6,112.4,-7.3,112.9\"\n", "got '-7.6,112.4,-7.3,112.9'"),
    ("[region]\nname = \"Kabupaten <script>alert(1)</script>\"\n",
     "region.name may hold letters, digits, spaces and . , ' ( ) - / only, not '<>'"),
    ("[region]\nname = \"Kabupaten\\u0007Sidoarjo\"\n", "'Kabupaten\\x07Sidoarjo'"),
    ("[region]\nprovince = \"Jawa Timur\"\n", "region: missing name (e.g. name = \"Kabupaten Sidoarjo\")"),
    ("[region]\nname = \"Kabupaten Sidoarjo\"\nbox = [1, 2, 3, 4]\n", "region: unknown key(s) ['box']"),
    ("region = \"Kabupaten Sidoarjo\"\n", "region: expected a table [region] with name = \"Kabupaten ...\""),
])
def test_a_bad_region_in_the_config_is_one_line_naming_the_file_and_value(tmp_path, text, expected):
    path = config(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_settings(path)
    message = one_line(exc)
    assert message.startswith(f"{path}: region") and expected in message, message


def test_a_100_kb_region_name_is_refused_at_config_load_in_a_short_line(tmp_path):
    path = config(tmp_path, f'[region]\nname = "Kabupaten {"x" * 100_000}"\n')
    with pytest.raises(InputError) as exc:
        load_settings(path)
    assert "longer than 80 characters" in one_line(exc)


def test_a_hostile_region_name_in_the_config_stops_confirm_in_one_line(tmp_path):
    review = tmp_path / "review.csv"
    review.write_text("row,nik,lat,lon,key\n2,x,-7.45,112.70,a|b\n", encoding="utf-8")
    path = config(tmp_path, '[region]\nname = "</script><script>alert(1)</script> ${x} `y`"\n')
    line = one_line_error(run_cli("confirm", review, "--config", path, "--locations", tmp_path / "s.csv",
                                  cwd=tmp_path))
    assert str(path) in line and "region.name" in line
    assert not (tmp_path / "s.csv").exists()


# -- locating stops ---------------------------------------------------------------------------------

def test_stops_are_checked_against_the_region_alone_not_joined_with_jombang(tmp_path, demo_network):
    """A point in Kabupaten Jombang but outside the office's region is refused, with a note naming it.

    Under the old union with Jombang's box it counted as typed coordinates, then lay 20 km from any road.
    """
    rows = village_rows(2)
    rows[1].update(lat="-7.400000", lon="112.400000", desa="Kabuh", alamat="Jl. Jauh 1")  # in Jombang's box only
    records = read_records(records_csv(tmp_path / "in.csv", rows))
    settings = Settings(time_limit_s=1, region=Region("Kota Uji"))  # area: the demo network's extent
    located = locate_stops(records, demo_network, settings, None, None, None, SILENT)
    assert located.region.area == Region("Kota Uji").within(demo_network.bbox).area
    assert not located.region.area[0] <= -7.40 <= located.region.area[2]
    (far,) = located.unassigned
    assert far.card.row == 3 and far.reason == "not_geocoded"
    assert "coordinates -7.4, 112.4 are outside Kota Uji" in far.detail
    assert [s.location.precision for s in located.stops] == ["coordinates"]
    # The default region is Jombang's box, as before: the same point is inside it.
    assert locate_stops(records, demo_network, Settings(), None, None, None, SILENT).region == JOMBANG


def test_a_network_outside_the_region_is_warned_about(tmp_path, demo_network):
    warned = []

    class Recorder:
        def note(self, message):
            pass

        def warn(self, message):
            warned.append(message)

    records = read_records(records_csv(tmp_path / "in.csv", village_rows(1)))
    sidoarjo = Region("Kabupaten Sidoarjo", (-7.60, 112.43, -7.31, 112.87))
    locate_stops(records, demo_network, Settings(region=sidoarjo), None, None, None, Recorder())
    assert len(warned) == 1 and "lies outside the region Kabupaten Sidoarjo" in warned[0] and "[region]" in warned[0]
    warned.clear()
    locate_stops(records, demo_network, Settings(), None, None, None, Recorder())
    assert warned == []


# -- the plan records its region ----------------------------------------------------------------------

def test_the_plan_records_its_region_and_older_plans_read_as_jombang(tmp_path, demo_network):
    records = read_records(records_csv(tmp_path / "in.csv", village_rows(3)))
    plan = plan_day(records, demo_network, Settings(time_limit_s=1), MONDAY)
    assert plan.meta["region"] == {"name": "Kabupaten Jombang", "province": "Jawa Timur", "bbox": list(JOMBANG_BBOX)}
    uji = plan_day(records, demo_network, Settings(time_limit_s=1, region=Region("Kota Uji")), MONDAY)
    assert from_json(json.loads(json.dumps(to_json(uji)))).region == Region("Kota Uji").within(demo_network.bbox)
    older = to_json(uji)
    del older["meta"]["region"]
    assert from_json(older).region == JOMBANG


@pytest.mark.parametrize("region, field", [
    ({"name": HOSTILE, "bbox": [-7.6, 112.4, -7.3, 112.9]}, "meta.region.name"),
    ({"name": "Kabupaten Sidoarjo", "bbox": [-7.3, 112.4, -7.6, 112.9]}, "meta.region.bbox"),
    ({"name": "Kabupaten Sidoarjo"}, "meta.region.bbox must be [south, west, north, east]"),
    ("Kabupaten Sidoarjo", "meta.region must be an object"),
])
def test_a_hand_edited_plan_region_stops_render_in_one_line(tmp_path, region, field):
    plan = hand_plan({"K01": [[card(2)]]})
    data = to_json(dataclasses.replace(plan, meta={"region": JOMBANG.to_json()}))
    data["meta"]["region"] = region
    (tmp_path / "plan.json").write_text(json.dumps(data), encoding="utf-8")
    line = one_line_error(run_cli("render", tmp_path, cwd=tmp_path))
    assert str(tmp_path / "plan.json") in line and field in line
    assert not (tmp_path / "review.html").exists()


# -- the review page --------------------------------------------------------------------------------

def page_data(html):
    (text,) = re.findall(r'<script type="application/json" id="ektp-data">(.*?)</script>', html, re.S)
    return json.loads(text)


def test_the_review_page_checks_and_names_the_plans_region():
    review = (Review(2, "3515011506900001", "Lebo", "", "desa", "located at desa level", "Jl. Lebo 1", "jl lebo 1"),)
    kediri = Region("Kota Ma'ruf (Uji)", (-7.87, 111.96, -7.77, 112.08))
    plan = hand_plan({"K01": [[card(2)]]}, review=review, meta={"region": kediri.to_json()})
    for lang, words in (("id", "di luar Kota Ma'ruf (Uji): confirm akan menolaknya"),
                        ("en", "outside Kota Ma'ruf (Uji): confirm will refuse it")):
        html = review_page(plan, lang)
        data = page_data(html)
        assert data["bbox"] == [-7.87, 111.96, -7.77, 112.08] and data["labels"]["outside"] == words
        assert "Jombang" not in html
    older = page_data(review_page(hand_plan({"K01": [[card(2)]]}, review=review)))
    assert older["bbox"] == list(JOMBANG_BBOX) and older["labels"]["outside"].startswith("di luar Kabupaten Jombang:")


# -- the real Sidoarjo network ----------------------------------------------------------------------

def _gazetteer(path):
    """The Kemendagri desa centroids of Sidoarjo as the office's gazetteer (kecamatan, desa, dusun, lat, lon);
    returns those of Kecamatan Sidoarjo by name (desa names repeat across kecamatan)."""
    with open(NEARBY / "desa_centroids_kemendagri_3515.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["kecamatan", "desa", "dusun", "lat", "lon"])
        w.writerows((r["nama_kec"], r["nama"], "", r["lat"], r["lng"]) for r in rows)
    return {r["nama"]: (r["nama_kec"], float(r["lat"]), float(r["lng"])) for r in rows if r["nama_kec"] == "Sidoarjo"}


@pytest.fixture(scope="module")
def sidoarjo_day(tmp_path_factory):
    """A Sidoarjo office's day planned by ``ektp-route plan`` on the real network: two households by
    typed coordinates, four by desa name (the gazetteer), so four households in review.csv (Lebo and
    Jati once each; Suko and Kemiri also as far from a road).

    The config names the region without a box: its area is the network's extent.
    """
    tmp = tmp_path_factory.mktemp("sidoarjo")
    desa = _gazetteer(tmp / "gazetteer.csv")
    rows = []
    for k, name in enumerate(["Pekauman", "Sidokumpul", "Lebo", "Suko", "Jati", "Kemiri"], start=1):
        kec, lat, lon = desa[name]
        typed = k <= 2
        rows.append(dict(nik=f"3515011506900{k:03d}", nama=f"Warga {k}", alamat=f"Jl. {name} No. {k}", rt="1",
                         rw="2", desa=name, kecamatan=kec, lat=f"{lat:.6f}" if typed else "",
                         lon=f"{lon:.6f}" if typed else ""))
    records_csv(tmp / "kartu.csv", rows)
    (tmp / "sidoarjo.toml").write_text(f"depot = [{SIDOARJO_OFFICE[0]}, {SIDOARJO_OFFICE[1]}]\n"
                                       '[region]\nname = "Kabupaten Sidoarjo"\nprovince = "Jawa Timur"\n',
                                       encoding="utf-8")
    done = run_cli("plan", "kartu.csv", "--network", SIDOARJO_NET, "--gazetteer", "gazetteer.csv", "--config", "sidoarjo.toml", "--out", "rute", "--date", MONDAY.isoformat(), "--time-limit", 1, "--solver-workers", 1, "-q", cwd=tmp)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return tmp, desa


def _copy(sidoarjo_day, tmp_path):
    src, desa = sidoarjo_day
    shutil.copytree(src / "rute", tmp_path / "rute")
    shutil.copy(src / "sidoarjo.toml", tmp_path / "sidoarjo.toml")
    return tmp_path / "rute", desa


def _fill(review, points):
    """Type ``points`` (by desa) into ``review``'s lat/lon as the officer would; return the rows' numbers."""
    with open(review, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    filled = {}
    for n, row in enumerate(rows, start=2):
        if row["desa"] in points:
            row["lat"], row["lon"] = (f"{x:.7f}" for x in points[row["desa"]])
            filled[row["desa"]] = (n, row["key"])
    with open(review, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return filled


@pytest.mark.shared
def test_sidoarjo_plan_records_the_region_from_the_network_and_locates_inside_it(sidoarjo_day):
    tmp, _ = sidoarjo_day
    plan = read_plan(tmp / "rute" / "plan.json")
    s, w, n, e = plan.region.area
    assert plan.region.name == "Kabupaten Sidoarjo" and plan.office_name == "Dispendukcapil Kabupaten Sidoarjo"
    # The network's extent (SOURCES.md: S -7.5748, W 112.4570, N -7.3366, E 112.8452), padded.
    assert (s, w, n, e) == pytest.approx((-7.5948, 112.4370, -7.3168, 112.8652), abs=2e-4)
    assert not (w <= JOMBANG_OFFICE[1] <= e)
    precisions = sorted(v.precision for r in plan.routes for v in r.visits)
    assert precisions == ["coordinates", "coordinates", "desa", "desa", "desa", "desa"]
    assert {r.desa for r in plan.review} == {"Jati", "Kemiri", "Lebo", "Suko"}  # some also far from a road
    data = page_data((tmp / "rute" / "review.html").read_text(encoding="utf-8"))
    assert data["bbox"] == [s, w, n, e] and data["labels"]["outside"].startswith("di luar Kabupaten Sidoarjo:")


@pytest.mark.shared
def test_sidoarjo_corrections_inside_it_are_stored_by_confirm(sidoarjo_day, tmp_path):
    out, desa = _copy(sidoarjo_day, tmp_path)
    points = {name: (desa[name][1] + 0.0006, desa[name][2] - 0.0004) for name in ("Lebo", "Suko", "Jati", "Kemiri")}
    filled = _fill(out / "review.csv", points)
    store = tmp_path / "lokasi.csv"
    # No --config: the region is the one the plan beside review.csv was made with.
    done = run_cli("confirm", out / "review.csv", "--locations", store, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "4 new and 0 changed confirmed locations" in done.stdout
    remembered = read_store(store)
    for name, (_, key) in filled.items():
        assert (remembered[key].lat, remembered[key].lon) == pytest.approx(points[name], abs=1e-7)


@pytest.mark.shared
def test_sidoarjo_a_correction_outside_it_is_refused_in_one_line_naming_the_region(sidoarjo_day, tmp_path):
    out, desa = _copy(sidoarjo_day, tmp_path)
    inside = (desa["Lebo"][1] + 0.0006, desa["Lebo"][2])
    filled = _fill(out / "review.csv", {"Lebo": inside, "Jati": JOMBANG_OFFICE})
    store = tmp_path / "lokasi.csv"
    done = run_cli("confirm", out / "review.csv", "--locations", store, cwd=tmp_path)
    assert done.returncode == 4 and "Traceback" not in done.stderr + done.stdout
    (line,) = done.stderr.splitlines()
    row = filled["Jati"][0]
    assert line.startswith(f"ektp-route: skipped: {out / 'review.csv'}, row {row}, column 'lat', "
                           "value '-7.5530000,112.2330000': outside Kabupaten Sidoarjo (south -7.5948"), line
    assert "Jombang" not in line
    assert "1 new and 0 changed confirmed locations" in done.stdout
    assert list(read_store(store)) == [filled["Lebo"][1]]


@pytest.mark.shared
def test_sidoarjo_review_copied_away_takes_the_region_from_plan_or_config(sidoarjo_day, tmp_path):
    out, desa = _copy(sidoarjo_day, tmp_path)
    _fill(out / "review.csv", {"Jati": (desa["Jati"][1], desa["Jati"][2] + 0.0005)})
    away = tmp_path / "Downloads" / "review_terkoreksi.csv"
    away.parent.mkdir()
    shutil.move(out / "review.csv", away)
    store = tmp_path / "lokasi.csv"
    # The config names the region without a box, and no plan says which area: one line saying what to give.
    line = one_line_error(run_cli("confirm", away, "--config", "sidoarjo.toml", "--locations", store, cwd=tmp_path))
    assert "region Kabupaten Sidoarjo has no bbox" in line and "--plan" in line and not store.exists()
    planned = read_plan(out / "plan.json").region
    assert review_region(away, Region("Kabupaten Sidoarjo"), out / "plan.json") == Region("Kabupaten Sidoarjo",
                                                                                          planned.area)
    for extra in (["--plan", out / "plan.json"], ["--config", "sidoarjo.toml", "--plan", out / "plan.json"]):
        done = run_cli("confirm", away, "--locations", store, *extra, cwd=tmp_path)
        assert done.returncode == 0 and done.stderr == "", done.stderr
    # Neither: the default region, Jombang's, refuses it, and says how to name the office's.
    done = run_cli("confirm", away, "--locations", tmp_path / "other.csv", cwd=tmp_path)
    assert done.returncode == 4 and "Traceback" not in done.stderr
    skipped, hint = done.stderr.splitlines()
    assert "outside Kabupaten Jombang" in skipped and "--plan" in hint and "--config" in hint


@pytest.mark.shared
def test_sidoarjo_review_page_marks_a_moved_marker_inside_as_inside(browser, sidoarjo_day, tmp_path):
    out, _ = _copy(sidoarjo_day, tmp_path)
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    page, errors, dialogs, requests = open_offline_page(context, out / "review.html")
    marker = page.locator(".leaflet-marker-icon.review-icon").first
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y + 20, steps=5)
    page.mouse.move(x + 60, y + 40, steps=5)
    page.mouse.up()
    moved = page.locator("#list li.moved")
    assert moved.count() == 1 and moved.locator(".point").inner_text().startswith("titik baru: ")
    assert moved.locator(".warn").inner_text() == ""  # Jombang's box would call every Sidoarjo point outside
    with page.expect_download() as got:
        page.locator("#save").click()
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    assert len([r for r in read_download(got.value)[1:] if r[7]]) == 1
    assert not errors and not dialogs and only_tiles(requests)
    context.close()
    done = run_cli("confirm", saved, "--plan", out / "plan.json", "--locations", tmp_path / "s.csv", cwd=tmp_path)
    assert done.returncode == 0 and "1 new" in done.stdout, done.stderr
