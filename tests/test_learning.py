"""Outcomes that teach the plan: positions kept with outcomes, households located where they were
delivered, the officer told of far-off planned locations. Real SQLite, real CLI processes, real solves."""

import datetime as dt
import json
import shutil

import pytest
from conftest import GAZ, MONDAY, nik_for, outcomes_csv, page_results_csv, rec, records_csv, run_cli

from routing.errors import InputError
from routing.geo import LatLon, haversine_m
from routing.geocode import locate
from routing.households import address_text, group_households
from routing.learning import Fix, Learned, LearnedPoint, centre
from routing.ledger import MIGRATIONS, Ledger
from routing.nik import mask
from routing.outcome_rows import parse_outcome_rows
from routing.records import read_records
from routing.region import JOMBANG

TUESDAY = MONDAY + dt.timedelta(days=1)

#: Day 1: four households with a KK number and one without, none with coordinates (gazetteer only).
KK = {1: "3517090101260001", 2: "3517090101260002", 3: "3517090101260003", 4: "3517090101260004"}
DAY1 = [
    dict(nik=nik_for(1), nama="Siti Aminah", alamat="Jl. Melati No. 5", rt="002", rw="005", dusun="Caruk Kulon",
         desa="Jabon", kecamatan="Jombang", no_kk=KK[1]),
    dict(nik=nik_for(2), nama="Budi Santoso", alamat="Jl. Mawar No. 7", rt="002", rw="005", dusun="Caruk Kulon",
         desa="Jabon", kecamatan="Jombang", no_kk=KK[2]),
    dict(nik=nik_for(3), nama="Eko Prasetyo", alamat="Jl. Kenanga No. 9", rt="001", rw="003", dusun="Caruk Wetan",
         desa="Jabon", kecamatan="Jombang", no_kk=KK[3]),
    dict(nik=nik_for(4), nama="Dewi Lestari", alamat="Jl. Pahlawan No. 1", rt="004", rw="003", dusun="Sengon",
         desa="Sengon", kecamatan="Jombang", no_kk=KK[4]),
    dict(nik=nik_for(5), nama="Yuli Hidayat", alamat="Jl. Anggrek No. 3", rt="003", rw="002", dusun="Kauman",
         desa="Jombatan", kecamatan="Jombang"),
]
#: Where household 1 really is: about 500 m south-east of Dusun Caruk Kulon's gazetteer point.
DOOR_1 = LatLon(-7.567012, 112.216987)
#: Household 4's door, about 100 m from Dusun Sengon's point.
DOOR_4 = LatLon(-7.534100, 112.229100)


def fix(point, accuracy=10.0, at="2026-11-30T09:00", kk="3517090101269999", nik=nik_for(1), courier="K01",
        address="jalan melati nomor 5|caruk kulon|2|5|jabon|jombang", planned=None, event=0):
    """One delivered card's position, as the ledger reads it back."""
    when = dt.datetime.fromisoformat(at)
    return Fix(nik, kk, address, point, accuracy, when, when.date(), courier, planned, event)


def gps(nik, outcome, point, accuracy, recipient="", time="09:15:00", note="", courier="K01"):
    return dict(nik=nik, outcome=outcome, recipient=recipient, time=time, lat=f"{point.lat:.7f}",
                lon=f"{point.lon:.7f}", accuracy_m=str(accuracy), courier=courier, note=note)


def plan_cli(tmp, db, files, day, out, *records):
    done = run_cli("plan", *records, "--db", db, "--network", files.network, "--gazetteer", files.gazetteer, "--out", out, "--date", day.isoformat(), "--deterministic", "-q", cwd=tmp)
    assert done.returncode in (0, 4) and "Traceback" not in done.stderr, done.stderr
    return json.loads((out / "plan.json").read_text(encoding="utf-8"))


def visits_by_nik(plan):
    return {n: v for r in plan["routes"] for v in r["visits"] for n in v["cards"]}


@pytest.fixture(scope="module")
def day1(tmp_path_factory, demo_files):
    """Day 1 imported and planned from a ledger by the CLI; yields ``(folder, ledger, plan.json)``."""
    tmp = tmp_path_factory.mktemp("learning")
    db = tmp / "ledger.sqlite"
    done = run_cli("import", records_csv(tmp / "day1.csv", DAY1), "--db", db, "--date", MONDAY.isoformat(), cwd=tmp)
    assert done.returncode == 0, done.stderr
    plan = plan_cli(tmp, db, demo_files, MONDAY, tmp / "d1")
    assert set(visits_by_nik(plan)) == {r["nik"] for r in DAY1}
    return tmp, db, plan


@pytest.fixture
def ledger(day1, tmp_path):
    """A private copy of day 1's ledger (cards planned, no outcomes yet)."""
    _, db, _ = day1
    copy = tmp_path / "ledger.sqlite"
    for suffix in ("", "-wal", "-shm"):
        if (db.parent / (db.name + suffix)).exists():
            shutil.copy(db.parent / (db.name + suffix), tmp_path / (copy.name + suffix))
    return copy


def events(db, nik):
    with Ledger(db) as ledger:
        return [dict(e) for e in ledger.db.execute("SELECT * FROM events WHERE nik = ? ORDER BY id", (nik,))]


def test_migration_from_schema_2_keeps_data(tmp_path):
    db = tmp_path / "old.sqlite"
    with Ledger(db, schema=2) as old:  # a ledger as the release before positions left it
        old.db.execute("INSERT INTO batches(file, sha256, imported_at, batch_date, cards) VALUES ('f','h','t','d',1)")
        old.db.execute("INSERT INTO cards(nik, batch_id, state, nama, desa, no_kk, row_hash, updated_at) "
                       f"VALUES ('{nik_for(1)}', 1, 'delivered', 'Siti', 'Jabon', '{KK[1]}', 'x', 't')")
        old.db.execute("INSERT INTO events(nik, at, day, state, reason, recipient, attempt) "
                       f"VALUES ('{nik_for(1)}', '2026-11-30T08:00', '2026-11-30', 'delivered', 'diterima', 'Siti', 0)")
        old.db.execute("INSERT INTO changes(nik, batch_id, row, fields, at) "
                       f"VALUES ('{nik_for(1)}', 1, 2, '{{}}', 't')")
    with Ledger(db) as upgraded:
        assert upgraded.version == len(MIGRATIONS)
        assert upgraded.counts()["delivered"] == 1
        (e,) = [dict(r) for r in upgraded.db.execute("SELECT * FROM events")]
        assert (e["recipient"], e["outcome"], e["reason"], e["lat"], e["lon"], e["accuracy_m"]) == (
            "Siti", "DT", None, None, None, None)
        assert upgraded.db.execute("SELECT count(*) FROM changes").fetchone()[0] == 1
        assert upgraded.db.execute("SELECT count(*) FROM outcome_files").fetchone()[0] == 0
        assert len(upgraded.learned_locations()) == 0  # an old delivery without a position teaches nothing
        assert upgraded.integrity() == "ok"


def test_two_files_at_once_and_the_same_file_twice(day1, ledger, tmp_path):
    tmp, _, plan = day1
    visits = visits_by_nik(plan)
    k01 = page_results_csv(tmp_path / "hasil_K01_2026-11-30.csv",
                    [gps(nik_for(1), "DT", DOOR_1, 12, recipient="Siti Aminah"),
                     gps(nik_for(3), "TR", DOOR_4, 9, note="pagar dikunci")])
    typed = outcomes_csv(tmp_path / "hasil_kantor.csv", [(nik_for(5), "DT", "Yuli", "10:40")])
    done = run_cli("outcomes", k01, typed, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{k01}: 2 outcomes recorded, 0 already recorded, 0 refused; 1 delivered" in done.stdout
    assert f"{typed}: 1 outcomes recorded, 0 already recorded, 0 refused; 0 delivered" in done.stdout
    with Ledger(ledger) as led:
        before = led.db.execute("SELECT count(*) FROM events").fetchone()[0]
        assert led.counts()["delivered"] == 2 and led.counts()["failed"] == 1
    # The page's position, accuracy, courier and note are kept with the outcome; the planned event
    # keeps where the plan had put the household.
    planned, delivered = [e for e in events(ledger, nik_for(1)) if e["state"] in ("planned", "delivered")]
    assert (planned["lat"], planned["lon"]) == (visits[nik_for(1)]["lat"], visits[nik_for(1)]["lon"])
    assert planned["precision"] == "dusun"
    assert (delivered["lat"], delivered["lon"], delivered["accuracy_m"]) == (DOOR_1.lat, DOOR_1.lon, 12.0)
    assert delivered["courier_id"] == "K01" and delivered["at"] == "2026-11-30T09:15:00"
    assert events(ledger, nik_for(3))[-1]["note"] == "pagar dikunci"

    # The same files again, and one file twice in one command: nothing is recorded twice.
    again = run_cli("outcomes", k01, typed, k01, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already recorded on") == 3 and again.stdout.count("nothing recorded") == 3
    assert "location:" not in again.stdout
    # A copy under another name is the same contents: recognised too.
    copy = shutil.copy(k01, tmp_path / "hasil_K01_2026-11-30 (1).csv")
    third = run_cli("outcomes", copy, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert third.returncode == 0 and "already recorded on" in third.stdout
    with Ledger(ledger) as led:
        assert led.db.execute("SELECT count(*) FROM events").fetchone()[0] == before
        assert led.db.execute("SELECT count(*) FROM outcome_files").fetchone()[0] == 2


def test_a_bad_position_refuses_its_row_with_one_line(ledger, tmp_path):
    bad = page_results_csv(tmp_path / "hasil_K01_2026-11-30.csv",
                    [gps(nik_for(1), "DT", DOOR_1, 12, recipient="Siti") | {"lat": "91.5"},
                     gps(nik_for(2), "DT", DOOR_1, 12, recipient="Budi") | {"lon": "<script>alert(1)</script>"},
                     gps(nik_for(3), "TR", DOOR_1, 12) | {"accuracy_m": "-5"},
                     gps(nik_for(4), "TR", DOOR_4, 12) | {"lat": ""},
                     gps(nik_for(5), "TR", DOOR_4, 8)])
    done = run_cli("outcomes", bad, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 4 and "Traceback" not in done.stderr
    lines = [x for x in done.stderr.splitlines() if x.startswith("ektp-route: refused:")]
    assert lines == [
        f"ektp-route: refused: {bad}, row 2, column 'lat', value '91.5': not a latitude (degrees, -90..90); "
        "outcome refused",
        f"ektp-route: refused: {bad}, row 3, column 'lon', value '<script>alert(1)</script>': not a longitude "
        "(degrees, -180..180); outcome refused",
        f"ektp-route: refused: {bad}, row 4, column 'accuracy_m', value '-5': not an accuracy in metres (>= 0); "
        "outcome refused",
        f"ektp-route: refused: {bad}, row 5, column 'lat', value '': lon is given without lat; outcome refused",
    ]
    assert "1 outcomes recorded, 0 already recorded, 4 refused" in done.stdout
    with Ledger(ledger) as led:
        assert led.counts()["planned"] == 4 and led.counts()["failed"] == 1
        # A file with refused rows is not remembered: once fixed, it can be given again.
        assert led.db.execute("SELECT count(*) FROM outcome_files").fetchone()[0] == 0
    fixed = page_results_csv(bad, [gps(nik_for(1), "DT", DOOR_1, 12, recipient="Siti"), gps(nik_for(5), "TR", DOOR_4, 8)])
    again = run_cli("outcomes", fixed, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert again.returncode == 0 and "1 outcomes recorded, 1 already recorded, 0 refused" in again.stdout


def test_a_delivery_teaches_the_household_and_failed_cards_return(day1, ledger, demo_files, tmp_path):
    _, _, plan1 = day1
    v1 = visits_by_nik(plan1)
    planned_1 = LatLon(v1[nik_for(1)]["lat"], v1[nik_for(1)]["lon"])
    assert v1[nik_for(1)]["precision"] == "dusun" and 400 < haversine_m(planned_1, DOOR_1) < 700
    assert haversine_m(LatLon(v1[nik_for(4)]["lat"], v1[nik_for(4)]["lon"]), DOOR_4) < 300
    results = page_results_csv(tmp_path / "hasil_K01_2026-11-30.csv", [
        gps(nik_for(1), "DT", DOOR_1, 20, recipient="Siti Aminah"),         # accurate: teaches, far from plan
        gps(nik_for(2), "DT", DOOR_1, 80, recipient="Budi Santoso"),        # 80 m: does not teach
        gps(nik_for(3), "TR", LatLon(-7.5700, 112.2200), 6),                # failed: never teaches
        gps(nik_for(4), "DT", DOOR_4, 15, recipient="Dewi Lestari"),        # teaches, close to plan: no line
    ])
    done = run_cli("outcomes", results, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "4 outcomes recorded, 0 already recorded, 0 refused; 2 delivered with a position" in done.stdout
    warnings = [x for x in done.stdout.splitlines() if x.startswith("location:")]
    gap = round(haversine_m(planned_1, DOOR_1))
    assert warnings == [
        f"location: {results}, row 2: household of card {mask(nik_for(1))} in desa 'Jabon' was planned {gap} m "
        f"from where it was delivered: planned at {planned_1} (dusun), delivered at {DOOR_1} (GPS \u00b120 m); "
        "its next cards are planned at the delivered point"]
    with Ledger(ledger) as led:
        learned = led.learned_locations()
    assert {k: centre(v) for k, v in learned.by_kk.items()} == {KK[1]: LearnedPoint(DOOR_1, 20.0, MONDAY),
                                                                 KK[4]: LearnedPoint(DOOR_4, 15.0, MONDAY)}

    # Day 2: a new card for each of households 1 and 2 (same KK, address written differently),
    # imported with the plan; card 3 (not at home) is due again.
    day2 = records_csv(tmp_path / "day2.csv", [
        dict(DAY1[0], nik=nik_for(11), nama="Ahmad Aminah", alamat="Jl Melati 5"),
        dict(DAY1[1], nik=nik_for(12), nama="Rina Santoso", alamat="")])
    plan2 = plan_cli(tmp_path, ledger, demo_files, TUESDAY, tmp_path / "d2", day2)
    v2 = visits_by_nik(plan2)
    assert set(v2) == {nik_for(11), nik_for(12), nik_for(3)}
    assert v2[nik_for(11)]["precision"] == "gps"
    assert (v2[nik_for(11)]["lat"], v2[nik_for(11)]["lon"]) == (DOOR_1.lat, DOOR_1.lon)
    assert v2[nik_for(12)]["precision"] == "dusun"  # its household's only position was 80 m off
    assert v2[nik_for(3)]["precision"] == "dusun"  # planned again, still where the gazetteer says
    assert nik_for(11) not in {r["nik"] for r in plan2["review"]}  # a door known: nothing to review
    courier = next(r["courier_id"] for r in plan2["routes"] if any(nik_for(11) in v["cards"] for v in r["visits"]))
    assert "gps (diantar sebelumnya)" in (tmp_path / "d2" / "sheets" / f"{courier}.html").read_text(encoding="utf-8")
    with Ledger(ledger) as led:
        assert led.db.execute("SELECT state, attempts FROM cards WHERE nik = ?", (nik_for(3),)).fetchone()[:] == (
            "planned", 1)
    planned_again = [e for e in events(ledger, nik_for(3)) if e["state"] == "planned"]
    assert [e["day"] for e in planned_again] == [MONDAY.isoformat(), TUESDAY.isoformat()]


def test_learned_points_are_the_median_of_the_fixes_by_kk_and_by_address(tmp_path):
    rows = [dict(DAY1[0]), dict(DAY1[0], nik=nik_for(6), nama="Nur"), dict(DAY1[4]),
            dict(DAY1[4], nik=nik_for(7), nama="Vague", alamat="")]
    rs = read_records(records_csv(tmp_path / "a.csv", rows))
    db = tmp_path / "l.sqlite"
    with Ledger(db) as led:
        led.import_batch(rs, b"a", MONDAY)
        led.db.execute("UPDATE cards SET state = 'planned'")  # as a recorded plan leaves them
        led.db.execute("INSERT INTO events(nik, at, day, state, courier_id) SELECT nik, ?, ?, 'planned', 'K01' "
                       "FROM cards", (MONDAY.isoformat(), MONDAY.isoformat()))
        first, later = LatLon(-7.5601, 112.2101), LatLon(-7.5602, 112.2102)
        result = led.record_outcomes(parse_outcome_rows(tmp_path / "o.csv", [
            gps(nik_for(6), "DT", later, 5, recipient="Nur", time="11:00"),  # later in the day, recorded first
            gps(nik_for(1), "DT", first, 30, recipient="Siti", time="08:00"),
            gps(nik_for(5), "DT", first, 50, recipient="Yuli"),
            gps(nik_for(7), "DT", later, 3, recipient="V")]), MONDAY)
        assert (result.applied, result.taught, result.problems) == (4, 4, ())
        learned = led.learned_locations()
    assert list(learned.by_kk) == [KK[1]]
    (h1,) = group_households(rs.records[:1])
    (h5,) = group_households(rs.records[2:3])
    (vague,) = group_households(rs.records[3:])
    # Two fixes 16 m apart agree: the household is at their median, neither the newest nor the first.
    assert learned.for_household(h1) == LearnedPoint(LatLon((first.lat + later.lat) / 2, (first.lon + later.lon) / 2),
                                                     17.5, MONDAY, fixes=2)
    assert learned.for_household(h5).point == first  # no KK: by its street address
    assert learned.for_household(vague) is None  # a bare RT/dusun is many doors: teaches nothing
    assert "||003|002|jombatan|jombang" not in learned.by_address


def test_locate_puts_gps_after_typed_coordinates_and_before_confirmed_and_gazetteer():
    door = LatLon(-7.5612, 112.2133)
    typed = LatLon(-7.5601, 112.2102)
    learned = Learned({"3517090101269999": (fix(door),)})
    (h,) = group_households([rec(2, 1, no_kk="3517090101269999")])
    confirmed = {"jalan melati nomor 5|caruk kulon|2|5|jabon|jombang": LatLon(-7.5, 112.2)}
    assert locate(h, GAZ, JOMBANG, confirmed).precision == "confirmed"
    loc = locate(h, GAZ, JOMBANG, confirmed, learned=learned)
    assert (loc.precision, loc.point, loc.note) == ("gps", door, "")
    (h,) = group_households([rec(2, 1, no_kk="3517090101269999", point=typed)])
    assert locate(h, GAZ, JOMBANG, learned=learned).precision == "coordinates"
    far = Learned({"3517090101269999": (fix(LatLon(-6.2, 106.8)),)})  # Jakarta
    (h,) = group_households([rec(2, 1, no_kk="3517090101269999")])
    loc = locate(h, GAZ, JOMBANG, learned=far)
    assert loc.precision == "dusun" and "outside Kabupaten Jombang; not used" in loc.note
    with pytest.raises(ValueError, match="does not teach"):
        LearnedPoint(door, 80.0, MONDAY)


# -- learning that resists bad data ---------------------------------------------------------------

def metres_from(p, north_m=0.0, east_m=0.0):
    """A point ``north_m`` north and ``east_m`` east of ``p``."""
    return LatLon(p.lat + north_m / 111_320.0, p.lon + east_m / 111_320.0 / 0.9913)


def out_for_delivery(led, day, niks, courier="K01"):
    """The cards on ``courier``'s route in a plan recorded for ``day``, as ``record_plan`` leaves them."""
    for nik in niks:
        led.db.execute("INSERT INTO events(nik, at, day, state, courier_id) VALUES (?, ?, ?, 'planned', ?)",
                       (nik, f"{day.isoformat()}T07:00", day.isoformat(), courier))


def planned_ledger(tmp_path, rows):
    """A real ledger holding ``rows``, every card out for delivery (as a recorded plan leaves them)."""
    db = tmp_path / "l.sqlite"
    with Ledger(db) as led:
        led.import_batch(read_records(records_csv(tmp_path / "cards.csv", rows)), b"cards", MONDAY)
        led.db.execute("UPDATE cards SET state = 'planned'")
    return db


def test_the_median_resists_one_fix_150_m_off(tmp_path):
    # One household (one KK), five cards over a week: three fixes at the door with 5 m of noise,
    # then one 150 m off (the newest), and on its own a second household's good fix and later outlier.
    rows = [dict(DAY1[0], nik=nik_for(k)) for k in range(1, 5)] + [dict(DAY1[3], nik=nik_for(k)) for k in (5, 6)]
    db = planned_ledger(tmp_path, rows)
    noise = [(3, -4), (-5, 1), (2, 4)]
    with Ledger(db) as led:
        for k, (north, east) in enumerate(noise, start=1):
            day = MONDAY - dt.timedelta(days=9 - k)
            out_for_delivery(led, day, [nik_for(k)])
            led.record_outcomes(parse_outcome_rows(tmp_path / f"hasil_{k}.csv", [
                gps(nik_for(k), "DT", metres_from(DOOR_1, north, east), 6, recipient="Siti")]), day)
        off = metres_from(DOOR_1, 150)
        out_for_delivery(led, MONDAY - dt.timedelta(days=1), [nik_for(4), nik_for(5)])
        got = led.record_outcomes(parse_outcome_rows(tmp_path / "hasil_4.csv", [
            gps(nik_for(4), "DT", off, 5, recipient="Siti", time="17:00"),
            gps(nik_for(5), "DT", DOOR_4, 8, recipient="Dewi")]), MONDAY - dt.timedelta(days=1))
        assert got.taught == 2  # the outlier is kept as evidence: it only does not move the point
        out_for_delivery(led, MONDAY, [nik_for(6)])
        got = led.record_outcomes(parse_outcome_rows(tmp_path / "hasil_5.csv", [
            gps(nik_for(6), "DT", metres_from(DOOR_4, -150), 8, recipient="Dewi")]), MONDAY)
        learned = led.learned_locations()
        assert led.db.execute("SELECT count(*) FROM events WHERE outcome = 'DT'").fetchone()[0] == 6
    (h1,) = group_households([r for r in read_records(tmp_path / "cards.csv").records if r.no_kk == KK[1]][:1])
    point = learned.for_household(h1)
    assert haversine_m(point.point, DOOR_1) < 3 and (point.fixes, point.outliers) == (3, 1)
    (h4,) = group_households([r for r in read_records(tmp_path / "cards.csv").records if r.no_kk == KK[4]][:1])
    assert learned.for_household(h4).point == DOOR_4  # one good fix, one later 150 m off: the first stands
    # The newest fix alone would have moved household 1 by 150 m.
    assert haversine_m(learned.by_kk[KK[1]][-1].point, off) < 1


POISON_ROWS = [dict(nik=nik_for(100 + k), nama=f"Warga {k}", alamat=f"Jl. Melati No. {k // 2 + 1}", rt="001",
                    rw="002", dusun="Caruk Kulon", desa="Jabon", kecamatan="Jombang",
                    no_kk=f"35170901012{k // 2 + 1:05d}") for k in range(30)]  # 30 cards of 15 households
#: The office: where a phone stuck on its morning fix puts every tap.
OFFICE = LatLon(-7.5461, 112.2335)


def test_one_position_for_many_households_teaches_none_and_changes_no_learned_point(tmp_path):
    # Day 1: three of the households are learned at their doors.
    doors = {k: metres_from(DOOR_1, 40 * k, -30 * k) for k in range(3)}
    db = planned_ledger(tmp_path, POISON_ROWS + [dict(r, nik=nik_for(200 + k)) for k, r in enumerate(POISON_ROWS)])
    with Ledger(db) as led:
        out_for_delivery(led, MONDAY, [nik_for(100 + 2 * k) for k in range(3)])
        out_for_delivery(led, TUESDAY, [nik_for(200 + k) for k in range(30)], courier="K07")
    first = page_results_csv(tmp_path / "hasil_K01_2026-11-30.csv",
                      [gps(nik_for(100 + 2 * k), "DT", doors[k], 6, recipient="W") for k in range(3)])
    assert run_cli("outcomes", first, "--db", db, "--date", MONDAY.isoformat(), cwd=tmp_path).returncode == 0
    with Ledger(db) as led:
        before = {kk: centre(fixes) for kk, fixes in led.learned_locations().by_kk.items()}
    assert len(before) == 3
    # Day 2: the courier's phone keeps the office's fix: 30 deliveries for 15 households within 5 m,
    # plus one good delivery elsewhere, which still teaches.
    poison = [gps(nik_for(200 + k), "DT", metres_from(OFFICE, k % 3, -(k % 4)), 10, recipient="W", courier="K07")
              for k in range(30)]
    alone = dict(DAY1[3], nik=nik_for(300))
    with Ledger(db) as led:
        led.import_batch(read_records(records_csv(tmp_path / "more.csv", [alone])), b"more", MONDAY)
        led.db.execute("UPDATE cards SET state = 'planned' WHERE nik = ?", (nik_for(300),))
        out_for_delivery(led, TUESDAY, [nik_for(300)], courier="K07")
    results = page_results_csv(tmp_path / "hasil_K07_2026-12-01.csv",
                        poison + [gps(nik_for(300), "DT", DOOR_4, 8, recipient="Dewi", courier="K07")])
    done = run_cli("outcomes", results, "--db", db, "--date", TUESDAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "31 outcomes recorded, 0 already recorded, 0 refused; 1 delivered with a position" in done.stdout
    lines = [x for x in done.stdout.splitlines() if x.startswith("location: not learned:")]
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith(f"location: not learned: {results}: courier K07, rows 2-31: 30 deliveries for "
                               "15 households all within 15 m of ")
    assert lines[0].endswith("none of them teaches a location")
    with Ledger(db) as led:
        learned = led.learned_locations()
        assert led.counts()["delivered"] == 34  # the cards count as delivered; only their positions teach nothing
    after = {kk: centre(fixes) for kk, fixes in learned.by_kk.items()}
    assert {kk: after[kk] for kk in before} == before
    assert set(after) == set(before) | {KK[4]}


def test_a_delivery_4_km_from_the_desa_point_teaches_nothing(day1, ledger, tmp_path):
    _, _, plan = day1
    v = visits_by_nik(plan)
    planned_1 = LatLon(v[nik_for(1)]["lat"], v[nik_for(1)]["lon"])
    assert v[nik_for(1)]["precision"] == "dusun"
    away = metres_from(planned_1, 4000)
    results = page_results_csv(tmp_path / "hasil_K01_2026-11-30.csv", [
        gps(nik_for(1), "DT", away, 10, recipient="Siti Aminah"),
        gps(nik_for(4), "DT", DOOR_4, 15, recipient="Dewi Lestari")])
    done = run_cli("outcomes", results, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 outcomes recorded, 0 already recorded, 0 refused; 1 delivered with a position" in done.stdout
    lines = [x for x in done.stdout.splitlines() if x.startswith("location:")]
    assert lines == [
        f"location: not learned: {results}, row 2: card {mask(nik_for(1))} was delivered at {away} (GPS \u00b110 m), "
        f"{round(haversine_m(away, planned_1))} m from its desa point {planned_1} that the plan used: its household "
        "cannot live more than 3000 m away; the position teaches nothing"]
    with Ledger(ledger) as led:
        assert set(led.learned_locations().by_kk) == {KK[4]}


@pytest.mark.parametrize("outcome, accuracy", [("AT", 5), ("TR", 5), ("PA", 5), ("DT", 0), ("DT", 51)])
def test_only_a_delivery_with_a_plausible_position_teaches(day1, ledger, demo_files, tmp_path, outcome, accuracy):
    results = page_results_csv(tmp_path / "hasil_K01_2026-11-30.csv", [
        gps(nik_for(1), outcome, DOOR_1, accuracy, recipient="Siti Aminah" if outcome == "DT" else "")])
    done = run_cli("outcomes", results, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 outcomes recorded, 0 already recorded, 0 refused; 0 delivered with a position" in done.stdout
    with Ledger(ledger) as led:
        assert len(led.learned_locations()) == 0
    if outcome == "AT":  # and the next plan does not put the household where the courier gave up
        day2 = records_csv(tmp_path / "day2.csv", [dict(DAY1[0], nik=nik_for(11))])
        v2 = visits_by_nik(plan_cli(tmp_path, ledger, demo_files, TUESDAY, tmp_path / "d2", day2))
        assert v2[nik_for(11)]["precision"] == "dusun"


def _taught_then_planned(ledger, demo_files, tmp_path, *between):
    """Household 1 delivered at DOOR_1 on day 1; ``between`` commands run; day 2 planned with a new card of it."""
    results = page_results_csv(tmp_path / "hasil_K01_2026-11-30.csv", [gps(nik_for(1), "DT", DOOR_1, 8, recipient="Siti")])
    assert run_cli("outcomes", results, "--db", ledger, "--date", MONDAY.isoformat(), cwd=tmp_path).returncode == 0
    for args in between:
        done = run_cli(*args, cwd=tmp_path)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        yield done
    day2 = records_csv(tmp_path / "day2.csv", [dict(DAY1[0], nik=nik_for(11), nama="Ahmad Aminah")])
    yield visits_by_nik(plan_cli(tmp_path, ledger, demo_files, TUESDAY, tmp_path / "d2", day2))[nik_for(11)]


def test_a_confirm_after_a_learned_point_wins_on_the_next_plan(day1, ledger, demo_files, tmp_path):
    tmp, _, _ = day1
    key = address_text(read_records(records_csv(tmp_path / "one.csv", DAY1[:1])).records[0])
    confirmed = LatLon(-7.566321, 112.214455)
    review = tmp_path / "review.csv"
    review.write_text(f"key,lat,lon\n{key},{confirmed.lat},{confirmed.lon}\n", encoding="utf-8")
    shutil.copy(tmp / "d1" / "plan.json", tmp_path / "plan.json")  # the region the review's plan used
    steps = _taught_then_planned(ledger, demo_files, tmp_path)
    taught = next(steps)
    assert taught["precision"] == "gps"  # learned first ...
    # ... then, on a fresh copy, the officer confirms after the delivery: the confirmed point wins.
    (tmp_path / "d2").rename(tmp_path / "d2-learned")
    with Ledger(ledger) as led:
        led.db.execute("DELETE FROM events WHERE day = ?", (TUESDAY.isoformat(),))
        led.db.execute("DELETE FROM cards WHERE nik = ?", (nik_for(11),))
        led.db.execute("DELETE FROM batches WHERE batch_date = ?", (TUESDAY.isoformat(),))
    done = run_cli("confirm", review, cwd=tmp_path)
    assert done.returncode == 0 and "1 new and 0 changed" in done.stdout, done.stderr
    day2 = records_csv(tmp_path / "day2.csv", [dict(DAY1[0], nik=nik_for(11), nama="Ahmad Aminah")])
    v = visits_by_nik(plan_cli(tmp_path, ledger, demo_files, TUESDAY, tmp_path / "d2", day2))[nik_for(11)]
    assert (v["precision"], v["lat"], v["lon"]) == ("confirmed", confirmed.lat, confirmed.lon)


def test_a_forgotten_learned_point_no_longer_places_the_household(ledger, demo_files, tmp_path):
    steps = _taught_then_planned(ledger, demo_files, tmp_path, ["forget", "--db", ledger, "--kk", KK[1]])
    forgot = next(steps)
    assert f"{ledger}: forgot the location deliveries taught kk:{KK[1]}" in forgot.stdout
    assert "forgot the location deliveries taught addr:jalan melati nomor 5|" in forgot.stdout
    v = next(steps)
    assert v["precision"] == "dusun" and haversine_m(LatLon(v["lat"], v["lon"]), DOOR_1) > 300
    with Ledger(ledger) as led:  # the fix is still there, as evidence
        assert len(led._fixes()) == 1 and len(led.learned_locations()) == 0
    unknown = run_cli("forget", "--db", ledger, "--kk", "3517090101269999", cwd=tmp_path)
    assert unknown.returncode == 2 and "no card of this KK number" in unknown.stderr


def test_a_confirmation_overrules_only_the_fixes_taken_before_it(tmp_path):
    from routing.confirmed import read_confirmed, write_store

    door, later_door = LatLon(-7.5612, 112.2133), LatLon(-7.5640, 112.2180)
    key = "jalan melati nomor 5|caruk kulon|2|5|jabon|jombang"
    (h,) = group_households([rec(2, 1, no_kk="3517090101269999")])
    learned = Learned({"3517090101269999": (fix(door, at="2026-11-30T09:00"), fix(later_door, at="2026-12-02T10:00"),
                                            fix(later_door, at="2026-12-03T10:00"))})
    # A store written before confirmations kept their time overrules nothing.
    old = tmp_path / "old.csv"
    old.write_text(f"key,lat,lon\n{key},-7.5,112.2\n", encoding="utf-8")
    assert read_confirmed(old).confirmed_at == {}
    assert learned.overruled_by(read_confirmed(old).confirmed_at).for_household(h).point == later_door
    store = write_store(tmp_path / "new.csv", {key: LatLon(-7.5, 112.2)}, {key: dt.datetime(2026, 12, 2, 12, 0)})
    known = read_confirmed(store)
    assert known.confirmed_at == {key: dt.datetime(2026, 12, 2, 12, 0)}
    # Confirmed on 2 December at noon: only the fix of 3 December still teaches.
    only_later = LearnedPoint(later_door, 10.0, dt.date(2026, 12, 3))
    assert learned.overruled_by(known.confirmed_at).for_household(h) == only_later
    assert learned.overruled_by({key: dt.datetime(2026, 12, 4)}).for_household(h) is None
    assert locate(h, GAZ, JOMBANG, dict(known.points), learned=learned.overruled_by({key: dt.datetime(2026, 12, 4)})
                  ).precision == "confirmed"


def test_forget_by_nik_sets_aside_a_household_without_a_kk_by_its_address(tmp_path):
    db = planned_ledger(tmp_path, [DAY1[4], dict(DAY1[4], nik=nik_for(6), nama="Yuli's son")])
    with Ledger(db) as led:
        out_for_delivery(led, MONDAY, [nik_for(5)])
        out_for_delivery(led, TUESDAY, [nik_for(6)])
        led.record_outcomes(parse_outcome_rows(tmp_path / "o.csv", [gps(nik_for(5), "DT", DOOR_4, 9, recipient="Y")]),
                            MONDAY)
        assert list(led.learned_locations().by_address) == ["jalan anggrek nomor 3|kauman|3|2|jombatan|jombang"]
        assert led.forget(nik=nik_for(6)) == ("addr:jalan anggrek nomor 3|kauman|3|2|jombatan|jombang",)
        assert len(led.learned_locations()) == 0
        # A delivery after the officer forgot teaches again.
        led.record_outcomes(parse_outcome_rows(tmp_path / "p.csv", [gps(nik_for(6), "DT", DOOR_1, 9, recipient="S")]),
                            TUESDAY)
        (fixes,) = led.learned_locations().by_address.values()
        assert centre(fixes).point == DOOR_1
        with pytest.raises(InputError, match="no such card"):
            led.forget(nik=nik_for(99))
