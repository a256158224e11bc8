"""The routing model fitted to the office's day: couriers file, open routes, groups, balance."""

import dataclasses

import pytest
from conftest import MONDAY, accounted, records_csv, village_rows

from routing.config import MON_THU, Settings
from routing.couriers import read_couriers
from routing.demo import VILLAGES
from routing.errors import InputError
from routing.geo import haversine_m
from routing.pipeline import plan_day
from routing.records import read_records

HOME = VILLAGES["Denanyar"][0]


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path, rows, network, settings, couriers=None):
    return plan_day(read_records(records_csv(tmp_path / "in.csv", rows)), network, settings, MONDAY, couriers=couriers)


def test_couriers_file_start_at_home_and_open_routes(tmp_path, demo_network):
    f = write(tmp_path / "kurir.csv",
              "id,nama,mulai,selesai,rumah,jam_mulai,jam_selesai,max_stop\n"
              f'B01,Budi,rumah,rumah,"{HOME.lat},{HOME.lon}",07:00,15:00,12\n'
              "B02,Eko,kantor,none,,,,12\n")  # 12 stops each: both couriers are needed
    fleet = read_couriers(f, MON_THU)
    assert fleet[0].start == fleet[0].end == HOME and fleet[0].shift.start_s == 7 * 3600
    assert fleet[1].open_end and fleet[1].start is None
    rows = village_rows(12, desa="Denanyar") + village_rows(12, 100, "Tunggorono")
    plan = run(tmp_path, rows, demo_network, Settings(time_limit_s=2), fleet)
    accounted(plan)
    assert plan.cards_planned == 24
    budi, eko = sorted(plan.routes, key=lambda r: r.courier_id)
    assert (budi.courier_id, eko.courier_id) == ("B01", "B02")
    assert haversine_m(budi.geometry[0], HOME) < 300 and haversine_m(budi.geometry[-1], HOME) < 300
    assert budi.start_s >= 7 * 3600 and budi.end_s <= 15 * 3600
    last = eko.visits[-1]
    assert eko.open_end and eko.end is None
    assert eko.end_s == last.departure_s  # the day ends at the last door
    assert haversine_m(eko.geometry[-1], last.point) < 300


def test_open_route_ends_at_courier_home(tmp_path, demo_network):
    f = write(tmp_path / "kurir.csv", f'id,mulai,selesai,rumah\nK09,kantor,rumah,"{HOME.lat},{HOME.lon}"\n')
    plan = run(tmp_path, village_rows(6, desa="Sengon"), demo_network, Settings(time_limit_s=1),
               read_couriers(f, MON_THU))
    (route,) = plan.routes
    assert route.courier_id == "K09" and route.end is not None and not route.open_end
    assert haversine_m(route.end, HOME) < 300 and haversine_m(route.geometry[-1], HOME) < 300
    assert haversine_m(route.geometry[0], plan.depot) < 300
    # The ride home is part of the day: it ends after the last stop plus travel.
    assert route.end_s > route.visits[-1].departure_s


def test_max_stops_from_couriers_file(tmp_path, demo_network):
    f = write(tmp_path / "kurir.csv", "id,max_stop\nA,5\nB,5\nC,5\n")
    plan = run(tmp_path, village_rows(12), demo_network, Settings(time_limit_s=1), read_couriers(f, MON_THU))
    assert plan.cards_planned == 12 and max(len(r.visits) for r in plan.routes) <= 5


@pytest.mark.parametrize("text, message", [
    ("nama\nBudi\n", "missing column id"),
    ("id,mulai\nA,rumah\n", "row 2, column 'mulai', value 'rumah': 'rumah' needs the home"),
    ("id,selesai\nA,kemana\n", "row 2, column 'selesai', value 'kemana': expected kantor, rumah, LAT,LON or none"),
    ("id\nA\nA\n", "row 3, column 'id', value 'A': courier id used twice"),
    ("id,max_stop\nA,nol\n", "row 2, column 'max_stop', value 'nol'"),
    ("id,jam_mulai\nA,25:00\n", "25:00"),
])
def test_couriers_file_errors_name_row_column_value(tmp_path, text, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_couriers(write(tmp_path / "k.csv", text), MON_THU)


def test_group_by_desa_keeps_routes_within_a_desa(tmp_path, demo_network):
    rows = village_rows(15) + village_rows(15, 100, "Sengon") + village_rows(15, 200, "Tunggorono")
    plan = run(tmp_path, rows, demo_network, Settings(time_limit_s=3, group_by="desa"))
    accounted(plan)
    assert plan.cards_planned == 45 and plan.meta["groups"] == 3
    for r in plan.routes:
        assert len({c.desa for v in r.visits for c in v.cards}) == 1
    assert sorted(r.courier_id for r in plan.routes) == [f"K{k:02d}" for k in range(1, len(plan.routes) + 1)]


def test_group_by_with_too_few_couriers_is_a_clear_error(tmp_path, demo_network):
    rows = village_rows(5) + village_rows(5, 100, "Sengon")
    with pytest.raises(InputError, match="1 couriers cannot cover 2 groups"):
        run(tmp_path, rows, demo_network, Settings(time_limit_s=1, group_by="desa", couriers=1))


def desa_splits(plan):
    couriers_per_desa = {}
    for r in plan.routes:
        for v in r.visits:
            couriers_per_desa.setdefault(v.cards[0].desa, set()).add(r.courier_id)
    return sum(len(c) - 1 for c in couriers_per_desa.values())


def test_keep_desa_with_one_courier(tmp_path, demo_network):
    """One Jabon house stands among Tunggorono's: by geography alone the Tunggorono courier takes it
    (Jabon split over two couriers); with keep-desa the Jabon courier rides over for it."""
    rows = village_rows(12) + village_rows(12, 100, "Tunggorono")
    rows[12 + 6]["desa"] = "Jabon"  # in the middle of the Tunggorono cluster
    base = Settings(time_limit_s=2, couriers=2, service_base_s=1200, deterministic=True)  # 24 stops: two days' work
    plain = run(tmp_path, rows, demo_network, base)
    kept = run(tmp_path, rows, demo_network, dataclasses.replace(base, keep_desa_cost=3600))
    for plan in (plain, kept):
        accounted(plan)
        assert plan.cards_planned == 24 and len(plan.routes) == 2
    assert desa_splits(plain) == 1  # without the feature, Jabon is split
    assert desa_splits(kept) == 0


def test_balance_evens_out_the_days(tmp_path, demo_network):
    rows = village_rows(30) + village_rows(10, 100, "Candimulyo")
    base = Settings(time_limit_s=3, couriers=2, deterministic=True, courier_fixed_cost_s=0)
    plain = run(tmp_path, rows, demo_network, base)
    even = run(tmp_path, rows, demo_network, dataclasses.replace(base, balance_cost=10))
    spread = lambda p: max(r.duration_s for r in p.routes) - min(r.duration_s for r in p.routes)  # noqa: E731
    assert len(even.routes) == 2
    assert max(r.duration_s for r in even.routes) <= max(r.duration_s for r in plain.routes)
    assert spread(even) < 3600
