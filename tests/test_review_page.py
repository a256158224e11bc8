"""The officer's review page in a real headless Chromium: move points, save, confirm, plan again."""

import csv
import dataclasses
import io
import json

import pytest
from conftest import HOSTILE, MONDAY, only_tiles, open_offline_page, read_download, run_cli

from maps.render import write_review_page
from maps.review_page import review_page
from routing.confirmed import REVIEW_COLUMNS, read_store
from routing.plan import read_plan


def item(page, address):
    return page.locator("#list li", has=page.locator(".address", has_text=address))


def new_point(li):
    """The point the page shows for a moved household."""
    text = li.locator(".point").inner_text()
    assert text.startswith("titik baru: "), text
    lat, lon = text.removeprefix("titik baru: ").split(", ")
    return float(lat), float(lon)


def drag(page, locator, dx, dy):
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
    page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()


def test_review_page_moves_points_that_confirm_remembers_and_the_next_plan_uses(browser, ledger_day, tmp_path):  # noqa: F811
    files, _, out = ledger_day
    plan = read_plan(out / "plan.json")
    keys = list(dict.fromkeys(r.key for r in plan.review))
    desa_level = next(r for r in plan.review if r.precision == "desa")  # planned at the desa centre
    not_found = next(r for r in plan.review if r.precision == "none")  # no point at all
    planned = {c.nik: v for r in plan.routes for v in r.visits for c in v.cards}
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    page, errors, dialogs, requests = open_offline_page(context, out / "review.html")
    assert page.locator("#list li").count() == len(keys)
    assert page.locator(".leaflet-marker-icon.review-icon").count() == sum(
        any(r.nik in planned for r in plan.review if r.key == k) for k in keys)

    # Drag the desa-level household's marker.
    li = item(page, desa_level.address)
    index = int(li.get_attribute("data-index"))
    marker = page.locator(".leaflet-marker-icon.review-icon", has_text=f"{index + 1}").first
    drag(page, marker, 80, -50)
    dragged = new_point(li)
    start = planned[desa_level.nik].point
    assert dragged != pytest.approx((start.lat, start.lon), abs=1e-5)
    # Choose the household nobody could locate, then click the map.
    target = item(page, not_found.address)
    assert "belum ada titik" in target.locator(".point").inner_text()
    target.click()
    map_box = page.locator("#map").bounding_box()
    page.mouse.click(map_box["x"] + map_box["width"] * 0.45, map_box["y"] + map_box["height"] * 0.55)
    clicked = new_point(target)
    assert page.locator(".leaflet-marker-icon.review-icon.moved").count() == 2

    # The moves survive a reload (kept in the browser until saved).
    page.reload()
    page.wait_for_timeout(300)
    assert new_point(item(page, desa_level.address)) == dragged
    assert new_point(item(page, not_found.address)) == clicked

    with page.expect_download() as got:
        page.locator("#save").click()
    download = got.value
    assert download.suggested_filename == "review_terkoreksi_2026-11-30.csv"
    rows = read_download(download)
    original = list(csv.reader(io.StringIO((out / "review.csv").read_text(encoding="utf-8-sig"), newline="")))
    assert rows[0] == original[0] == list(REVIEW_COLUMNS)
    assert len(rows) == len(original)
    lat_at, lon_at = REVIEW_COLUMNS.index("lat"), REVIEW_COLUMNS.index("lon")
    for row, orig in zip(rows[1:], original[1:]):
        point = {desa_level.key: dragged, not_found.key: clicked}.get(orig[-1])
        expected = list(orig)
        if point:
            expected[lat_at], expected[lon_at] = f"{point[0]:.7f}", f"{point[1]:.7f}"
        assert row == expected  # review.csv's rows, only lat/lon filled in for the moved households
    assert not errors and not dialogs and only_tiles(requests)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    context.close()

    store = tmp_path / "lokasi.csv"
    done = run_cli("confirm", saved, "--locations", store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 new and 0 changed confirmed locations" in done.stdout
    remembered = read_store(store)
    assert (remembered[desa_level.key].lat, remembered[desa_level.key].lon) == pytest.approx(dragged, abs=1e-7)
    assert (remembered[not_found.key].lat, remembered[not_found.key].lon) == pytest.approx(clicked, abs=1e-7)

    # The next plan puts both households at the confirmed points.
    again = run_cli("plan", files.records, "--network", files.network, "--gazetteer", files.gazetteer, "--locations", store, "--out", tmp_path / "next", "--date", MONDAY.isoformat(), "--deterministic", "-q", cwd=tmp_path)
    assert again.returncode == 4 and "Traceback" not in again.stderr, again.stderr  # the island stays unreachable
    data = json.loads((tmp_path / "next" / "plan.json").read_text())
    visits = {nik: v for r in data["routes"] for v in r["visits"] for nik in v["cards"]}
    for review, point in ((desa_level, dragged), (not_found, clicked)):
        v = visits[review.nik]
        assert v["precision"] == "confirmed"
        assert (v["lat"], v["lon"]) == pytest.approx(point, abs=1e-7)
    assert not any(u["nik"] == not_found.nik for u in data["unassigned"])


def test_hostile_text_is_shown_as_text(browser, ledger_day, tmp_path):  # noqa: F811
    _, _, out = ledger_day
    plan = read_plan(out / "plan.json")
    review = tuple(dataclasses.replace(r, desa=HOSTILE, dusun=HOSTILE, note=HOSTILE, key=f"{r.key}|{HOSTILE}",
                                       address=f"{HOSTILE} No. {k}") for k, r in enumerate(plan.review))
    plan = dataclasses.replace(plan, review=review)
    path = write_review_page(plan, tmp_path)
    assert path == tmp_path / "review.html"
    assert "<script>alert" not in review_page(plan)
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    page, errors, dialogs, requests = open_offline_page(context, path)
    first = page.locator("#list li").first
    assert first.locator(".address").text_content() == f"{HOSTILE} No. 0"
    assert first.locator(".place").text_content() == f"{HOSTILE} / {HOSTILE}"
    assert first.locator(".note").text_content() == HOSTILE
    assert page.locator("#list img, #list script").count() == 0
    assert page.locator("script").count() == 4
    marker = page.locator(".leaflet-marker-icon.review-icon").first
    drag(page, marker, 40, 40)
    with page.expect_download() as got:
        page.locator("#save").click()
    rows = read_download(got.value)
    moved = [r for r in rows[1:] if r[REVIEW_COLUMNS.index("lat")]]
    assert moved and all(r[2] == r[3] == r[6] == HOSTILE and r[-1].endswith(HOSTILE) for r in moved)
    page.wait_for_timeout(300)
    assert not errors and not dialogs and only_tiles(requests)
    context.close()
