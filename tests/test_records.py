"""One small file per input case in tests/data."""

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
import pytest
from conftest import DATA, nik_for, one_line_error, plan_args, run_cli

from routing.demo import VILLAGES
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


HEADER = "nik,nama,alamat,rt,rw,dusun,desa,kecamatan,lat,lon"


def row(k: int, nama: str = "", alamat: str = "") -> str:
    c = VILLAGES["Sengon"][0]
    return (f"{nik_for(k + 1)},{nama or f'Warga {k}'},{alamat or f'Jl. Mawar {k}'},1,1,Sengon,Sengon,Jombang,"
            f"{c.lat + 0.0004 * k:.6f},{c.lon:.6f}")


def test_control_characters_anywhere_are_removed_and_listed(tmp_path):
    filler = [row(k) for k in range(2, 60)]  # pushes the NUL far past the first 4 KiB
    lines = [HEADER, row(0, nama="Budi\x1b[31m Santoso", alamat="Jl. Melati\x08\x08 5")] + filler
    lines.append(row(60, nama="Sri\x00 Wahyuni"))
    f = tmp_path / "c.csv"
    f.write_bytes(("\n".join(lines) + "\n").encode())
    assert f.read_bytes().index(b"\x00") > 4096
    rs = read_records(f)
    assert not rs.rejected and len(rs.records) == 60
    first, last = rs.records[0], rs.records[-1]
    assert (first.nama, first.alamat, last.nama) == ("Budi[31m Santoso", "Jl. Melati 5", "Sri Wahyuni")
    assert [c.split(": ")[0] for c in rs.cleaned] == [
        f"{f}, row 2, column 'nama', value 'Budi\\\\x1b[31m Santoso'",
        f"{f}, row 2, column 'alamat', value 'Jl. Melati\\\\x08\\\\x08 5'",
        f"{f}, row 61, column 'nama', value 'Sri\\\\x00 Wahyuni'"]


def test_cell_over_128_kib_rejects_only_its_row(tmp_path):
    f = tmp_path / "big.csv"
    f.write_text("\n".join([HEADER, row(0), row(1, alamat="x" * 200_000), row(2)]) + "\n", encoding="utf-8")
    rs = read_records(f)
    assert [r.row for r in rs.records] == [2, 4]
    (bad,) = rs.rejected
    assert (bad.row, bad.column, bad.reason) == (3, "alamat", "bad_value")
    assert "row 3, column 'alamat'" in bad.detail and "longer than 131072" in bad.detail
    assert len(bad.detail) < 400 and len(bad.value) < 100


def test_xlsx_cell_over_128_kib_rejects_only_its_row(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for k in range(3):
        cells = row(k).split(",")
        if k == 1:
            cells[1] = "PLACEHOLDER"
        ws.append(cells)
    wb.save(tmp_path / "made.xlsx")
    # openpyxl cuts what it writes at Excel's 32,767 characters, but reads whatever another tool wrote.
    with zipfile.ZipFile(tmp_path / "made.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(tmp_path / "big.xlsx", "w") as z:
        for name, data in parts.items():
            z.writestr(name, data.replace(b"PLACEHOLDER", b"N" * 140_000))
    rs = read_records(tmp_path / "big.xlsx")
    assert [r.row for r in rs.records] == [2, 4]
    assert [(r.row, r.column, r.reason) for r in rs.rejected] == [(3, "nama", "bad_value")]


def test_one_bad_byte_rejects_its_row_and_keeps_the_file_utf8(tmp_path):
    f = tmp_path / "u.csv"
    body = "\n".join([HEADER, row(0, nama="Siti Nur’aini"), row(1, nama="Ñoño Çelik"), row(2, nama="XBADX"),
                      row(3, nama="Dewi Anggraeni")]) + "\n"
    f.write_bytes(body.encode().replace(b"XBADX", b"Bad\xe9"))
    rs = read_records(f)
    assert [r.nama for r in rs.records] == ["Siti Nur’aini", "Ñoño Çelik", "Dewi Anggraeni"]
    (bad,) = rs.rejected
    assert (bad.row, bad.column, bad.reason, bad.value) == (4, "nama", "bad_value", "Bad\ufffd")
    assert "not text in this file's encoding" in bad.detail
    # The rejection is written to rejected.csv later: it must encode.
    bad.detail.encode("utf-8")


def test_a_windows_1252_file_is_read_whole(tmp_path):
    f = tmp_path / "w.csv"
    f.write_bytes(("\n".join([HEADER, row(0, nama="José Nur’aini"), row(1)]) + "\n").encode("cp1252"))
    rs = read_records(f)
    assert not rs.rejected and rs.records[0].nama == "José Nur’aini"


def test_blank_lines_before_header_keep_delimiter_and_spreadsheet_row_numbers(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("\n\n" + "\n".join(line.replace(",", ";") for line in [HEADER, row(0), row(1)]) + "\n",
                 encoding="utf-8")
    rs = read_records(f)
    assert [r.row for r in rs.records] == [4, 5] and rs.records[0].desa == "Sengon"


@pytest.mark.parametrize("header, first, second", [
    (HEADER + ",nik", "nik", "nik"),
    (HEADER + ",NO NIK", "nik", "NO NIK"),
    (HEADER.replace("desa", "DESA/KELURAHAN", 1).replace("dusun,DESA/KELURAHAN", "dusun,desa") + ",kelurahan",
     "desa", "kelurahan"),
])
def test_two_columns_for_one_field_is_one_line_naming_both(tmp_path, header, first, second):
    f = tmp_path / "d.csv"
    f.write_text(header + "\n" + row(0) + ",x\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_records(f)
    msg = str(err.value)
    assert f"columns {first!r} and {second!r}" in msg and "row 1" in msg and "\n" not in msg


def test_a_column_override_settles_two_columns_for_one_field(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(HEADER + ",NO NIK\n" + row(0) + ",junk\n", encoding="utf-8")
    assert read_records(f, columns={"nik": "nik"}).records[0].nik == nik_for(1)


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory, demo_files):
    """One real `ektp-route plan` over a file with ESC, backspace and a late NUL in names and
    addresses, a 200 KB cell and one byte that is not UTF-8 among accented names."""
    tmp = tmp_path_factory.mktemp("hostile")
    lines = [HEADER, row(0, nama="Budi\x1b[2J Santoso", alamat="Jl. Melati\x08 5\x1b]0;x\x07"),
             row(1, nama="Siti Nur’aini"), row(2, alamat="y" * 200_000), row(3, nama="XBADX")]
    lines += [row(k) for k in range(4, 40)] + [row(40, alamat="Jl. Kenanga\x00 9", nama="Ñoño\x00")]
    f = tmp / "kartu.csv"
    f.write_bytes(("\n".join(lines) + "\n").encode().replace(b"XBADX", b"Bad\xe9"))
    assert f.read_bytes().index(b"\x00") > 4096
    out = tmp / "out"
    result = run_cli("plan", f, "--network", demo_files.network, "--out", out, "--date", "2026-11-30",
                     "--time-limit", "1", "-q")
    return result, out


def test_cli_hostile_records_exit_4_without_traceback(hostile_plan):
    result, out = hostile_plan
    assert result.returncode == 4, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    rejected = list(csv.DictReader(io.StringIO((out / "rejected.csv").read_text(encoding="utf-8-sig"))))
    assert sorted((r["row"], r["column"], r["reason"]) for r in rejected) == [
        ("4", "alamat", "bad_value"), ("5", "nama", "bad_value")]


def test_cli_hostile_records_gpx_is_valid_xml_and_outputs_hold_no_control_characters(hostile_plan):
    _, out = hostile_plan
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["summary"]["cards_in"] == 41
    gpx = sorted((out / "gpx").glob("*.gpx"))
    assert gpx
    for g in gpx:
        ET.parse(g)  # raises on a control character
    addresses = " ".join(el.text or "" for g in gpx for el in ET.parse(g).iter() if el.tag.endswith("desc"))
    assert "Jl. Melati 5]0;x" in addresses and "Jl. Kenanga 9" in addresses
    for page in [*(out / "sheets").glob("*.html"), *(out / "maps").glob("*.html"), out / "plan.json"]:
        text = page.read_text(encoding="utf-8")
        assert not any(ch in text for ch in "\x00\x07\x08\x1b"), page


def test_cli_hostile_records_keep_accents_after_one_bad_byte(hostile_plan):
    _, out = hostile_plan
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    names = {c["nama"] for r in plan["routes"] for v in r["visits"] for c in v["recipients"]}
    names |= {u["card"]["nama"] for u in plan["unassigned"]}
    assert {"Siti Nur’aini", "Ñoño", "Budi[2J Santoso"} <= names
    assert not any("â€" in n or "Ã" in n for n in names)


def test_cli_records_with_two_nik_columns_is_one_line_exit_2(tmp_path, demo_files):
    f = tmp_path / "d.csv"
    f.write_text(HEADER + ",NIK\n" + row(0) + ",x\n", encoding="utf-8")
    line = one_line_error(run_cli("plan", f, "--network", demo_files.network, "--out", tmp_path / "o",
                                  "--date", "2026-11-30", "--time-limit", "1", "-q"))
    assert "columns 'nik' and 'NIK'" in line and "row 1" in line


def test_an_xlsx_whose_sheet_xml_cannot_be_read_is_one_line_and_exit_2(tmp_path):
    """Found by bench/fuzz.py: a lone surrogate written into a cell breaks the sheet's XML."""

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan"])
    book.active.append(["3517094507900003", "\ud800", "Jl. Melati 5", "1", "2", "Caruk Kulon", "Jabon", "Jombang"])
    book.save(tmp_path / "kartu.xlsx")
    result = run_cli(*plan_args(tmp_path / "kartu.xlsx", tmp_path / "n.osm", tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("ektp-route: error")]
    assert "kartu.xlsx, row 2" in line and "cannot be read" in line and "Traceback" not in result.stderr
