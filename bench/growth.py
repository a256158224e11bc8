"""Benchmark: how a plan's cost grows with the day, on real roads: 500, 1,000, 2,000 and 5,000 cards.

Network: Kabupaten Sidoarjo's real roads (RBI 1:25,000, ../shared/data/nearby). Each day is
``bench/realday.py``'s generator scaled up: about 0.61 households a card, along village roads of 13 desa
per 500 cards (every desa within 12 km of the office when they run out), 40 % with typed coordinates, the
rest located by the Kemendagri desa centroids.

Each day is planned by ``ektp-route plan --time-limit T`` in a real subprocess, as the officer runs it;
its peak memory from ``os.wait4`` (the process and the solver processes it waited for); the solver's wall time from the
plan's own stage lines ("solving ..." to "solved in ..."). The network is read from the cache (loaded
once before the runs), as on every working day after the first.

Printed per size: cards, stops, couriers, wall time with and without the solver, peak memory; then the
growth exponent ``b`` of the time outside the solver, ``t = a * cards^b`` fitted by least squares on the
logarithms. The baseline in the same run is the 500-card day: the table shows each size's time outside
the solver as a multiple of it, beside the multiple of the cards.

Usage: python bench/growth.py [--sizes 500 1000 2000 5000] [--time-limit 30] [--seed 1] [--work DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from realday import DAY, OFFICE, ROADS, centroid_gazetteer, generate_day, machine_speed, work_folder  # noqa: E402

from routing.config import DEFAULT_SPEEDS_KPH  # noqa: E402
from routing.roads.network import load_network  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_STAGE = re.compile(r"^\[\s*([\d.]+) s\] (.*)$", re.M)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def run_plan(args: list[str], env: dict[str, str]) -> tuple[int, float, float, str, str]:
    """``ektp-route ARGS``: exit code, wall seconds, peak memory (MiB, the process or any child it waited
    for), stdout, stderr."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(["ektp-route", *args], env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        return code, wall, usage.ru_maxrss / 1024, out.read(), err.read()


def solver_wall(stderr: str) -> float:
    """Seconds from the "solving" stage line to "solved in"."""
    lines = [(float(m.group(1)), m.group(2)) for m in _STAGE.finditer(stderr)]
    start = next(t for t, msg in lines if msg.startswith("solving "))
    end = next(t for t, msg in lines if msg.startswith("solved in "))
    return end - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    ap.add_argument("--time-limit", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work, cache, env = work_folder(args.work, "growth.py")
    net = load_network(ROADS, DEFAULT_SPEEDS_KPH, cache)  # fills the cache the runs read
    gazetteer = centroid_gazetteer(work / "gazetteer.csv")
    config = work / "sidoarjo.toml"
    config.write_text('[region]\nname = "Kabupaten Sidoarjo"\nprovince = "Jawa Timur"\n', encoding="utf-8")
    print(f"work folder: {work}   cores: {os.cpu_count()}   load average {load()} at start; "
          f"solver budget {args.time_limit} s   {machine_speed()}")
    rows = []
    for cards in args.sizes:
        rng = np.random.default_rng(args.seed)
        households = round(0.61 * cards)
        desa = max(13, round(13 * cards / 500))
        houses, records = generate_day(net, rng, desa, households, cards, 0.40)
        desa = len({h.desa for h in houses})
        path = work / f"kartu_{cards}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(records[0]))
            w.writeheader()
            w.writerows(records)
        code, wall, rss, out, err = run_plan(
            ["plan", str(path), "--network", str(ROADS), "--gazetteer", str(gazetteer), "--config", str(config),
             f"--depot={OFFICE[0]},{OFFICE[1]}", "--date", DAY.isoformat(), "--out", str(work / f"rute_{cards}"),
             "--time-limit", str(args.time_limit)], env)
        if code not in (0, 4):
            sys.exit(f"plan of {cards} cards failed ({code}):\n{err[-3000:]}")
        solve = solver_wall(err)
        summary = out.splitlines()[0]
        couriers = re.search(r"(\d+) (?:kurir|couriers)", out)
        planned = re.search(r"= (\d+) ", summary)
        rows.append((cards, len(houses), int(couriers.group(1)) if couriers else 0,
                     int(planned.group(1)) if planned else 0, wall, solve, wall - solve, rss))
        print(f"{cards:>6} cards, {len(houses)} households in {desa} desa: wall {wall:.1f} s, solver {solve:.1f} s, "
              f"outside the solver {wall - solve:.1f} s, peak {rss:.0f} MiB; {summary}   load {load()}", flush=True)
    base = rows[0]
    print(f"\n| cards | households | couriers | planned | wall | solver | outside the solver | x {base[0]} cards' "
          "outside | peak memory |")
    print("|---|---|---|---|---|---|---|---|---|")
    for cards, stops, couriers, planned, wall, solve, outside, rss in rows:
        print(f"| {cards:,} | {stops:,} | {couriers} | {planned:,} | {wall:.1f} s | {solve:.1f} s | {outside:.1f} s | "
              f"{outside / base[6]:.2f} (cards x{cards / base[0]:g}) | {rss:.0f} MiB |")
    if len(rows) >= 2:
        x = np.log([r[0] for r in rows])
        y = np.log([r[6] for r in rows])
        b, a = np.polyfit(x, y, 1)
        print(f"\ngrowth of the time outside the solver: t = {np.exp(a):.4f} * cards^{b:.2f}")
    print(f"load average at the end: {load()}   {machine_speed()}")


if __name__ == "__main__":
    main()
