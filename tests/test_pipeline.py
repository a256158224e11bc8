"""The whole planning pipeline on the demo network, with small record sets built per case."""

import dataclasses

import pytest
from conftest import FRIDAY, MONDAY, accounted, nik_for, plan_args, records_csv, run_cli, village_rows

from routing.clock import Shift
from routing.demo import ISLAND
from routing.errors import InputError
from routing.gazetteer import read_gazetteer
from routing.pipeline import plan_day
from routing.plan import from_json, to_json
from routing.records import read_records


def run(tmp_path, rows, network, settings, day=MONDAY, gazetteer=None):
    rs = read_records(records_csv(tmp_path / "in.csv", rows))
    return plan_day(rs, network, settings, day, gazetteer)


def test_every_row_accounted_for_with_reasons(tmp_path, demo_network, demo_files, settings):
    rows = village_rows(12)
    rows.append(dict(rows[0], nama="Dobel"))  # duplicate NIK -> rejected
    rows.append(dict(village_rows(1, 50)[0], desa="Karangwinongan", lat="", lon=""))  # not geocoded
    i = ISLAND[2]
    rows.append(dict(village_rows(1, 51)[0], lat=f"{i.lat}", lon=f"{i.lon}"))  # island -> unreachable
    rows.append(dict(village_rows(1, 52)[0], dusun="Caruk Kulon", lat="", lon=""))  # gazetteer dusun
    rows.append(dict(village_rows(1, 53)[0], lat="-7.5x"))  # bad coordinate -> rejected
    plan = run(tmp_path, rows, demo_network, settings, gazetteer=read_gazetteer(demo_files.gazetteer))
    s = accounted(plan)
    assert s == {**s, "cards_in": 17, "cards_planned": 13, "cards_unassigned": 2, "cards_rejected": 2}
    assert {u.card.nik: u.reason for u in plan.unassigned} == {nik_for(50): "not_geocoded", nik_for(51): "unreachable"}
    assert sorted(r.reason for r in plan.rejected) == ["bad_coordinate", "duplicate_nik"]
    assert any(r.nik == nik_for(52) and r.precision == "dusun" for r in plan.review)
    # plan.json round-trips to the same plan
    again = from_json(to_json(plan))
    assert to_json(again) == to_json(plan)


def test_routes_stay_within_shift(tmp_path, demo_network, settings):
    plan = run(tmp_path, village_rows(40) + village_rows(40, 100, "Sengon"), demo_network, settings)
    accounted(plan)
    assert plan.cards_planned == 80
    for r in plan.routes:
        assert r.shift.start_s <= r.start_s and r.end_s <= r.shift.end_s
        for v in r.visits:
            assert v.departure_s <= r.shift.break_start_s or v.arrival_s >= r.shift.break_end_s
        for a, b in zip(r.visits, r.visits[1:]):
            assert b.arrival_s >= a.departure_s + b.travel_s


def test_friday_plan_uses_friday_hours(tmp_path, demo_network, settings):
    plan = run(tmp_path, village_rows(10), demo_network, settings, day=FRIDAY)
    assert plan.routes[0].shift == settings.shift_friday


def test_household_is_one_stop_with_its_cards(tmp_path, demo_network, settings):
    rows = village_rows(3)
    for r in rows:
        r["no_kk"] = "3517090101000009"
    rows[2]["alamat"] = "lain"
    plan = run(tmp_path, rows, demo_network, settings)
    (route,) = plan.routes
    (visit,) = route.visits
    assert len(visit.cards) == 3 and visit.service_s == settings.service_s(3)


def test_outside_hours_and_no_capacity(tmp_path, demo_network, settings):
    tiny = Shift(7 * 3600 + 1800, 7 * 3600 + 1800 + 240)  # 4 minutes: nobody can be served
    plan = run(tmp_path, village_rows(3), demo_network, dataclasses.replace(settings, shift_mon_thu=tiny))
    assert {u.reason for u in plan.unassigned} == {"outside_hours"} and len(plan.unassigned) == 3
    short = Shift(7 * 3600 + 1800, 9 * 3600)
    s = dataclasses.replace(settings, shift_mon_thu=short, couriers=1, service_base_s=900)
    plan = run(tmp_path, village_rows(20, urgent={3, 7}), demo_network, s)
    accounted(plan)
    reasons = {u.card.nik: u for u in plan.unassigned}
    assert reasons and all(u.reason == "no_capacity" and "all 1 couriers" in u.detail for u in reasons.values())
    assert nik_for(3) not in reasons and nik_for(7) not in reasons  # urgent cards kept


def test_urgent_deadline_window_infeasible(tmp_path, demo_network, settings):
    s = dataclasses.replace(settings, urgent_deadline_s=7 * 3600 + 1800 + 30)
    plan = run(tmp_path, village_rows(4, urgent={2}), demo_network, s)
    assert [(u.card.nik, u.reason) for u in plan.unassigned] == [(nik_for(2), "window_infeasible")]
    assert plan.cards_planned == 3


def test_demo_day_plans_every_locatable_card(demo_files, demo_network, settings):
    rs = read_records(demo_files.records)
    plan = plan_day(rs, demo_network, settings, MONDAY, read_gazetteer(demo_files.gazetteer))
    s = accounted(plan)
    assert s["cards_in"] == 500
    assert plan.reason_counts() == {"duplicate_nik": 1, "not_geocoded": 1, "unreachable": 1}
    assert all(r.end_s <= r.shift.end_s for r in plan.routes)
    niks = [c.nik for r in plan.routes for v in r.visits for c in v.cards]
    assert len(niks) == len(set(niks)) == 497


def test_time_windows_per_card(tmp_path, demo_network, settings):
    rows = village_rows(6)
    rows[0]["jam"] = "13:30-14:00"
    rows[1]["jam"] = "06:00-06:30"  # before the shift: cannot be met
    rows[2]["jam"] = "14:00-13:00"  # ends before it starts: rejected
    f = tmp_path / "w.csv"
    import csv as _csv
    with open(f, "w", newline="", encoding="utf-8") as fh:
        w = _csv.DictWriter(fh, fieldnames=list(rows[0]))  # rows[0] has "jam" (a second one is now an error)
        w.writeheader()
        w.writerows(rows)
    plan = plan_day(read_records(f), demo_network, settings, MONDAY)
    accounted(plan)
    assert [(u.card.nik, u.reason) for u in plan.unassigned] == [(nik_for(2), "window_infeasible")]
    assert [(r.nik, r.reason, r.column) for r in plan.rejected] == [(nik_for(3), "bad_value", "jam")]
    visit = next(v for r in plan.routes for v in r.visits if v.cards[0].nik == nik_for(1))
    assert 13 * 3600 + 1800 <= visit.arrival_s <= 14 * 3600


def test_a_day_too_large_for_memory_is_refused_before_any_matrix_is_built():
    from routing.pipeline import check_size

    with pytest.raises(InputError, match=r"50000 stops .* would need about \d+\.\d GiB .* --group-by kecamatan"):
        check_size([50_000], 0, 1, "none")
    # The same day in 100 kecamatan-sized groups, two solved at a time, fits in 24 GiB.
    check_size([500] * 100, 0, 2, "kecamatan", available=24 << 30)
    with pytest.raises(InputError, match="--group-by desa"):
        check_size([20_000, 20_000], 0, 2, "kecamatan", available=24 << 30)


@pytest.mark.slow
def test_fifty_thousand_rows_stop_with_one_line_and_exit_2(tmp_path, demo_files):

    one = village_rows(1)[0]
    rows = [dict(one, nik=f"351709{1 + k // 9999:02d}0190{k % 9999 + 1:04d}") for k in range(50_000)]
    for k, r in enumerate(rows):
        r["alamat"] = f"Jl. Melati No. {k}"
        r["lat"] = f"{-7.56 + (k % 200) * 0.0001:.6f}"
        r["lon"] = f"{112.21 + (k // 200) * 0.00002:.6f}"
    records = records_csv(tmp_path / "big.csv", rows)
    result = run_cli(*plan_args(records, demo_files.network, tmp_path / "out", limit="--time-limit=30"),
                     cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "would need about" in line and "--group-by" in line and "Traceback" not in result.stderr
