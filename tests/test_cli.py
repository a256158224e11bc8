"""The command line end to end with click's CliRunner: exit codes and one-line errors.

CliRunner catches every exception and never prints a traceback, so "no traceback" is checked in
a real subprocess (stderr), or under CliRunner by :func:`no_crash` on ``result.exception``.
"""

import json
import subprocess

import pytest
from click.testing import CliRunner
from conftest import DATA, cli_env, nik_for, plan_args, records_csv, run_cli
from conftest import sengon_rows as rows

from routing.cli import main
from routing.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_PARTIAL


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def no_crash(result):
    """The command ended through ``sys.exit`` (a handled error or success), not an escaped exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "internal error" not in result.output


def test_demo_small_day_end_to_end(runner, tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(main, ["demo", "--out", str(out), "--cards", "60", "--time-limit", "2",
                                  "--date", "2026-11-30", "-q"])
    assert result.exit_code == EXIT_OK, result.output
    plan = json.loads((out / "plan.json").read_text())
    s = plan["summary"]
    assert s["cards_in"] == 60 == s["cards_planned"] + s["cards_unassigned"] + s["cards_rejected"]
    assert plan["synthetic"] is True
    assert (out / "input" / "kartu_selesai_demo.csv").exists() and (out / "input" / "jaringan_jalan_demo.osm").exists()
    for r in plan["routes"]:
        assert (out / "sheets" / f"{r['courier_id']}.html").exists()
        assert (out / "maps" / f"{r['courier_id']}.html").exists()
        assert r["duration_s"] <= r["shift"]["end_s"] - r["shift"]["start_s"]
    assert (out / "maps" / "overview.html").exists()
    assert "Rencana 2026-11-30: 60 kartu masuk" in result.output


def test_plan_exit_0_when_everything_planned(runner, tmp_path, demo_files):
    f = records_csv(tmp_path / "ok.csv", rows(5))
    result = runner.invoke(main, plan_args(f, demo_files.network, tmp_path / "out"))
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads((tmp_path / "out" / "plan.json").read_text())["summary"]["cards_planned"] == 5


def test_plan_exit_partial_with_rejected_row(runner, tmp_path, demo_files):
    r = rows(4)
    r[2]["lon"] = "abc"
    f = records_csv(tmp_path / "partial.csv", r)
    result = runner.invoke(main, plan_args(f, demo_files.network, tmp_path / "out"))
    assert result.exit_code == EXIT_PARTIAL
    assert f"ektp-route: rejected: {f}, row 4, column 'lon', value 'abc': longitude is not a number" in result.output
    assert (tmp_path / "out" / "rejected.csv").read_text(encoding="utf-8-sig").count("\n") == 2


@pytest.mark.parametrize("args, message", [
    (lambda d, t: plan_args(DATA / "missing_column.csv", d.network, t), "row 1: missing column(s) desa"),
    (lambda d, t: plan_args(DATA / "binary.csv", d.network, t), "not a text CSV file"),
    (lambda d, t: plan_args(DATA / "empty.csv", d.network, t), "the file is empty"),
    (lambda d, t: plan_args(DATA / "valid.csv", t / "nope.osm", t), "network file not found"),
    (lambda d, t: plan_args(DATA / "valid.csv", d.network, t, "--depot", "-7.9,111.5"), "depot -7.900000,111.500000 is"),
    (lambda d, t: ["plan", str(DATA / "valid.csv"), "--out", str(t)], "no road network given"),
])
def test_unusable_input_exit_2_one_line_no_traceback(tmp_path, demo_files, args, message):
    result = run_cli(*args(demo_files, tmp_path))
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ektp-route: error") and message in lines[0], lines
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_option_values_exit_2(runner, tmp_path, demo_files):
    for extra, message in ((["--date", "30-11-2026"], "Invalid value for '--date': expected YYYY-MM-DD"),
                           (["--depot", "jombang"], "Invalid value for '--depot': expected LAT,LON"),
                           (["--couriers", "0"], "Invalid value for '--couriers': 0 is not in the range")):
        result = runner.invoke(main, plan_args(DATA / "valid.csv", demo_files.network, tmp_path, *extra))
        assert result.exit_code == 2 and message in result.output, result.output
        no_crash(result)


def test_bad_config_exit_2(runner, tmp_path, demo_files):
    cfg = tmp_path / "c.toml"
    cfg.write_text("servis_base_s = 300\n")
    result = runner.invoke(main, plan_args(DATA / "valid.csv", demo_files.network, tmp_path, "--config", str(cfg)))
    assert result.exit_code == 2 and "unknown setting(s) ['servis_base_s']" in result.output


def test_config_changes_the_plan(runner, tmp_path, demo_files):
    cfg = tmp_path / "c.toml"
    cfg.write_text('service_base_s = 600\n[shift.mon_thu]\nstart = "08:00"\nend = "15:00"\n'
                   'break_start = "12:00"\nbreak_end = "12:30"\n')
    f = records_csv(tmp_path / "ok.csv", rows(3))
    result = runner.invoke(main, plan_args(f, demo_files.network, tmp_path / "o", "--config", str(cfg)))
    assert result.exit_code == 0, result.output
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert plan["routes"][0]["start_s"] >= 8 * 3600
    assert all(v["service_s"] == 660 for v in plan["routes"][0]["visits"])


def test_render_redraws_from_plan_json(runner, tmp_path, demo_files):
    f = records_csv(tmp_path / "ok.csv", rows(4))
    out = tmp_path / "o"
    assert runner.invoke(main, plan_args(f, demo_files.network, out)).exit_code == 0
    for p in (out / "sheets").glob("*.html"):
        p.unlink()
    result = runner.invoke(main, ["render", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    sheet = (out / "sheets" / "K01.html").read_text()
    assert "e-KTP Delivery Route Sheet" in sheet
    assert runner.invoke(main, ["render", str(tmp_path / "nothing")]).exit_code == 2


def test_network_import_and_info(runner, tmp_path, demo_files):
    out = tmp_path / "demo.graphml"
    result = runner.invoke(main, ["network", "import", str(demo_files.network), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 0
    info = runner.invoke(main, ["network", "info", str(out)])
    assert info.exit_code == 0
    assert "strongly connected components" in info.output and "residential" in info.output
    assert "motorway" not in info.output and "footway" not in info.output


def test_network_fetch_offline_is_exit_3(runner, tmp_path, monkeypatch):
    import requests

    def offline(*a, **k):
        raise requests.exceptions.ConnectionError("no network in tests")

    monkeypatch.setattr(requests.Session, "request", offline)
    monkeypatch.setattr(requests, "get", offline)
    monkeypatch.setattr(requests, "post", offline)
    monkeypatch.setenv("EKTP_CACHE_DIR", str(tmp_path))
    import osmnx

    monkeypatch.setattr(osmnx.settings, "cache_folder", str(tmp_path / "osmnx-cache"))
    result = runner.invoke(main, ["network", "fetch", "Kabupaten Jombang", "--out", str(tmp_path / "j.graphml")])
    assert result.exit_code == 3, result.output
    assert "unreachable" in result.output
    no_crash(result)


@pytest.mark.parametrize("name, code, message", [
    ("valid.csv", EXIT_OK, None),
    ("semicolon.csv", EXIT_OK, None),
    ("bom.csv", EXIT_OK, None),
    ("latin1.csv", EXIT_OK, None),
    ("records.xlsx", EXIT_OK, None),
    ("indonesian_headers.csv", EXIT_OK, None),
    ("swapped_coordinates.csv", EXIT_OK, None),
    ("excel_nik.csv", EXIT_PARTIAL, "row 2, column 'nik', value '3.51709E+15'"),
    ("numeric_nik.xlsx", EXIT_PARTIAL, "Excel keeps only 15 digits"),
    ("duplicate_nik.csv", EXIT_PARTIAL, "row 4, column 'nik'"),
    ("bad_coordinate.csv", EXIT_PARTIAL, "row 3, column 'lat', value '-7.53x0'"),
    ("empty.csv", EXIT_BAD_INPUT, "the file is empty"),
    ("header_only.csv", EXIT_BAD_INPUT, "no card rows"),
    ("binary.csv", EXIT_BAD_INPUT, "not a text CSV file"),
    ("missing_column.csv", EXIT_BAD_INPUT, "missing column(s) desa"),
])
def test_every_data_file_through_the_cli(runner, tmp_path, demo_files, name, code, message):
    result = runner.invoke(main, plan_args(DATA / name, demo_files.network, tmp_path / "o"))
    assert result.exit_code == code, result.output
    no_crash(result)
    if message:
        assert message in result.output
    if code != EXIT_BAD_INPUT:
        plan = json.loads((tmp_path / "o" / "plan.json").read_text())
        s = plan["summary"]
        assert s["cards_in"] == s["cards_planned"] + s["cards_unassigned"] + s["cards_rejected"]


def test_review_fix_is_remembered_on_the_next_run(runner, tmp_path, demo_files):
    import csv as _csv

    r = rows(3)
    r[1].update(lat="", lon="", desa="Sengon", dusun="Dukuh Baru")  # no coordinates: desa precision via gazetteer
    f = records_csv(tmp_path / "in.csv", r)
    store = tmp_path / "lokasi.csv"
    args = plan_args(f, demo_files.network, tmp_path / "d1", "--locations", str(store)) + \
        ["--gazetteer", str(demo_files.gazetteer)]
    assert runner.invoke(main, args).exit_code == 0
    review = tmp_path / "d1" / "review.csv"
    lines = list(_csv.DictReader(review.read_text(encoding="utf-8-sig").splitlines()))
    assert [(x["nik"], x["precision"]) for x in lines] == [(nik_for(2), "desa")]
    lines[0]["lat"], lines[0]["lon"] = "-7,5372", "112,2281"  # typed in Indonesian Excel
    with open(review, "w", newline="", encoding="utf-8") as fh:
        w = _csv.DictWriter(fh, fieldnames=list(lines[0]))
        w.writeheader()
        w.writerows(lines)
    result = runner.invoke(main, ["confirm", str(review), "--locations", str(store)])
    assert result.exit_code == 0 and "1 new and 0 changed" in result.output
    args[args.index(str(tmp_path / "d1"))] = str(tmp_path / "d2")
    assert runner.invoke(main, args).exit_code == 0
    plan = json.loads((tmp_path / "d2" / "plan.json").read_text())
    visit = next(v for rt in plan["routes"] for v in rt["visits"] if nik_for(2) in v["cards"])
    assert visit["precision"] == "confirmed" and (visit["lat"], visit["lon"]) == (-7.5372, 112.2281)
    assert not plan["review"]


def test_confirm_reports_bad_rows(runner, tmp_path):
    review = tmp_path / "review.csv"
    review.write_text("row,nik,lat,lon,key\n2,x,-7.55,112.23,a|b\n3,y,abc,112.2,c|d\n4,z,-6.2,106.8,e|f\n5,w,,,g\n")
    result = runner.invoke(main, ["confirm", str(review), "--locations", str(tmp_path / "s.csv")])
    assert result.exit_code == EXIT_PARTIAL
    assert f"{review}, row 3, column 'lat', value 'abc,112.2': not a coordinate" in result.output
    assert "row 4" in result.output and "outside Kabupaten Jombang" in result.output
    assert "1 new and 0 changed" in result.output


def test_gazetteer_build_from_extract(runner, tmp_path):
    from routing.gazetteer import read_gazetteer

    out = tmp_path / "gaz.csv"
    result = runner.invoke(main, ["gazetteer", "build", "--osm", str(DATA / "places.osm"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 desa, 2 dusun" in result.output
    entries = {(e.desa, e.dusun): e.point for e in read_gazetteer(out).entries}
    assert set(entries) == {("Jabon", ""), ("Jabon", "Caruk Kulon"), ("Sengon", ""), ("Sengon", "Ngemplak")}
    # The desa point of Jabon comes from its boundary polygon, and lies inside it.
    assert -7.572 < entries[("Jabon", "")].lat < -7.560 and 112.205 < entries[("Jabon", "")].lon < 112.220
    assert runner.invoke(main, ["gazetteer", "build", "--out", str(out)]).exit_code == 2


def test_online_geocoding_offline_is_skipped_with_a_note(runner, tmp_path, demo_files, monkeypatch):
    import osmnx
    import requests

    calls = []

    def offline(*a, **k):
        calls.append(a)
        raise requests.exceptions.ConnectionError("no network in tests")

    monkeypatch.setattr(requests.Session, "request", offline)
    monkeypatch.setattr(requests, "get", offline)
    monkeypatch.setattr(osmnx.settings, "cache_folder", str(tmp_path / "osmnx-cache"))
    r = rows(3)
    for k in (0, 1):
        r[k].update(lat="", lon="", desa=f"Antah Berantah {k}", alamat=f"Jl. X {k}")
    f = records_csv(tmp_path / "in.csv", r)
    result = runner.invoke(main, plan_args(f, demo_files.network, tmp_path / "o", "--geocode-online"))
    assert result.exit_code == EXIT_PARTIAL, result.output
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert [u["reason"] for u in plan["unassigned"]] == ["not_geocoded", "not_geocoded"]
    assert all("online geocoding unreachable" in u["detail"] and "skipped" in u["detail"] for u in plan["unassigned"])
    assert len(calls) <= 1  # once down, later cards do not wait on the network again


def test_deterministic_plans_are_identical(runner, tmp_path, demo_files):
    f = records_csv(tmp_path / "in.csv", rows(25))
    outs = []
    for k in (1, 2):
        out = tmp_path / f"o{k}"
        result = runner.invoke(main, plan_args(f, demo_files.network, out, "--deterministic", "--couriers", "2"))
        assert result.exit_code == 0, result.output
        outs.append((out / "plan.json").read_text())
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["meta"]["deterministic"] is True


def _ledger_of_many_desa(db, n):
    """A ledger whose ``status`` prints one line per desa for ``n`` desa (far more than a pipe holds)."""
    from routing.ledger import Ledger

    with Ledger(db) as ledger:
        ledger.db.execute("INSERT INTO batches(file, sha256, imported_at, batch_date, cards) "
                          "VALUES ('f', 'h', 't', 'd', ?)", (n,))
        ledger.db.executemany("INSERT INTO cards(nik, batch_id, state, nama, desa, row_hash, updated_at) "
                              "VALUES (?, 1, 'received', 'Warga', ?, 'x', 't')",
                              [(nik_for(k), f"Desa Nomor {k:05d}") for k in range(1, n + 1)])
    return db


def test_a_reader_that_stops_early_ends_any_command_quietly(tmp_path):
    """``ektp-route status | head -1``: the pipe closes under the command, which exits 141 without a word."""
    db = _ledger_of_many_desa(tmp_path / "l.sqlite", 2000)  # about 200 KB of status: it blocks on the pipe
    env = cli_env()
    with subprocess.Popen(["ektp-route", "status", "--db", str(db)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env) as proc:
        first = proc.stdout.readline()  # what `head -1` reads, before it closes the pipe
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert code == 141, err
    assert first.decode().startswith(f"{db}: 2000 cards")
    assert err == "", err  # no "internal error", no traceback, no "Exception ignored" at exit
    # The same through a shell's pipe, as the officer types it.
    shell = subprocess.run(f"set -o pipefail; ektp-route status --db '{db}' | head -1", shell=True,
                           executable="/bin/bash", capture_output=True, text=True, env=env, timeout=120)
    assert shell.stdout.startswith(f"{db}: 2000 cards") and shell.stdout.count("\n") == 1
    assert shell.stderr == "" and shell.returncode == 141, shell.stderr
