"""The daily run as one library call: the day's files in, a plan and every written output out.

:func:`run_day` is what ``ektp-route plan`` and ``demo`` do, and what a batch task does for one
office: read the inputs (records file or ledger with the locations its deliveries taught, road
network, gazetteer, couriers, confirmed locations), plan (:func:`routing.pipeline.plan_day`),
write ``plan.json`` and everything drawn from it, and only then record the plan in the ledger,
so a card becomes ``planned`` only when its sheet exists.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.config import Settings
from routing.confirmed import DEFAULT_STORE, read_confirmed
from routing.couriers import read_couriers
from routing.errors import InputError, LedgerBusy, one_line
from routing.files import default_cache_dir
from routing.gazetteer import read_gazetteer
from routing.geocode import online_geocoder
from routing.learning import Learned
from routing.ledger import Ledger, import_and_due, planning_lock
from routing.outputs import Outputs, Prepare, Writer
from routing.pipeline import plan_day
from routing.plan import Plan
from routing.progress import SILENT, Progress
from routing.records import RecordSet, read_records
from routing.roads.network import load_network_kept
from routing.roads.streets import streets_around

LANGUAGES = ("id", "en")


@dataclass(frozen=True, slots=True)
class DayInputs:
    """Everything one office's day is planned from.

    Attributes
    ----------
    network
        Road network file (GraphML or OSM extract).
    out
        Folder for ``plan.json`` and everything drawn from it.
    day
        Delivery date.
    settings
        Settings from the config file with the command line's overrides applied.
    records
        The day's records file (CSV or XLSX); optional with ``db``.
    db
        Ledger: plan every card due in it (today's file imported first), households at the points
        where their cards were delivered before, and record the plan.
    sheet
        Worksheet of an XLSX records file (default: the first).
    gazetteer
        Desa and dusun points for cards without coordinates.
    couriers_file
        Couriers by name with their own points, hours and limits (instead of ``settings.couriers``).
    locations
        Confirmed-locations store; ``None`` means ``lokasi_terkonfirmasi.csv`` here if present.
    geocode_online
        Ask Nominatim for cards nothing else locates.
    lang
        Language of the route sheets (``id`` or ``en``).
    synthetic
        The inputs are the generated demo data (said on every sheet and map).
    cache_dir
        Where loaded networks are cached; default ``$EKTP_CACHE_DIR`` or ``~/.cache/ektp-route``.
    calibrated
        With ``db``: time the plan with the ledger's latest calibration (``ektp-route calibrate``),
        except the clock settings the config file gives itself.
    """

    network: Path
    out: Path
    day: dt.date
    settings: Settings = field(default_factory=Settings)
    records: Path | None = None
    db: Path | None = None
    sheet: str | None = None
    gazetteer: Path | None = None
    couriers_file: Path | None = None
    locations: Path | None = None
    geocode_online: bool = False
    lang: str = "id"
    synthetic: bool = False
    cache_dir: Path | None = None
    calibrated: bool = True

    def __post_init__(self) -> None:
        if self.records is None and self.db is None:
            raise InputError("give a RECORDS file, or --db LEDGER to plan the cards due in the ledger")
        if self.lang not in LANGUAGES:
            raise InputError(f"language {self.lang!r}: expected one of {', '.join(LANGUAGES)}")
        if self.couriers_file is not None and self.settings.couriers is not None:
            raise InputError("give either --couriers N or --couriers-file, not both")


@dataclass(frozen=True, slots=True)
class DayResult:
    """A planned day: the plan, where its files went, and how many cards the ledger now has as planned."""

    plan: Plan
    outputs: Outputs
    recorded: int | None = None


def _warn_some(progress: Progress, what: str, lines: list[str], rest: str, shown: int = 10) -> None:
    """The first ``shown`` lines as warnings, then how many more there are."""
    for line in lines[:shown]:
        progress.warn(f"{what}: {line}")
    if len(lines) > shown:
        progress.warn(f"... and {len(lines) - shown} more {rest}")


def _records(inputs: DayInputs, progress: Progress) -> tuple[RecordSet, Learned | None]:
    incoming = None
    if inputs.records is not None:
        incoming = read_records(inputs.records, sheet=inputs.sheet, columns=inputs.settings.columns)
        progress.note(f"read {incoming.rows} rows from {inputs.records}")
        _warn_some(progress, "rejected", [r.detail for r in incoming.rejected], "rejected rows, see rejected.csv")
        _warn_some(progress, "cleaned", list(incoming.cleaned), "cleaned cells")
    if inputs.db is None:
        assert incoming is not None  # DayInputs insists on one of the two
        return incoming, None
    file_bytes = inputs.records.read_bytes() if inputs.records is not None else b""
    due = import_and_due(inputs.db, incoming, file_bytes, inputs.day)
    if due.imported is not None:
        for line in due.imported.changed:
            progress.warn(f"changed: {line}")
        progress.note(f"imported {due.imported.added} new cards into {inputs.db}"
                      if not due.imported.already_imported else f"{inputs.records} was imported before; nothing added")
    progress.note(f"{len(due.records.records)} cards due in the ledger")
    if due.learned:
        progress.note(f"{len(due.learned.by_kk)} households (by KK) and {len(due.learned.by_address)} addresses "
                      "located where cards were delivered before")
    return due.records, due.learned


#: How long a finished plan keeps trying to be recorded while short commands (outcomes, import)
#: hold the ledger: the solve and the drawing are done, so waiting is cheaper than redoing them.
RECORD_PATIENCE_S = 300.0


def _record(db: Path, plan: Plan, progress: Progress) -> int:
    deadline = time.monotonic() + RECORD_PATIENCE_S
    while True:
        try:
            with Ledger(db, create=False) as ledger:
                return ledger.record_plan(plan)
        except LedgerBusy:
            if time.monotonic() >= deadline:
                raise
            progress.note(f"{db} is busy; the plan is written and waits to be recorded")
            time.sleep(1.0)


def _clock(inputs: DayInputs, settings: Settings, progress: Progress) -> tuple[Settings, dict[str, Any] | None]:
    """The settings with the ledger's latest calibration applied (when asked), and the plan's record of it."""
    if inputs.db is None:
        return settings, None
    with Ledger(inputs.db, create=False) as ledger:
        latest = ledger.latest_calibration()
    if latest is None:
        return settings, None
    from routing.calibration import Calibration, apply  # numpy and the fit, only for a ledger's plan

    number, fitted_at, text = latest
    if not inputs.calibrated:
        progress.note(f"calibration {number} of {inputs.db} not used (--no-calibration)")
        return settings, {"number": number, "fitted_at": fitted_at, "off": True}
    try:
        calibration = Calibration.from_json(text)
        settings, applied = apply(settings, number, fitted_at, calibration)
    except (InputError, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise InputError(f"{inputs.db}: calibration {number} cannot be read ({one_line(str(exc))}); fit it again "
                         "with `ektp-route calibrate`, or plan with --no-calibration") from None
    progress.note(f"clock from calibration {number} ({calibration.days} days, {calibration.pairs} pairs)"
                  + (f"; the config file's {', '.join(applied.kept)} kept" if applied.kept else ""))
    return settings, applied.meta()


def run_day(inputs: DayInputs, write: Writer, progress: Progress = SILENT,
            publish: Callable[[Outputs], Outputs] | None = None, prepare: Prepare | None = None) -> DayResult:
    """Plan one office's day from its files and write every output with ``write``.

    ``write`` is ``maps.render.render_all`` (the command line passes it; the library never imports
    the ``maps`` package, which imports the library).

    With a ledger, the whole run holds the ledger's planning lock (a second planner waits or stops
    with exit 5), and the plan is recorded only after every output is written: a failure anywhere
    leaves the ledger as it was, so the next run plans the same cards again.

    ``publish``, if given, is called once every output is written to ``inputs.out`` and before the
    plan is recorded; it returns where the outputs are now (``batch`` writes into a temporary folder
    and renames it into place there, so the ledger never records a plan whose folder is not final).

    ``prepare``, if given, is ``write``'s preparation (``maps.render.prepare``), run while the solver
    runs (:func:`routing.outputs.while_solving`).

    Raises
    ------
    InputError
        Unusable input files or options (exit 2).
    LedgerBusy
        Another planner holds the ledger (exit 5).
    """
    settings = inputs.settings
    lock = planning_lock(inputs.db) if inputs.db is not None else contextlib.nullcontext()
    with lock:
        records, learned = _records(inputs, progress)
        gazetteer = read_gazetteer(inputs.gazetteer) if inputs.gazetteer else None
        store = inputs.locations or DEFAULT_STORE
        known = read_confirmed(store)
        confirmed = dict(known.points)
        if confirmed:
            progress.note(f"{len(confirmed)} confirmed locations from {store}")
        if learned is not None:
            # A location the officer confirmed after a household's deliveries overrules them.
            learned = learned.overruled_by(known.confirmed_at)
        settings, calibration = _clock(inputs, settings, progress)
        network = load_network_kept(inputs.network, settings.speeds_kph, inputs.cache_dir or default_cache_dir())
        progress.note(f"road network {inputs.network}: {network.n_nodes} nodes, {network.n_edges} edges")
        if (settings.speed_factor_main, settings.speed_factor_local) != (1.0, 1.0):
            network = network.slowed(settings.speed_factor_main, settings.speed_factor_local)
        fleet = read_couriers(inputs.couriers_file, settings.shift_for(inputs.day)) if inputs.couriers_file else None
        plan = plan_day(records, network, settings, inputs.day, gazetteer, confirmed=confirmed,
                        online=online_geocoder() if inputs.geocode_online else None, couriers=fleet,
                        synthetic=inputs.synthetic, progress=progress, learned=learned, prepare=prepare)
        if calibration is not None:
            plan = dataclasses.replace(plan, meta={**plan.meta, "calibration": calibration})
        # Found while the writer draws the sheets beside this process (maps.render.render_all).
        outputs = write(plan, inputs.out, inputs.lang, streets=functools.partial(streets_around, network, plan))
        if publish is not None:
            outputs = publish(outputs)
        progress.note(f"plan.json, route sheets, maps, GPX and GeoPackage written to {outputs.folder}")
        recorded = None
        if inputs.db is not None:
            recorded = _record(inputs.db, plan, progress)
            progress.note(f"{recorded} cards recorded as planned in {inputs.db}")
    return DayResult(plan, outputs, recorded)
