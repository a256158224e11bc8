"""Many offices' days in one run: one office's task, and the run that gives every office its task.

``ektp-route batch MANIFEST.toml --out DIR`` reads a manifest of offices
(:func:`routing.manifest.read_manifest`), turns each into the :class:`~routing.day.DayInputs` that
``plan`` would build (:func:`day_inputs`), and runs :func:`routing.day.run_day` for each office as
one task on the Dask cluster of :mod:`routing.cluster` (:func:`plan_office`). Only the inputs (file
paths and settings, a few kilobytes) travel to a worker; the worker reads the files, computes the
travel matrix, solves, writes ``DIR/<office id>/`` and sends back an :class:`OfficeResult` of a few
figures, never the plan.

The cluster is the parallelism: a task searches in its own worker process with
``solver_workers = 1`` (no process pool of its own; OR-Tools holds the GIL while it searches, so a
second thread in the same process would not help). An office's deterministic plan is therefore the
one ``ektp-route plan --deterministic --solver-workers 1`` makes, whichever worker ran it. With
``group_by`` the office's groups are solved one after another inside its task (one task per office).

An office's outputs are written into ``DIR/.<id>.tmp-<uuid>`` and renamed to ``DIR/<id>`` only when
complete, so a worker lost mid-run leaves at most a hidden temporary folder (removed by the run),
never a half office folder; Dask gives the lost task to another worker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import math
import os
import re
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.cluster import cluster_name, completed, submit_offices, worker_address, worker_count
from routing.config import load_settings
from routing.day import DayInputs, run_day
from routing.errors import EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL, EktpError, one_line
from routing.files import write_json
from routing.manifest import BATCH_FILE, Office
from routing.outputs import Outputs, Writer
from routing.progress import SILENT, Progress

#: ``batch.json`` layout version.
BATCH_FORMAT = 1

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What the ``batch`` command line says for every office (manifest and config decide the rest)."""

    day: dt.date
    lang: str = "id"
    deterministic: bool | None = None
    time_limit_s: int | None = None


def day_inputs(office: Office, out: Path, options: RunOptions) -> DayInputs:
    """The :class:`DayInputs` ``plan`` would build for ``office``, to be written to ``out/<id>``.

    Settings: the office's config file, then the manifest's keys, then the command line's flags.
    The search runs in the worker's own process (``solver_workers = 1``).
    """
    settings = load_settings(office.config).replace(
        depot=office.depot, couriers=office.couriers, group_by=office.group_by, office_name=office.office_name,
        deterministic=options.deterministic, time_limit_s=options.time_limit_s, solver_workers=1)
    # `plan` looks for confirmed locations in its working folder; a worker has none of its own.
    locations = office.locations or office.folder / "lokasi_terkonfirmasi.csv"
    return DayInputs(office.network, out / office.id, office.day or options.day, settings, records=office.records,
                     db=office.db, sheet=office.sheet, gazetteer=office.gazetteer, couriers_file=office.couriers_file,
                     locations=locations, lang=options.lang)


@dataclass(frozen=True, slots=True)
class OfficeResult:
    """What a task sends back: the office's figures, or its one-line error. Never the plan itself.

    ``exit_code`` is the one ``plan`` would have given: 0 every card planned, 4 some unassigned or
    rejected, 2 unusable input, 5 ledger busy, 1 a bug or a task the cluster could not finish.
    ``wall_s`` is the task's time on its worker, ``cpu_s`` the processor time its worker process
    spent meanwhile (the office's cost, whatever else the machine was doing).
    """

    id: str
    day: str
    cards_in: int = 0
    cards_planned: int = 0
    cards_unassigned: int = 0
    cards_rejected: int = 0
    couriers: int = 0
    distance_m: int = 0
    wall_s: float = 0.0
    error: str = ""
    exit_code: int = EXIT_OK
    cpu_s: float = 0.0
    folder: str = ""
    worker: str = ""
    solver_workers: int = 1

    def __post_init__(self) -> None:
        if "\n" in self.error or "\r" in self.error:
            raise ValueError("an office's error is one line")
        if self.error and self.exit_code == EXIT_OK:
            raise ValueError("a failed office needs a non-zero exit code")
        if not self.error and self.cards_in != self.cards_planned + self.cards_unassigned + self.cards_rejected:
            raise ValueError(f"office {self.id}: cards in != planned + unassigned + rejected")

    @property
    def ok(self) -> bool:
        """The office has its plan (maybe with unassigned or rejected cards)."""
        return not self.error

    @classmethod
    def failed(cls, office_id: str, day: dt.date, error: str, exit_code: int, wall_s: float = 0.0,
               worker: str = "") -> OfficeResult:
        """An office without a plan, and why."""
        return cls(office_id, day.isoformat(), wall_s=wall_s, error=one_line(error) or "failed",
                   exit_code=exit_code if exit_code != EXIT_OK else EXIT_INTERNAL, worker=worker)


def _moved(outputs: Outputs, old: Path, new: Path) -> Outputs:
    """``outputs`` with every path under ``old`` now under ``new``."""
    def move(value: Any) -> Any:
        if isinstance(value, Path):
            return new / value.relative_to(old) if value.is_relative_to(old) else value
        if isinstance(value, tuple):
            return tuple(move(v) for v in value)
        return value
    return Outputs(**{f.name: move(getattr(outputs, f.name)) for f in dataclasses.fields(Outputs)})


def publish(tmp: Path, target: Path) -> None:
    """Put the finished folder ``tmp`` in place as ``target``, replacing an older ``target``.

    Each step is one rename within ``DIR``, so ``target`` is at every moment absent, the old
    complete folder, or the new complete one; never a folder still being written.
    """
    old = None
    if target.exists() or target.is_symlink():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
        os.rename(target, old)
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def plan_office(office_id: str, inputs: DayInputs, write: Writer) -> OfficeResult:
    """Plan one office on the worker this runs on, writing with ``write``; the Dask task of :func:`run_batch`.

    Outputs go to a temporary folder beside ``inputs.out`` and are renamed to ``inputs.out`` once
    complete (before a ledger records the plan). Any error becomes the office's one-line error.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    target = inputs.out
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex}")
    worker = worker_address()

    def put_in_place(outputs: Outputs) -> Outputs:
        publish(tmp, target)
        return _moved(outputs, tmp, target)

    try:
        result = run_day(dataclasses.replace(inputs, out=tmp), write, SILENT, publish=put_in_place)
    except EktpError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        return OfficeResult.failed(office_id, inputs.day, str(exc), exc.exit_code, time.perf_counter() - t0, worker)
    except Exception as exc:  # a bug while planning this office: say so, and let the others finish
        shutil.rmtree(tmp, ignore_errors=True)
        if os.environ.get("EKTP_DEBUG"):  # the traceback for a bug report, as `plan` gives it
            _log.exception("office %s", office_id)
        return OfficeResult.failed(office_id, inputs.day, f"internal error ({exc.__class__.__name__}: {exc}); "
                                   f"plan this office alone with EKTP_DEBUG=1 and report it", EXIT_INTERNAL,
                                   time.perf_counter() - t0, worker)
    s = result.plan.summary()
    partial = s["cards_unassigned"] + s["cards_rejected"] > 0
    return OfficeResult(office_id, inputs.day.isoformat(), s["cards_in"], s["cards_planned"], s["cards_unassigned"],
                        s["cards_rejected"], s["couriers_used"], s["distance_m"], time.perf_counter() - t0,
                        exit_code=EXIT_PARTIAL if partial else EXIT_OK, cpu_s=time.process_time() - c0,
                        folder=str(target), worker=worker,
                        solver_workers=int(result.plan.meta.get("solver_workers", 1)))


def remove_leftovers(out: Path, ids: Sequence[str]) -> int:
    """Remove temporary folders (``.<id>.tmp-*``, ``.<id>.old-*``) that lost workers left in ``out``."""
    removed = 0
    if not out.is_dir():
        return 0
    wanted = set(ids)
    for child in out.iterdir():
        m = re.fullmatch(r"\.(.+)\.(?:tmp|old)-[0-9a-f]{32}", child.name)
        if m and m.group(1) in wanted and child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Every office's result, in manifest order, and the run's wall time."""

    offices: tuple[OfficeResult, ...]
    wall_s: float
    cluster: str
    workers: int

    @property
    def exit_code(self) -> int:
        """0 when every office planned every card; 4 when any office failed or left cards out."""
        return EXIT_OK if all(r.exit_code == EXIT_OK for r in self.offices) else EXIT_PARTIAL

    def to_json(self) -> dict[str, Any]:
        """``batch.json``: the run, then one object per office (the table's figures)."""
        return {"format": BATCH_FORMAT, "cluster": self.cluster, "workers": self.workers,
                "wall_s": round(self.wall_s, 3), "exit_code": self.exit_code,
                "offices": [{**dataclasses.asdict(r), "wall_s": round(r.wall_s, 3), "cpu_s": round(r.cpu_s, 3)}
                            for r in self.offices]}


def run_batch(offices: Sequence[Office], out: Path, client: Any, options: RunOptions, write: Writer,
              progress: Progress = SILENT) -> BatchResult:
    """Plan every office on the cluster behind ``client``, written by ``write``; one office's failure stops no other.

    Writes ``out/<id>/`` per office (by the workers) and ``out/batch.json`` (here).
    """
    t0 = time.perf_counter()
    out = Path(out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out, [o.id for o in offices])
    results: dict[str, OfficeResult] = {}
    ready: list[tuple[Office, DayInputs]] = []
    for office in offices:
        try:
            ready.append((office, day_inputs(office, out, options)))
        except EktpError as exc:
            results[office.id] = OfficeResult.failed(office.id, office.day or options.day,
                                                     f"office {office.id}: {exc}", exc.exit_code)
    submitted = submit_offices(client, [o.id for o, _ in ready], [i for _, i in ready],
                               functools.partial(plan_office, write=write))
    futures: dict[Any, tuple[str, dt.date]] = {f: (o.id, i.day) for f, (o, i) in zip(submitted, ready, strict=True)}

    progress.start("offices", float(len(offices)), "offices")
    done = len(results)
    try:
        for future in completed(futures):
            office_id, day = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001  (KilledWorker, a lost scheduler: the office failed)
                result = OfficeResult.failed(office_id, day, f"the cluster could not plan it "
                                             f"({exc.__class__.__name__}: {exc})", EXIT_INTERNAL)
            results[office_id] = result
            done += 1
            elapsed = time.perf_counter() - t0
            eta = elapsed / done * (len(offices) - done)
            what = (f"{result.cards_planned}/{result.cards_in} cards planned" if result.ok
                    else f"failed: {result.error}")
            progress.note(f"{done}/{len(offices)} offices done; {office_id}: {what}"
                          + (f"; about {_duration(eta)} left" if done < len(offices) else ""))
            progress.advance(1, f"{done}/{len(offices)}")
    finally:
        progress.finish()
    remove_leftovers(out, [o.id for o in offices])
    batch = BatchResult(tuple(results[o.id] for o in offices), time.perf_counter() - t0,
                        cluster_name(client), worker_count(client))
    write_json(out / BATCH_FILE, batch.to_json())
    return batch


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, math.ceil(seconds))} s"
    return f"{seconds / 60:.0f} min"
