"""A real headless Chromium (Debian's) opens the maps with the network blocked."""

import re

from conftest import XSS


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
    # Only map tiles were asked of the network; no script or style from a CDN.
    assert all("tile.openstreetmap.org" in u for u in requests if u.startswith("http"))
    page.close()


def test_hostile_address_is_text_not_code(browser, outputs):  # noqa: F811
    plan, out = outputs
    route, visit = next((r, v) for r in plan.routes for v in r.visits if XSS in v.cards[0].address)
    page, errors, dialogs, _ = open_offline(browser, out.folder / "maps" / f"{route.courier_id}.html")
    marker = page.locator(".ektp-stop .stop-marker", has_text=re.compile(rf"^{visit.seq}$"))
    marker.dispatch_event("click")
    page.wait_for_timeout(200)
    popup = page.locator(".leaflet-popup-content")
    assert XSS in popup.inner_text()
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert not dialogs and not errors
    page.close()
    page, errors, dialogs, _ = open_offline(browser, out.folder / "maps" / "overview.html")
    assert page.locator(".ektp-stop").count() == sum(len(r.visits) for r in plan.routes)
    assert page.locator("path.leaflet-interactive").count() == len(plan.routes)
    assert not errors and not dialogs
    page.close()
