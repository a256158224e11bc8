"""Working days: weekends, Indonesian public holidays and cuti bersama, and the next working day."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from routing import workdays
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


def test_the_calendar_is_kept_and_read_back_as_built(tmp_path, monkeypatch):
    """Built once (importing holidays), kept in the cache folder, then read back the same without it."""
    monkeypatch.setenv("EKTP_CACHE_DIR", str(tmp_path))
    workdays._calendar.cache_clear()
    built = dict(workdays._calendar(2026))
    kept = workdays.calendar_file(2026)
    assert kept is not None and kept.parent == tmp_path / "holidays" and kept.exists()
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert built == workdays._holidays(2026) and len(built) >= 15

    def no_package(year):
        raise AssertionError("the kept calendar was not used")

    monkeypatch.setattr(workdays, "_holidays", no_package)
    workdays._calendar.cache_clear()
    assert dict(workdays._calendar(2026)) == built
    assert "Natal" in day_off_reason(D(2026, 12, 25)) and next_working_day(D(2026, 3, 19)) == D(2026, 3, 25)
    workdays._calendar.cache_clear()


_PLANTED = '{"country": "ID", "year": 2026, "days": {"2026-11-30": %s}}'


@pytest.mark.parametrize("damage", [
    "", "{", "[]", "{}", '{"days": {"2026-13-01": "x"}}', '{"days": 5}', "\udcff", "[" * 200_000,
    '{"country": "ID", "year": 2026, "days": []}',
    '{"country": "MY", "year": 2026, "days": {"2026-11-30": "Hari Libur"}}',      # another country's
    '{"country": "ID", "year": 2025, "days": {"2026-11-30": "Hari Libur"}}',      # another year's
    '{"country": "ID", "year": 2026, "days": {"2027-11-30": "Hari Libur"}}',
    _PLANTED % '"\\u001b]0;pwned\\u0007Libur"', _PLANTED % '"\\u202eLibur"', _PLANTED % '5',
    _PLANTED % json.dumps("x" * 5000),
])
def test_a_damaged_kept_calendar_is_built_again(tmp_path, monkeypatch, damage):
    """Whatever the kept file holds that is not this year's calendar (a planted holiday, a control
    sequence for the terminal, a nested list 200,000 deep), the calendar is built again."""
    monkeypatch.setenv("EKTP_CACHE_DIR", str(tmp_path))
    kept = workdays.calendar_file(2026)
    kept.parent.mkdir(parents=True)
    kept.write_text(damage, encoding="utf-8", errors="surrogateescape")
    workdays._calendar.cache_clear()
    assert day_off_reason(D(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert day_off_reason(D(2026, 11, 30)) is None and day_off_warning(D(2026, 11, 30)) is None
    assert json.loads(kept.read_text(encoding="utf-8"))["days"]["2026-08-17"] == "Hari Kemerdekaan Republik Indonesia"
    workdays._calendar.cache_clear()


def test_a_cache_folder_that_cannot_be_written_only_costs_time(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("EKTP_CACHE_DIR", str(blocked))
    workdays._calendar.cache_clear()
    assert day_off_reason(D(2026, 12, 25)) == "Hari Raya Natal"
    workdays._calendar.cache_clear()


def test_another_release_of_holidays_builds_its_own_calendar(tmp_path, monkeypatch):
    """The kept file is named by the content of the package's files that make the calendar: a changed
    rule gives another name even with the same size and times (installers may set every file's time)."""
    spec = workdays.importlib.util.find_spec("holidays")
    real = Path(spec.origin).parent
    copy = tmp_path / "holidays"
    for pattern in workdays._CALENDAR_SOURCES:
        for source in real.glob(pattern):
            target = copy / source.relative_to(real)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (copy / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(workdays.importlib.util, "find_spec",
                        lambda name: types.SimpleNamespace(origin=str(copy / "__init__.py")))
    monkeypatch.setenv("EKTP_CACHE_DIR", str(tmp_path / "cache"))
    first = workdays.calendar_file(2026)
    rules = copy / "countries" / "indonesia.py"
    stamp = rules.stat()
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("def ", "def  ", 1)[:len(text)], encoding="utf-8")  # same size
    os.utime(rules, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert rules.stat().st_size == stamp.st_size and rules.stat().st_mtime_ns == stamp.st_mtime_ns
    assert workdays.calendar_file(2026) != first
    assert workdays.calendar_file(2027) != first


def test_a_planning_process_does_not_import_holidays_once_the_calendar_is_kept(tmp_path):
    env = {**os.environ, "EKTP_CACHE_DIR": str(tmp_path)}
    code = ("import sys, datetime; from routing.workdays import day_off_warning; "
            "print(day_off_warning(datetime.date(2026, 12, 25))); print('holidays' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.splitlines()[0] == again.stdout.splitlines()[0]
    assert "Hari Raya Natal" in again.stdout
    assert first.stdout.splitlines()[1] == "True" and again.stdout.splitlines()[1] == "False"
