"""The delivery ledger on a real SQLite file: day-to-day cycle, crash safety, concurrent commands."""

import csv
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import DATA, nik_for, one_line_error, outcomes_csv, records_csv, run_cli
from conftest import sengon_rows as rows

from routing.cli import main
from routing.errors import EXIT_LEDGER_BUSY, EXIT_OK, EXIT_PARTIAL, InputError, LedgerBusy
from routing.ledger import MIGRATIONS, Ledger, ledger_timeout
from routing.outcome_rows import parse_outcome_rows, read_outcome_file
from routing.outcomes import OUTCOMES
from routing.records import read_records


@pytest.fixture
def runner():
    return CliRunner()


def plan_db(runner, db, network, out, day, *extra):
    args = ["plan", *extra, "--db", str(db), "--network", str(network), "--out", str(out), "--date", day,
            "--time-limit", "1", "-q"]
    result = runner.invoke(main, args)
    assert result.exit_code in (EXIT_OK, EXIT_PARTIAL), result.output
    return json.loads((out / "plan.json").read_text())


def planned_niks(plan):
    return {n for r in plan["routes"] for v in r["visits"] for n in v["cards"]}


def test_three_day_cycle(runner, tmp_path, demo_files):
    db = tmp_path / "ledger.sqlite"
    day1 = records_csv(tmp_path / "day1.csv", rows(6))
    # Day 1: import and plan in one command.
    p1 = plan_db(runner, db, demo_files.network, tmp_path / "d1", "2026-11-30", str(day1))
    assert planned_niks(p1) == {nik_for(k) for k in range(1, 7)}
    # Outcomes: 1-3 delivered, 4 and 5 not at home, 6 moved away.
    res = outcomes_csv(tmp_path / "o1.csv", [(nik_for(1), "DT", "Warga 0", "08:10"), (nik_for(2), "DT", "Ibu", "08:20"),
                                             (nik_for(3), "diterima", "Bapak", "08:30"), (nik_for(4), "TR", "", "09:00"),
                                             (nik_for(5), "TR", "", "09:10"), (nik_for(6), "PA", "", "09:20")])
    r = runner.invoke(main, ["outcomes", str(res), "--db", str(db), "--date", "2026-11-30"])
    assert r.exit_code == EXIT_OK and "6 outcomes recorded" in r.output
    # Day 2: two new cards come in; the three failed ones return, the delivered do not.
    new = rows(8)[6:]
    day2 = records_csv(tmp_path / "day2.csv", new)
    p2 = plan_db(runner, db, demo_files.network, tmp_path / "d2", "2026-12-01", str(day2))
    assert planned_niks(p2) == {nik_for(k) for k in (4, 5, 6, 7, 8)}
    res = outcomes_csv(tmp_path / "o2.csv", [(nik_for(4), "DT", "Warga 3", "10:00"), (nik_for(5), "AT", "", "10:30"),
                                             (nik_for(6), "TR", "", "10:40"), (nik_for(7), "DT", "X", "11:00"),
                                             (nik_for(8), "MD", "", "11:10")])
    assert runner.invoke(main, ["outcomes", str(res), "--db", str(db), "--date", "2026-12-01"]).exit_code == 0
    # Day 3: 5 and 6 failed twice: they wait at the office; nothing else is due.
    with Ledger(db) as ledger:
        for f in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            assert os.stat(f).st_mode & 0o077 == 0, f  # personal data: owner only
        assert ledger.counts() == {"received": 0, "planned": 0, "delivered": 5, "failed": 0, "pickup": 2,
                                   "cancelled": 1}
        assert ledger.integrity() == "ok"
        # The codes are stored, never the words the sheet prints ("diterima" was typed for card 3).
        outcomes = ledger.db.execute("SELECT nik, outcome, reason FROM events WHERE outcome IS NOT NULL "
                                     "ORDER BY id").fetchall()
        assert [(n, o) for n, o, _ in outcomes][:3] == [(nik_for(1), "DT"), (nik_for(2), "DT"), (nik_for(3), "DT")]
        assert len(outcomes) == 11 and {r for _, _, r in outcomes} == {None}
        words = {o.words_id for o in OUTCOMES}
        assert not [r for (r,) in ledger.db.execute("SELECT reason FROM events") if r in words]
    p3 = plan_db(runner, db, demo_files.network, tmp_path / "d3", "2026-12-02")
    assert p3["summary"]["cards_in"] == 0 and not planned_niks(p3)
    status = runner.invoke(main, ["status", "--db", str(db), "--date", "2026-12-01"])
    assert status.exit_code == 0 and "delivered: 5" in status.output and "pickup: 2" in status.output
    assert "Sengon" in status.output
    out = tmp_path / "ledger.csv"
    assert runner.invoke(main, ["export", "--db", str(db), "--out", str(out)]).exit_code == 0
    exported = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {e["nik"]: e["state"] for e in exported}[nik_for(5)] == "pickup" and len(exported) == 8
    # The export shows the words, in the office's language.
    last = {e["nik"]: e["last_event"] for e in exported}
    assert last[nik_for(5)] == "2026-12-01 alamat tidak ditemukan" and last[nik_for(8)] == "2026-12-01 meninggal"


def test_import_is_idempotent_and_changes_are_reported(runner, tmp_path):
    db = tmp_path / "l.sqlite"
    f = records_csv(tmp_path / "a.csv", rows(4))
    first = runner.invoke(main, ["import", str(f), "--db", str(db)])
    assert first.exit_code == 0 and "4 new cards" in first.output
    again = runner.invoke(main, ["import", str(f), "--db", str(db)])
    assert again.exit_code == 0 and "imported before: nothing added" in again.output
    changed = rows(5)
    changed[1]["alamat"] = "Jl. Baru 99"
    g = records_csv(tmp_path / "b.csv", changed)
    result = runner.invoke(main, ["import", str(g), "--db", str(db)])
    assert result.exit_code == EXIT_PARTIAL
    assert "1 new cards, 3 already known, 1 changed" in result.output
    assert f"{g}, row 3, column 'nik', value '{nik_for(2)}': card already in the ledger" in result.output
    assert "'Jl. Mawar 1' -> 'Jl. Baru 99'" in result.output
    with Ledger(db) as ledger:
        assert ledger.db.execute("SELECT alamat FROM cards WHERE nik = ?", (nik_for(2),)).fetchone()[0] == "Jl. Mawar 1"
        assert ledger.counts()["received"] == 5


def test_impossible_outcomes_are_refused(runner, tmp_path):
    db = tmp_path / "l.sqlite"
    runner.invoke(main, ["import", str(records_csv(tmp_path / "a.csv", rows(2))), "--db", str(db)])
    res = outcomes_csv(tmp_path / "o.csv", [(nik_for(1), "DT", "X", "08:00"), ("3517091506909999", "DT", "Y", "08:00"),
                                            (nik_for(2), "HILANG", "", "")])
    result = runner.invoke(main, ["outcomes", str(res), "--db", str(db), "--date", "2026-11-30"])
    assert result.exit_code == EXIT_PARTIAL
    assert ("row 2, column 'nik', value '3517091506900001': card 3517********0001 is received and was on no plan "
            "recorded for 2026-11-30; outcome refused") in result.output
    assert "row 3, column 'nik', value '3517091506909999': no such card" in result.output
    assert "row 4, column 'outcome', value 'HILANG': unknown outcome" in result.output
    with Ledger(db) as ledger:
        assert ledger.counts()["received"] == 2


def test_migrations_keep_data(tmp_path):
    db = tmp_path / "old.sqlite"
    with Ledger(db, schema=1) as old:  # a database as release 1 left it
        assert old.version == 1
        old.db.execute("INSERT INTO batches(file, sha256, imported_at, batch_date, cards) VALUES ('f','h','t','d',1)")
        old.db.execute("INSERT INTO cards(nik, batch_id, state, nama, desa, row_hash, updated_at) "
                       f"VALUES ('{nik_for(1)}', 1, 'received', 'Siti', 'Jabon', 'x', 't')")
    with Ledger(db) as upgraded:
        assert upgraded.version == len(MIGRATIONS)
        assert upgraded.counts()["received"] == 1
        assert upgraded.db.execute("SELECT count(*) FROM changes").fetchone()[0] == 0


def test_a_ledger_with_outcome_words_migrates_to_codes_and_still_knows_a_repeat(tmp_path):
    db = tmp_path / "old.sqlite"
    with Ledger(db, schema=3) as old:  # as releases up to 3 left a ledger: the outcome's words in `reason`
        old.db.execute("INSERT INTO batches(file, sha256, imported_at, batch_date, cards) VALUES ('f','h','t','d',4)")
        for k, state, attempts, reason in ((1, "failed", 1, "tidak di rumah"), (2, "delivered", 0, "diterima"),
                                           (3, "pickup", 2, "alamat tidak ditemukan"),
                                           (4, "received", 0, "unassigned: not_geocoded")):
            old.db.execute("INSERT INTO cards(nik, batch_id, state, attempts, nama, desa, row_hash, updated_at) "
                           "VALUES (?, 1, ?, ?, 'Warga', 'Sengon', 'x', 't')", (nik_for(k), state, attempts))
            old.db.execute("INSERT INTO events(nik, at, day, state, courier_id) VALUES "
                           "(?, '2026-11-30T07:00', '2026-11-30', 'planned', 'K01')", (nik_for(k),))
            old.db.execute("INSERT INTO events(nik, at, day, state, reason, attempt) VALUES "
                           "(?, '2026-11-30T09:00', '2026-11-30', ?, ?, ?)", (nik_for(k), state, reason, attempts))
    with Ledger(db) as ledger:
        assert ledger.version == len(MIGRATIONS) and ledger.integrity() == "ok"
        stored = ledger.db.execute("SELECT outcome, reason FROM events WHERE state != 'planned' "
                                   "ORDER BY nik").fetchall()
        assert [tuple(r) for r in stored] == [("TR", None), ("DT", None), ("AT", None),
                                              (None, "unassigned: not_geocoded")]
        # The same outcomes given again are repeats; another outcome for the failed card, with no time
        # to tell which came later, is a conflict.
        f = tmp_path / "hasil.csv"
        rows = parse_outcome_rows(f, [dict(nik=nik_for(1), outcome="TR"), dict(nik=nik_for(2), outcome="diterima",
                                                                                recipient="Siti"),
                                      dict(nik=nik_for(3), outcome="at"), dict(nik=nik_for(1), outcome="PA")])
        result = ledger.record_outcomes(rows, dt.date(2026, 11, 30))
        assert (result.applied, result.repeated) == (0, 3)
        assert result.problems == (f"{f}, row 5, column 'outcome', value 'PA': conflict: card 3517********0001 "
                                   "already has TR recorded for 2026-11-30 (2026-11-30T09:00, courier ?); this row "
                                   "differs in outcome (TR recorded, PA here); nothing overwritten. If this row is "
                                   "right, give it with `outcomes --correct`",)
        assert ledger.db.execute("SELECT count(*) FROM events").fetchone()[0] == 8
        assert ledger.counts() == {"received": 1, "planned": 0, "delivered": 1, "failed": 1, "pickup": 1,
                                   "cancelled": 0}


def big_batch(path, n):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "lat", "lon"])
        for k in range(n):
            w.writerow([f"3517091506{k // 9999 + 10:02d}{k % 9999 + 1:04d}", f"Warga {k} " + "x" * 200, f"Jl. {k}",
                        "1", "2", "Sengon", "Sengon", "Jombang", "-7.535", "112.226"])
    return path


def test_killed_import_leaves_all_or_nothing(tmp_path):
    batch = big_batch(tmp_path / "big.csv", 60_000)
    db = tmp_path / "crash.sqlite"
    Ledger(db).db.close()
    wal = tmp_path / "crash.sqlite-wal"
    killed_mid_transaction = 0
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "routing.cli", "import", str(batch), "--db", str(db),
                                 "--date", f"2026-11-{attempt + 1:02d}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = wal.stat().st_size if wal.exists() else 0
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > start + 1_000_000:  # pages spilling: inside the transaction
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait()
        with Ledger(db) as ledger:
            assert ledger.integrity() == "ok"
            n = ledger.db.execute("SELECT count(*) FROM cards").fetchone()[0]
            batches = ledger.db.execute("SELECT count(*) FROM batches").fetchone()[0]
        assert n in (0, 60_000) and batches == (n > 0)
        if proc.returncode == -signal.SIGKILL and n == 0:
            killed_mid_transaction += 1
        else:
            break  # the import finished: later attempts would only add nothing
    assert killed_mid_transaction >= 1


def test_second_command_waits_then_fails_clearly(tmp_path, runner):
    db = tmp_path / "busy.sqlite"
    Ledger(db).db.close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another command is writing
    try:
        with pytest.raises(LedgerBusy, match="in use by another ektp-route command"):
            with Ledger(db, timeout_s=0.5) as ledger:
                ledger.import_batch(__import__("routing.records").records.read_records(
                    records_csv(tmp_path / "a.csv", rows(2))), b"x", __import__("datetime").date(2026, 11, 30))
        os.environ["EKTP_LEDGER_TIMEOUT"] = "0.5"
        result = runner.invoke(main, ["import", str(records_csv(tmp_path / "b.csv", rows(2))), "--db", str(db)])
        assert result.exit_code == EXIT_LEDGER_BUSY and "in use by another" in result.output
    finally:
        os.environ.pop("EKTP_LEDGER_TIMEOUT", None)
        holder.execute("ROLLBACK")
        holder.close()
    with Ledger(db) as ledger:
        assert ledger.integrity() == "ok" and sum(ledger.counts().values()) == 0
    # With the other command finished, the same import goes through.
    assert runner.invoke(main, ["import", str(tmp_path / "b.csv"), "--db", str(db)]).exit_code == 0


def _import_proc(batch, db, day, timeout):
    env = {**os.environ, "EKTP_LEDGER_TIMEOUT": str(timeout)}
    return subprocess.Popen([sys.executable, "-m", "routing.cli", "import", str(batch), "--db", str(db),
                             "--date", day], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_inside_transaction(proc, wal, start):
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > start + 1_000_000:
            return True
        time.sleep(0.005)
    return False


@pytest.mark.parametrize("timeout, expect_wait", [(0.1, False), (60, True)])
def test_two_real_commands_at_once(tmp_path, timeout, expect_wait):
    """A second ektp-route command against a ledger that another one is writing."""
    big = big_batch(tmp_path / "big.csv", 60_000)
    small = records_csv(tmp_path / "small.csv", rows(3))
    db = tmp_path / "two.sqlite"
    Ledger(db).db.close()
    wal = tmp_path / "two.sqlite-wal"
    first = _import_proc(big, db, "2026-11-30", 30)
    assert _wait_inside_transaction(first, wal, wal.stat().st_size if wal.exists() else 0)
    second = _import_proc(small, db, "2026-11-30", timeout)
    out2, err2 = second.communicate(timeout=120)
    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    if expect_wait:
        assert second.returncode == 0 and "3 new cards" in out2
    else:
        assert second.returncode == EXIT_LEDGER_BUSY
        assert "in use by another ektp-route command" in err2 and "Traceback" not in err2
    with Ledger(db) as ledger:
        assert ledger.integrity() == "ok"
        assert sum(ledger.counts().values()) == 60_000 + (3 if expect_wait else 0)


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", "-1", "1e9", "30s"])
def test_a_timeout_that_is_not_seconds_is_one_line(raw):
    with pytest.raises(InputError) as err:
        ledger_timeout({"EKTP_LEDGER_TIMEOUT": raw})
    assert f"EKTP_LEDGER_TIMEOUT={raw!r}" in str(err.value) and "\n" not in str(err.value)


def test_timeout_default_and_value():
    assert ledger_timeout({}) == 30.0 and ledger_timeout({"EKTP_LEDGER_TIMEOUT": " 2.5 "}) == 2.5


def test_cli_timeout_abc_exit_2(tmp_path):
    line = one_line_error(run_cli("import", DATA / "valid.csv", "--db", tmp_path / "l.sqlite",
                                  env={"EKTP_LEDGER_TIMEOUT": "abc"}))
    assert "EKTP_LEDGER_TIMEOUT='abc'" in line


def test_opening_a_missing_ledger_for_reading_does_not_create_one(tmp_path):
    db = tmp_path / "ektp-ledgr.sqlite"
    with pytest.raises(InputError) as err:
        Ledger(db, create=False)
    assert f"{db}: no ledger here" in str(err.value) and "ektp-route import" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_ledger_opens_without_create(tmp_path):
    db = tmp_path / "l.sqlite"
    with Ledger(db) as ledger:
        ledger.import_batch(read_records(DATA / "valid.csv"), b"x", dt.date(2026, 11, 30))
    with Ledger(db, create=False) as ledger:
        assert sum(ledger.counts().values()) > 0


def test_a_ledger_in_a_folder_that_does_not_exist_is_one_line(tmp_path):
    with pytest.raises(InputError, match=r"the folder .*nope does not exist"):
        Ledger(tmp_path / "nope" / "l.sqlite")
    with pytest.raises(InputError, match="is a folder, not a ledger database"):
        Ledger(tmp_path)
    assert not (tmp_path / "nope").exists()


def test_cli_db_in_a_folder_that_does_not_exist_exit_2(tmp_path):
    line = one_line_error(run_cli("import", DATA / "valid.csv", "--db", tmp_path / "nope" / "l.sqlite"))
    assert "does not exist" in line


def test_cli_export_into_a_folder_that_does_not_exist_exit_2(tmp_path):
    db = tmp_path / "l.sqlite"
    with Ledger(db) as ledger:
        ledger.import_batch(read_records(DATA / "valid.csv"), b"x", dt.date(2026, 11, 30))
    line = one_line_error(run_cli("export", "--db", db, "--out", tmp_path / "nope" / "ledger.csv"))
    assert f"the folder {tmp_path / 'nope'} does not exist" in line


def test_outcome_problems_name_the_rows_read_rows_numbered(tmp_path):
    f = tmp_path / "hasil.csv"
    f.write_text("\n\nnik,outcome,recipient,time\n\n3517094507900099,DT,Siti,09:00\n", encoding="utf-8")
    with Ledger(tmp_path / "l.sqlite") as ledger:
        result = ledger.record_outcomes(read_outcome_file(f).rows, dt.date(2026, 11, 30))
    assert result.problems == (f"{f}, row 5, column 'nik', value '3517094507900099': no such card in the ledger",)


def test_cards_stored_with_control_characters_come_out_clean(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.import_batch(read_records(DATA / "valid.csv"), b"x", dt.date(2026, 11, 30))
        # As an import made before control characters were removed on reading left them.
        ledger.db.execute("UPDATE cards SET nama = 'Bu' || char(27) || 'di', alamat = 'Jl.' || char(0) || ' 5'")
        due, _ = ledger.due_records()
    assert due and all(r.nama == "Budi" and r.alamat == "Jl. 5" for r in due)
