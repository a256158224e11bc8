"""Plan against fact: planned stops beside the phones' taps in a real SQLite ledger, which tap times are
believed and why, and ``status`` in a real process."""

import datetime as dt
import math
from dataclasses import replace

from conftest import MONDAY, card, hand_plan, nik_for, one_line_error, page_results_csv, records_csv, run_cli, sengon_rows

from routing.config import MON_THU
from routing.geo import LatLon
from routing.ledger import Ledger
from routing.outcome_rows import read_outcome_file
from routing.planfact import AT_DOOR_M, IN_DESA_M, StopFact, courier_days, doubt, route_facts
from routing.records import read_records

#: K01 has cards 1-3 (stops 1-3), K02 cards 4 and 5 at stop 1 and card 6 at stop 2; stops end 08:05, 08:15, ...
PLAN = hand_plan({"K01": [[card(1)], [card(2)], [card(3)]], "K02": [[card(4), card(5)], [card(6)]]})


def door(serial):
    return next(v.point for r in PLAN.routes for v in r.visits if any(c.nik == nik_for(serial) for c in v.cards))


def north(p, metres):
    return LatLon(p.lat + metres / 111_320, p.lon)


def tap(serial, at, courier, outcome="DT", point=None, accuracy="8"):
    p = point
    return dict(nik=nik_for(serial), outcome=outcome, recipient="Ibu" if outcome == "DT" else "",
                time=f"2026-11-30T{at}+07:00", lat="" if p is None else f"{p.lat:.7f}",
                lon="" if p is None else f"{p.lon:.7f}", accuracy_m=accuracy if p is not None else "", courier=courier)


def ledger_with_taps(tmp_path, rows):
    db = tmp_path / "ledger.sqlite"
    with Ledger(db) as led:
        led.import_batch(read_records(records_csv(tmp_path / "kartu.csv", sengon_rows(6))), b"k", MONDAY)
        assert led.record_plan(PLAN) == 6
        for k, group in enumerate(rows):
            result = led.record_outcomes(read_outcome_file(page_results_csv(tmp_path / f"hasil_{k}.csv", group)).rows,
                                         MONDAY)
            assert result.problems == (), result.problems
    return db


def test_each_stop_is_beside_its_first_tap_and_only_taps_at_the_door_by_the_couriers_phone_are_believed(tmp_path):
    db = ledger_with_taps(tmp_path, [[
        tap(1, "08:07:00", "K01", point=door(1)),                        # 2 min after the visit's planned end
        tap(2, "08:20:00", "K01", point=north(door(2), AT_DOOR_M + 50)),  # down the road
        tap(3, "08:30:00", "K01", point=door(3), accuracy="400"),        # a fix that cannot place a door
        tap(4, "08:00:00", "K02", point=door(4)), tap(5, "08:03:30", "K02", point=door(4)),
        tap(6, "23:30:00", "K02", point=door(6)),                        # a clock hours off
    ]])
    with Ledger(db, create=False) as led:
        k01, k02 = route_facts(led, MONDAY, MONDAY)
    assert (k01.courier_id, k02.courier_id) == ("K01", "K02")
    assert [(s.seq, s.tap_s, s.doubt) for s in k01.stops] == [
        (1, 8 * 3600 + 420, ""), (2, 8 * 3600 + 1200, "not_at_door"), (3, 8 * 3600 + 1800, "no_position")]
    assert k01.stops[0].error_s == 120 and k01.stops[0].planned_tap_s == 8 * 3600 + 300
    # Two cards at one stop: the household's first tap is when the phone was at the door.
    assert [(s.seq, s.cards, s.tap_s, s.doubt) for s in k02.stops] == [
        (1, 2, 8 * 3600, ""), (2, 1, 23 * 3600 + 1800, "off_shift")]
    assert k02.stops[0].error_s == -300
    assert (k01.shift, k01.start_s, k01.end_s) == (MON_THU, 8 * 3600 - 300, 8 * 3600 + 1800)
    assert k01.clock == {} and PLAN.meta.get("clock") is None  # a hand plan has no clock: defaults apply


def test_typed_outcomes_and_a_correction_teach_no_time(tmp_path):
    typed = [dict(nik=nik_for(1), outcome="DT", recipient="Ibu", time="08:07")]  # the officer's file, no phone
    db = ledger_with_taps(tmp_path, [typed, [tap(2, "08:14:00", "K01", "TR", point=door(2))],
                                     [tap(2, "08:16:00", "K01", "DT", point=north(door(2), 3000))]])
    with Ledger(db, create=False) as led:
        k01, _ = route_facts(led, MONDAY, MONDAY)
        corrected = led.db.execute("SELECT count(*) FROM events WHERE reason = 'superseded'").fetchone()[0]
    assert corrected == 1
    assert k01.stops[0].doubt == "not_the_phone"
    # The later tap corrected the outcome, but the visit timed is the first tap's: its time, place and code.
    assert (k01.stops[1].tap_s, k01.stops[1].outcome, k01.stops[1].doubt) == (8 * 3600 + 840, "TR", "")
    assert k01.stops[2].doubt == "no_outcome" and k01.stops[2].tap_s is None


def test_courier_days_add_up_and_move_the_finish_by_the_last_believed_error(tmp_path):
    db = ledger_with_taps(tmp_path, [[tap(1, "08:07:00", "K01", point=door(1)), tap(2, "08:35:00", "K01", point=door(2)),
                                      tap(3, "08:36:00", "K01", point=None)]])
    with Ledger(db, create=False) as led:
        days = courier_days(route_facts(led, MONDAY, MONDAY))
    k01, k02 = days
    # Errors +120 s and +1200 s: median 660, p90 120 + 0.9 * 1080 = 1092; finish 08:30 moved by +1200 s.
    assert (k01.stops, k01.timed, k01.trusted, k01.error_median_s, k01.error_p90_s) == (3, 3, 2, 660, 1092)
    assert (k01.finish_s, k01.field_finish_s) == (8 * 3600 + 1800, 8 * 3600 + 3000)
    assert (k02.timed, k02.trusted, k02.error_median_s, k02.field_finish_s) == (0, 0, None, None)


def test_doubt_names_one_rule_per_stop():
    at = LatLon(-7.55, 112.23)
    stop = StopFact(1, 1, 9 * 3600, 300, 60, 0, 400, "coordinates", at, 9 * 3600 + 400, "DT", at, 8.0, "K01", "")
    assert doubt(stop, "K01", MON_THU) == ""
    assert doubt(stop, "K02", MON_THU) == "not_the_phone"
    assert doubt(replace(stop, accuracy_m=math.nan), "K01", MON_THU) == "no_position"
    assert doubt(replace(stop, position=LatLon(0.0, 0.0)), "K01", MON_THU) == "no_position"
    assert doubt(replace(stop, position=north(at, AT_DOOR_M - 5)), "K01", MON_THU) == ""
    # A household located by its desa name has no door to measure from: anywhere near its desa point.
    assert doubt(replace(stop, position=north(at, 1500)), "K01", MON_THU) == "not_at_door"
    assert doubt(replace(stop, position=north(at, 1500), precision="desa"), "K01", MON_THU) == ""
    assert doubt(replace(stop, position=north(at, IN_DESA_M + 10), precision="dusun"), "K01", MON_THU) == "not_at_door"
    assert doubt(replace(stop, tap_s=5 * 3600), "K01", MON_THU) == "off_shift"
    assert doubt(replace(stop, tap_s=21 * 3600), "K01", MON_THU) == ""  # a long day's overtime is real
    assert doubt(replace(stop, tap_s=5 * 3600), "K01", None) == ""
    assert doubt(replace(stop, tap_s=None, doubt="no_time"), "K01", MON_THU) == "no_time"


def test_status_shows_plan_against_fact_in_a_real_process(tmp_path):
    db = ledger_with_taps(tmp_path, [[tap(1, "08:07:00", "K01", point=door(1)),
                                      tap(2, "08:35:00", "K01", point=door(2))]])
    done = run_cli("status", "--db", db, "--date", "2026-11-30", cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    head = lines.index(next(ln for ln in lines if ln.startswith("plan against fact")))
    k01 = next(ln for ln in lines[head:] if " K01 " in ln).split()
    assert k01[:5] == ["2026-11-30", "K01", "3", "2", "2"]
    assert k01[5:9] == ["+11", "min", "+18", "min"]
    assert k01[9:] == ["08:30", "08:50", "(+20", "min)"]
    # Without --date: the last plan days with outcomes.
    done = run_cli("status", "--db", db, cwd=tmp_path)
    assert done.returncode == 0 and any(ln.split()[:2] == ["2026-11-30", "K02"] for ln in done.stdout.splitlines())


def test_a_ledger_of_plans_recorded_before_routes_were_kept_still_matches_its_stops(tmp_path):
    db = ledger_with_taps(tmp_path, [[tap(1, "08:07:00", "K01", point=door(1))]])
    with Ledger(db) as led:
        led.db.execute("DELETE FROM plan_routes")
        (k01, _) = route_facts(led, MONDAY, MONDAY)
        assert (k01.shift, k01.end_s, k01.stops[0].error_s) == (None, None, 120)
        assert route_facts(led, MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)) == ()


def test_a_recorded_clock_changed_outside_ektp_route_is_one_line_naming_the_route(tmp_path):
    db = ledger_with_taps(tmp_path, [[tap(1, "08:07:00", "K01", point=door(1)), tap(2, "08:20:00", "K01",
                                                                                    point=door(2))]])
    for value in ('{"service_base_s": 240', "true", '{"service_base_s": -5}', '{"speed_factor_main": "<b>"}',
                  "[" * 200_000 + "]" * 200_000):
        with Ledger(db) as led:
            with led.db:
                led.db.execute("UPDATE plan_routes SET clock = ? WHERE courier_id = 'K01'", (value,))
        for args in (["status", "--db", db, "--date", MONDAY.isoformat()], ["calibrate", "--db", db],
                     ["report", "--db", db, "--out", tmp_path / "laporan", "--from", MONDAY.isoformat()]):
            line = one_line_error(run_cli(*args, cwd=tmp_path))
            assert "table plan_routes, day 2026-11-30, courier 'K01'" in line and value[:12] in line, (args, line)


def test_status_shows_every_desa_and_courier_as_a_bounded_printable_column(tmp_path):
    # Review findings: a desa name with a right-to-left override and 100,000 letters reached the
    # terminal whole, and courier ids cut to 10 characters made KURIR-PAGI-01 and -02 one row's name.
    db = ledger_with_taps(tmp_path, [[tap(1, "08:07:00", "K01", point=door(1)), tap(4, "08:00:00", "K02",
                                                                                    point=door(4))]])
    evil = "Jabon\"<script>\u202e\u200bX" + "A" * 100_000
    with Ledger(db) as led:
        with led.db:
            led.db.execute("UPDATE cards SET desa = ? WHERE nik = ?", (evil, nik_for(2)))
            for old, new in (("K01", "KURIR-PAGI-01"), ("K02", "KURIR-PAGI-02")):
                led.db.execute("UPDATE events SET courier_id = ? WHERE courier_id = ?", (new, old))
                led.db.execute("UPDATE plan_routes SET courier_id = ? WHERE courier_id = ?", (new, old))
    done = run_cli("status", "--db", db, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert all(len(line) < 200 and line.isprintable() for line in done.stdout.splitlines())
    assert any(line.strip().startswith('Jabon"<script>XAAA') and "..." in line for line in done.stdout.splitlines())
    rows = [line.split()[1] for line in done.stdout.splitlines() if line.strip().startswith("2026-11-30")]
    assert rows == ["KURIR-PAGI-01", "KURIR-PAGI-02"], done.stdout
