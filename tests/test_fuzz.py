"""A sample of bench/fuzz.py in the suite: hostile and broken files through the real CLI, no fault."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_sample_of_fuzz_cases_gives_no_fault():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "fuzz.py"), "--cases", "320", "--seed", "7",
                             "--subprocess-share", "0.03", "--json"], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert data["total"] == 320 and len(data["cases"]) == 8
    assert data["faults"] == {"exit_1": 0, "traceback": 0, "outside_out": 0, "card_lost": 0, "invalid_output": 0,
                              "timeout": 0}, data["examples"]
    # The sample reaches past the readers: records files with one broken field are still planned.
    planned = sum(n for key, n in data["exit_codes"].items() if key.split()[0].startswith("records")
                  and key.split()[1] in ("0", "4"))
    assert planned >= 40
