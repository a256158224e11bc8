"""Maps: what reaches a script is encoded for it, and a real headless Chromium (Debian's) opens the maps
with the network blocked, every field and courier id full of hostile text."""

import dataclasses
import json
import re

import pytest
from conftest import card, hand_plan

from maps.routes import courier_map, js_string, overview_map
from routing.plan import Rejected, Review, Unassigned, from_json
from routing.sheets import render_sheet


def open_offline(browser, path):
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors, dialogs, requests = [], [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def block(route):
        requests.append(route.request.url)
        if route.request.url.startswith(("http://", "https://")):
            route.abort()
        else:
            route.continue_()

    page.route("**/*", block)
    page.goto(path.as_uri())
    page.wait_for_timeout(500)
    return page, errors, dialogs, requests


def test_courier_map_draws_offline(browser, outputs):  # noqa: F811
    plan, out = outputs
    route = plan.routes[0]
    page, errors, dialogs, requests = open_offline(browser, out.folder / "maps" / "K01.html")
    assert not errors
    numbers = page.locator(".ektp-stop .stop-marker").all_inner_texts()
    assert numbers == [str(v.seq) for v in route.visits]
    assert page.locator(".ektp-depot").count() == 1
    (line,) = page.locator("path.leaflet-interactive").all()
    d = line.get_attribute("d")
    assert d.count("L") >= len(route.visits)  # many vertices: it follows the roads
    box = line.bounding_box()
    assert box["width"] > 50 and box["height"] > 50
    # The page did go to the network (for background tiles, blocked here), and only for tiles: no
    # script or style from a CDN. Without the first check an empty request log would pass.
    web = [u for u in requests if u.startswith(("http://", "https://"))]
    assert web and all(re.match(r"https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$", u) for u in web), web
    page.close()


#: Text that would run, break or change a page if it reached HTML, an attribute, a JavaScript
#: string or template literal, a URL or a Jinja template without the right encoding.
PAYLOADS = (
    "<script>alert(1)</script>", "${alert(1)}", "`", "</script><script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>", "javascript:alert(1)", "\u2028", "{{7*7}}",
    "<!--<script>", "\\", "'-alert(1)-'", "\u2029</p><svg onload=alert(1)>",
    # branca compiles rendered scripts as Jinja templates: this one would run Python, these would not compile.
    "{{ lipsum.__globals__.os.getcwd() }}", "{% if 1 %}", "{#",
)


def hostile(k, p):
    return f"X{k} {p} Y"


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    """Every text field of a plan, and every courier id, holds a payload; maps and sheets drawn from it.

    Courier ids are the bare payloads: the readers will refuse such ids in files, but the drawing
    code must be safe for any id it is given, so the plan is built directly.
    """
    tmp = tmp_path_factory.mktemp("hostile")
    routes = {}
    for k, p in enumerate(PAYLOADS):
        text = hostile(k, p)
        fields = dict(nama=text, address=text, desa=text, kecamatan=text, telepon=text)
        routes[p] = [[card(100 * k + 1, **fields), card(100 * k + 2, **fields)], [card(100 * k + 3, **fields)]]
    text = hostile(99, "".join(PAYLOADS))
    extra = card(9001, nama=text, address=text, desa=text, kecamatan=text, telepon=text)
    plan = hand_plan(routes, source=text, network=text, meta={"note": text},
                     unassigned=(Unassigned(extra, "not_geocoded", text),),
                     rejected=(Rejected(9002, text, text, text, "bad_value", text),),
                     review=(Review(9003, text, text, text, "desa", text, text, text),))
    plan = dataclasses.replace(plan, routes=tuple(
        dataclasses.replace(r, visits=tuple(dataclasses.replace(v, stop_id=hostile(k, p), note=hostile(k, p),
                                                                precision=hostile(k, p)) for v in r.visits))
        for k, (p, r) in enumerate(zip(PAYLOADS, plan.routes))))
    maps, sheets = [], []
    for k, route in enumerate(plan.routes):
        maps.append(tmp / f"map{k}.html")
        maps[-1].write_text(courier_map(plan, route, k, banner=hostile(k, PAYLOADS[k])), encoding="utf-8")
        sheets.append(tmp / f"sheet{k}.html")
        sheets[-1].write_text(render_sheet(plan, route), encoding="utf-8")
    overview = tmp / "overview.html"
    overview.write_text(overview_map(plan, banner=text), encoding="utf-8")
    return plan, maps, sheets, overview


@pytest.mark.parametrize("k", range(len(PAYLOADS)))
def test_payload_in_every_field_is_text_on_the_courier_map(browser, hostile_pages, k):
    plan, maps, _, _ = hostile_pages
    route, payload, text = plan.routes[k], PAYLOADS[k], hostile(k, PAYLOADS[k])
    assert route.courier_id == payload
    page, errors, dialogs, _ = open_offline(browser, maps[k])
    assert not errors and not dialogs
    assert page.locator(".ektp-stop .stop-marker").all_inner_texts() == ["1", "2"]  # not a blank map
    assert page.locator("path.leaflet-interactive").count() == 1
    assert page.locator(".synthetic-banner").text_content() == text
    for seq in ("1", "2"):
        page.locator(".ektp-stop .stop-marker", has_text=re.compile(rf"^{seq}$")).dispatch_event("click")
        page.wait_for_timeout(100)
        popup = page.locator(".leaflet-popup-content").last.text_content()  # the one before may be fading
        assert popup.startswith(f"{payload} - Stop {seq}") and text in popup
    page.locator(".ektp-terminal").dispatch_event("mouseover")
    page.wait_for_timeout(100)
    assert page.locator(".leaflet-tooltip", has_text="MULAI").text_content() == f"{payload} MULAI"
    assert page.locator("img[src=x], [onerror], [onload]").count() == 0
    assert not dialogs and not errors
    page.close()


def test_payloads_are_text_on_the_overview_map(browser, hostile_pages):
    plan, _, _, overview = hostile_pages
    page, errors, dialogs, _ = open_offline(browser, overview)
    assert not errors and not dialogs
    assert page.locator(".ektp-stop").count() == sum(len(r.visits) for r in plan.routes) == 2 * len(PAYLOADS)
    assert page.locator("path.leaflet-interactive").count() == len(PAYLOADS)
    labels = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert [label.removeprefix(" ") for label in labels] == [f"{p} (2 stop)" for p in PAYLOADS]
    assert page.locator("img[src=x], [onerror], [onload]").count() == 0
    page.close()


@pytest.mark.parametrize("k", range(len(PAYLOADS)))
def test_payload_in_every_field_is_text_on_the_sheet(browser, hostile_pages, k):
    plan, _, sheets, _ = hostile_pages
    payload, text = PAYLOADS[k], hostile(k, PAYLOADS[k])
    page, errors, dialogs, _ = open_offline(browser, sheets[k])
    assert not errors and not dialogs
    assert payload in page.title()
    assert page.locator(".meta b").nth(1).text_content() == payload
    cells = page.locator("table.stops tbody tr").first.locator("td").all_text_contents()
    assert cells[2] == text + text and cells[4] == text and cells[6] == text and cells[7] == text + text
    assert page.locator("img, svg, script").count() == 0
    page.close()


def test_payloads_through_the_real_command_reach_no_script(browser, tmp_path, demo_files):
    """The catalogue in every text column of a records file, planned by ``ektp-route plan``."""
    import csv
    import os
    import subprocess
    import sys

    from conftest import sengon_rows as rows

    header = ["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "lat", "lon", "keterangan", "telepon"]
    records = tmp_path / "kartu.csv"
    with open(records, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        for k, (r, p) in enumerate(zip(rows(len(PAYLOADS)), PAYLOADS)):
            text = hostile(k, p)
            w.writerow({**{c: r.get(c, "") for c in header}, "nama": text, "alamat": text, "dusun": text,
                        "desa": text, "kecamatan": text, "keterangan": text, "telepon": text})
    out = tmp_path / "out"
    result = subprocess.run(["ektp-route", "plan", str(records), "--network", str(demo_files.network), "--out",
                             str(out), "--date", "2026-11-30", "--time-limit", "1", "--couriers", "2", "-q"],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert result.returncode in (0, 4), result.stderr
    plan = from_json(json.loads((out / "plan.json").read_text()))
    assert plan.cards_planned >= len(PAYLOADS) - 2
    for k, route in enumerate(plan.routes):
        page, errors, dialogs, _ = open_offline(browser, out / "maps" / f"{route.courier_id}.html")
        assert not errors and not dialogs
        assert page.locator(".ektp-stop").count() == len(route.visits)
        for v in route.visits:
            page.locator(".ektp-stop .stop-marker", has_text=re.compile(rf"^{v.seq}$")).dispatch_event("click")
            page.wait_for_timeout(50)
            assert v.cards[0].address in page.locator(".leaflet-popup-content").last.text_content()
        page.close()
        page, errors, dialogs, _ = open_offline(browser, out / "sheets" / f"{route.courier_id}.html")
        names = page.locator("table.stops tbody tr td:nth-child(3)").all_text_contents()
        assert names == [c.nama for v in route.visits for c in v.cards]
        assert not errors and not dialogs and page.locator("img, svg, script").count() == 0
        page.close()
    page, errors, dialogs, _ = open_offline(browser, out / "maps" / "overview.html")
    assert not errors and not dialogs and page.locator(".ektp-stop").count() == plan.summary()["stops"]
    page.close()


def test_huge_address_and_courier_id_are_cut():
    plan = hand_plan({"K" * 5000: [[card(1, address="Pondok " * 15_000)], [card(2)]]})
    for page in (courier_map(plan, plan.routes[0], 0), overview_map(plan)):
        assert len(page) < 400_000  # Leaflet inlined is about 150 KB; the address is 105 KB
        assert "K" * 40 + "\\u2026[dipotong]" in page  # in the script, as a JSON escape
        assert "K" * 41 not in page


def test_no_brace_from_the_data_reaches_a_script():
    """branca compiles rendered scripts once more as Jinja templates: data must bring no braces."""
    text = "{{ lipsum.__globals__.os.getcwd() }} {% if 1 %}{# x"
    plan = hand_plan({text: [[card(1, address=text, nama=text)]]})
    page = overview_map(plan, banner=text) + courier_map(plan, plan.routes[0], 0, banner=text)
    assert "{{ lipsum" not in page and "{%" not in page and "{#" not in page
    # As HTML character references inside the JSON strings: popups, tooltips and layer names, both maps.
    assert page.count("\\u0026#123;\\u0026#123; lipsum") >= 5


def test_js_string_leaves_nothing_that_ends_a_script_or_a_literal():
    for text in ("</script>", "<!--", "`${x}`", "\u2028\u2029", "'\"\\", "{{x}}", "&amp;"):
        out = js_string(text)
        assert not set(out) & set("<>&'{}\u2028\u2029") and out.startswith('"') and out.endswith('"')
