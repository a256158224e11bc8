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
    assert notes == [(f"1 test(s) marked 'shared' deselected: the shared data folder {tmp_path / 'no-shared-here'} "
                      f"is not there (set EKTP_SHARED to where it is)")]
    assert "1 passed, 1 deselected" in run.stdout
    assert "FileNotFoundError" not in run.stdout + run.stderr
