"""The couriers file: ids that name files, ids and names kept, blank lines and duplicate headers,
and a day's break clipped to a courier's own hours."""

import os

import pytest
from conftest import MONDAY, one_line_error, records_csv, run_cli, village_rows

from routing.clock import Shift
from routing.config import FRIDAY, MON_THU, Settings, parse_clock
from routing.couriers import read_couriers
from routing.errors import InputError
from routing.pipeline import plan_day
from routing.records import read_records

HOSTILE_IDS = ["../../x", "/abs/path", "a/b", "K" * 300, "${x}", "`id`", "-rf", "K 01", "..", "all", "CON",
               "overview", "nul", "K01\\x"]


def couriers_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("cid", HOSTILE_IDS)
def test_an_id_that_is_not_a_plain_name_is_one_line_naming_row_and_column(tmp_path, cid):
    f = couriers_csv(tmp_path / "c.csv", f'id,nama,max_stop\nK01,Budi,40\n"{cid}",Eko,40\n')
    with pytest.raises(InputError) as err:
        read_couriers(f, MON_THU)
    msg = str(err.value)
    assert msg.startswith(f"{f}, row 3, column 'id', value ") and "\n" not in msg and len(msg) < 300


def test_ids_that_differ_only_in_case_would_share_files(tmp_path):
    f = couriers_csv(tmp_path / "c.csv", "id,nama\nK01,Budi\nk01,Eko\n")
    with pytest.raises(InputError, match=r"row 3, column 'id', value 'k01': courier id used twice \(row 2"):
        read_couriers(f, MON_THU)


@pytest.mark.parametrize("cid", ["K01", "kurir-7", "Budi_S", "0", "A" * 32])
def test_plain_ids_are_accepted(tmp_path, cid):
    f = couriers_csv(tmp_path / "c.csv", f"id,nama\n{cid},Budi\n")
    assert read_couriers(f, MON_THU)[0].courier_id == cid


def test_blank_lines_before_the_header_keep_the_delimiter(tmp_path):
    f = couriers_csv(tmp_path / "c.csv", "\n\nid,nama\nB01,Budi Santoso\nE02,Eko\n")
    assert [(c.courier_id, c.nama) for c in read_couriers(f, MON_THU)] == [("B01", "Budi Santoso"), ("E02", "Eko")]


@pytest.mark.parametrize("header, a, b", [("id,nama,kode", "id", "kode"), ("id,nama,name", "nama", "name"),
                                          ("id,nama,NAMA", "nama", "nama")])
def test_two_columns_for_one_field_is_one_line_naming_both(tmp_path, header, a, b):
    f = couriers_csv(tmp_path / "c.csv", f"{header}\nK01,Budi,x\n")
    with pytest.raises(InputError) as err:
        read_couriers(f, MON_THU)
    msg = str(err.value)
    assert "row 1" in msg and repr(a) in msg and (repr(b) in msg or "columns 2 and 3" in msg) and "\n" not in msg


def _clock(text):
    return parse_clock(text, "test")


@pytest.mark.parametrize("day, hours, expected", [
    (FRIDAY, "10:00,16:00", ("10:00", "16:00", "11:30", "13:00")),   # break inside: kept
    (FRIDAY, "07:30,12:00", ("07:30", "11:30", None, None)),         # ends during prayers: ends at 11:30
    (FRIDAY, "12:00,16:30", ("13:00", "16:30", None, None)),         # starts during prayers: starts at 13:00
    (MON_THU, "07:00,12:30", ("07:00", "12:00", None, None)),
    (MON_THU, "13:00,17:00", ("13:00", "17:00", None, None)),        # break before the hours: none
    (MON_THU, "07:00,", ("07:00", "16:00", "12:00", "13:00")),       # only a start: the day's end
])
def test_a_break_that_partly_overlaps_own_hours_is_clipped_not_dropped(tmp_path, day, hours, expected):
    f = couriers_csv(tmp_path / "c.csv", f"id,nama,jam_mulai,jam_selesai\nK01,Budi,{hours}\n")
    (c,) = read_couriers(f, day)
    assert c.shift == Shift(*(None if t is None else _clock(t) for t in expected))


def test_hours_wholly_inside_the_break_are_one_line(tmp_path):
    f = couriers_csv(tmp_path / "c.csv", "id,nama,jam_mulai,jam_selesai\nK01,Budi,11:45,12:45\n")
    with pytest.raises(InputError, match=r"row 2, column 'jam_mulai', value '11:45-12:45': hours 11:45-12:45 lie "
                                         r"inside the break 11:30-13:00"):
        read_couriers(f, FRIDAY)


def test_a_file_with_only_id_and_nama_keeps_ids_and_names(tmp_path, demo_network):
    f = couriers_csv(tmp_path / "c.csv", "id,nama\nBUDI,Budi Santoso\nEKO-2,Eko Prasetyo\n")
    fleet = read_couriers(f, MON_THU)
    assert [(c.courier_id, c.nama, c.shift) for c in fleet] == [("BUDI", "Budi Santoso", MON_THU),
                                                                ("EKO-2", "Eko Prasetyo", MON_THU)]
    rows = village_rows(30) + village_rows(30, 100, "Tunggorono")
    rs = read_records(records_csv(tmp_path / "in.csv", rows))
    plan = plan_day(rs, demo_network, Settings(time_limit_s=1, service_base_s=1200), MONDAY, couriers=fleet)
    assert plan.routes and {r.courier_id for r in plan.routes} <= {"BUDI", "EKO-2"}


@pytest.fixture(scope="module")
def small_records(tmp_path_factory):
    return records_csv(tmp_path_factory.mktemp("recs") / "in.csv", village_rows(4))


def _tree(folder):
    return {os.path.join(d, n) for d, _, names in os.walk(folder) for n in names}


@pytest.mark.parametrize("cid", ["../../x", "ABS", "a/b", "K" * 300, "${x}"], ids=["up", "abs", "slash", "long", "js"])
def test_cli_hostile_courier_id_exit_2_and_nothing_written_outside_out(tmp_path, demo_files, small_records, cid):
    work = tmp_path / "work"
    work.mkdir()
    if cid == "ABS":
        cid = str(tmp_path / "abs" / "path")
    # max_stop makes the courier "custom", the path by which ids reached file names before.
    f = couriers_csv(work / "kurir.csv", f'id,nama,max_stop\n"{cid}",Budi,40\n')
    before = _tree(tmp_path)
    line = one_line_error(run_cli("plan", small_records, "--network", demo_files.network, "--out", work / "out",
                                  "--couriers-file", f, "--date", "2026-11-30", "--time-limit", "1", "-q",
                                  cwd=work))
    assert f"{f}, row 2, column 'id'" in line
    # Only the outputs (none here) and the runner's network cache (``work/cache``) may appear.
    allowed = {str(p) for folder in (work / "out", work / "cache") for p in [folder, *folder.rglob("*")]}
    assert _tree(tmp_path) - before <= allowed
    assert not (tmp_path / "abs").exists() and not (tmp_path / "x.pdf").exists()
