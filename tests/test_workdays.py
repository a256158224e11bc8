"""Working days: weekends, Indonesian public holidays and cuti bersama, and the next working day."""

import datetime as dt

import pytest

from routing.workdays import day_off_reason, day_off_warning, delivery_day, is_working_day, next_working_day

D = dt.date


@pytest.mark.parametrize("day, reason", [
    (D(2026, 11, 28), "Sabtu"),
    (D(2026, 11, 29), "Minggu"),
    (D(2026, 8, 17), "Kemerdekaan"),                 # a Monday
    (D(2026, 3, 20), "Cuti Bersama Hari Raya Idul Fitri"),   # a Friday of joint leave
    (D(2026, 3, 22), "Minggu; Hari kedua dari Hari Raya Idul Fitri"),
    (D(2026, 12, 25), "Natal"),
    (D(2027, 1, 1), "Tahun Baru"),
])
def test_days_off_say_why(day, reason):
    assert not is_working_day(day)
    assert reason in day_off_reason(day)


@pytest.mark.parametrize("day", [D(2026, 11, 30), D(2026, 12, 4), D(2026, 3, 25), D(2026, 8, 18)])
def test_ordinary_weekdays_are_working_days(day):
    assert is_working_day(day) and day_off_reason(day) is None and next_working_day(day) == day
    assert day_off_warning(day) is None


@pytest.mark.parametrize("day, expected", [
    (D(2026, 11, 28), D(2026, 11, 30)),   # weekend -> Monday
    (D(2026, 3, 19), D(2026, 3, 25)),     # Nyepi, cuti bersama, Lebaran, weekend, cuti bersama
    (D(2026, 12, 24), D(2026, 12, 28)),   # cuti bersama Natal, Natal, weekend
    (D(2026, 8, 15), D(2026, 8, 18)),     # weekend, then Independence Day
])
def test_next_working_day_skips_every_day_off(day, expected):
    assert next_working_day(day) == expected


def test_warning_names_the_day_the_reason_and_the_next_working_day():
    text = day_off_warning(D(2026, 8, 17))
    assert text == ("2026-08-17 (Senin) is not a working day (Hari Kemerdekaan Republik Indonesia); "
                    "the next working day is 2026-08-18 (Selasa)")


SUNDAY, MONDAY = D(2026, 11, 29), D(2026, 11, 30)


@pytest.mark.parametrize("asked, today, day, warning", [
    (None, MONDAY, MONDAY, None),                                    # a working day: today, quietly
    (None, SUNDAY, MONDAY, "2026-11-29 (Minggu) is not a working day (Minggu); the next working day is "
                           "2026-11-30 (Senin); planning for 2026-11-30"),
    (None, D(2026, 3, 19), D(2026, 3, 25), "planning for 2026-03-25"),  # Nyepi to after Lebaran
    (SUNDAY, MONDAY, SUNDAY, "2026-11-29 (Minggu) is not a working day"),  # asked for: planned, with a warning
    (MONDAY, SUNDAY, MONDAY, None),                                  # asked for a working day: no word of today
])
def test_the_delivery_day_of_a_run_and_its_warning(asked, today, day, warning):
    got, said = delivery_day(asked, today)
    assert got == day
    assert said is None if warning is None else warning in said
    assert said is None or not asked or "planning for" not in said
