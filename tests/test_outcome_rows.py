"""An outcomes file's rows parsed into typed values before the ledger sees them; one line per refused row."""

import pytest

from routing.errors import InputError
from routing.geo import LatLon
from routing.outcome_rows import OutcomeRow, Position, parse_outcome_rows, read_outcome_file
from routing.outcomes import BY_CODE

NIK = "3517091506900001"


def test_rows_become_typed_values_and_bad_rows_one_line_each(tmp_path):
    f = tmp_path / "hasil_K01.csv"
    rows = [dict(nik=f"'{NIK}", outcome=" diterima ", recipient=" Siti ", time="09:15", lat="-7,5601", lon="112.21",
                 accuracy_m="12", courier="K01", note="pagar hijau"),
            dict(nik=NIK, outcome="TR"),
            dict(nik=NIK, outcome="HILANG"),
            dict(nik=NIK, outcome="DT", recipient=""),
            dict(nik=NIK, outcome="TR", lat="91", lon="112.2"),
            dict(nik=NIK, outcome="TR", lat="-7.5", lon="112.2", accuracy_m="-1")]
    got = parse_outcome_rows(f, rows)
    first, second = got.rows
    assert (first.nik, first.outcome.code, first.outcome_text, first.recipient, first.time.text, first.courier,
            first.note) == (NIK, "DT", "diterima", "Siti", "09:15", "K01", "pagar hijau")
    assert first.position == Position(LatLon(-7.5601, 112.21), 12.0) and first.row == 2
    assert (second.outcome.code, second.position, second.row) == ("TR", None, 3)
    assert [(r.row, r.line) for r in got.refused] == [
        (4, f"{f}, row 4, column 'outcome', value 'HILANG': unknown outcome; use one of DT, TR, PA, AT, MN, MD"),
        (5, f"{f}, row 5, column 'recipient', value '': a delivered card needs the recipient's name"),
        (6, f"{f}, row 6, column 'lat', value '91': not a latitude (degrees, -90..90); outcome refused"),
        (7, f"{f}, row 7, column 'accuracy_m', value '-1': not an accuracy in metres (>= 0); outcome refused"),
    ]


def test_an_outcome_row_is_checked_when_built(tmp_path):
    with pytest.raises(InputError, match="a delivered card needs the recipient's name"):
        OutcomeRow(tmp_path / "x.csv", 2, NIK, BY_CODE["DT"], "DT", recipient="  ")
    with pytest.raises(ValueError, match="not a spreadsheet row"):
        OutcomeRow(tmp_path / "x.csv", 0, NIK, BY_CODE["TR"], "TR")
    with pytest.raises(ValueError, match="is not one of"):
        OutcomeRow(tmp_path / "x.csv", 2, NIK, "TR", "TR")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a distance"):
        Position(LatLon(-7.5, 112.2), float("nan"))


def test_the_file_s_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path):
    f = tmp_path / "hasil.csv"
    f.write_text("\n\nnik,outcome,recipient,time\n\n" + f"{NIK},XX,,\n{NIK},TR,,10:00\n", encoding="utf-8")
    read = read_outcome_file(f)
    assert [r.row for r in read.rows.rows] == [6] and [r.row for r in read.rows.refused] == [5]
    f.write_text("nik,hasil\n1,DT\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected columns nik, outcome, recipient, time"):
        read_outcome_file(f)
