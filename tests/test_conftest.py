"""The test suite on a fresh clone: without the shared data folder, its tests are deselected with
one line saying why, and the run passes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_shared_tests_deselected_with_one_line_when_the_folder_is_absent(tmp_path):
    env = {**os.environ, "EKTP_SHARED": str(tmp_path / "no-shared-here"), "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_matrix.py::test_snap_validates_itself",
         "tests/test_gazetteer.py::test_real_kemendagri_desa_centroids_as_gazetteer"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    notes = [line for line in run.stdout.splitlines() if "marked 'shared' deselected" in line]
    assert notes == [(f"tests marked 'shared' deselected: the shared data folder {tmp_path / 'no-shared-here'} "
                      f"is not there (set EKTP_SHARED to where it is)")]
    # The suite runs under xdist (setup.cfg), whose workers deselect: the summary counts only what ran.
    assert run.stdout.rstrip().splitlines()[-1].startswith("1 passed") and "failed" not in run.stdout
    assert "FileNotFoundError" not in run.stdout + run.stderr


def test_an_unmarked_test_that_reads_the_shared_folder_fails_naming_what_it_read(tmp_path):
    """The watch in conftest: a test file (beside a copy of conftest) reading ``$EKTP_SHARED``
    without the marker fails, whether it opens a file, lists the folder or hands the path to a
    subprocess; the same reads under the marker pass."""
    shared = tmp_path / "shared"
    (shared / "data").mkdir(parents=True)
    (shared / "data" / "x.csv").write_text("a\n")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    (suite / "pytest.ini").write_text("[pytest]\nmarkers =\n    shared: reads the shared folder\n")
    (suite / "test_reads.py").write_text(
        "import subprocess, sys, pytest\n"
        "from conftest import SHARED\n"
        "def test_opens():\n    (SHARED / 'data' / 'x.csv').read_text()\n"
        "def test_lists():\n    list((SHARED / 'data').iterdir())\n"
        "def test_subprocess():\n    subprocess.run([sys.executable, '-c', 'pass', str(SHARED / 'data')], check=True)\n"
        "@pytest.fixture\ndef shared_rows():\n    return (SHARED / 'data' / 'x.csv').read_text()\n"
        "def test_fixture(shared_rows):\n    assert shared_rows\n"
        "@pytest.mark.shared\ndef test_marked_opens():\n    (SHARED / 'data' / 'x.csv').read_text()\n"
        "@pytest.mark.shared\ndef test_marked_fixture(shared_rows):\n    assert shared_rows\n"
        "def test_elsewhere(tmp_path):\n    (tmp_path / 'y').write_text('y')\n")
    env = {**os.environ, "EKTP_SHARED": str(shared), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                          "-p", "no:benchmark", "-rfE"], cwd=suite, env=env, capture_output=True, text=True,
                         timeout=300, check=False)
    failed = sorted(line.split("::")[1].split(" ")[0] for line in run.stdout.splitlines()
                    if line.startswith(("FAILED", "ERROR")))
    assert failed == ["test_fixture", "test_lists", "test_opens", "test_subprocess"], run.stdout[-3000:]
    assert "reads the shared data folder without @pytest.mark.shared" in run.stdout
    assert "3 passed" in run.stdout, run.stdout[-3000:]
