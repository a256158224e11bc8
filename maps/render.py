"""Writing a plan's outputs into a folder: ``plan.json`` first, then everything drawn from it.

Layout of the output folder (documented in README)::

    plan.json          machine-readable plan (written before anything else)
    streets.json       the streets around the routes, from the road network (drawn on the maps)
    unassigned.csv     valid cards not on a route, with reason
    rejected.csv       input rows that could not be read, with row, column, value and reason
    review.csv         cards whose location is approximate or was corrected
    routes.csv         every planned card in visit order (for Excel)
    routes.gpkg        GeoPackage of stops and routes (QGIS)
    sheets/K01.pdf     A4 route sheet per courier;  sheets/all.pdf  the whole day for printing
    sheets/K01.html    the same sheet as a web page
    maps/K01.html      map per courier;  maps/overview.html  all couriers
    kurir/K01.html     the courier's offline page: stops, outcomes with GPS, results file
    review.html        the officer's map of review.csv: drag a point, save a file for `confirm`
    gpx/K01.gpx        waypoints, route and road track per courier (OsmAnd)
    pemberitahuan.csv  one row per household: phone (+62), name, desa, window, message; phones that
                       cannot be used with the reason (not written when the plan's ``notify`` is off)
    pemberitahuan.html the officer's page of those rows: WhatsApp and SMS links, a sent mark

Each writer imports its drawing module (and so its library: fpdf2, folium, geopandas, ...) when it
is called, not when this module is, unless :func:`prepare` imported them all while the solver ran.
:func:`draw` hands the PDF sheets to a second process, while this one draws the rest
(:func:`_beside`).
"""

from __future__ import annotations

import ctypes
import importlib
import json
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from routing.clock import format_clock
from routing.confirmed import REVIEW_COLUMNS, review_cells
from routing.errors import InputError
from routing.files import (
    private_dir,
    safe_filename,
    write_csv,
    write_json,
    write_private,
)
from routing.outputs import Outputs, Preview
from routing.plan import SYNTHETIC_NOTE, Plan, to_json
from routing.roads.streets import Streets
from routing.roads.streets import from_json as streets_from_json
from routing.roads.streets import to_json as streets_to_json

#: The streets file beside ``plan.json``.
STREETS_FILE = "streets.json"
#: The residents' notices, written only while the plan's ``notify`` is on.
NOTICE_FILES = ("pemberitahuan.csv", "pemberitahuan.html")


#: The modules the writers below import when called, but for the GeoPackage's (:mod:`maps.gis`): see
#: :func:`prepare`.
_DRAWING_MODULES = ("maps.pdf", "maps.sheets", "maps.routes", "maps.courier_page", "maps.review_page",
                    "maps.notify_page", "maps.gpx")


#: Set once :func:`prepare` has run in this process.
_PREPARED_HERE = threading.Event()


def prepare(preview: Preview) -> None:
    """What drawing the day can do before its routes are known, done while the solver runs
    (:func:`routing.outputs.while_solving`): import the drawing modules and their libraries (about
    1.5 s of a day's drawing), and give the PDF sheets their fonts, measured cells and QR codes.

    Not geopandas: it opens PROJ's database (pyproj at import, GDAL's own on the first write), and
    PROJ closes it again in a forked copy, from a fork handler that can wait for ever on SQLite's
    lock (seen: the copy drawing the sheets hung there). The sheets are forked from this process,
    so PROJ is left to the GeoPackage's writer, after the fork, as before.
    """
    for name in _DRAWING_MODULES:
        importlib.import_module(name)
    from maps import pdf

    pdf.prepare(preview)
    _PREPARED_HERE.set()


def write_plan_json(plan: Plan, folder: Path) -> Path:
    """Write ``plan.json`` (private)."""
    return write_json(private_dir(folder) / "plan.json", to_json(plan))


def write_tables(plan: Plan, folder: Path) -> tuple[Path, ...]:
    """The officer's CSV files."""
    folder = private_dir(folder)
    unassigned = write_csv(folder / "unassigned.csv", ["row", "nik", "nama", "desa", "reason", "detail"],
                           [(u.card.row, u.card.nik, u.card.nama, u.card.desa, u.reason, u.detail)
                            for u in plan.unassigned])
    rejected = write_csv(folder / "rejected.csv", ["row", "nik", "column", "value", "reason", "detail"],
                         [(r.row, r.nik, r.column, r.value, r.reason, r.detail) for r in plan.rejected])
    # The officer fills lat/lon in and runs `ektp-route confirm review.csv`; `key` ties it to the address.
    review = write_csv(folder / "review.csv", REVIEW_COLUMNS, [review_cells(r) for r in plan.review])
    routes = write_csv(folder / "routes.csv",
                       ["courier_id", "seq", "stop_id", "eta", "nik", "nama", "address", "desa", "urgent",
                        "lat", "lon", "precision", "snap_m"],
                       [(r.courier_id, v.seq, v.stop_id, format_clock(v.arrival_s), c.nik, c.nama, c.address,
                         c.desa, "ya" if c.urgent else "", f"{v.point.lat:.6f}", f"{v.point.lon:.6f}",
                         v.precision, v.snap_m)
                        for r in plan.routes for v in r.visits for c in v.cards])
    return unassigned, rejected, review, routes


def write_sheets(plan: Plan, folder: Path, lang: str = "id") -> tuple[Path, ...]:
    """One HTML route sheet per courier."""
    from maps.sheets import render_sheet

    target = private_dir(folder / "sheets")
    note = SYNTHETIC_NOTE if plan.synthetic else ""
    return tuple(write_private(target / f"{r.courier_id}.html", render_sheet(plan, r, lang, note))
                 for r in plan.routes)


def write_streets(streets: Streets | None, folder: Path) -> Path | None:
    """Write ``streets.json`` (private), or remove an older one when there are no streets."""
    path = private_dir(folder) / STREETS_FILE
    if streets is None:
        path.unlink(missing_ok=True)
        return None
    # Compact: pretty-printed, a day's coordinates would take a line each.
    return write_private(path, json.dumps(streets_to_json(streets), ensure_ascii=False, separators=(",", ":")) + "\n")


def read_streets(folder: Path) -> Streets | None:
    """``streets.json`` from a plan's folder, or ``None`` when there is none.

    Raises
    ------
    InputError
        The file is there but unreadable (one line naming it).
    """
    path = Path(folder) / STREETS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc}); delete it to draw the maps without streets") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a streets file; delete it to draw the maps without streets")
    return streets_from_json(data, str(path))


def write_maps(plan: Plan, folder: Path, streets: Streets | None = None) -> tuple[Path, ...]:
    """A map per courier and an overview map, with ``streets`` drawn under the routes."""
    from maps.routes import courier_map, overview_map

    target = private_dir(folder / "maps")
    banner = SYNTHETIC_NOTE if plan.synthetic else ""
    paths = [write_private(target / f"{r.courier_id}.html", courier_map(plan, r, k, banner, streets))
             for k, r in enumerate(plan.routes)]
    paths.append(write_private(target / "overview.html", overview_map(plan, banner, streets)))
    return tuple(paths)


def write_courier_pages(plan: Plan, folder: Path, lang: str = "id",
                        streets: Streets | None = None) -> tuple[Path, ...]:
    """The courier's offline page per courier, ``kurir/K01.html`` (the id made file-name safe)."""
    from maps.courier_page import courier_page

    target = private_dir(folder / "kurir")
    return tuple(write_private(target / f"{safe_filename(r.courier_id)}.html", courier_page(plan, r, lang, streets))
                 for r in plan.routes)


def write_review_page(plan: Plan, folder: Path, lang: str = "id") -> Path:
    """``review.html`` beside ``review.csv``: the households to locate on a map."""
    from maps.review_page import review_page

    return write_private(private_dir(folder) / "review.html", review_page(plan, lang))


def write_notices(plan: Plan, folder: Path, lang: str = "id") -> tuple[Path, ...]:
    """``pemberitahuan.csv`` and ``pemberitahuan.html``, or, with the plan's ``notify`` off, none
    (older ones removed, so a folder never holds notices of a plan that asked for none)."""
    from maps.notify_page import NOTICE_COLUMNS, notice_rows, notify_page, plan_notices

    folder = private_dir(folder)
    if not plan.notify:
        for name in NOTICE_FILES:
            (folder / name).unlink(missing_ok=True)
        return ()
    found = plan_notices(plan)
    return (write_csv(folder / NOTICE_FILES[0], NOTICE_COLUMNS, notice_rows(plan, found)),
            write_private(folder / NOTICE_FILES[1], notify_page(plan, lang, found)))


def sheet_pdfs(plan: Plan, lang: str = "id") -> tuple[list[bytes], bytes]:
    """Each route's A4 PDF route sheet, and ``all.pdf`` with every courier for printing (no routes: none)."""
    from maps.pdf import route_pdfs

    if not plan.routes:
        return [], b""
    return route_pdfs(plan, list(plan.routes), lang, SYNTHETIC_NOTE if plan.synthetic else "")


def write_pdfs(plan: Plan, folder: Path, sheets: tuple[list[bytes], bytes]) -> tuple[Path, ...]:
    """Write :func:`sheet_pdfs`' ``sheets`` of ``plan``: ``sheets/K01.pdf`` ... and ``sheets/all.pdf``."""
    parts, whole = sheets
    if not plan.routes:
        return ()
    target = private_dir(folder / "sheets")
    paths = [write_private(target / f"{r.courier_id}.pdf", part) for r, part in zip(plan.routes, parts, strict=True)]
    paths.append(write_private(target / "all.pdf", whole))
    return tuple(paths)


def write_gpx(plan: Plan, folder: Path) -> tuple[Path, ...]:
    """GPX per courier."""
    from maps.gpx import route_gpx

    target = private_dir(folder / "gpx")
    return tuple(write_private(target / f"{r.courier_id}.gpx", route_gpx(plan, r)) for r in plan.routes)


def write_geopackage(plan: Plan, path: Path) -> Path:
    """``routes.gpkg``: the stops and routes for QGIS (:func:`maps.gis.write_geopackage`)."""
    from maps.gis import write_geopackage as write

    return write(plan, path)


_T = TypeVar("_T")


def _die_with(parent: int) -> None:
    """End this process (a forked copy) when ``parent`` ends (Linux ``PR_SET_PDEATHSIG``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before that was asked
        os._exit(1)


#: ``prctl`` option: the signal a process gets when its parent ends.
_PR_SET_PDEATHSIG = 1


class _Beside(Generic[_T]):
    """A result being worked out beside this process (:func:`_beside`), or already here."""

    def __init__(self, value: _T | None = None, process: Any = None, receive: Any = None) -> None:
        self._value, self._process, self._receive = value, process, receive

    def __call__(self) -> _T:
        """The result, once the copy has handed it over; an exception in the copy is raised here."""
        if self._process is None:
            return cast(_T, self._value)
        process, receive = self._process, self._receive
        try:
            ok, value = receive.recv()
        except EOFError:
            process.join()
            raise RuntimeError(f"{process.name} stopped with exit code {process.exitcode}") from None
        finally:
            receive.close()
        process.join()
        if not ok:
            raise value
        return cast(_T, value)

    def cancel(self) -> None:
        """Stop the copy without its result (this run is ending with an error): it writes no file,
        so nothing is left half done, and the error is not kept waiting for a drawing nobody reads."""
        if self._process is not None:
            self._receive.close()
            self._process.kill()
            self._process.join()


def _beside(write: Callable[..., _T], *args: Any) -> _Beside[_T]:
    """Start ``write(*args)`` in a second process, and return what waits for its result.

    Drawing a day takes a few seconds of one core, and the PDF sheets are about half of it, so
    they are drawn in a forked copy of this process while this one draws the rest. Forking is safe
    only with no other thread running (a thread may hold a lock the copy would never see
    released), so elsewhere (a terminal progress bar, a cluster worker, a platform without fork)
    ``write`` runs here and now. ``write`` must write no file: its result comes back here.
    """
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return _Beside(write(*args))
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    parent = os.getpid()

    def run() -> None:
        # Killed with its parent: a planner killed while drawing must not leave this copy holding the
        # ledger's planning lock (an inherited file), nor waiting forever to hand its result over.
        receive.close()
        _die_with(parent)
        try:
            send.send((True, write(*args)))
        except BaseException as exc:  # handed to the parent, which raises it
            send.send((False, exc))

    process = ctx.Process(target=run, name=f"ektp-route {getattr(write, '__name__', 'writer')}", daemon=True)
    process.start()
    send.close()
    return _Beside(process=process, receive=receive)


def draw(plan: Plan, folder: Path, lang: str = "id", plan_json: Path | None = None,
         streets: Streets | None = None, sheets: _Beside[tuple[list[bytes], bytes]] | None = None) -> Outputs:
    """Everything drawn from a plan (``plan.json`` must already be written, or is redrawn from).

    Without ``streets``, the maps get the streets of ``streets.json`` in ``folder`` if it is there
    (``ektp-route render`` has no road network). The PDF sheets are drawn in a second process where
    that is safe (:func:`_beside`), unless ``sheets`` already waits for them; this process writes
    them last, so every file is written after ``plan.json``. The files are the same either way.
    """
    if streets is None:
        streets = read_streets(folder)
    if sheets is None:
        sheets = _beside(sheet_pdfs, plan, lang)
    try:
        tables = write_tables(plan, folder)
        html_sheets = write_sheets(plan, folder, lang)
        maps = write_maps(plan, folder, streets)
        gpx = write_gpx(plan, folder)
        gpkg = write_geopackage(plan, private_dir(folder) / "routes.gpkg") if plan.routes else None
        pages = write_courier_pages(plan, folder, lang, streets)
        review = write_review_page(plan, folder, lang)
        notices = write_notices(plan, folder, lang)
    except BaseException:
        sheets.cancel()  # no drawing is left running when this error ends the run
        raise
    pdfs = write_pdfs(plan, folder, sheets())
    return Outputs(folder, plan_json or folder / "plan.json", tables, html_sheets, pdfs, maps, gpx, gpkg,
                   courier_pages=pages, review_page=review, notices=notices)


def render_all(plan: Plan, folder: Path, lang: str = "id",
               streets: Streets | Callable[[], Streets | None] | None = None) -> Outputs:
    """Everything a plan produces; ``plan.json`` is written first, then ``streets.json`` (or an old one removed).

    ``streets`` may be a function that finds them (``streets_around`` of the road network): it is
    called once the PDF sheets, which take longest, are being drawn beside this process.
    """
    sheets = _beside(sheet_pdfs, plan, lang)
    if _PREPARED_HERE.is_set():
        from maps.pdf import discard_prepared

        discard_prepared()  # taken by the sheets, here or in their process
    try:
        plan_json = write_plan_json(plan, folder)
        found = streets() if callable(streets) else streets
        write_streets(found, folder)
    except BaseException:
        sheets.cancel()
        raise
    return draw(plan, folder, lang, plan_json, found, sheets)
