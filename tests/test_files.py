"""The read side of routing.files: encodings, control characters, blank lines, duplicate headers;
and writes into folders that do not exist."""

import os
import stat

import pytest
from conftest import card, hand_plan, plan_args, records_csv, run_cli, sengon_rows

from maps.render import render_all
from routing.errors import InputError
from routing.files import (
    decode_text,
    private_dir,
    read_rows,
    read_table,
    shown,
    strip_controls,
    undecoded,
    write_csv,
    write_private,
)


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


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_existing_out_folder_keeps_its_mode(tmp_path, loose_umask):
    shared = tmp_path / "bersama"
    shared.mkdir()
    os.chmod(shared, 0o755)
    (shared / "sheets").mkdir()
    os.chmod(shared / "sheets", 0o750)  # an existing subfolder is the office's too
    plan = hand_plan({"K01": [[card(1)], [card(2)]]})
    render_all(plan, shared)
    assert mode(shared) == 0o755 and mode(shared / "sheets") == 0o750
    for name in ("maps", "gpx"):
        assert mode(shared / name) == 0o700
    files = [os.path.join(root, n) for root, _, names in os.walk(shared) for n in names]
    assert len(files) >= 10 and all(mode(f) == 0o600 for f in files)


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o277])
def test_new_folders_and_parents_are_owner_only_whatever_the_umask(tmp_path, umask):
    os.chmod(tmp_path, 0o755)
    old = os.umask(umask)
    try:
        target = private_dir(tmp_path / "a" / "b" / "c")
        f = write_private(target / "x.csv", "nik\n")
    finally:
        os.umask(old)
    assert mode(tmp_path) == 0o755  # existed before: untouched
    for folder in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert mode(folder) == 0o700, folder
    assert mode(f) == 0o600


def test_rewriting_a_file_keeps_it_private(tmp_path, loose_umask):
    f = tmp_path / "plan.json"
    f.write_text("old")
    os.chmod(f, 0o644)
    write_private(f, "new")
    assert f.read_text() == "new" and mode(f) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left


def test_plan_into_the_current_folder_leaves_it_alone(tmp_path, demo_files, loose_umask):
    """``--out .`` in a shared 0755 folder, through the real command."""
    os.chmod(tmp_path, 0o755)
    records = records_csv(tmp_path / "kartu.csv", sengon_rows(3))
    os.chmod(records, 0o644)
    result = run_cli(*plan_args(records, demo_files.network, "."), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path) == 0o755 and mode(records) == 0o644
    assert mode(tmp_path / "plan.json") == 0o600 and mode(tmp_path / "sheets") == 0o700
    assert mode(tmp_path / "sheets" / "K01.pdf") == 0o600


def test_lone_surrogate_is_written_not_fatal(tmp_path):
    assert write_private(tmp_path / "x.html", "Warga \udcff").read_bytes() == b"Warga ?"


def test_render_of_an_edited_plan_with_a_lone_surrogate(tmp_path):
    """``\\udcff`` is valid JSON but not text: ``render`` names the field in one line and draws nothing."""
    from maps.render import write_plan_json

    write_plan_json(hand_plan({"K01": [[card(1, nama="Warga Satu")]]}), tmp_path)
    plan_json = tmp_path / "plan.json"
    plan_json.write_text(plan_json.read_text().replace("Warga Satu", "Warga \\udcff"))
    result = run_cli("render", tmp_path, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "recipients[0].nama" in line and "lone surrogate" in line
    assert not (tmp_path / "sheets").exists()


def test_a_lone_surrogate_reaching_a_writer_becomes_a_question_mark(tmp_path):
    path = write_private(tmp_path / "x.html", "Warga \udcff")
    assert path.read_text(encoding="utf-8") == "Warga ?"


def test_a_planted_symlink_at_the_temporary_name_is_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    out = private_dir(tmp_path / "out")
    (out / ".K01.html.tmp").symlink_to(victim)
    write_private(out / "K01.html", "sheet")
    assert victim.read_text() == "keep"
    assert (out / "K01.html").read_text() == "sheet" and not (out / "K01.html").is_symlink()
    assert mode(out / "K01.html") == 0o600
    assert sorted(p.name for p in out.iterdir()) == [".K01.html.tmp", "K01.html"]  # the planted link, unused
