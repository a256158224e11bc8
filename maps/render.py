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
is called, not when this module is: :func:`draw` hands the PDF sheets to a second process that
imports only what they need, while this one imports and draws the rest (:func:`_beside`).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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
from routing.outputs import Outputs
from routing.plan import SYNTHETIC_NOTE, Plan, to_json
from routing.roads.streets import Streets
from routing.roads.streets import from_json as streets_from_json
from routing.roads.streets import to_json as streets_to_json

#: The streets file beside ``plan.json``.
STREETS_FILE = "streets.json"
#: The residents' notices, written only while the plan's ``notify`` is on.
NOTICE_FILES = ("pemberitahuan.csv", "pemberitahuan.html")


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


def write_pdfs(plan: Plan, folder: Path, lang: str = "id") -> tuple[Path, ...]:
    """A4 PDF route sheet per courier, and ``all.pdf`` with every courier for printing."""
    from maps.pdf import route_pdfs

    target = private_dir(folder / "sheets")
    note = SYNTHETIC_NOTE if plan.synthetic else ""
    if not plan.routes:
        return ()
    parts, whole = route_pdfs(plan, list(plan.routes), lang, note)
    paths = [write_private(target / f"{r.courier_id}.pdf", part) for r, part in zip(plan.routes, parts)]
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


def _beside(write: Callable[..., _T], *args: Any) -> Callable[[], _T]:
    """Start ``write(*args)`` in a second process, and return what waits for its result.

    Drawing a day takes a few seconds of one core, and the PDF sheets are about half of it, so
    they are drawn in a forked copy of this process while this one draws the rest. Forking is safe
    only with no other thread running (a thread may hold a lock the copy would never see
    released), so elsewhere (a terminal progress bar, a cluster worker, a platform without fork)
    ``write`` runs here and now. An exception in the copy is raised here when the result is asked for.
    """
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        value = write(*args)
        return lambda: value
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def run() -> None:
        try:
            send.send((True, write(*args)))
        except BaseException as exc:  # handed to the parent, which raises it
            send.send((False, exc))

    process = ctx.Process(target=run, name=f"ektp-route {getattr(write, '__name__', 'writer')}", daemon=True)
    process.start()
    send.close()

    def result() -> _T:
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
        return value

    return result


def draw(plan: Plan, folder: Path, lang: str = "id", plan_json: Path | None = None,
         streets: Streets | None = None) -> Outputs:
    """Everything drawn from a plan (``plan.json`` must already be written, or is redrawn from).

    Without ``streets``, the maps get the streets of ``streets.json`` in ``folder`` if it is there
    (``ektp-route render`` has no road network). The PDF sheets are drawn in a second process where
    that is safe (:func:`_beside`); the files are the same either way.
    """
    if streets is None:
        streets = read_streets(folder)
    pdfs = _beside(write_pdfs, plan, folder, lang)
    try:
        tables = write_tables(plan, folder)
        sheets = write_sheets(plan, folder, lang)
        maps = write_maps(plan, folder, streets)
        gpx = write_gpx(plan, folder)
        gpkg = write_geopackage(plan, private_dir(folder) / "routes.gpkg") if plan.routes else None
        pages = write_courier_pages(plan, folder, lang, streets)
        review = write_review_page(plan, folder, lang)
        notices = write_notices(plan, folder, lang)
    except BaseException:
        with contextlib.suppress(BaseException):
            pdfs()  # the sheets are finished (or have failed) before this error ends the run
        raise
    return Outputs(folder, plan_json or folder / "plan.json", tables, sheets, pdfs(), maps, gpx, gpkg,
                   courier_pages=pages, review_page=review, notices=notices)


def render_all(plan: Plan, folder: Path, lang: str = "id", streets: Streets | None = None) -> Outputs:
    """Everything a plan produces; ``plan.json`` is written first, then ``streets.json`` (or an old one removed)."""
    plan_json = write_plan_json(plan, folder)
    write_streets(streets, folder)
    return draw(plan, folder, lang, plan_json, streets)
