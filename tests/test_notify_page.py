"""The officer's notices page (``pemberitahuan.html``) in a real headless Chromium."""

import csv
import io
from urllib.parse import unquote

from conftest import HOSTILE, card, hand_plan, nik_for, open_offline_page

from maps.render import render_all


def notices_csv(folder):
    text = (folder / "pemberitahuan.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def day(tmp_path):
    plan = hand_plan({"K01": [[card(1, telepon="0812-3456-7890", nama="Nu'man Syafi'i")],
                              [card(2, telepon="+62 857 1111 2222", nama=HOSTILE, desa=HOSTILE)],
                              [card(3, telepon="(0321) 861234", nama=HOSTILE)],
                              [card(4, telepon=HOSTILE, urgent=True)]],
                      "K02": [[card(5, telepon="0813 2222 3333", urgent=True, nama="Siti")]]})
    render_all(plan, tmp_path)
    return tmp_path / "pemberitahuan.html", notices_csv(tmp_path)


def test_links_carry_the_csv_message_and_the_sent_mark_survives_a_reload(browser, tmp_path):
    path, rows = day(tmp_path)
    sendable = [r for r in rows if not r["reason"]]
    context = browser.new_context()
    page, errors, dialogs, requests = open_offline_page(context, path)
    items = page.locator("#send li")
    assert items.count() == len(sendable) == 3
    assert items.first.locator(".nama").text_content() == "Siti"  # urgent first
    for k, row in enumerate(sendable):
        li = items.nth(k)
        wa = li.locator("a.wa").get_attribute("href")
        digits = row["phone"].removeprefix("+")
        assert wa.startswith(f"https://wa.me/{digits}?text=")
        assert unquote(wa.split("?text=", 1)[1]) == row["message"]
        sms = li.locator("a.sms").get_attribute("href")
        assert sms.startswith(f"sms:{row['phone']}?body=") and unquote(sms.split("?body=", 1)[1]) == row["message"]
        assert li.locator(".message").text_content() == row["message"]
    assert page.locator("#count").text_content() == "0 dari 3 terkirim"
    items.nth(1).locator("input.sent-mark").check()
    assert page.locator("#count").text_content() == "1 dari 3 terkirim"
    page.reload()
    page.wait_for_timeout(300)
    items = page.locator("#send li")
    assert [items.nth(k).locator("input.sent-mark").is_checked() for k in range(3)] == [False, True, False]
    assert "sent" in items.nth(1).get_attribute("class")
    assert page.locator("#count").text_content() == "1 dari 3 terkirim"
    stored = page.evaluate("() => JSON.stringify(Object.assign({}, window.localStorage))")
    assert "ektp-route/pemberitahuan/2026-11-30" in stored
    assert "0812" not in stored and "857" not in stored and "Siti" not in stored  # a hash, no personal data
    # The ones that cannot be sent are listed apart with the reason; a landline can still be called.
    apart = page.locator("#apart li")
    assert apart.count() == 2
    assert apart.nth(0).locator(".reason").text_content() == "bukan satu nomor telepon"  # urgent first
    assert apart.nth(1).locator(".reason").text_content() == "bukan nomor HP (telepon rumah)"
    assert apart.nth(1).locator("a.tel").get_attribute("href") == "tel:+62321861234"
    assert not errors and not dialogs and set(requests) == {path.as_uri()}  # the page itself, twice
    context.close()


def test_hostile_text_is_shown_as_text_and_no_nik_is_on_the_page(browser, tmp_path):
    path, rows = day(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "<script>alert" not in text
    assert not any(nik_for(k) in text for k in range(1, 6))
    context = browser.new_context()
    page, errors, dialogs, requests = open_offline_page(context, path)
    shown = " ".join(HOSTILE.split())  # a name is one line in a message (U+2028 too)
    hostile = page.locator("#send li", has=page.locator(".nama", has_text="alert(1)"))
    assert hostile.locator(".nama").text_content() == shown
    assert f"Yth. Bapak/Ibu {shown}, " in hostile.locator(".message").text_content()
    assert f"Desa {shown} pada" in hostile.locator(".message").text_content()
    assert page.locator("#apart li").nth(0).locator(".typed").text_content() == HOSTILE
    assert page.locator("main img, main script").count() == 0
    assert page.locator("script").count() == 4  # Leaflet, the data, the helpers, the page: nothing injected
    assert not errors and not dialogs and requests == [path.as_uri()]
    context.close()


def test_without_storage_the_page_says_so_and_still_marks(browser, tmp_path):
    path, _ = day(tmp_path)
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(window, 'localStorage', {get() {"
                            " throw new DOMException('refused', 'SecurityError'); }});")
    page, errors, dialogs, requests = open_offline_page(context, path)
    assert page.locator("[data-warning=storage]").count() == 1
    assert "tanda Dikirim hilang" in page.locator("[data-warning=storage]").inner_text()
    page.locator("#send li").first.locator("input.sent-mark").check()
    assert page.locator("#count").text_content() == "1 dari 3 terkirim"
    assert page.locator("[data-warning=storage]").count() == 1  # said once
    assert not errors and not dialogs
    context.close()
