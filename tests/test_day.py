"""The daily run as a library call, and its promises to the ledger.

A card becomes ``planned`` only when every output of its plan is written; two planners never
plan the same cards; a run killed while drawing leaves the ledger as it was.
"""

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import MONDAY, cli_env, plan_args, records_csv, run_cli, village_rows

from maps.render import render_all
from routing.config import Settings
from routing.day import DayInputs, run_day
from routing.errors import InputError
from routing.ledger import Ledger


def _states(db):
    with Ledger(db) as ledger:
        return ledger.counts()


def test_inputs_are_validated_when_built(tmp_path):
    with pytest.raises(InputError, match="RECORDS file, or --db"):
        DayInputs(tmp_path / "n.osm", tmp_path / "out", MONDAY)
    with pytest.raises(InputError, match="language 'fr'"):
        DayInputs(tmp_path / "n.osm", tmp_path / "out", MONDAY, records=tmp_path / "r.csv", lang="fr")
    with pytest.raises(InputError, match="not both"):
        DayInputs(tmp_path / "n.osm", tmp_path / "out", MONDAY, Settings(couriers=2), records=tmp_path / "r.csv",
                  couriers_file=tmp_path / "k.csv")


def test_run_day_writes_every_output_and_records_the_plan(tmp_path, demo_files):
    records = records_csv(tmp_path / "in.csv", village_rows(6))
    db = tmp_path / "ledger.sqlite"
    result = run_day(DayInputs(demo_files.network, tmp_path / "out", MONDAY, Settings(time_limit_s=1),
                               records=records, db=db, gazetteer=demo_files.gazetteer, cache_dir=tmp_path), render_all)
    assert result.plan.cards_planned == 6 and result.recorded == 6
    assert result.outputs.plan_json.exists() and all(p.exists() for p in result.outputs.pdfs)
    assert _states(db)["planned"] == 6


def test_a_failure_while_drawing_leaves_the_ledger_as_it_was(tmp_path, demo_files, monkeypatch):
    records = records_csv(tmp_path / "in.csv", village_rows(5))
    db = tmp_path / "ledger.sqlite"
    inputs = DayInputs(demo_files.network, tmp_path / "out", MONDAY, Settings(time_limit_s=1), records=records,
                       db=db, cache_dir=tmp_path)

    def broken(plan, folder, lang="id", streets=None):
        raise OSError("disk full while drawing the sheets")

    with pytest.raises(OSError):
        run_day(inputs, broken)
    assert _states(db)["received"] == 5 and _states(db)["planned"] == 0
    monkeypatch.undo()
    again = run_day(DayInputs(demo_files.network, tmp_path / "out2", MONDAY, Settings(time_limit_s=1), db=db,
                              cache_dir=tmp_path), render_all)
    assert again.plan.cards_planned == 5 and _states(db)["planned"] == 5


def _plan_cmd(db, out, network, *extra):
    """A planner to start with ``subprocess.Popen`` (two at once, or one killed mid-run)."""
    return ["ektp-route", *plan_args(None, network, out, *extra, db=db, limit="--deterministic")]


@pytest.fixture
def loaded_ledger(tmp_path, demo_files):
    """A ledger holding the demo's 500 cards."""
    db = tmp_path / "ledger.sqlite"
    run_cli("import", demo_files.records, "--db", db, "--date", "2026-11-30", cwd=tmp_path)
    assert _states(db)["received"] == 499  # the demo's duplicate NIK is rejected at import
    return db


@pytest.mark.slow
def test_two_planners_at_once_never_put_a_card_on_two_sheets(tmp_path, demo_files, loaded_ledger):
    env = cli_env(tmp_path)
    first = subprocess.Popen(_plan_cmd(loaded_ledger, tmp_path / "a", demo_files.network, "--gazetteer",
                                       str(demo_files.gazetteer)), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    second = subprocess.Popen(_plan_cmd(loaded_ledger, tmp_path / "b", demo_files.network, "--gazetteer",
                                        str(demo_files.gazetteer)), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    out_a, err_a = first.communicate(timeout=600)
    out_b, err_b = second.communicate(timeout=600)
    assert first.returncode in (0, 4), err_a
    assert second.returncode in (0, 4, 5), err_b
    assert "Traceback" not in err_a + err_b
    planned = {}
    for folder in ("a", "b"):
        path = tmp_path / folder / "plan.json"
        if path.exists():
            plan = json.loads(path.read_text())
            for r in plan["routes"]:
                for v in r["visits"]:
                    for nik in v["cards"]:
                        assert nik not in planned, f"{nik} on {planned.get(nik)} and {folder}/{r['courier_id']}"
                        planned[nik] = f"{folder}/{r['courier_id']}"
    assert len(planned) == _states(loaded_ledger)["planned"] > 400


@pytest.mark.slow
def test_two_planners_the_second_gives_up_with_exit_5_when_told_not_to_wait(tmp_path, demo_files, loaded_ledger):
    env = cli_env(tmp_path)
    first = subprocess.Popen(_plan_cmd(loaded_ledger, tmp_path / "a", demo_files.network), env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    second = subprocess.run(_plan_cmd(loaded_ledger, tmp_path / "b", demo_files.network),
                            env=dict(env, EKTP_LEDGER_TIMEOUT="0"), capture_output=True, text=True, timeout=600)
    first.wait(timeout=600)
    assert second.returncode == 5, second.stderr
    assert second.stderr.strip().count("\n") == 0 and "another `ektp-route plan`" in second.stderr
    assert not (tmp_path / "b" / "plan.json").exists()


@pytest.mark.slow
def test_killed_while_drawing_the_ledger_is_unchanged_and_a_rerun_plans_every_card(tmp_path, demo_files,
                                                                                    loaded_ledger):
    env = cli_env(tmp_path)
    out = tmp_path / "a"
    proc = subprocess.Popen(_plan_cmd(loaded_ledger, out, demo_files.network, "--gazetteer",
                                      str(demo_files.gazetteer)), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not (out / "plan.json").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    # plan.json is the first output written: from here on the run is drawing.
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed while drawing"
    assert not (out / "sheets" / "all.pdf").exists()
    assert _states(loaded_ledger)["planned"] == 0 and _states(loaded_ledger)["received"] == 499
    rerun = subprocess.run(_plan_cmd(loaded_ledger, tmp_path / "b", demo_files.network, "--gazetteer",
                                     str(demo_files.gazetteer)), env=env, capture_output=True, text=True,
                           timeout=600)
    assert rerun.returncode in (0, 4), rerun.stderr
    plan = json.loads((tmp_path / "b" / "plan.json").read_text())
    assert plan["summary"]["cards_in"] == 499
    assert _states(loaded_ledger)["planned"] == plan["summary"]["cards_planned"] > 400


def test_python_m_routing_cli_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "routing.cli", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "ektp-route" in result.stdout


def test_the_outputs_are_prepared_while_the_solver_runs_and_the_sheets_still_drawn_beside(tmp_path, demo_files,
                                                                                        monkeypatch):
    """``prepare`` gets every located stop while the solver runs (its thread has ended when the
    solver has), so drawing afterwards still forks the PDF sheets beside this process."""
    import multiprocessing
    import threading

    import maps.render
    import routing.pipeline

    seen: list[tuple[int, bool, int]] = []
    real_solve = routing.pipeline.solve_many
    solving = threading.Event()

    def solve(*args, **kwargs):
        solving.set()
        try:
            return real_solve(*args, **kwargs)
        finally:
            solving.clear()

    def prepare(preview):
        # Waits for the solver to begin: true only when this runs beside it, not before or after.
        seen.append((len(preview.points), solving.wait(60), threading.current_thread() is threading.main_thread()))
        maps.render.prepare(preview)

    forked = []
    real_context = maps.render.multiprocessing.get_context
    # Threads other tests of this process left running are not this run's business: count this run's.
    before = set(threading.enumerate())
    monkeypatch.setattr(maps.render.threading, "active_count",
                        lambda: 1 + sum(t not in before for t in threading.enumerate()))
    monkeypatch.setattr(routing.pipeline, "solve_many", solve)
    monkeypatch.setattr(maps.render.multiprocessing, "get_context",
                        lambda method: forked.append((method, threading.active_count())) or real_context(method))
    records = records_csv(tmp_path / "in.csv", village_rows(7))
    result = run_day(DayInputs(demo_files.network, tmp_path / "out", MONDAY, Settings(time_limit_s=1), records=records,
                               gazetteer=demo_files.gazetteer, cache_dir=tmp_path), render_all, prepare=prepare)
    stops = len({v.stop_id for r in result.plan.routes for v in r.visits})
    assert result.plan.cards_planned == 7
    assert seen == [(stops, True, False)]
    assert [f for f in forked if f[0] == "fork"] == [("fork", 1)]  # (the solver's processes are spawned)
    assert multiprocessing.active_children() == []
    assert all(p.exists() for p in result.outputs.pdfs)


def test_a_failing_preparation_changes_nothing(tmp_path, demo_files):
    def prepare(preview):
        raise RuntimeError("no fonts here")

    records = records_csv(tmp_path / "in.csv", village_rows(4))
    result = run_day(DayInputs(demo_files.network, tmp_path / "out", MONDAY, Settings(time_limit_s=1), records=records,
                               gazetteer=demo_files.gazetteer, cache_dir=tmp_path), render_all, prepare=prepare)
    assert result.plan.cards_planned == 4 and all(p.exists() for p in result.outputs.pdfs)


def test_no_thread_to_prepare_in_is_no_preparation(monkeypatch):
    """When no thread can be started (a process or thread limit), the block runs without preparing."""
    import threading

    from routing.outputs import while_solving

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    ran, prepared = [], []
    with while_solving(prepared.append, lambda stop: stop):
        ran.append(True)
    assert ran == [True] and prepared == []
