"""One small file per input case in tests/data."""

import pytest
from conftest import DATA

from routing.errors import InputError
from routing.records import read_records


def niks(rs):
    return [r.nik for r in rs.records]


@pytest.mark.parametrize("name", ["valid.csv", "semicolon.csv", "bom.csv"])
def test_encodings_and_delimiters_give_the_same_records(name):
    rs = read_records(DATA / name)
    assert niks(rs) == ["3517094507900003", "3517091203850004", "3517095003920005"]
    assert rs.records[0].point.lat == pytest.approx(-7.565)
    assert rs.records[0].dusun == "Caruk Kulon" and rs.records[0].rt == "002"
    assert not rs.rejected


def test_urgent_from_keterangan_and_prioritas():
    rs = read_records(DATA / "valid.csv")
    assert [r.urgent for r in rs.records] == [False, True, True]


def test_latin1_names_are_decoded():
    rs = read_records(DATA / "latin1.csv")
    assert rs.records[0].nama == "Siti Aminah Bakrí"
    assert rs.records[1].nama == "Dewi Lestarì"


def test_xlsx_first_sheet_and_named_sheet():
    rs = read_records(DATA / "records.xlsx")
    assert len(rs.records) == 3 and rs.records[2].point.lon == pytest.approx(112.226)
    assert niks(read_records(DATA / "records.xlsx", sheet="Kartu Selesai")) == niks(rs)
    with pytest.raises(InputError, match="no sheet named 'Nope'"):
        read_records(DATA / "records.xlsx", sheet="Nope")


def test_indonesian_headers_and_combined_rt_rw():
    rs = read_records(DATA / "indonesian_headers.csv")
    first = rs.records[0]
    assert (first.rt, first.rw, first.desa, first.no_kk) == ("002", "005", "Jabon", "3517090101000001")
    assert first.urgent and first.telepon == "081234567890"


def test_excel_mangled_nik_rejected_and_apostrophe_accepted():
    rs = read_records(DATA / "excel_nik.csv")
    assert niks(rs) == ["3517095003920005"]
    (bad,) = rs.rejected
    assert bad.row == 2 and bad.column == "nik" and bad.value == "3.51709E+15"
    assert "scientific notation" in bad.detail and "excel_nik.csv, row 2" in bad.detail


def test_numeric_nik_cell_in_xlsx_rejected():
    rs = read_records(DATA / "numeric_nik.xlsx")
    assert not rs.records
    assert "15 digits" in rs.rejected[0].detail


def test_duplicate_nik_keeps_the_first():
    rs = read_records(DATA / "duplicate_nik.csv")
    assert [r.row for r in rs.records] == [2, 3]
    (dup,) = rs.rejected
    assert dup.row == 4 and dup.reason == "duplicate_nik" and "row 2" in dup.detail


def test_bad_coordinate_is_one_clear_line():
    rs = read_records(DATA / "bad_coordinate.csv")
    (bad,) = rs.rejected
    assert bad.detail == f"{DATA / 'bad_coordinate.csv'}, row 3, column 'lat', value '-7.53x0': latitude is not a number"
    assert "\n" not in bad.detail


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "the file is empty"),
    ("header_only.csv", "has a header but no card rows"),
    ("binary.csv", "not a text CSV file"),
    ("missing_column.csv", "row 1: missing column(s) desa"),
    ("does_not_exist.csv", "file not found"),
])
def test_unusable_files_raise_one_line(name, message):
    with pytest.raises(InputError) as err:
        read_records(DATA / name)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(DATA / name) in str(err.value)


def test_column_map_override(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("NIK PEMOHON,nama,alamat,rt,rw,dusun,desa,kecamatan\n"
                 "3517094507900003,Siti,Jl. A,1,2,Caruk Kulon,Jabon,Jombang\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_records(f)
    assert niks(read_records(f, columns={"nik": "NIK PEMOHON"})) == ["3517094507900003"]
