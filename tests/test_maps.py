"""Maps: what reaches a script is encoded for it, and a real headless Chromium (Debian's) opens the maps
with the network blocked, every field and courier id full of hostile text."""

import collections
import dataclasses
import json
import random
import re
import time

import numpy as np
import pytest
from branca.element import MacroElement
from conftest import (
    MONDAY,
    SHARED,
    card,
    hand_plan,
    nik_for,
    plan_args,
    records_csv,
    run_cli,
    unchecked_id,
    village_rows,
)

from maps.render import render_all
from maps.routes import Verbatim, colour, courier_map, js_string, overview_map
from maps.sheets import MAX_CHARS, render_sheet
from routing.config import DEFAULT_SPEEDS_KPH, Settings
from routing.files import safe_filename
from routing.geo import LatLon
from routing.pipeline import plan_day
from routing.plan import Review, Unassigned, from_json
from routing.records import Rejection, read_records
from routing.region import Region
from routing.roads.network import load_network
from routing.roads.streets import Street, Streets, streets_around

FLASH_RECORDER = """
window.__flashed = [];
new MutationObserver(function (changes) {
  changes.forEach(function (c) { if (c.target.classList && c.target.classList.contains('flash')) window.__flashed.push(c.target.id); });
}).observe(document.body, {attributes: true, subtree: true, attributeFilter: ['class']});
"""


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
    page.evaluate(FLASH_RECORDER)
    page.wait_for_timeout(500)
    return page, errors, dialogs, requests


def flashed(page, stop_id, timeout_s=10.0):
    """Whether the page records the flash of ``stop_id`` within ``timeout_s``.

    Polled from here, not with ``page.wait_for_function``: the pages forbid ``eval`` (their CSP), and
    Playwright's in-page polling evaluates a string expression again after the first try, which the CSP
    refuses when the first try comes too early (microsoft/playwright#7395, seen on a loaded machine).
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate("id => (window.__flashed || []).includes(id)", stop_id):
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(50)
    return True


def settled(page, timeout_s=5.0):
    """Wait until the page has stopped scrolling (a stop's card is scrolled to smoothly), as a courier's
    thumb waits for a still screen before the next tap."""
    deadline, last = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        now = page.evaluate("() => [window.scrollX, window.scrollY]")
        if now == last:
            return
        last = now
        page.wait_for_timeout(120)


def tap_marker(page, marker, stop_id):
    """Tap a stop's marker on a still page until its card flashes; at most a second tap.

    One tap in a full parallel test run (load 3, 2 cores) once never reached the page; a courier taps
    again. A marker that cannot be opened fails both taps.
    """
    for _ in range(2):
        settled(page)
        marker.click(timeout=3000)
        if flashed(page, stop_id, timeout_s=5.0):
            return
    raise AssertionError(f"{stop_id} never flashed after two taps")


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
                     rejected=(Rejection(9002, text, text, text, "bad_value", text),),
                     review=(Review(9003, text, text, text, "desa", text, text, text),))
    plan = dataclasses.replace(plan, routes=tuple(
        unchecked_id(dataclasses.replace(r, courier_id="K01", visits=tuple(
            dataclasses.replace(v, stop_id=hostile(k, p), note=hostile(k, p), precision=hostile(k, p))
            for v in r.visits)), p)
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
    result = run_cli(*plan_args(records, demo_files.network, out, "--couriers", "2"), cwd=tmp_path)
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
        n = MAX_CHARS["courier"]
        assert "K" * n + "\\u2026[dipotong]" in page  # in the script, as a JSON escape
        assert "K" * (n + 1) not in page


def test_no_brace_from_the_data_reaches_a_script():
    """branca compiles rendered scripts once more as Jinja templates: data must bring no braces."""
    text = "{{ lipsum.__globals__.os.getcwd() }} {% if 1 %}{# x"
    plan = hand_plan({text: [[card(1, address=text, nama=text)]]})
    page = overview_map(plan, banner=text) + courier_map(plan, plan.routes[0], 0, banner=text)
    assert "{{ lipsum" not in page and "{%" not in page and "{#" not in page
    # As HTML character references inside the JSON strings: popups, tooltips and layer names, both maps.
    assert page.count("\\u0026#123;\\u0026#123; lipsum") >= 5


def test_maps_are_what_brancas_own_rendering_draws(monkeypatch):
    """Verbatim only skips branca's second Jinja pass over rendered parts: with branca's own
    MacroElement.render the pages are the same, but for the elements' random ids."""
    text = "Jl. <b>'x'</b> & \u2028 {{ 7*7 }} `${x}`"
    plan = hand_plan({"K01": [[card(1, address=text, urgent=True)], [card(2)], [card(3)]],
                      "K02": [[card(4, nama=text)], [card(5)]]})
    route = plan.routes[0]
    at_one_point = tuple(dataclasses.replace(v, point=route.visits[0].point) for v in route.visits)
    plan = dataclasses.replace(plan, routes=(dataclasses.replace(route, visits=at_one_point), plan.routes[1]))
    depot = plan.depot
    streets = Streets((Street((depot, LatLon(depot.lat + 0.003, depot.lon + 0.003)), name=text),
                       Street((depot, LatLon(depot.lat + 0.002, depot.lon)))))

    def pages():
        return [*(courier_map(plan, r, k, text, streets) for k, r in enumerate(plan.routes)),
                overview_map(plan, text, streets)]

    ours = pages()
    monkeypatch.setattr(Verbatim, "render", MacroElement.render)
    theirs = pages()
    ids = re.compile(r"[0-9a-f]{32}")
    assert [ids.sub("ID", p) for p in ours] == [ids.sub("ID", p) for p in theirs]
    assert all("spread-leg" in p and "ektpStreets" in p for p in ours[:1] + ours[2:])


def test_js_string_leaves_nothing_that_ends_a_script_or_a_literal():
    for text in ("</script>", "<!--", "`${x}`", "\u2028\u2029", "'\"\\", "{{x}}", "&amp;"):
        out = js_string(text)
        assert not set(out) & set("<>&'{}\u2028\u2029") and out.startswith('"') and out.endswith('"')


# Streets from the road network, and stops that share a point (issue 12) ------------------------

def leaflet_map(page):
    """The folium map object's global name on a map page."""
    return page.evaluate("Object.keys(window).find(function (k) { return k.indexOf('map_') === 0; })")


def click_every_stop_marker(page, route, zoom=None):
    """Click each stop's marker as a user would (it must be the topmost thing under the pointer) and
    check its popup opens; with ``zoom``, the map is first centred on the stop's true point."""
    name = leaflet_map(page)
    for v in route.visits:
        if zoom is not None:
            page.evaluate(f"void {name}.setView([{v.point.lat}, {v.point.lon}], {zoom}, {{animate: false}})")
            page.wait_for_timeout(50)
        page.locator(".ektp-stop .stop-marker", has_text=re.compile(rf"^{v.seq}$")).click(timeout=3000)
        popup = page.locator(".leaflet-popup-content")
        assert popup.count() == 1 and f"Stop {v.seq}" in popup.text_content()
        page.evaluate(f"void {name}.closePopup()")
        page.wait_for_selector(".leaflet-popup", state="detached")  # it fades out first


def inked(page, pane):
    """Pixels drawn on the canvas of a map pane (the streets share one canvas; 0 if there is none)."""
    return page.evaluate("""(sel) => {
      var c = document.querySelector(sel);
      if (!c || !c.width || !c.height) return 0;
      var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, n = 0;
      for (var i = 3; i < d.length; i += 4) if (d[i]) n++;
      return n; }""", f".leaflet-{pane}-pane canvas")


def street_count(page):
    """Street lines on a folium map: Leaflet layers in the streets group, and whether its canvas shows them."""
    layers = page.evaluate("(function (m) { return m._ektpStreets ? m._ektpStreets.getLayers().length : 0; })"
                           f"({leaflet_map(page)})")
    return layers, inked(page, "ektpStreets") > 0


@pytest.fixture(scope="module")
def kediri_day(tmp_path_factory):
    """A day on the real Kota Kediri roads: 16 houses 15 m beside real roads (three of them, and one
    more, sharing one point as desa-located households do), planned for two couriers and drawn with
    the streets around the routes."""
    net = load_network(SHARED / "data" / "nearby" / "kota_kediri_rbi25k_roads.osm.bz2", DEFAULT_SPEEDS_KPH, None)
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    main = np.nonzero(net.main)[0]
    centre = (float(np.median(net.node_lat[main])), float(np.median(net.node_lon[main])))
    depot_node = main[np.argmin((net.node_lat[main] - centre[0]) ** 2 + (net.node_lon[main] - centre[1]) ** 2)]
    # Edges of the connected part within about 2 km of the office, long enough to stand a house beside.
    near = [e for e in range(net.n_edges) if net.main[tails[e]] and net.main[net.indices[e]]
            and net.length_dm[e] > 800
            and abs(net.node_lat[tails[e]] - net.node_lat[depot_node]) < 0.018
            and abs(net.node_lon[tails[e]] - net.node_lon[depot_node]) < 0.018]
    rng = random.Random(12)
    rows = []
    for k, e in enumerate(rng.sample(near, 13)):
        lo = net.geom_ptr[e]
        lat = (net.geom_lat[lo] + net.geom_lat[lo + 1]) / 2 + 15 / 111_320  # 15 m north of the road
        lon = (net.geom_lon[lo] + net.geom_lon[lo + 1]) / 2
        rows.append(dict(nik=nik_for(k + 1), nama=f"Warga {k}", alamat=f"Jl. Nyata No. {k}", rt="1", rw="1",
                         desa="Kediri", kecamatan="Kota", lat=f"{lat:.6f}", lon=f"{lon:.6f}"))
    for k in range(3):  # other households at the first one's point: one stop each, all at one point
        rows.append(dict(rows[0], nik=nik_for(50 + k), nama=f"Tetangga {k}", alamat=f"Gang Sempit {k}"))
    tmp = tmp_path_factory.mktemp("kediri")
    settings = Settings(time_limit_s=1, couriers=2, region=Region("Kota Kediri"),
                        depot=LatLon(float(net.node_lat[depot_node]), float(net.node_lon[depot_node])))
    plan = plan_day(read_records(records_csv(tmp / "in.csv", rows)), net, settings, MONDAY)
    assert plan.summary()["cards_planned"] == len(rows)
    streets = streets_around(net, plan)
    return plan, streets, render_all(plan, tmp / "out", streets=streets)


@pytest.mark.shared
def test_real_roads_courier_map_shows_streets_and_every_stop_opens(browser, kediri_day):
    plan, streets, out = kediri_day
    for route in plan.routes:
        page, errors, dialogs, requests = open_offline(browser, out.folder / "maps" / f"{route.courier_id}.html")
        layers, drawn = street_count(page)
        # Streets near the route are drawn as lines of their own, on a canvas under the route (one line).
        assert drawn and layers > 10 * page.locator(".leaflet-overlay-pane path").count() >= 10
        assert page.locator(".ektp-stop").count() == len(route.visits)
        click_every_stop_marker(page, route, zoom=18)
        assert not errors and not dialogs
        assert all(u.startswith(("file:", "data:", "https://tile.openstreetmap.org/")) for u in requests)
        page.close()
    page, errors, _, _ = open_offline(browser, out.folder / "maps" / "overview.html")
    assert street_count(page) == (len(streets), True) and len(streets) > 50
    for route in plan.routes:
        click_every_stop_marker(page, route, zoom=18)
    assert not errors
    page.close()


@pytest.mark.shared
def test_real_roads_stops_at_one_point_are_apart(browser, kediri_day):
    plan, _, out = kediri_day
    at = collections.Counter((v.point.lat, v.point.lon) for r in plan.routes for v in r.visits)
    shared = [(r, v) for r in plan.routes for v in r.visits if at[(v.point.lat, v.point.lon)] > 1]
    assert len(shared) == 4
    page, errors, _, _ = open_offline(browser, out.folder / "maps" / "overview.html")
    r0, v0 = shared[0]
    page.evaluate(f"void {leaflet_map(page)}.setView([{v0.point.lat}, {v0.point.lon}], 18, {{animate: false}})")
    boxes = []
    for r, v in shared:
        k = plan.routes.index(r)
        (marker,) = [m for m in page.locator(f".ektp-stop .stop-marker[style*='{colour(k)}']").all()
                     if m.inner_text() == str(v.seq)]
        boxes.append(marker.bounding_box())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert abs(a["x"] - b["x"]) >= 20 or abs(a["y"] - b["y"]) >= 20, (a, b)
    assert not errors
    page.close()


@pytest.mark.shared
def test_real_roads_courier_page_shows_streets_and_every_stop_opens(browser, kediri_day):
    plan, _, out = kediri_day

    route = plan.routes[0]
    page, errors, dialogs, _ = open_offline(browser, out.folder / "kurir" / f"{safe_filename(route.courier_id)}.html")
    lines = page.evaluate("JSON.parse(document.getElementById('ektp-data').textContent).streets.lines.length")
    assert inked(page, "streets") > 1000
    assert lines > 10 * page.locator(".leaflet-overlay-pane path").count() >= 10
    for v in route.visits:
        page.locator(f"#stop-{v.seq} h2").click()  # centres the map on the stop, zoom 17
        page.wait_for_timeout(100)
        # The highlight lasts 1.5 s; a busy machine can poll past it, so the change itself is recorded.
        tap_marker(page, page.locator(".stop-icon .num", has_text=re.compile(rf"^{v.seq}$")), f"stop-{v.seq}")
    assert not errors and not dialogs
    page.close()


@pytest.fixture(scope="module")
def one_point_day(tmp_path_factory, demo_network):
    """Seven households in one desa, six of them located at one point (as the gazetteer places them)."""
    rows = village_rows(7)
    for r in rows[1:6]:
        r.update(lat=rows[0]["lat"], lon=rows[0]["lon"])
    rows[6].update(lat=f"{float(rows[0]['lat']) + 0.004:.6f}")  # 450 m north: apart from the ring
    tmp = tmp_path_factory.mktemp("onepoint")
    plan = plan_day(read_records(records_csv(tmp / "in.csv", rows)), demo_network,
                    Settings(time_limit_s=1, couriers=1), MONDAY)
    return plan, render_all(plan, tmp / "out")


def test_stops_sharing_a_point_can_each_be_opened(browser, one_point_day):
    plan, out = one_point_day
    (route,) = plan.routes
    points = {(v.point.lat, v.point.lon) for v in route.visits}
    assert len(route.visits) == 7 and len(points) == 2  # six stops at one point, one elsewhere
    for path in (out.folder / "maps" / "K01.html", out.folder / "maps" / "overview.html"):
        page, errors, dialogs, _ = open_offline(browser, path)
        click_every_stop_marker(page, route)  # at the zoom the map opens with
        for zoom in (15, 19):
            click_every_stop_marker(page, route, zoom=zoom)
        assert not errors and not dialogs
        page.close()
    page, errors, dialogs, _ = open_offline(browser, out.folder / "kurir" / "K01.html")
    for v in route.visits:
        # The highlight lasts 1.5 s; a busy machine can poll past it, so the change itself is recorded.
        tap_marker(page, page.locator(".stop-icon .num", has_text=re.compile(rf"^{v.seq}$")), f"stop-{v.seq}")
    # The moved markers carry a leg back to the true point.
    assert page.locator(".stop-icon .leg").count() == 6
    assert not errors and not dialogs
    page.close()


def test_hostile_street_name_is_text_in_its_tooltip(browser, tmp_path, one_point_day):

    plan, _ = one_point_day
    route = plan.routes[0]
    p = route.visits[0].point
    evil = "".join(PAYLOADS)
    streets = Streets((Street((p, LatLon(p.lat + 0.001, p.lon + 0.001)), evil),
                       Street((p, LatLon(p.lat - 0.001, p.lon)), "")))
    path = tmp_path / "map.html"
    path.write_text(courier_map(plan, route, 0, "", streets), encoding="utf-8")
    page, errors, dialogs, _ = open_offline(browser, path)
    assert street_count(page) == (2, True)
    page.evaluate(f"{leaflet_map(page)}._ektpStreets.eachLayer(function (l) "
                  "{ if (l.getTooltip()) l.openTooltip(); })")
    assert page.locator(".leaflet-tooltip").text_content() == evil
    assert page.locator("img[src=x], [onerror], [onload]").count() == 0
    assert not errors and not dialogs
    page.close()
