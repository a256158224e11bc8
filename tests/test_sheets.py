"""HTML route sheets: big households over several rows, long text cut with a mark, printable in Chromium."""

import dataclasses
import io
import re

import pypdf
import pytest
from conftest import card, hand_plan, nik_for

from routing.nik import mask
from routing.sheets import clip, household_parts, render_sheet

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
