"""Benchmark: ``ektp-route render`` of a 500-card day on the real Sidoarjo roads, beside a baseline.

The day is bench/realday.py's (305 households, 500 cards in 13 real desa around the regency
office, RBI 1:25,000 roads of ../shared/data/nearby), planned once with a deterministic
single-worker search and written with its ``streets.json``, as ``ektp-route plan`` writes it;
later runs with the same ``--work`` folder reuse it.

The baseline is the code of ``--baseline`` (a git revision; default 433113b, before the drawing was
made faster), taken out with ``git archive`` into the work folder and run from there, so both are
timed in the same run, under the same load:

1. ``ektp-route render DIR`` of each, in a subprocess, ``--repeat`` times, the two interleaved:
   wall clock and CPU seconds (user + system of the command and of the process it forks for the
   PDF sheets, from ``os.wait4``).
2. The drawing stage by stage in a fresh process for each (imports, reading the plan, each writer
   of ``maps.render.draw`` one after the other, so without the forked PDF process), wall and CPU.
3. The outputs compared (bench/same_outputs.py): the baseline's folder against this checkout's.

The load average is printed before and after each part: on a shared machine the wall clock says
as much about the others as about the code; CPU seconds say less about them.

Usage: python bench/render.py [--work DIR] [--repeat 5] [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The last revision before the drawing was made faster.
BASELINE = "433113b"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def prepare(work: Path, time_limit: int) -> Path:
    """The day's plan folder (plan.json, streets.json and the outputs), planned once."""
    day = work / "day"
    if (day / "plan.json").exists() and (day / "streets.json").exists():
        return day
    sys.path.insert(0, str(ROOT / "bench"))
    import numpy as np
    import realday

    from maps.render import render_all
    from routing.config import DEFAULT_SPEEDS_KPH, Settings
    from routing.gazetteer import read_gazetteer
    from routing.geo import LatLon
    from routing.pipeline import plan_day
    from routing.records import read_records
    from routing.roads.network import load_network
    from routing.roads.streets import streets_around

    if not realday.ROADS.exists():
        sys.exit(f"bench/render.py needs ../shared/data/nearby beside the checkout ({realday.NEARBY} not found)")
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "EKTP_CACHE_DIR": str(work / "cache"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    graphml = work / "sidoarjo.graphml"
    if not graphml.exists():
        r = realday.run_cli(["network", "import", str(realday.ROADS), "--out", str(graphml)], work, env)
        assert r.code == 0, r.stderr
    net = load_network(graphml, DEFAULT_SPEEDS_KPH, work / "cache")
    _, rows = realday.generate_day(net, np.random.default_rng(1), 13, 305, 500, 0.40)
    records = realday.write_csv(work / "kartu.csv", list(rows[0]), rows)
    gazetteer = work / "gazetteer_settlement.csv"
    r = realday.run_cli(["gazetteer", "build", "--boundaries", str(realday.DESA), "--network", str(graphml),
                         "--out", str(gazetteer)], work, env)
    assert r.code == 0, r.stderr
    settings = Settings(depot=LatLon(*realday.OFFICE), time_limit_s=time_limit, deterministic=True, solver_workers=1)
    plan = plan_day(read_records(records), net, settings, realday.DAY, read_gazetteer(gazetteer))
    render_all(plan, day, streets=streets_around(net, plan))
    return day


def baseline_tree(work: Path, rev: str) -> Path:
    """The code of ``rev``, taken out of this checkout's git history into ``work`` (once)."""
    tree = work / f"code-{rev}"
    if not (tree / "maps" / "render.py").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def stages(folder: Path) -> None:
    """Draw ``folder`` again writer by writer, printing each stage's wall and CPU as JSON."""
    out: list[tuple[str, float, float]] = []
    t0, c0 = time.perf_counter(), time.process_time()

    def mark(name: str) -> None:
        nonlocal t0, c0
        out.append((name, time.perf_counter() - t0, time.process_time() - c0))
        t0, c0 = time.perf_counter(), time.process_time()

    from maps import render

    mark("import maps.render")
    from routing.plan import read_plan

    plan = read_plan(folder / "plan.json")
    mark("read plan.json")
    streets = render.read_streets(folder)
    mark("read streets.json")
    render.write_tables(plan, folder)
    mark("CSV tables")
    render.write_sheets(plan, folder)
    mark("HTML sheets")
    if hasattr(render, "sheet_pdfs"):  # drawn, then written by the drawing process (since 5b85c61)
        render.write_pdfs(plan, folder, render.sheet_pdfs(plan))
    else:
        render.write_pdfs(plan, folder)
    mark("PDF (sheets/*.pdf, all.pdf)")
    render.write_maps(plan, folder, streets)
    mark("maps (folium)")
    render.write_gpx(plan, folder)
    mark("GPX")
    render.write_geopackage(plan, folder / "routes.gpkg")
    mark("GeoPackage")
    render.write_courier_pages(plan, folder, streets=streets)
    mark("courier pages")
    render.write_review_page(plan, folder)
    mark("review page")
    print(json.dumps(out))


def run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of ``args`` and its stdout; reaped here with wait4, so the CPU is the
    command's own and that of the processes it waited for (the one it forks for the PDF sheets).

    ``cwd`` must hold no code: ``python -m`` puts the working folder first on the path.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(args, env=env, stdout=out, stderr=err, text=True, cwd=cwd)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode:
            sys.exit(f"{' '.join(args)} failed ({p.returncode}):\n{err.read()}")
        return wall, usage.ru_utime + usage.ru_stime, out.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ektp-bench-render",
                    help="folder for the day and the baseline's code (kept and reused)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", default=BASELINE, help="git revision to compare with (default %(default)s)")
    ap.add_argument("--time-limit", type=int, default=30, help="solver time limit when planning the day")
    ap.add_argument("--stages", type=Path, help=argparse.SUPPRESS)  # the stage-by-stage child
    args = ap.parse_args()
    if args.stages:
        stages(args.stages)
        return
    print(f"cores: {os.cpu_count()}   load average at start: {load()}")
    day = prepare(args.work, args.time_limit)
    plan = json.loads((day / "plan.json").read_text(encoding="utf-8"))
    print(f"day: {day}: {len(plan['routes'])} couriers, {sum(len(r['visits']) for r in plan['routes'])} stops, "
          f"{plan['summary']['cards_planned']} cards")
    old_code = baseline_tree(args.work, args.baseline)
    folders = {}
    for name in ("baseline", "this checkout"):
        folder = args.work / f"drawn-{'baseline' if name == 'baseline' else 'now'}"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(day, folder)
        folders[name] = folder
    envs = {name: {**os.environ, "PYTHONPATH": os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")])}
            for name, code in (("baseline", old_code), ("this checkout", ROOT))}
    for name, env in envs.items():
        where = run([sys.executable, "-c", "import maps.render; print(maps.render.__file__)"], env, args.work)[2]
        print(f"{name}: {where.strip()}")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in folders}
    print(f"\nektp-route render, {args.repeat} runs each, interleaved (load average before: {load()})")
    for _ in range(args.repeat):
        for name in folders:
            wall, cpu, _ = run([sys.executable, "-m", "routing.cli", "render", str(folders[name])], envs[name],
                               args.work)
            runs[name].append((wall, cpu))
    print(f"  {'':<32} {'wall s best':>11} {'median':>7} {'CPU s best':>11} {'median':>7}")
    for name, got in runs.items():
        walls, cpus = [w for w, _ in got], [c for _, c in got]
        print(f"  {name + (f' ({args.baseline})' if name == 'baseline' else ''):<32} {min(walls):11.2f} "
              f"{statistics.median(walls):7.2f} {min(cpus):11.2f} {statistics.median(cpus):7.2f}")
    now = statistics.median(w for w, _ in runs["this checkout"])
    print(f"  target <= 3 s wall (median): {'met' if now <= 3 else 'NOT met'}   load average after: {load()}")

    print(f"\nstages, writer after writer in a fresh process (load average before: {load()})")
    got = {name: json.loads(run([sys.executable, str(Path(__file__).resolve()), "--stages", str(folders[name])],
                                envs[name], args.work)[2]) for name in folders}
    print(f"  {'stage':<30} {'baseline wall':>13} {'CPU':>6}   {'now wall':>8} {'CPU':>6}")
    totals = {name: [0.0, 0.0] for name in got}
    for (stage, bw, bc), (_, nw, nc) in zip(got["baseline"], got["this checkout"]):
        print(f"  {stage:<30} {bw:13.2f} {bc:6.2f}   {nw:8.2f} {nc:6.2f}")
        for name, w, c in (("baseline", bw, bc), ("this checkout", nw, nc)):
            totals[name][0] += w
            totals[name][1] += c
    print(f"  {'total':<30} {totals['baseline'][0]:13.2f} {totals['baseline'][1]:6.2f}   "
          f"{totals['this checkout'][0]:8.2f} {totals['this checkout'][1]:6.2f}")
    print(f"  load average after: {load()}")

    print("\noutputs, baseline against this checkout (bench/same_outputs.py):")
    same = subprocess.run([sys.executable, str(ROOT / "bench" / "same_outputs.py"), str(folders["baseline"]),
                           str(folders["this checkout"])], env=envs["this checkout"], text=True,
                          capture_output=True)
    print("  " + same.stdout.strip().replace("\n", "\n  "))
    if same.returncode:
        print(f"  DIFFERENT (exit {same.returncode}) {same.stderr.strip()}")
    print(f"\nload average at the end: {load()}")


if __name__ == "__main__":
    main()
