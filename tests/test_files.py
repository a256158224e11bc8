"""Writing outputs: new files and folders private, existing folders left as the office set them."""

import os
import stat
import subprocess
import sys

import pytest

from routing.files import private_dir, write_private
from routing.render import render_all

from conftest import card, hand_plan, records_csv
from test_cli import rows


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
    records = records_csv(tmp_path / "kartu.csv", rows(3))
    os.chmod(records, 0o644)
    result = subprocess.run(["ektp-route", "plan", str(records), "--network", str(demo_files.network),
                             "--out", ".", "--date", "2026-11-30", "--time-limit", "1", "-q"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path) == 0o755 and mode(records) == 0o644
    assert mode(tmp_path / "plan.json") == 0o600 and mode(tmp_path / "sheets") == 0o700
    assert mode(tmp_path / "sheets" / "K01.pdf") == 0o600


def test_lone_surrogate_is_written_not_fatal(tmp_path):
    assert write_private(tmp_path / "x.html", "Warga \udcff").read_bytes() == b"Warga ?"


def test_render_of_an_edited_plan_with_a_lone_surrogate(tmp_path):
    """``\\udcff`` is valid JSON but not encodable text: ``render`` still draws everything."""
    from routing.render import write_plan_json

    write_plan_json(hand_plan({"K01": [[card(1, nama="Warga Satu")]]}), tmp_path)
    plan_json = tmp_path / "plan.json"
    plan_json.write_text(plan_json.read_text().replace("Warga Satu", "Warga \\udcff"))
    result = subprocess.run(["ektp-route", "render", str(tmp_path)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert result.returncode == 0, result.stderr
    assert "Warga ?" in (tmp_path / "sheets" / "K01.html").read_text(encoding="utf-8")
    assert (tmp_path / "sheets" / "K01.pdf").stat().st_size > 0


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
