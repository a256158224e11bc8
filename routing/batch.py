"""Many offices' days in one run, on Dask distributed: the only module that imports dask.

``ektp-route batch MANIFEST.toml --out DIR`` reads a manifest of offices (:func:`read_manifest`),
turns each into the :class:`~routing.day.DayInputs` that ``plan`` would build (:func:`day_inputs`),
and runs :func:`routing.day.run_day` for each office as one Dask task (:func:`plan_office`). Only the
inputs (file paths and settings, a few kilobytes) travel to a worker; the worker reads the files,
computes the travel matrix, solves, writes ``DIR/<office id>/`` and sends back an
:class:`OfficeResult` of a few figures, never the plan.

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
import tomllib
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.config import Settings, load_settings
from routing.day import DayInputs, run_day
from routing.errors import EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL, EktpError, InputError, ServiceUnreachable
from routing.files import write_json
from routing.geo import LatLon
from routing.outputs import Outputs, Writer
from routing.progress import SILENT, Progress

#: ``batch.json`` layout version.
BATCH_FORMAT = 1

#: Keys an ``[[office]]`` table may have (README, "Many offices: batch").
OFFICE_KEYS = ("id", "records", "db", "network", "gazetteer", "depot", "couriers", "config", "group_by", "date",
               "office_name", "sheet", "locations")

#: An office id names its output folder: letters, digits, ``.``, ``-`` and ``_``, starting with a
#: letter or digit (so never ``..`` or a hidden name), e.g. the Kemendagri code ``35.17``.
OFFICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

#: Times Dask runs an office's task again after it raised (worker loss is counted separately, by
#: the scheduler's ``distributed.scheduler.allowed-failures``, default 3).
RETRIES = 2

#: Tasks the scheduler hands a worker per thread (Dask's ``distributed.scheduler.worker-saturation``).
#: Dask's default, 1.1, gives a one-thread worker two offices at once: the second waits behind the
#: first while another worker stands idle at the end of the run (measured: one worker idle for 19 of
#: 53 s). At 1.0 the offices wait at the scheduler and the next free worker takes the next one.
WORKER_SATURATION = 1.0

_log = logging.getLogger(__name__)


def _show(value: object) -> str:
    """A value for a one-line message: ``repr``, cut short (a manifest cell may be 100 KB)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Office:
    """One ``[[office]]`` of a manifest, its paths already relative to nothing (absolute or as given).

    Attributes
    ----------
    id
        Names the output folder ``DIR/<id>``; e.g. the Kemendagri code ``35.17``.
    network
        Road network file.
    records, db
        The day's records file and/or the office's ledger (at least one).
    gazetteer, couriers_file, config, locations
        As ``plan``'s ``--gazetteer``, ``--couriers-file``, ``--config``, ``--locations``.
    depot, couriers, group_by, office_name
        Override the config file's values.
    day
        Delivery date; ``None``: the run's ``--date``, else today.
    sheet
        Worksheet of an XLSX records file.
    """

    id: str
    network: Path
    records: Path | None = None
    db: Path | None = None
    gazetteer: Path | None = None
    depot: LatLon | None = None
    couriers: int | None = None
    couriers_file: Path | None = None
    config: Path | None = None
    group_by: str | None = None
    day: dt.date | None = None
    office_name: str | None = None
    sheet: str | None = None
    locations: Path | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not OFFICE_ID.fullmatch(self.id):
            raise InputError(f"office id {_show(self.id)}: use letters, digits, '.', '-' and '_' "
                             "(starting with a letter or digit, at most 64), e.g. '35.17'")
        if self.records is None and self.db is None:
            raise InputError(f"office {self.id!r}: give records = FILE or db = LEDGER")
        if self.couriers is not None and self.couriers_file is not None:
            raise InputError(f"office {self.id!r}: couriers is either a number or a file, not both")

    @property
    def folder(self) -> Path:
        """The office's own input folder: where its records file (or ledger) is."""
        return (self.records or self.db or self.network).parent


def _path(manifest: Path, value: object, problem: Callable[[str], InputError]) -> Path:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise problem("expected a file path (relative to the manifest's folder)")
    # Absolute, so that a worker whose working folder is elsewhere finds the same file.
    return manifest.absolute().parent / value


def _date(value: object, problem: Callable[[str], InputError]) -> dt.date:
    if isinstance(value, dt.datetime):
        raise problem("expected a date YYYY-MM-DD, not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise problem("expected a date YYYY-MM-DD")


def _office(manifest: Path, index: int, table: object) -> tuple[str, Office]:
    """One ``[[office]]`` table, validated key by key; every error names manifest, office, key and value."""
    label = f"{manifest}, office {index}"
    if not isinstance(table, dict):
        raise InputError(f"{label}: expected an [[office]] table, got {_show(table)}")
    raw_id = table.get("id")
    if isinstance(raw_id, str) and OFFICE_ID.fullmatch(raw_id):
        label += f" (id {raw_id!r})"
    unknown = sorted(set(table) - set(OFFICE_KEYS))
    if unknown:
        raise InputError(f"{label}, key {unknown[0]!r}: unknown key; allowed: {', '.join(OFFICE_KEYS)}")

    def problem_for(key: str) -> Callable[[str], InputError]:
        return lambda what: InputError(f"{label}, key {key!r}, value {_show(table.get(key))}: {what}")

    for key in ("id", "network"):
        if key not in table:
            raise InputError(f"{label}, key {key!r}: missing; every office needs an id and a network")
    if not isinstance(raw_id, str) or not OFFICE_ID.fullmatch(raw_id):
        raise problem_for("id")("use letters, digits, '.', '-' and '_' (starting with a letter or digit, "
                                "at most 64), e.g. '35.17'; it names the output folder")
    if "records" not in table and "db" not in table:
        raise InputError(f"{label}: give records = FILE (the day's cards) or db = LEDGER")
    paths = {key: _path(manifest, table[key], problem_for(key))
             for key in ("network", "records", "db", "gazetteer", "config", "locations") if key in table}
    fields: dict[str, Any] = {"id": raw_id, **paths}
    if "depot" in table:
        value = table["depot"]
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)):
            raise problem_for("depot")("expected [lat, lon] in degrees, e.g. [-7.5530, 112.2330]")
        try:
            fields["depot"] = LatLon(float(value[0]), float(value[1]))
        except InputError as exc:
            raise problem_for("depot")(str(exc)) from None
    if "couriers" in table:
        value = table["couriers"]
        if isinstance(value, str):
            fields["couriers_file"] = _path(manifest, value, problem_for("couriers"))
        elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 500:
            fields["couriers"] = value
        else:
            raise problem_for("couriers")("expected a number of couriers 1..500 or a couriers file path")
    if "group_by" in table:
        if table["group_by"] not in ("none", "desa", "kecamatan"):
            raise problem_for("group_by")("expected none, desa or kecamatan")
        fields["group_by"] = table["group_by"]
    if "date" in table:
        fields["day"] = _date(table["date"], problem_for("date"))
    if "office_name" in table:
        try:
            Settings(office_name=table["office_name"])
        except InputError as exc:
            raise problem_for("office_name")(str(exc)) from None
        fields["office_name"] = table["office_name"]
    if "sheet" in table:
        if not isinstance(table["sheet"], str) or not table["sheet"]:
            raise problem_for("sheet")("expected a worksheet name")
        fields["sheet"] = table["sheet"]
    return raw_id, Office(**fields)


def read_manifest(path: Path) -> tuple[Office, ...]:
    """Read and check a batch manifest: ``[[office]]`` tables, paths relative to the manifest's folder.

    Raises
    ------
    InputError
        The manifest cannot be read, or an office's table is wrong (one line naming the manifest,
        the office's number and id, the key and the value); nothing is planned then.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: manifest not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a TOML manifest") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the manifest as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"office"})
    if unknown:
        raise InputError(f"{path}, key {unknown[0]!r}: unknown; a manifest holds [[office]] tables only")
    tables = data.get("office")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{path}: no offices; add an [[office]] table per office (id, records, network)")
    offices: list[Office] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables, start=1):
        office_id, office = _office(path, index, table)
        # Folders named 35.17 and 35.17 differ only by case on some file systems: refuse both.
        first = seen.setdefault(office_id.casefold(), index)
        if first != index:
            raise InputError(f"{path}, office {index}, key 'id', value {office_id!r}: "
                             f"the same id as office {first}; each office needs its own output folder")
        offices.append(office)
    return tuple(offices)


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
        return cls(office_id, day.isoformat(), wall_s=wall_s, error=_one_line(error) or "failed",
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


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except ValueError:  # not on a Dask worker (called directly, e.g. in tests)
        return ""


def plan_office(office_id: str, inputs: DayInputs, write: Writer) -> OfficeResult:
    """Plan one office on the worker this runs on, writing with ``write``; the Dask task of :func:`run_batch`.

    Outputs go to a temporary folder beside ``inputs.out`` and are renamed to ``inputs.out`` once
    complete (before a ledger records the plan). Any error becomes the office's one-line error.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    target = inputs.out
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex}")
    worker = _worker_address()

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


@contextmanager
def _dask_logs(level: int) -> Iterator[None]:
    # Dask logs every worker start and stop at INFO (its import sets that level, hence the import
    # first); the officer sees only Dask's errors unless asking for more.
    import distributed  # noqa: F401

    logger = logging.getLogger("distributed")
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


@contextmanager
def connect(workers: int | None = None, scheduler: str | None = None,
            dask_log_level: int = logging.ERROR) -> Iterator[Any]:
    """A Dask client: on an existing cluster (``scheduler``), else on a local cluster of processes.

    The local cluster has ``workers`` single-threaded worker processes (default: one per core).
    Dask's own log lines below ``dask_log_level`` are dropped while the client is open.

    Raises
    ------
    ServiceUnreachable
        The scheduler cannot be reached (exit 3).
    """
    with _dask_logs(dask_log_level):
        with _client(workers, scheduler, dask_log_level) as client:
            yield client


@contextmanager
def _client(workers: int | None, scheduler: str | None, dask_log_level: int) -> Iterator[Any]:
    from dask import config as dask_config
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ServiceUnreachable(f"Dask scheduler {scheduler}: cannot connect ({_one_line(str(exc))}); "
                                     "is `dask scheduler` running there?") from None
        saturation = scheduler_saturation(client)
        if saturation is not None and saturation > WORKER_SATURATION:
            _log.warning("Dask scheduler %s gives a worker thread up to %s offices at once, so an office can wait "
                         "behind another while a worker is idle; start it with "
                         "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=%s dask scheduler",
                         scheduler, saturation, WORKER_SATURATION)
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    with dask_config.set({"distributed.scheduler.worker-saturation": WORKER_SATURATION}), \
            LocalCluster(n_workers=n, threads_per_worker=1, processes=True, silence_logs=dask_log_level,
                         dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def scheduler_saturation(client: Any) -> float | None:
    """The scheduler's tasks per worker thread (``worker-saturation``), or None when it will not say."""
    try:
        # A lambda travels by value (cloudpickle), so a scheduler without ektp-route installed answers too.
        return float(client.run_on_scheduler(lambda dask_scheduler: float(dask_scheduler.WORKER_SATURATION)))
    except Exception:  # noqa: BLE001  (an older or locked-down scheduler: the advice is a nicety)
        return None


def dashboard_link(client: Any) -> str | None:
    """The dashboard's address when the scheduler serves one (it needs ``bokeh``), else None."""
    try:
        services = client.scheduler_info().get("services", {})
    except Exception:  # noqa: BLE001  (a dashboard is a nicety; never fail a run over it)
        return None
    return str(client.dashboard_link) if "dashboard" in services else None


def _workers(client: Any) -> int:
    return len(client.scheduler_info().get("workers", {}))


def submit_offices(client: Any, ids: Sequence[str], inputs: Sequence[Any],
                   task: Callable[[str, Any], Any]) -> list[Any]:
    """Submit one task per office, ``task(id, inputs)``, so that Dask queues them at the scheduler.

    One call, with keys that share the prefix ``plan_office``: Dask then sees one group of tasks
    larger than the cluster and keeps it at the scheduler, handing the next office to the next free
    worker (with :data:`WORKER_SATURATION`). Offices sent one by one, or keyed first by office, each
    form a group of their own and are all assigned to workers up front, where an office can wait
    behind a long one while another worker is idle.
    """
    run = uuid.uuid4().hex
    return list(client.map(task, list(ids), list(inputs), key=[f"plan_office-{run}-{i}" for i in ids],
                           retries=RETRIES, pure=False))


def run_batch(offices: Sequence[Office], out: Path, client: Any, options: RunOptions, write: Writer,
              progress: Progress = SILENT) -> BatchResult:
    """Plan every office on the cluster behind ``client``, written by ``write``; one office's failure stops no other.

    Writes ``out/<id>/`` per office (by the workers) and ``out/batch.json`` (here).
    """
    from distributed import as_completed

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
        for future in as_completed(list(futures)):
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
                        _cluster_name(client), _workers(client))
    write_json(out / "batch.json", batch.to_json())
    return batch


def _cluster_name(client: Any) -> str:
    address = str(getattr(client.scheduler, "address", "") or "")
    return address or "local"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, math.ceil(seconds))} s"
    return f"{seconds / 60:.0f} min"


def table(batch: BatchResult) -> list[str]:
    """The printed table: per office, cards in/planned/unassigned/rejected, couriers, km, wall time or error."""
    head = f"{'office':<12} {'in':>6} {'planned':>7} {'unassig':>7} {'reject':>6} {'kurir':>5} {'km':>8} {'wall s':>7}"
    lines = [head, "-" * len(head)]
    for r in batch.offices:
        if r.ok:
            lines.append(f"{r.id:<12} {r.cards_in:>6} {r.cards_planned:>7} {r.cards_unassigned:>7} "
                         f"{r.cards_rejected:>6} {r.couriers:>5} {r.distance_m / 1000:>8.1f} {r.wall_s:>7.1f}")
        else:
            lines.append(f"{r.id:<12} error (exit {r.exit_code}): {r.error}")
    ok = sum(r.ok for r in batch.offices)
    lines.append(f"{ok} of {len(batch.offices)} offices planned in {batch.wall_s:.1f} s on {batch.workers} "
                 f"worker(s) ({batch.cluster})")
    return lines
