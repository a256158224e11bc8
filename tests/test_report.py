"""The office's report: figures from a hand-made ledger, the command in a real process, the page in Chromium."""

import datetime as dt
import json

import pytest
from conftest import HOSTILE, MONDAY, card, hand_plan, nik_for, one_line_error, open_offline_page, records_csv, run_cli

from maps.report_page import CSV_FILES, report_page, tables
from routing.ledger import Ledger
from routing.outcome_rows import parse_outcome_rows
from routing.records import read_records
from routing.planfact import clock_s, percentile
from routing.report_data import Period, build_report

EVIL = "<script>alert(1)</script>"
TUESDAY = MONDAY + dt.timedelta(days=1)
GENERATED = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def at_door(plan, serial):
    """The position columns of a phone standing at card ``serial``'s planned stop."""
    p = next(v.point for r in plan.routes for v in r.visits if v.cards[0].nik == nik_for(serial))
    return dict(lat=f"{p.lat:.7f}", lon=f"{p.lon:.7f}", accuracy_m="8")


def _ledger(tmp_path):
    """Four cards imported on MONDAY: 1 and 2 in Jabon, 3 and 4 in a desa named like a script; 4 urgent
    and never planned. K01 visits 1 (08:00) and 2 (08:10); courier EVIL visits 3 (08:00)."""
    rows = [dict(nik=nik_for(k), nama=f"Warga {k}", alamat=f"Jl. Melati {k}", desa="Jabon" if k < 3 else EVIL,
                 kecamatan="Jombang", prioritas="ya" if k == 4 else "") for k in (1, 2, 3, 4)]
    db = tmp_path / "ledger.sqlite"
    records = records_csv(tmp_path / "kartu.csv", rows)
    plan = hand_plan({"K01": [[card(1)], [card(2)]], EVIL: [[card(3, desa=EVIL)]]})
    with Ledger(db) as ledger:
        ledger.import_batch(read_records(records), records.read_bytes(), MONDAY)
        assert ledger.record_plan(plan) == 3
        # K01: 1 delivered at 08:05, when the plan has its 5-minute visit end (arrival 08:00), 2 not at home
        # at 08:30, 15 min after its visit's planned end; the other courier's phone says 07:50 at +06:00,
        # 08:50 in the office's zone, 45 min after 08:05. Each phone stood at the door.
        outcomes = parse_outcome_rows(tmp_path / "hasil.csv", [
            dict(nik=nik_for(1), outcome="DT", recipient="Warga 1", time="08:05", courier="K01", **at_door(plan, 1)),
            dict(nik=nik_for(2), outcome="TR", time="08:30", courier="K01", **at_door(plan, 2)),
            dict(nik=nik_for(3), outcome="DT", recipient="Warga 3", time="2026-11-30T07:50:00+06:00", courier=EVIL,
                 **at_door(plan, 3))])
        result = ledger.record_outcomes(outcomes, MONDAY)
        assert (result.applied, result.problems) == (3, ())
    return db


def test_figures_of_a_hand_made_ledger(tmp_path):
    with Ledger(_ledger(tmp_path), create=False) as ledger:
        report = build_report(ledger, Period(MONDAY, TUESDAY), 500, GENERATED)
    monday, tuesday = report.days
    assert (monday.imported, monday.planned, monday.delivered, monday.failed, monday.cancelled,
            monday.no_outcome) == (4, 3, 2, 1, 0, 0)
    assert (tuesday.imported, tuesday.planned, tuesday.delivered) == (0, 0, 0)
    # Open now: card 2 failed, card 4 received, both imported one day before the period's end.
    assert [(b.first_day, b.by_state) for b in report.backlog] == [(0, (1, 0, 1, 0)), (3, (0,) * 4), (7, (0,) * 4),
                                                                   (14, (0,) * 4), (30, (0,) * 4)]
    assert {o.code: o.count for o in report.outcomes} == {"DT": 2, "TR": 1, "PA": 0, "AT": 0, "MN": 0, "MD": 0}
    assert [(u.desa, u.state, u.attempts, u.waiting_days) for u in report.urgent] == [(EVIL, "received", 0, 1)]
    assert report.urgent[0].nik_masked != nik_for(4)
    k01, evil = sorted(report.couriers, key=lambda c: c.courier_id != "K01")
    # K01: errors 0 s and +900 s: median 450, p90 0.9 * 900 = 810; 25 min from first to last outcome.
    assert (k01.days, k01.delivered, k01.failed, k01.working_s, k01.matched) == (1, 1, 1, 1500, 2)
    assert (k01.error_median_s, k01.error_p90_s) == (450, 810)
    assert k01.per_hour == pytest.approx(1 * 3600 / 1500)
    # One outcome only: no working time to divide by.
    assert (evil.courier_id, evil.delivered, evil.working_s, evil.per_hour, evil.error_median_s) == (
        EVIL, 1, 0, None, 2700)
    by_desa = {d.desa: d for d in report.desa}
    assert (by_desa["Jabon"].delivered, by_desa["Jabon"].failed, by_desa["Jabon"].open_cards) == (1, 1, 1)
    assert by_desa["Jabon"].failure_rate == 0.5
    assert (by_desa[EVIL].delivered, by_desa[EVIL].failed, by_desa[EVIL].open_cards) == (1, 0, 1)


def test_tables_add_up_and_the_period_and_time_are_on_the_page(tmp_path):
    with Ledger(_ledger(tmp_path), create=False) as ledger:
        report = build_report(ledger, Period(MONDAY, TUESDAY), 500, GENERATED)
    t = tables(report)
    assert t["laporan_harian.csv"].total == ("jumlah", 4, 3, 2, 1, 0, 0, 1000, "0%")
    assert t["laporan_tunggakan.csv"].total[-1] == 2
    assert t["laporan_hasil.csv"].total[:3] == ("jumlah", "", 3)
    page = report_page(report)
    assert "Senin, 30 November 2026 s.d. Selasa, 1 Desember 2026" in page
    assert "2026-12-01 17:00 +0700" in page
    assert EVIL not in page  # escaped in the tables, and by matplotlib inside the charts
    assert "Peta desa tidak digambar" in page


def test_helpers():
    assert percentile([300, 1200], 0.5) == 750 and percentile([5], 0.9) == 5
    assert clock_s("2026-11-30T08:05:00") == 8 * 3600 + 300
    assert clock_s("2026-11-30T07:50:00+06:00") == 8 * 3600 + 3000
    assert clock_s("2026-11-30") is None
    with pytest.raises(ValueError):
        Period(TUESDAY, MONDAY)


def _boundaries(path):
    """Two square desa polygons, one of them named like a script."""
    def square(lon, lat):
        return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01],
                                                    [lon, lat + 0.01], [lon, lat]]]}
    features = [{"type": "Feature", "properties": {"desa": name}, "geometry": square(112.2 + 0.01 * k, -7.56)}
                for k, name in enumerate(("Jabon", EVIL))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_the_command_writes_the_page_and_private_csv_tables(tmp_path):
    db = _ledger(tmp_path)
    out = tmp_path / "laporan"
    done = run_cli("report", "--db", db, "--out", out, "--from", "2026-11-30", "--to", "2026-12-01",
                   "--boundaries", _boundaries(tmp_path / "desa.geojson"))
    assert done.returncode == 0, done.stderr
    assert "2 cards delivered" in done.stdout
    page = (out / "laporan.html").read_text(encoding="utf-8")
    assert 'id="chart-desa"' in page and "Peta desa tidak digambar" not in page
    assert "tidak ada di batas desa" not in page  # both desa are drawn
    for name in ("laporan.html", *CSV_FILES):
        assert (out / name).stat().st_mode & 0o077 == 0, name
    harian = (out / "laporan_harian.csv").read_text(encoding="utf-8-sig").splitlines()
    assert harian[0] == "tanggal,diimpor,direncanakan,diterima,gagal,batal,tanpa_hasil,target,capaian"
    assert harian[1] == "2026-11-30,4,3,2,1,0,0,500,0%"
    assert harian[-1] == "jumlah,4,3,2,1,0,0,1000,0%"


@pytest.mark.parametrize("args, says", [
    (("--from", "2026-13-01"), "--from '2026-13-01': expected a date YYYY-MM-DD"),
    (("--to", "kemarin"), "--to 'kemarin': expected a date YYYY-MM-DD"),
    (("--from", "2026-12-02", "--to", "2026-12-01"), "--from 2026-12-02 is after --to 2026-12-01"),
])
def test_bad_dates_are_one_line(tmp_path, args, says):
    db = _ledger(tmp_path)
    assert says in one_line_error(run_cli("report", "--db", db, "--out", tmp_path / "o", *args))


def test_a_missing_ledger_is_one_line_and_creates_nothing(tmp_path):
    line = one_line_error(run_cli("report", "--db", tmp_path / "none.sqlite", "--out", tmp_path / "o",
                                  "--to", "2026-12-01"))
    assert "no ledger here" in line
    assert not (tmp_path / "none.sqlite").exists() and not (tmp_path / "o").exists()


def test_the_page_in_chromium_fetches_nothing_and_shows_hostile_names_as_text(browser, tmp_path):
    db = _ledger(tmp_path)
    out = tmp_path / "laporan"
    done = run_cli("report", "--db", db, "--out", out, "--from", "2026-11-30", "--to", "2026-12-01",
                   "--boundaries", _boundaries(tmp_path / "desa.geojson"))
    assert done.returncode == 0, done.stderr
    context = browser.new_context()
    page, errors, dialogs, requests = open_offline_page(context, out / "laporan.html")
    assert errors == [] and dialogs == []
    assert [u for u in requests if not u.startswith("file:")] == []
    for chart in ("harian", "tunggakan", "hasil", "kurir", "desa"):
        assert page.locator(f"#chart-{chart} svg").count() == 1, chart
    assert page.locator("script").count() == 0  # neither the page's own nor one a name brought
    assert EVIL in page.locator("#desa table").inner_text()
    assert EVIL in page.locator("#kurir table").inner_text()
    assert EVIL in page.locator("#mendesak table").inner_text()
    # In the chart the courier's name is an SVG text node, not an element.
    assert EVIL in page.locator("#chart-kurir svg").text_content()
    context.close()


def test_a_corrected_outcome_counts_once(tmp_path):
    db = _ledger(tmp_path)
    with Ledger(db, create=False) as ledger:
        # K01's phone tapped card 2 again later: delivered after all. The TR stays as evidence, superseded.
        later = parse_outcome_rows(tmp_path / "hasil2.csv", [dict(nik=nik_for(2), outcome="DT", recipient="Warga 2",
                                                                  time="08:40", courier="K01")])
        assert ledger.record_outcomes(later, MONDAY).applied == 1
        report = build_report(ledger, Period(MONDAY, MONDAY), 500, GENERATED)
    (monday,) = report.days
    assert (monday.planned, monday.delivered, monday.failed, monday.no_outcome) == (3, 3, 0, 0)
    assert {o.code: o.count for o in report.outcomes}["TR"] == 0
    k01 = next(c for c in report.couriers if c.courier_id == "K01")
    # The stop's time is still its first tap (08:30, at the door): errors 0 s and +900 s; 08:05 to 08:40 worked.
    assert (k01.delivered, k01.failed, k01.working_s, k01.error_median_s) == (2, 0, 2100, 450)


def test_the_same_figures_give_the_same_bytes_and_hostile_names_stay_text_in_the_charts(tmp_path):
    from xml.etree import ElementTree

    from maps import charts
    from maps.report_page import LABELS
    from routing.report_data import CourierRow

    with Ledger(_ledger(tmp_path), create=False) as ledger:
        report = build_report(ledger, Period(MONDAY, TUESDAY), 500, GENERATED)
    assert report_page(report) == report_page(report)
    # ``$`` would start mathtext, ``<`` an element: both must come out as the characters.
    svg = charts.courier_chart((CourierRow(HOSTILE, 1, 1, 0, 600, 1, 60, 60),), LABELS)
    root = ElementTree.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "img", "foreignObject")]
    assert HOSTILE.replace("\u2028", "") in "".join(root.itertext()).replace("\u2028", "")


def test_daily_target_is_a_setting(tmp_path):
    from routing.config import load_settings
    from routing.errors import InputError

    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text("daily_target = 350\n", encoding="utf-8")
    bad.write_text("daily_target = 0\n", encoding="utf-8")
    assert load_settings(good).daily_target == 350 and load_settings(None).daily_target == 500
    with pytest.raises(InputError, match="daily_target"):
        load_settings(bad)
