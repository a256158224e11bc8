"""An outcome is a claim checked against the plan: the day it reports on, the courier's route, the time,
the position; repeats, conflicts and corrections told apart; oversized files refused. Real SQLite; the
CLI in real processes (``run_cli``)."""

import dataclasses
import datetime as dt
import math
import time

import pytest
from conftest import MONDAY, card, hand_plan, nik_for, outcomes_csv, records_csv, run_cli, sengon_rows
from conftest import page_results_csv as page_file

from maps.courier_page import RESULT_COLUMNS
from routing.geo import LatLon
from routing.ledger import Ledger
from routing.nik import mask
from routing.outcome_rows import MAX_OUTCOME_FILE_BYTES, Position, parse_tap_time, plan_day, read_outcome_file
from routing.records import read_records

TUESDAY = MONDAY + dt.timedelta(days=1)
#: Monday's plan: K01 has cards 1-3 (stops 1-3), K02 cards 4-6.
PLAN = hand_plan({"K01": [[card(1)], [card(2)], [card(3)]], "K02": [[card(4)], [card(5)], [card(6)]]})


def door(serial):
    """Where the hand plan puts card ``serial``'s stop (a phone standing at the door reports this)."""
    return next(v.point for r in PLAN.routes for v in r.visits if v.cards[0].nik == nik_for(serial))


def tap(serial, outcome, recipient="", at="2026-11-30T10:15:42+07:00", courier="K01", point=None, accuracy="8"):
    p = point or door(serial)
    return dict(nik=nik_for(serial), outcome=outcome, recipient=recipient, time=at, lat=f"{p.lat:.7f}",
                lon=f"{p.lon:.7f}", accuracy_m=accuracy, courier=courier)


@pytest.fixture
def db(tmp_path):
    """Six cards imported and Monday's hand plan recorded."""
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as led:
        led.import_batch(read_records(records_csv(tmp_path / "kartu.csv", sengon_rows(6))), b"k", MONDAY)
        assert led.record_plan(PLAN) == 6
    return path


def outcomes(tmp_path, *args):
    done = run_cli("outcomes", *args, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    return done, [ln.removeprefix("ektp-route: refused: ") for ln in done.stderr.splitlines()
                  if ln.startswith("ektp-route: refused: ")]


def card_row(db, serial):
    with Ledger(db) as led:
        return tuple(led.db.execute("SELECT state, attempts FROM cards WHERE nik = ?", (nik_for(serial),)).fetchone())


def outcome_events(db, serial):
    with Ledger(db) as led:
        return [dict(e) for e in led.db.execute("SELECT * FROM events WHERE nik = ? AND outcome IS NOT NULL "
                                                "ORDER BY id", (nik_for(serial),))]


# -- time ---------------------------------------------------------------------------------------------

def test_full_times_and_clock_times_are_stored_for_the_plan_day_and_no_other_time_is(db, tmp_path):
    long_cell = "9" * 100_000
    f = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [
        tap(1, "DT", "Siti", at="2026-11-30T10:15:42+07:00"),
        tap(2, "TR", at="17:31:29"),                                # an older page: the plan gives the date
        tap(3, "TR", at="2026-12-01T10:00:00+07:00"),               # another day
        tap(3, "TR", at="xx"),
        tap(3, "TR", at="=cmd|' /C calc'!A0"),
        tap(3, "TR", at=long_cell),
        tap(3, "TR", at="2026-11-30T10:00:00+15:00"),               # no such offset
        tap(3, "TR", at="2026-11-30T10:00:00"),                     # a date without its offset
        tap(3, "TR", at="2026-11-30T25:00:00+07:00"),
    ])
    done, lines = outcomes(tmp_path, f, "--db", db)  # the file name gives the day
    assert done.returncode == 4
    assert len(lines) == 7 and [ln.split(", ")[1] for ln in lines] == [f"row {k}" for k in range(4, 11)]
    assert lines[0] == (f"{f}, row 4, column 'time', value '2026-12-01T10:00:00+07:00': not a time of the plan "
                        "day 2026-11-30; outcome refused")
    assert all("column 'time'" in ln and "outcome refused" in ln for ln in lines)
    assert max(map(len, lines)) < 400  # the 100,000-character cell is named, not printed
    assert "2 outcomes recorded, 0 already recorded, 7 refused" in done.stdout
    assert [e["at"] for e in outcome_events(db, 1)] == ["2026-11-30T10:15:42+07:00"]
    assert [e["at"] for e in outcome_events(db, 2)] == ["2026-11-30T17:31:29"]
    assert card_row(db, 3) == ("planned", 0)


def test_a_time_is_a_clock_time_or_iso_8601_with_a_real_offset():
    assert parse_tap_time("9:05").on(MONDAY) == "2026-11-30T09:05:00"
    assert parse_tap_time("2026-11-30T23:59:59Z").on(MONDAY) == "2026-11-30T23:59:59+00:00"
    assert parse_tap_time("2026-11-30T08:00:00+07:00").on(TUESDAY) is None
    noon = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert parse_tap_time("2026-11-30T12:20:00+07:00").later_than_now(MONDAY, noon) is False
    assert parse_tap_time("2026-11-30T12:31:00+07:00").later_than_now(MONDAY, noon) is True
    assert parse_tap_time("2026-11-30T05:31:00Z").later_than_now(MONDAY, noon) is True
    for bad in ("24:00", "10:60", "2026-11-30T10:00:00-13:00", "2026-11-30 10:00:00+07:00", "1e308", "", "x" * 41):
        assert parse_tap_time(bad) is None, bad


# -- provenance ---------------------------------------------------------------------------------------

def test_a_card_counts_only_from_its_courier_and_its_plan_day(db, tmp_path):
    k02 = page_file(tmp_path / "hasil_K02_2026-11-30.csv", [tap(1, "DT", "Siti", courier="K02"),
                                                            tap(4, "DT", "Dewi", courier="K02"),
                                                            tap(5, "TR", courier="K01")])
    done, lines = outcomes(tmp_path, k02, "--db", db)
    assert done.returncode == 4 and lines == [
        f"{k02}, row 2, column 'courier', value 'K02': card {mask(nik_for(1))} was on the route of K01 on "
        "2026-11-30, not K02's; outcome refused",
        f"{k02}, row 4, column 'courier', value 'K01': the file is courier K02's ({k02.name}); outcome refused"]
    assert card_row(db, 1) == ("planned", 0) and card_row(db, 4) == ("delivered", 0)
    # The day in the file name and --date must agree; either gives the day.
    k01 = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [tap(2, "TR")])
    done, lines = outcomes(tmp_path, k01, "--db", db, "--date", TUESDAY.isoformat())
    assert done.returncode == 4 and lines == [
        f"{k01}: the file name says the plan day 2026-11-30, --date says 2026-12-01; nothing recorded from this "
        "file"]
    assert card_row(db, 2) == ("planned", 0)
    # A typed file (no courier, no date in its name) for a day no plan had the card on.
    typed = outcomes_csv(tmp_path / "ketik.csv", [(nik_for(2), "TR", "", "09:00")])
    done, lines = outcomes(tmp_path, typed, "--db", db, "--date", TUESDAY.isoformat())
    assert done.returncode == 4 and lines == [
        f"{typed}, row 2, column 'nik', value '{nik_for(2)}': card {mask(nik_for(2))} is planned and was on no "
        "plan recorded for 2026-12-01; outcome refused"]


def test_a_replan_of_the_same_day_lets_either_route_count(db, tmp_path):
    moved = hand_plan({"K01": [[card(2)], [card(3)]], "K02": [[card(1)], [card(4)], [card(5)], [card(6)]]})
    with Ledger(db) as led:
        assert led.record_plan(moved) == 6  # the same day again: card 1 now on K02's route
    k01 = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [tap(1, "DT", "Siti")])
    done, lines = outcomes(tmp_path, k01, "--db", db)
    assert done.returncode == 0 and not lines and card_row(db, 1) == ("delivered", 0)


def test_a_time_after_now_is_refused(tmp_path):
    today = dt.date.today()
    with Ledger(tmp_path / "l.sqlite") as led:
        led.import_batch(read_records(records_csv(tmp_path / "kartu.csv", sengon_rows(1))), b"k", today)
        led.record_plan(dataclasses.replace(hand_plan({"K01": [[card(1)]]}), date=today))
    tomorrow = (dt.datetime.now().astimezone() + dt.timedelta(hours=2)).isoformat(timespec="seconds")
    f = page_file(tmp_path / f"hasil_K01_{today}.csv", [tap(1, "TR", at=tomorrow)])
    done, lines = outcomes(tmp_path, f, "--db", tmp_path / "l.sqlite")
    assert done.returncode == 4 and len(lines) == 1
    assert "later than now" in lines[0] or "not a time of the plan day" in lines[0]  # near midnight: tomorrow


def test_the_day_comes_from_date_or_the_name_or_the_times(tmp_path):
    named = read_outcome_file(page_file(tmp_path / "hasil_K01_2026-11-30 (1).csv", [tap(1, "TR")])).rows
    assert named.named.courier == "K01" and plan_day(named, None, TUESDAY) == MONDAY
    typed = read_outcome_file(page_file(tmp_path / "ketik.csv", [tap(1, "TR", courier="")])).rows
    assert plan_day(typed, None, TUESDAY) == MONDAY  # the ISO times' day
    clock = read_outcome_file(outcomes_csv(tmp_path / "jam.csv", [(nik_for(1), "TR", "", "09:00")])).rows
    assert plan_day(clock, None, TUESDAY) == TUESDAY and plan_day(clock, MONDAY, TUESDAY) == MONDAY
    two = read_outcome_file(page_file(tmp_path / "dua.csv", [tap(1, "TR", courier=""),
                                                            tap(2, "TR", at="2026-12-01T09:00:00+07:00",
                                                                courier="")])).rows
    assert "one file is one plan day" in plan_day(two, None, TUESDAY)


# -- the same file again, per plan day ----------------------------------------------------------------

def test_yesterdays_file_given_again_after_todays_replan_counts_nothing_twice(db, tmp_path):
    f = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [tap(1, "TR"), tap(2, "TR", at="xx")])
    done, _ = outcomes(tmp_path, f, "--db", db)
    assert done.returncode == 4 and card_row(db, 1) == ("failed", 1)
    with Ledger(db) as led:
        assert led.db.execute("SELECT count(*) FROM outcome_files").fetchone()[0] == 0  # a refused row: not kept
        assert led.record_plan(dataclasses.replace(hand_plan({"K01": [[card(1)]]}), date=TUESDAY)) == 1
    assert card_row(db, 1) == ("planned", 1)
    done, lines = outcomes(tmp_path, f, "--db", db)
    assert "0 outcomes recorded, 1 already recorded, 1 refused" in done.stdout
    assert card_row(db, 1) == ("planned", 1)  # nobody visited it on Tuesday: no second failed attempt
    # Monday's outcome given for Tuesday (a clock-time file, --date Tuesday) counts for Tuesday only.
    typed = outcomes_csv(tmp_path / "ketik.csv", [(nik_for(1), "TR", "", "16:00")])
    done, _ = outcomes(tmp_path, typed, "--db", db, "--date", TUESDAY.isoformat())
    assert done.returncode == 0 and card_row(db, 1) == ("pickup", 2)
    assert [e["day"] for e in outcome_events(db, 1)] == ["2026-11-30", "2026-12-01"]


# -- conflicts and corrections ------------------------------------------------------------------------

@pytest.mark.parametrize("second, differs", [
    (dict(recipient="Budi"), "recipient ('Siti' recorded, 'Budi' here)"),
    (dict(point=LatLon(-7.3302, 112.2357)), "position (24,"),
    (dict(courier="K02"), "courier (K01 recorded, K02 here)"),
])
def test_a_repeat_that_says_otherwise_is_a_conflict_and_overwrites_nothing(db, tmp_path, second, differs):
    with Ledger(db) as led:  # a re-plan of the day put card 1 on K02's route too
        assert led.record_plan(hand_plan({"K02": [[card(1)]]})) == 1
    first = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [tap(1, "DT", "Siti")])
    assert outcomes(tmp_path, first, "--db", db)[0].returncode == 0
    values = dict(recipient="Siti", at="2026-11-30T11:00:00+07:00") | second
    name = f"hasil_{values.get('courier', 'K01')}_2026-11-30.csv"
    again = page_file(tmp_path / name, [tap(1, "DT", **values)])
    done, lines = outcomes(tmp_path, again, "--db", db)
    assert done.returncode == 4 and len(lines) == 1
    assert lines[0].startswith(f"{again}, row 2, column 'outcome', value 'DT': conflict: card {mask(nik_for(1))} "
                               "already has DT recorded for 2026-11-30 (2026-11-30T10:15:42+07:00, courier K01); "
                               f"this row differs in {differs}")
    assert lines[0].endswith("nothing overwritten. If this row is right, give it with `outcomes --correct`")
    events = outcome_events(db, 1)
    assert len(events) == 1 and events[0]["recipient"] == "Siti" and events[0]["courier_id"] == "K01"


def test_the_same_courier_tapping_again_later_corrects_the_outcome(db, tmp_path):
    noon = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [tap(1, "TR", at="2026-11-30T11:00:00+07:00")])
    assert outcomes(tmp_path, noon, "--db", db)[0].returncode == 0 and card_row(db, 1) == ("failed", 1)
    evening = page_file(tmp_path / "hasil_K01_2026-11-30 (1).csv",
                        [tap(1, "DT", "Siti", at="2026-11-30T16:30:00+07:00")])
    done, lines = outcomes(tmp_path, evening, "--db", db)
    assert done.returncode == 0 and not lines and "1 outcomes recorded" in done.stdout
    assert card_row(db, 1) == ("delivered", 0)  # the failed attempt it corrects is not counted
    tr, dt_ = outcome_events(db, 1)
    assert (tr["outcome"], tr["reason"], dt_["outcome"], dt_["reason"]) == ("TR", "superseded", "DT",
                                                                            f"corrects event {tr['id']}")
    # The noon file again: an older tap of the same phone, nothing new.
    noon.write_text(noon.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # not the same bytes
    done, lines = outcomes(tmp_path, noon, "--db", db)
    assert done.returncode == 0 and "0 outcomes recorded, 1 already recorded" in done.stdout
    assert card_row(db, 1) == ("delivered", 0) and len(outcome_events(db, 1)) == 2


def test_the_officer_corrects_a_recorded_outcome_with_correct(db, tmp_path):
    page = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [tap(1, "DT", "Siti")])
    assert outcomes(tmp_path, page, "--db", db)[0].returncode == 0
    # Later than the page's tap, but typed: no courier to say it is the same phone's.
    fix = outcomes_csv(tmp_path / "koreksi.csv", [(nik_for(1), "TR", "", "16:00")])
    done, lines = outcomes(tmp_path, fix, "--db", db, "--date", MONDAY.isoformat())
    assert done.returncode == 4 and "conflict" in lines[0] and card_row(db, 1) == ("delivered", 0)
    done, lines = outcomes(tmp_path, fix, "--db", db, "--date", MONDAY.isoformat(), "--correct")
    assert done.returncode == 0 and not lines and card_row(db, 1) == ("failed", 1)
    assert [(e["outcome"], e["reason"]) for e in outcome_events(db, 1)] == [("DT", "superseded"),
                                                                            ("TR", f"corrects event "
                                                                                   f"{outcome_events(db, 1)[0]['id']}")]


def test_a_delivery_without_the_recipient_is_refused_and_the_card_stays_out(db, tmp_path):
    f = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [tap(1, "DT", "  ")])
    done, lines = outcomes(tmp_path, f, "--db", db)
    assert done.returncode == 4 and lines == [
        f"{f}, row 2, column 'recipient', value '': a delivered card needs the recipient's name"]
    assert card_row(db, 1) == ("planned", 0) and not outcome_events(db, 1)


# -- positions ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("point, accuracy", [
    (LatLon(0.0, 0.0), 8.0), (LatLon(-90.0, 180.0), 8.0), (LatLon(-7.55, 112.23), 0.0),
    (LatLon(-7.55, 112.23), 1e-9), (LatLon(-7.55, 112.23), 1e308)])
def test_a_position_no_phone_could_have_is_not_plausible(point, accuracy):
    assert not Position(point, accuracy).plausible and Position(point, accuracy).doubt
    assert Position(LatLon(-7.55, 112.23), 8.0).plausible and Position(LatLon(-7.55, 112.23)).plausible


def test_impossible_positions_are_kept_as_reported_and_locate_nothing(db, tmp_path):
    far = LatLon(door(1).lat + 0.36, door(1).lon)  # 40 km
    f = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [
        tap(1, "DT", "Siti", point=far), tap(2, "DT", "Budi", point=LatLon(0, 0)),
        tap(3, "DT", "Eko", accuracy="1e-9")])
    done, lines = outcomes(tmp_path, f, "--db", db)
    assert done.returncode == 0 and "3 outcomes recorded" in done.stdout
    assert "0 delivered with a position" in done.stdout
    located = [ln for ln in done.stdout.splitlines() if ln.startswith("location:")]
    assert len(located) == 1 and "not believed" in located[0] and "40" in located[0]
    kept = [(e["lat"], e["lon"], e["accuracy_m"]) for k in (1, 2, 3) for e in outcome_events(db, k)]
    assert kept == [(round(far.lat, 7), round(far.lon, 7), 8.0), (0.0, 0.0, 8.0),
                    (round(door(3).lat, 7), round(door(3).lon, 7), 1e-9)]
    assert all(math.isfinite(v) for row in kept for v in row)


# -- size ---------------------------------------------------------------------------------------------

def test_a_file_past_the_size_a_day_can_have_is_one_line_and_quick(db, tmp_path):
    f = tmp_path / "hasil_K01_2026-11-30.csv"
    row = f"{nik_for(1)},XX,,,,,,,,\n"
    f.write_text(",".join(RESULT_COLUMNS) + "\n" + row * (MAX_OUTCOME_FILE_BYTES // len(row) + 10), encoding="utf-8")
    start = time.monotonic()
    done = run_cli("outcomes", f, "--db", db, cwd=tmp_path)
    assert time.monotonic() - start < 10
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 2 and len(lines) == 1 and "is not a day's outcomes" in lines[0], done.stderr


def test_refusal_lines_are_capped_with_a_count(db, tmp_path):
    f = page_file(tmp_path / "hasil_K01_2026-11-30.csv", [tap(1, "XX")] * 300)
    done, lines = outcomes(tmp_path, f, "--db", db)
    assert done.returncode == 4 and len(lines) == 21
    assert lines[-1] == f"{f}: ... and 280 more rows refused" and "300 refused" in done.stdout


def test_a_recorded_plan_keeps_its_clock_per_card(db):
    """Each planned card keeps the plan's arrival, the ride in and the time at the door (migration 6):
    what plan-against-fact and calibration compare the field with."""
    with Ledger(db) as led:
        stored = {r[0]: r[1:] for r in led.db.execute(
            "SELECT nik, courier_id, stop_seq, planned_s, travel_s, distance_m, service_s, stop_cards "
            "FROM events WHERE state = 'planned'")}
    for route in PLAN.routes:
        for v in route.visits:
            assert stored[v.cards[0].nik] == (route.courier_id, v.seq, v.arrival_s, v.travel_s, v.distance_m,
                                              v.service_s, len(v.cards))
