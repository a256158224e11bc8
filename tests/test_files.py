"""The read side of routing.files: encodings, control characters, blank lines, duplicate headers;
and writes into folders that do not exist."""

import pytest

from routing.errors import InputError
from routing.files import decode_text, read_rows, read_table, shown, strip_controls, undecoded, write_csv


def test_one_bad_byte_keeps_a_utf8_file_utf8(tmp_path):
    raw = "nama,desa\nSiti Nur’aini,Pulo Lor\nÑoño Çelik,Sengon\n".encode() + b"Bad\xe9row,Jombang\n"
    text = decode_text(tmp_path / "x.csv", raw)
    assert "Siti Nur’aini" in text and "Ñoño Çelik" in text  # not mojibake (Siti Nurâ€™aini)
    bad = text.splitlines()[3]
    assert undecoded(bad) and shown(bad) == "Bad\ufffdrow,Jombang"


def test_a_windows_1252_file_is_still_read_as_windows_1252(tmp_path):
    raw = "nama,desa\nSiti Nur’aini,Pulo Lor\nJosé,Sengon\nPlain,Ascii\n".encode("cp1252")
    text = decode_text(tmp_path / "x.csv", raw)
    assert "Siti Nur’aini" in text and "José" in text and not undecoded(text)


def test_utf16_with_bom_is_text_and_a_workbook_is_binary(tmp_path):
    assert decode_text(tmp_path / "u.txt", "nama\tdesa\nJosé\tSengon\n".encode("utf-16")) == \
        "nama\tdesa\nJosé\tSengon\n"
    with pytest.raises(InputError, match="Excel workbook"):
        decode_text(tmp_path / "w.csv", b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputError, match="old Excel .xls"):
        decode_text(tmp_path / "w.csv", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)


def test_a_stray_nul_in_the_first_bytes_is_dirt_not_binary(tmp_path):
    assert decode_text(tmp_path / "x.csv", b"id,nama\nK01,Bu\x00di\n") == "id,nama\nK01,Bu\x00di\n"


def test_strip_controls_keeps_tabs_and_line_breaks_and_drops_what_xml_forbids():
    assert strip_controls("a\tb\nc\rd\x00e\x08f\x1bg\x7fh\x85i\ufffej") == "a\tb\nc\rdefghij"
    assert shown("Bu\x1bdi" + "x" * 100, 10) == "Bu\\x1bdixxxxx... (105 characters)"


def test_small_table_blank_lines_before_header_keep_delimiter_and_row_numbers(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("\n\n  \nid,nama\nK01,Budi\n\nK02,Eko\n", encoding="utf-8")
    table = read_rows(f, "couriers file")
    assert table.header == ("id", "nama")
    assert table.rows == ((5, {"id": "K01", "nama": "Budi"}), (7, {"id": "K02", "nama": "Eko"}))
    assert read_table(f, "couriers file") == (["id", "nama"], [{"id": "K01", "nama": "Budi"},
                                                               {"id": "K02", "nama": "Eko"}])


def test_small_table_duplicate_header_is_one_line_naming_both_columns(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("nik,outcome,NIK\n3517,DT,3518\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_rows(f, "outcomes file")
    msg = str(err.value)
    assert "row 1" in msg and "'nik'" in msg and "columns 1 and 3" in msg and "\n" not in msg


def test_small_table_trailing_empty_header_cells_are_not_duplicates(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,nama,,\nK01,Budi,,\n", encoding="utf-8")
    assert read_rows(f, "couriers file").rows == ((2, {"id": "K01", "nama": "Budi"}),)


def test_small_table_control_characters_removed_and_listed(tmp_path):
    f = tmp_path / "c.csv"
    f.write_bytes(b"id,nama\nK01,Bu\x1b[2Jdi\x00\n")
    table = read_rows(f, "couriers file")
    assert table.rows == ((2, {"id": "K01", "nama": "Bu[2Jdi"}),)
    assert len(table.cleaned) == 1 and "row 2, column 'nama'" in table.cleaned[0]


@pytest.mark.parametrize("raw, message", [
    ("id,nama\nK01,Siti Nur’aini\nK02,".encode() + b"Bad\xe9\n", "row 3, column 'nama', value 'Bad\ufffd'"),
    (b"id,nama\nK01," + b"x" * (128 * 1024 + 1) + b"\n", "row 2, column 'nama'"),
])
def test_small_table_unreadable_cell_is_one_line_naming_row_and_column(tmp_path, raw, message):
    f = tmp_path / "c.csv"
    f.write_bytes(raw)
    with pytest.raises(InputError) as err:
        read_rows(f, "couriers file")
    assert message in str(err.value) and "\n" not in str(err.value) and len(str(err.value)) < 400


def test_writing_into_a_folder_that_does_not_exist_is_an_input_error(tmp_path):
    target = tmp_path / "no" / "such" / "ledger.csv"
    with pytest.raises(InputError) as err:
        write_csv(target, ["a"], [["1"]])
    assert f"the folder {target.parent} does not exist" in str(err.value)
    assert not (tmp_path / "no").exists()
