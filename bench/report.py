"""Benchmark: ``ektp-route report`` on a ledger of 60 days of 500 cards (issue 20 item 6).

The ledger is generated here. Cards enter through the real :meth:`Ledger.import_batch` (500 records
a day, one batch a day); plans and outcomes are written with SQL inserts shaped as
:meth:`Ledger.record_plan` and :meth:`Ledger.record_outcomes` write them (the same columns, the
plan's clock of migration 6, phone times with their +07:00 offset), because building 60 solved
plans and outcome files would time the generator, not the report. Each day every card due (new,
and failed before) is planned over 10 couriers, 9 minutes apart from 08:00; outcomes: 85 % DT,
9 % TR, 2 % PA, 1 % AT, 1 % MN, 0.5 % MD, the rest none (the card stays planned); a card failed
twice waits for pickup. Desa are Jombang's 306 (from ``--boundaries`` when given, else made-up names).

Then, each in a real subprocess, timed by wall clock with its peak memory (``os.wait4``'s
``ru_maxrss``): ``ektp-route status`` on the same ledger (the baseline: one ledger read and print),
and ``ektp-route report`` over the whole period, with the boundaries when given. Target: report
under 10 s and 500 MB.

Usage: python bench/report.py [--days 60] [--cards 500] [--seed 1] [--boundaries desa.geojson] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from routing.ledger import Ledger
from routing.records import Record, RecordSet

ROOT = Path(__file__).resolve().parents[1]
START = dt.date(2026, 9, 1)
COURIERS = tuple(f"K{k:02d}" for k in range(1, 11))
OUTCOMES = (("DT", 0.85), ("TR", 0.09), ("PA", 0.02), ("AT", 0.01), ("MN", 0.01), ("MD", 0.005))


def nik(serial: int) -> str:
    """A valid synthetic NIK of Kecamatan Jombang: the serial spread over birth dates and the 4-digit number."""
    number, rest = serial % 9999 + 1, serial // 9999
    return f"351709{rest % 28 + 1:02d}{rest // 28 % 12 + 1:02d}90{number:04d}"


def generate(db: Path, days: int, cards: int, desa: list[str], rng: random.Random) -> None:
    """The ledger described in the module docstring."""
    serial = 0
    with Ledger(db) as ledger:
        due: list[str] = []
        attempts: dict[str, int] = {}
        state: dict[str, str] = {}
        for d in range(days):
            day = START + dt.timedelta(days=d)
            records = []
            for k in range(cards):
                serial += 1
                records.append(Record(row=k + 2, nik=nik(serial), nama=f"Warga {serial}", alamat=f"Jl. Melati {k}",
                                      rt="001", rw="002", dusun="", desa=rng.choice(desa), kecamatan="Jombang",
                                      urgent=rng.random() < 0.03))
            ledger.import_batch(RecordSet(f"kartu_{day}.csv", tuple(records), ()), f"{day}".encode(), day)
            due += [r.nik for r in records]
            planned, due = due, []
            plan_rows, outcome_rows = [], []
            for k, card in enumerate(planned):
                courier, seq = COURIERS[k % len(COURIERS)], k // len(COURIERS) + 1
                planned_s = 8 * 3600 + 540 * (seq - 1)
                plan_rows.append((card, f"{day}T07:00:00", day.isoformat(), courier, seq, -7.55, 112.23,
                                  "desa", planned_s, 420, 1500, 300, 1))
                pick, acc = rng.random(), 0.0
                code = next((c for c, p in OUTCOMES if (acc := acc + p) > pick), None)
                if code is None:
                    state[card] = "planned"
                    continue
                tries = attempts.get(card, 0) + (code != "DT" and code != "MD")
                attempts[card] = tries
                after = {"DT": "delivered", "MD": "cancelled"}.get(code) or ("pickup" if tries >= 2 else "failed")
                state[card] = after
                if after == "failed":
                    due.append(card)
                at = min(86_399, max(0, planned_s + int(rng.gauss(600, 900))))
                outcome_rows.append((card, f"{day}T{at // 3600:02d}:{at // 60 % 60:02d}:{at % 60:02d}+07:00",
                                     day.isoformat(), after, code, courier, tries, -7.55, 112.23, 8.0))
            with ledger._transaction():
                ledger.db.executemany(
                    "INSERT INTO events(nik, at, day, state, courier_id, stop_seq, lat, lon, precision, planned_s, "
                    "travel_s, distance_m, service_s, stop_cards) VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?)", plan_rows)
                ledger.db.executemany(
                    "INSERT INTO events(nik, at, day, state, outcome, courier_id, attempt, lat, lon, accuracy_m) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", outcome_rows)
        with ledger._transaction():
            ledger.db.executemany("UPDATE cards SET state = ?, attempts = ? WHERE nik = ?",
                                  [(s, attempts.get(n, 0), n) for n, s in state.items()])


def measure(*args: object) -> tuple[float, float, subprocess.CompletedProcess[str] | None]:
    """Run ``ektp-route ARGS``: wall seconds and peak memory (MB) of that process alone."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    started = time.perf_counter()
    proc = subprocess.Popen(["ektp-route", *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"ektp-route {' '.join(map(str, args))} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def main() -> None:
    """Generate, then time the baseline and the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--cards", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--boundaries", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="Folder to keep the ledger and report in.")
    a = ap.parse_args()
    if a.boundaries:
        from routing.gazetteer import read_desa_areas

        desa = [x.desa for x in read_desa_areas(a.boundaries)]
    else:
        desa = [f"Desa {k:03d}" for k in range(306)]
    folder = a.keep or Path(tempfile.mkdtemp(prefix="bench-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "ledger.sqlite"
    db.unlink(missing_ok=True)
    began = time.perf_counter()
    generate(db, a.days, a.cards, desa, random.Random(a.seed))
    print(f"generated {a.days} days x {a.cards} cards in {time.perf_counter() - began:.1f} s: {db} "
          f"({db.stat().st_size / 1e6:.1f} MB)")
    last = START + dt.timedelta(days=a.days - 1)
    print(f"load average before: {os.getloadavg()}")
    wall, mb, _ = measure("status", "--db", db)
    print(f"baseline  ektp-route status:  {wall:6.2f} s  {mb:7.1f} MB peak")
    extra = ("--boundaries", a.boundaries) if a.boundaries else ()
    wall, mb, done = measure("report", "--db", db, "--out", folder / "laporan", "--from", START, "--to", last, *extra)
    print(f"ektp-route report ({a.days} days{', map' if a.boundaries else ''}): {wall:6.2f} s  {mb:7.1f} MB peak "
          f"(target < 10 s, < 500 MB)")
    assert done is not None
    print(f"  {done.stdout.strip()}")
    size = (folder / "laporan" / "laporan.html").stat().st_size
    print(f"  laporan.html {size / 1e6:.2f} MB; load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
