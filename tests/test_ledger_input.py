"""Opening the ledger with bad input: a mistyped --db, a folder that does not exist, a timeout that
is not a number. One line and exit 2, never a new empty ledger."""

import datetime as dt

import pytest
from conftest import DATA, one_line_error, run_cli

from routing.errors import InputError
from routing.ledger import Ledger, ledger_timeout
from routing.records import read_records


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
    from routing.files import read_rows

    f = tmp_path / "hasil.csv"
    f.write_text("\n\nnik,outcome,recipient,time\n\n3517094507900099,DT,Siti,09:00\n", encoding="utf-8")
    table = read_rows(f, "outcomes file")
    with Ledger(tmp_path / "l.sqlite") as ledger:
        result = ledger.record_outcomes(f, [cells for _, cells in table.rows], dt.date(2026, 11, 30),
                                        row_numbers=[n for n, _ in table.rows])
    assert result.problems == (f"{f}, row 5, column 'nik', value '3517094507900099': no such card in the ledger",)


def test_cards_stored_with_control_characters_come_out_clean(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.import_batch(read_records(DATA / "valid.csv"), b"x", dt.date(2026, 11, 30))
        # As an import made before control characters were removed on reading left them.
        ledger.db.execute("UPDATE cards SET nama = 'Bu' || char(27) || 'di', alamat = 'Jl.' || char(0) || ' 5'")
        due, _ = ledger.due_records()
    assert due and all(r.nama == "Budi" and r.alamat == "Jl. 5" for r in due)
