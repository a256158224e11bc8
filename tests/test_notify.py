"""Residents' notices: phones read, windows clipped, households ordered, the CSV, the notify setting."""

import csv
import dataclasses
import io
import os
import stat
from urllib.parse import unquote

import pytest
from conftest import MONDAY, card, hand_plan, nik_for, records_csv, village_rows

from maps.notify_page import NOTICE_COLUMNS, message, plan_notices
from maps.render import NOTICE_FILES, draw, render_all, write_notices
from routing.clock import Shift, format_clock, parse_clock
from routing.config import FRIDAY, MON_THU, Settings, load_settings
from routing.errors import InputError
from routing.notify import arrival_window, household_phone, read_phone
from routing.pipeline import plan_day
from routing.plan import SYNTHETIC_NOTE, read_plan
from routing.records import read_records


@pytest.mark.parametrize("typed, number", [
    ("081234567890", "+6281234567890"),
    ("0812-3456-7890", "+6281234567890"),
    ("0812 3456 7890", "+6281234567890"),
    ("0812.3456.789", "+628123456789"),
    ("(0812) 3456-7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("+62-857-1234-5678", "+6285712345678"),
    ("0062 812 3456 7890", "+6281234567890"),
    ("81234567890", "+6281234567890"),  # Excel dropped the 0
    (" 0813\u00a01111\u00a02222 ", "+6281311112222"),
    ("0812345678", "+62812345678"),  # shortest: 8 + 8 digits
])
def test_mobile_numbers_read_as_plus_62(typed, number):
    phone = read_phone(typed)
    assert phone.usable and phone.reason == ""
    assert phone.number == number
    assert phone.typed == typed


@pytest.mark.parametrize("typed, reason", [
    ("", "empty"),
    ("   ", "empty"),
    ("- -", "empty"),
    ("tidak ada", "not_a_number"),
    ("0812 3456 7890 / 0857 1111 2222", "not_a_number"),
    ("6.28123E+11", "not_a_number"),
    ("0812", "too_short"),
    ("08123456", "too_short"),
    ("+62 812", "too_short"),
    ("0812345678901234", "too_long"),
    ("+1 202 555 0100", "not_indonesian"),
    ("+60 12 345 6789", "not_indonesian"),
    ("0044 20 7946 0958", "not_indonesian"),
    ("12345678", "not_mobile"),
    ("5861234", "not_mobile"),  # a landline without its area code
    ("861234", "too_short"),  # read as a mobile number that lost its 0
    ("(0321) 861234", "not_mobile"),  # Jombang landline
    ("0321-861234", "not_mobile"),
    ("+62 321 861234", "not_mobile"),
    ("00", "not_indonesian"),
    ("0", "not_a_number"),
])
def test_unusable_phones_say_why(typed, reason):
    phone = read_phone(typed)
    assert not phone.usable
    assert phone.reason == reason


def test_a_landline_keeps_its_number_for_a_call():
    assert read_phone("(0321) 861234").number == "+62321861234"


def test_the_household_phone_is_the_first_mobile_among_its_cards():
    assert household_phone(("", "0321 861234", "0857 1111 2222")).number == "+6285711112222"
    assert household_phone(("", "0321 861234")).reason == "not_mobile"
    assert household_phone(("", "")).reason == "empty"


def hm(text):
    return parse_clock(text, "test")


def window(arrival, shift=MON_THU, error_s=1800):
    return tuple(format_clock(s) for s in arrival_window(hm(arrival), shift, error_s))


@pytest.mark.parametrize("arrival, shift, expected", [
    ("09:00", MON_THU, ("08:30", "09:30")),
    ("09:02", MON_THU, ("08:30", "09:35")),  # rounded outward to 5 minutes
    ("11:50", MON_THU, ("11:20", "12:00")),  # before the break: ends at its start
    ("11:59", MON_THU, ("11:25", "12:00")),
    ("13:00", MON_THU, ("13:00", "13:30")),  # after the break: starts at its end
    ("13:10", MON_THU, ("13:00", "13:40")),
    ("07:35", MON_THU, ("07:30", "08:05")),  # the shift's start
    ("15:50", MON_THU, ("15:20", "16:00")),  # the shift's end
    ("11:20", FRIDAY, ("10:50", "11:30")),  # Friday prayers: the break starts at 11:30
    ("13:05", FRIDAY, ("13:00", "13:35")),
    ("12:00", Shift(hm("08:00"), hm("16:00")), ("11:30", "12:30")),  # no break
])
def test_window_is_clipped_to_the_shift_and_never_crosses_the_break(arrival, shift, expected):
    assert window(arrival, shift) == expected


def test_window_holds_the_arrival_and_stays_on_its_side_of_the_break():
    for minute in range(7 * 60 + 30, 16 * 60 + 1):
        at = minute * 60
        start, end = arrival_window(at, MON_THU, 3600)
        # An arrival inside the break (a hand-edited plan) counts as at the break's end.
        in_break = MON_THU.break_start_s <= at < MON_THU.break_end_s
        assert start <= (MON_THU.break_end_s if in_break else at) <= end
        assert MON_THU.start_s <= start <= end <= MON_THU.end_s
        assert end <= MON_THU.break_start_s or start >= MON_THU.break_end_s


def test_a_wider_error_widens_the_window():
    assert window("10:00", error_s=3600) == ("09:00", "11:00")


def test_urgent_households_come_first_then_by_window():
    plan = hand_plan({"K01": [[card(1, telepon="0812 1111 1111")], [card(2, telepon="0812 2222 2222")],
                              [card(3, telepon="0812 3333 3333", urgent=True)]],
                      "K02": [[card(4, telepon="0812 4444 4444")], [card(5, telepon="", urgent=True)]]})
    found = plan_notices(plan)
    assert [n.nama for n in found] == ["Warga 3", "Warga 1", "Warga 4", "Warga 2", "Warga 5"]
    assert [n.urgent for n in found] == [True, False, False, False, True]  # the unusable one apart, last


HOSTILE_NAME = "=HYPERLINK(\"http://evil\",\"klik\")"


def read_csv(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    return text, list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_csv_holds_phone_name_desa_window_and_message_but_no_nik(tmp_path):
    household = [card(1, nama=HOSTILE_NAME, telepon="0812-3456-7890", desa="Jabon"), card(2, telepon="0857 0000 0000")]
    plan = hand_plan({"K01": [household, [card(3, telepon="(0321) 861234")], [card(4, telepon="")],
                              [card(5, telepon="+62 813 1111 2222", nama="Siti Aminah")]]})
    paths = render_all(plan, tmp_path).notices
    assert [p.name for p in paths] == list(NOTICE_FILES)
    for p in paths:
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    text, rows = read_csv(tmp_path / "pemberitahuan.csv")
    assert list(rows[0]) == list(NOTICE_COLUMNS)
    for k in range(1, 6):
        assert nik_for(k) not in text
        assert nik_for(k) not in (tmp_path / "pemberitahuan.html").read_text(encoding="utf-8")
    first, siti, landline, empty = rows
    assert first["phone"] == "+6281234567890" and first["reason"] == ""
    assert first["nama"] == "'" + HOSTILE_NAME  # the formula guard
    assert first["desa"] == "Jabon" and first["date"] == "2026-11-30"
    assert (first["window_from"], first["window_until"]) == ("07:30", "08:30")  # arrival 08:00, shift 07:30
    assert "Warga 2" not in text  # only the first card holder is named
    assert HOSTILE_NAME in first["message"] and "(dan 1 kartu lain di rumah ini)" in first["message"]
    assert "antara pukul 07:30 dan 08:30" in first["message"] and "Senin, 30 November 2026" in first["message"]
    assert siti["phone"] == "+6281311112222" and "Yth. Bapak/Ibu Siti Aminah," in siti["message"]
    assert (landline["reason"], landline["phone"], landline["typed"], landline["message"]) == (
        "not_mobile", "", "(0321) 861234", "")
    assert empty["reason"] == "empty" and empty["nama"] == "Warga 4"


def test_message_in_the_links_is_the_csv_message(tmp_path):
    plan = hand_plan({"K01": [[card(1, telepon="0812-3456-7890", nama="Nu'man & Ñoño")]]})
    (n,) = plan_notices(plan)
    from maps.notify_page import PAGE_LABELS, _item

    item = _item(plan, n, PAGE_LABELS["id"])
    assert item["wa"].startswith("https://wa.me/6281234567890?text=")
    assert unquote(item["wa"].split("?text=", 1)[1]) == message(plan, n)
    assert unquote(item["sms"].split("?body=", 1)[1]) == message(plan, n)
    assert "&" not in item["wa"].split("?text=", 1)[1]  # the name cannot add a parameter


def test_a_synthetic_plans_message_says_so():
    plan = hand_plan({"K01": [[card(1, telepon="0812-3456-7890")]]}, synthetic=True)
    (n,) = plan_notices(plan)
    assert message(plan, n).startswith(f"[{SYNTHETIC_NOTE}] Yth. Bapak/Ibu Warga 1,")
    assert message(dataclasses.replace(plan, synthetic=False), n).startswith("Yth. Bapak/Ibu Warga 1,")


def test_notify_setting_is_read_and_checked(tmp_path):
    (tmp_path / "c.toml").write_text("notify = false\narrival_error_p80_s = 2700\n", encoding="utf-8")
    s = load_settings(tmp_path / "c.toml")
    assert s.notify is False and s.arrival_error_p80_s == 2700
    assert Settings().notify is True and Settings().arrival_error_p80_s == 1800
    for text, match in (("notify = \"no\"", "notify must be true or false"),
                        ("arrival_error_p80_s = 600", "arrival_error_p80_s must be a whole number 1800"),
                        ("arrival_error_p80_s = 1800.5", "arrival_error_p80_s must be a whole number")):
        (tmp_path / "c.toml").write_text(text + "\n", encoding="utf-8")
        with pytest.raises(InputError, match=match):
            load_settings(tmp_path / "c.toml")


def test_notify_off_writes_nothing_and_removes_old_files_also_on_render(tmp_path):
    plan = hand_plan({"K01": [[card(1, telepon="0812-3456-7890")]]})
    assert len(render_all(plan, tmp_path).notices) == 2
    off = dataclasses.replace(plan, meta={"notify": False})
    assert render_all(off, tmp_path).notices == ()
    assert not any((tmp_path / name).exists() for name in NOTICE_FILES)
    # `ektp-route render` redraws from plan.json: the setting travels in meta.
    (tmp_path / "pemberitahuan.csv").write_text("old\n", encoding="utf-8")
    assert draw(read_plan(tmp_path / "plan.json"), tmp_path).notices == ()
    assert not (tmp_path / "pemberitahuan.csv").exists()
    assert write_notices(plan, tmp_path)  # an older plan without meta.notify gets its notices


def test_the_pipeline_records_the_settings_and_notices_follow_the_plan(tmp_path, demo_network):
    rows = village_rows(6, urgent=(5,))
    for k, r in enumerate(rows):
        r["telepon"] = f"0812 {k:04d} 1234" if k != 2 else "0321 861234"
    records = read_records(records_csv(tmp_path / "in.csv", rows, ["telepon"]))
    plan = plan_day(records, demo_network, Settings(time_limit_s=1, arrival_error_p80_s=2700), MONDAY)
    assert plan.meta["notify"] is True and plan.arrival_error_p80_s == 2700
    render_all(plan, tmp_path / "out")
    _, got = read_csv(tmp_path / "out" / "pemberitahuan.csv")
    planned = {c.nama: (r, v) for r in plan.routes for v in r.visits for c in v.cards}
    sendable = [g for g in got if not g["reason"]]
    assert len(sendable) == 5 and sendable[0]["nama"] == "Warga 5" and sendable[0]["urgent"] == "ya"
    for g in got:
        route, visit = planned[g["nama"]]
        start, end = hm(g["window_from"]), hm(g["window_until"])
        assert start <= visit.arrival_s <= end and end - start <= 2 * 2700 + 600
    assert [g["reason"] for g in got if g["reason"]] == ["not_mobile"]
    off = plan_day(records, demo_network, Settings(time_limit_s=1, notify=False), MONDAY)
    render_all(off, tmp_path / "out")
    assert not (tmp_path / "out" / "pemberitahuan.csv").exists()
    assert not (tmp_path / "out" / "pemberitahuan.html").exists()
