"""The ``ektp-route`` command line: a thin layer that parses options, calls the pipeline and reports.

Exit codes (also in README.md):

====  =====================================================================
0     every card is planned
1     internal error (a bug: please report it with the command that failed)
2     unusable input or options; one line names the file, row, column and value
3     an external service (map download, geocoding) is unreachable and nothing is cached
4     the plan was written, but some cards are unassigned or rejected (see the CSV files)
5     the ledger database is busy (another command is using it)
====  =====================================================================
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import click

from routing import __version__
from routing.config import Settings, load_settings
from routing.errors import EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL, EktpError, InputError
from routing.geo import LatLon
from routing.plan import Plan

log = logging.getLogger("ektp-route")


def _fail(message: str, code: int) -> None:
    click.echo(f"ektp-route: error: {message}", err=True)
    sys.exit(code)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Map the error tree to exit codes; never show a traceback unless EKTP_DEBUG is set."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EktpError as exc:
            if os.environ.get("EKTP_DEBUG"):
                raise
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; nothing after the last message was written", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug: say so in one line, keep the traceback for EKTP_DEBUG=1
            if os.environ.get("EKTP_DEBUG"):
                raise
            _fail(f"internal error ({exc.__class__.__name__}: {exc}); rerun with EKTP_DEBUG=1 and report it",
                  EXIT_INTERNAL)

    return wrapper


class _DepotType(click.ParamType):
    name = "LAT,LON"

    def convert(self, value: Any, param: Any, ctx: Any) -> LatLon:
        if isinstance(value, LatLon):
            return value
        try:
            return LatLon.parse(value)
        except InputError as exc:
            self.fail(str(exc), param, ctx)


def _date(ctx: Any, param: Any, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def _reporter(quiet: bool) -> Callable[[str], None]:
    start = time.monotonic()

    def report(msg: str) -> None:
        if not quiet:
            click.echo(f"[{time.monotonic() - start:5.1f} s] {msg}", err=True)

    return report


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ektp-route")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """Plan door-to-door e-KTP deliveries for Dispendukcapil Kabupaten Jombang.

    \b
    Examples:
      ektp-route demo --out demo-hari-ini
      ektp-route plan kartu_selesai.csv --network jombang.graphml --out rute-2026-11-30 --date 2026-11-30
      ektp-route render rute-2026-11-30
    """
    # Outputs hold personal data: whatever a library creates here is private to the user.
    os.umask(0o077)
    logging.basicConfig(level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)],
                        format="%(levelname)s %(name)s: %(message)s")


def planning_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by ``plan`` and ``demo``."""
    options = [
        click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Folder for plan.json, sheets, maps and CSV files."),
        click.option("--couriers", type=click.IntRange(1, 500), default=None,
                     help="Couriers available (default: as many as the day needs)."),
        click.option("--couriers-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="CSV of couriers: id, nama, mulai, selesai, rumah, jam_mulai, jam_selesai, max_stop."),
        click.option("--group-by", type=click.Choice(["none", "desa", "kecamatan"]), default=None,
                     help="Solve each desa or kecamatan separately, in parallel (large days). Default none."),
        click.option("--balance", is_flag=True, default=None, help="Even out the couriers' working days."),
        click.option("--keep-desa", is_flag=True, default=None, help="Keep each desa with one courier where possible."),
        click.option("--depot", type=_DepotType(), default=None,
                     help="Office location LAT,LON (default: Dispendukcapil Jombang)."),
        click.option("--date", "day", callback=_date, default=None, help="Delivery date YYYY-MM-DD (default today)."),
        click.option("--time-limit", type=click.IntRange(1, 3600), default=None,
                     help="Solver time budget in seconds (default 30)."),
        click.option("--deterministic", is_flag=True, default=None,
                     help="Stop the search after a fixed number of solutions: same input, same plan."),
        click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="TOML settings file."),
        click.option("--lang", type=click.Choice(["id", "en"]), default="id", help="Language of the route sheets."),
        click.option("--locations", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Confirmed-locations file (default: lokasi_terkonfirmasi.csv here, if it exists)."),
        click.option("-q", "--quiet", is_flag=True, help="Only the summary."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _settings(config: Path | None, couriers: int | None, depot: LatLon | None, time_limit: int | None,
              deterministic: bool | None, group_by: str | None = None, balance: bool | None = None,
              keep_desa: bool | None = None) -> Settings:
    return load_settings(config).replace(couriers=couriers, depot=depot, time_limit_s=time_limit,
                                         deterministic=deterministic or None, group_by=group_by,
                                         balance_cost=1 if balance else None,
                                         keep_desa_cost=1800 if keep_desa else None)


def _report_rejected(records: Any) -> None:
    for r in records.rejected[:10]:
        click.echo(f"ektp-route: rejected: {r.detail}", err=True)
    if len(records.rejected) > 10:
        click.echo(f"ektp-route: ... and {len(records.rejected) - 10} more rejected rows, see rejected.csv", err=True)


def _ledger_records(db: Path, records_path: Path | None, sheet: str | None, settings: Settings, day: dt.date,
                    report: Callable[[str], None]) -> Any:
    """Import today's file (if any), then the cards due in the ledger as one record set."""
    from routing.ledger import Ledger
    from routing.records import RecordSet, read_records

    rejected: tuple = ()
    with Ledger(db) as ledger:
        if records_path is not None:
            incoming = read_records(records_path, sheet=sheet, columns=settings.columns)
            _report_rejected(incoming)
            result = ledger.import_batch(incoming, records_path.read_bytes(), day)
            for line in result.changed:
                click.echo(f"ektp-route: changed: {line}", err=True)
            report(f"imported {result.added} new cards into {db}" if not result.already_imported
                   else f"{records_path} was imported before; nothing added")
            rejected = incoming.rejected
        due, _ = ledger.due_records()
    # Ledger cards get row numbers after the file's rejected rows, so every row stays unique.
    base = max((r.row for r in rejected), default=1) - 1
    due = [dataclasses.replace(r, row=r.row + base) for r in due]
    report(f"{len(due)} cards due in the ledger")
    return RecordSet(f"ledger {db}", tuple(due), tuple(rejected))


def _run_plan(records_path: Path | None, network_path: Path, gazetteer_path: Path | None, settings: Settings,
              day: dt.date, out: Path, lang: str, sheet: str | None, quiet: bool, synthetic: bool,
              locations: Path | None, geocode_online: bool = False, db: Path | None = None,
              couriers_file: Path | None = None) -> Plan:
    from routing.couriers import read_couriers
    from routing.confirmed import DEFAULT_STORE, read_store
    from routing.geocode import read_gazetteer
    from routing.network import default_cache_dir, load_network, online_geocoder
    from routing.pipeline import plan_day
    from routing.records import read_records
    from routing.render import draw, write_plan_json

    report = _reporter(quiet)
    if db is not None:
        records = _ledger_records(db, records_path, sheet, settings, day, report)
    else:
        records = read_records(records_path, sheet=sheet, columns=settings.columns)
        report(f"read {records.rows} rows from {records_path}")
        _report_rejected(records)
    gazetteer = read_gazetteer(gazetteer_path) if gazetteer_path else None
    confirmed = read_store(locations or DEFAULT_STORE)
    if confirmed:
        report(f"{len(confirmed)} confirmed locations from {locations or DEFAULT_STORE}")
    network = load_network(network_path, settings.speeds_kph, default_cache_dir())
    report(f"road network {network_path}: {network.n_nodes} nodes, {network.n_edges} edges")
    fleet = read_couriers(couriers_file, settings.shift_for(day)) if couriers_file else None
    if fleet is not None and settings.couriers is not None:
        raise InputError("give either --couriers N or --couriers-file, not both")
    plan = plan_day(records, network, settings, day, gazetteer, confirmed=confirmed,
                    online=online_geocoder() if geocode_online else None, couriers=fleet, synthetic=synthetic,
                    report=report)
    write_plan_json(plan, out)
    report(f"plan written to {out / 'plan.json'}")
    if db is not None:
        from routing.ledger import Ledger

        with Ledger(db) as ledger:
            report(f"{ledger.record_plan(plan)} cards recorded as planned in {db}")
    draw(plan, out, lang)
    report("route sheets, maps, GPX and GeoPackage written")
    return plan


def _print_summary(plan: Plan, out: Path) -> None:
    s = plan.summary()
    click.echo(f"Rencana {plan.date.isoformat()}: {s['cards_in']} kartu masuk = {s['cards_planned']} terjadwal "
               f"+ {s['cards_unassigned']} belum terjadwal + {s['cards_rejected']} ditolak")
    click.echo(f"  {s['couriers_used']} kurir, {s['stops']} alamat, {s['distance_m'] / 1000:.1f} km, "
               f"{s['duration_s'] / 3600:.1f} jam kerja")
    for r in plan.routes:
        click.echo(f"  {r.courier_id}: {len(r.visits)} alamat, {r.n_cards} kartu, {r.distance_m / 1000:.1f} km, "
                   f"selesai {r.end_s // 3600:02d}:{r.end_s % 3600 // 60:02d}")
    for reason, n in plan.reason_counts().items():
        click.echo(f"  {reason}: {n}")
    click.echo(f"Hasil: {out}/ (plan.json, sheets/all.pdf, maps/overview.html, gpx/, routes.gpkg, "
               f"unassigned.csv, rejected.csv, review.csv)")


@main.command()
@click.argument("records", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Ledger database: plan every card due (new and failed before) and record the plan.")
@click.option("--network", "network", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Road network: GraphML saved by osmnx, or an OSM XML extract (.osm, .osm.bz2).")
@click.option("--gazetteer", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of desa/dusun points (desa, dusun, lat, lon) for cards without coordinates.")
@click.option("--sheet", default=None, help="Worksheet name in an XLSX file (default: the first).")
@click.option("--geocode-online", is_flag=True,
              help="Ask OpenStreetMap Nominatim (address only, 1 request/s, cached) for cards nothing else locates.")
@planning_options
@guarded
def plan(records: Path | None, db: Path | None, network: Path | None, gazetteer: Path | None, sheet: str | None,
         geocode_online: bool, out: Path, couriers: int | None, couriers_file: Path | None, group_by: str | None,
         balance: bool | None, keep_desa: bool | None, depot: LatLon | None, day: dt.date, time_limit: int | None,
         deterministic: bool | None, config: Path | None, lang: str, locations: Path | None, quiet: bool) -> None:
    """Plan the day's deliveries from RECORDS (CSV or XLSX, one row per finished card).

    With --db, RECORDS is optional: if given it is imported first; then every card due in the
    ledger (new, and failed before) is planned, urgent first, and the plan is recorded.

    \b
    Examples:
      ektp-route plan kartu.csv --network jombang.graphml --out rute --date 2026-11-30
      ektp-route plan kartu.xlsx --network jombang.graphml --gazetteer dusun.csv --couriers 6 --out rute
      ektp-route plan --db ektp-ledger.sqlite --network jombang.graphml --date 2026-12-01 --out rute
    """
    settings = _settings(config, couriers, depot, time_limit, deterministic, group_by, balance, keep_desa)
    if network is None:
        raise InputError("no road network given: pass --network FILE (see `ektp-route network --help` "
                         "to import an OpenStreetMap extract)")
    if records is None and db is None:
        raise InputError("give a RECORDS file, or --db LEDGER to plan the cards due in the ledger")
    result = _run_plan(records, network, gazetteer, settings, day, out, lang, sheet, quiet, synthetic=False,
                       locations=locations, geocode_online=geocode_online, db=db, couriers_file=couriers_file)
    _print_summary(result, out)
    s = result.summary()
    sys.exit(EXIT_OK if s["cards_unassigned"] + s["cards_rejected"] == 0 else EXIT_PARTIAL)


@main.command()
@planning_options
@click.option("--cards", type=click.IntRange(10, 5000), default=500, help="Cards in the demo day.")
@guarded
def demo(out: Path, couriers: int | None, couriers_file: Path | None, group_by: str | None, balance: bool | None,
         keep_desa: bool | None, depot: LatLon | None, day: dt.date, time_limit: int | None,
         deterministic: bool | None, config: Path | None, lang: str, locations: Path | None, quiet: bool,
         cards: int) -> None:
    """Generate a synthetic demo day and plan it, exactly as `plan` would.

    The inputs are written to OUT/input/ so you can see what real input looks like. The demo
    deliberately includes rows that end up rejected or unassigned; it exits 0 when it ran.

    \b
    Example:
      ektp-route demo --out demo
    """
    from routing.demo import generate

    settings = _settings(config, couriers, depot, time_limit, deterministic, group_by, balance, keep_desa)
    files = generate(out / "input", cards)
    click.echo(f"Demo input (synthetic) written to {out / 'input'}", err=quiet)
    result = _run_plan(files.records, files.network, files.gazetteer, settings, day, out, lang, None, quiet,
                       synthetic=True, locations=locations or out / "input" / "lokasi_terkonfirmasi.csv",
                       couriers_file=couriers_file)
    _print_summary(result, out)


@main.command()
@click.argument("plan_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["id", "en"]), default="id", help="Language of the route sheets.")
@guarded
def render(plan_dir: Path, lang: str) -> None:
    """Redraw sheets, maps and CSV files from PLAN_DIR/plan.json without solving again.

    \b
    Example:
      ektp-route render rute-2026-11-30 --lang en
    """
    from routing.plan import read_plan
    from routing.render import draw

    p = read_plan(plan_dir / "plan.json")
    draw(p, plan_dir, lang)
    click.echo(f"Redrawn from {plan_dir / 'plan.json'}: {len(p.routes)} route sheets, maps and GPX files")


@main.command()
@click.argument("review", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--locations", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Confirmed-locations file to update (default: lokasi_terkonfirmasi.csv here).")
@guarded
def confirm(review: Path, locations: Path | None) -> None:
    """Remember the lat/lon the officer filled into REVIEW (a review.csv) for every later plan.

    \b
    Example:
      ektp-route confirm rute-2026-11-30/review.csv
    """
    from routing.confirmed import DEFAULT_STORE, confirm_from_review
    from routing.geo import JOMBANG_BBOX

    store = locations or DEFAULT_STORE
    result = confirm_from_review(review, store, JOMBANG_BBOX)
    for line in result.problems:
        click.echo(f"ektp-route: skipped: {line}", err=True)
    click.echo(f"{store}: {result.added} new and {result.updated} changed confirmed locations")
    sys.exit(EXIT_PARTIAL if result.problems else EXIT_OK)


def _db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Ledger database (default: ektp-ledger.sqlite here).")(fn)


@main.command("import")
@click.argument("records", type=click.Path(dir_okay=False, path_type=Path))
@_db_option
@click.option("--date", "day", callback=_date, default=None, help="Batch date YYYY-MM-DD (default today).")
@click.option("--sheet", default=None, help="Worksheet name in an XLSX file.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None)
@guarded
def import_(records: Path, db: Path | None, day: dt.date, sheet: str | None, config: Path | None) -> None:
    """Add a batch of finished cards to the ledger; importing the same file twice adds nothing.

    \b
    Example:
      ektp-route import kartu_selesai_2026-11-30.csv --db ektp-ledger.sqlite
    """
    from routing.ledger import DEFAULT_DB, Ledger
    from routing.records import read_records

    settings = load_settings(config)
    rs = read_records(records, sheet=sheet, columns=settings.columns)
    _report_rejected(rs)
    with Ledger(db or DEFAULT_DB) as ledger:
        result = ledger.import_batch(rs, records.read_bytes(), day)
    for line in result.changed:
        click.echo(f"ektp-route: changed: {line}", err=True)
    if result.already_imported:
        click.echo(f"{records} was imported before: nothing added")
    else:
        click.echo(f"{records}: {result.added} new cards, {result.unchanged} already known, "
                   f"{len(result.changed)} changed (not applied), {len(rs.rejected)} rejected")
    sys.exit(EXIT_PARTIAL if rs.rejected or result.changed else EXIT_OK)


@main.command()
@click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
@_db_option
@click.option("--date", "day", callback=_date, default=None, help="Delivery date YYYY-MM-DD (default today).")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None)
@guarded
def outcomes(results: Path, db: Path | None, day: dt.date, config: Path | None) -> None:
    """Record the day's outcomes from RESULTS (CSV: nik, outcome, recipient, time).

    Outcome codes as on the route sheet: DT diterima, TR tidak di rumah, PA pindah alamat,
    AT alamat tidak ditemukan, MN menolak, MD meninggal. Failed cards are planned again; after
    max_attempts (default 2) they wait at the office (ambil di kantor).

    \b
    Example:
      ektp-route outcomes hasil_2026-11-30.csv --db ektp-ledger.sqlite --date 2026-11-30
    """
    from routing.files import read_table
    from routing.ledger import DEFAULT_DB, Ledger

    settings = load_settings(config)
    header, rows = read_table(results, "outcomes file")
    if not {"nik", "outcome"} <= set(header):
        raise InputError(f"{results}, row 1: expected columns nik, outcome, recipient, time")
    with Ledger(db or DEFAULT_DB) as ledger:
        result = ledger.record_outcomes(results, rows, day, settings.max_attempts)
    for line in result.problems:
        click.echo(f"ektp-route: refused: {line}", err=True)
    click.echo(f"{results}: {result.applied} outcomes recorded, {result.repeated} already recorded, "
               f"{len(result.problems)} refused")
    sys.exit(EXIT_PARTIAL if result.problems else EXIT_OK)


@main.command()
@_db_option
@click.option("--date", "day", default=None, help="Also show what happened on this day (YYYY-MM-DD).")
@guarded
def status(db: Path | None, day: str | None) -> None:
    """Cards in the ledger by state, and by desa.

    \b
    Example:
      ektp-route status --db ektp-ledger.sqlite --date 2026-11-30
    """
    from routing.ledger import DEFAULT_DB, STATES, Ledger

    path = db or DEFAULT_DB
    if not path.exists():
        raise InputError(f"{path}: no ledger here yet; run `ektp-route import RECORDS --db {path}` first")
    with Ledger(path) as ledger:
        counts = ledger.counts()
        click.echo(f"{path}: {sum(counts.values())} cards")
        click.echo("  " + "  ".join(f"{s}: {counts[s]}" for s in STATES))
        click.echo(f"  {'desa':<20}" + "".join(f"{s:>10}" for s in STATES))
        for desa, per in ledger.counts_by_desa():
            click.echo(f"  {desa:<20}" + "".join(f"{per[s]:>10}" for s in STATES))
        if day:
            click.echo(f"  on {day}: " + ", ".join(f"{k} {v}" for k, v in sorted(ledger.events_on(
                _date(None, None, day)).items())))


@main.command()
@_db_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@guarded
def export(db: Path | None, out: Path) -> None:
    """Write the ledger as CSV: every card with its state, attempts and last event.

    \b
    Example:
      ektp-route export --db ektp-ledger.sqlite --out ledger.csv
    """
    from routing.files import write_csv
    from routing.ledger import DEFAULT_DB, Ledger

    path = db or DEFAULT_DB
    if not path.exists():
        raise InputError(f"{path}: no ledger here")
    with Ledger(path) as ledger:
        rows = [tuple(r) for r in ledger.export_rows()]
    write_csv(out, ["nik", "nama", "desa", "dusun", "state", "attempts", "urgent", "batch_date", "last_event"], rows)
    click.echo(f"{out}: {len(rows)} cards")


@main.group()
def gazetteer() -> None:
    """Gazetteers of desa and dusun points, for cards without coordinates."""


@gazetteer.command("build")
@click.option("--osm", "extract", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="OpenStreetMap XML extract (.osm, .osm.bz2) to read place points and boundaries from.")
@click.option("--place", default=None, help="Download from OpenStreetMap instead (online), e.g. 'Kabupaten Jombang'.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@guarded
def gazetteer_build(extract: Path | None, place: str | None, out: Path) -> None:
    """Build a gazetteer CSV (kecamatan, desa, dusun, lat, lon) from OpenStreetMap places.

    Reads place=village/hamlet/neighbourhood points and desa (admin_level=7) boundaries. The office
    may also keep its own gazetteer CSV with the same columns.

    \b
    Examples:
      ektp-route gazetteer build --osm jombang.osm.bz2 --out gazetteer.csv
      ektp-route gazetteer build --place "Kabupaten Jombang, Jawa Timur, Indonesia" --out gazetteer.csv
    """
    from routing.geocode import write_gazetteer
    from routing.network import gazetteer_from_extract, gazetteer_from_place

    if (extract is None) == (place is None):
        raise InputError("give exactly one of --osm EXTRACT or --place NAME")
    rows = gazetteer_from_extract(extract) if extract is not None else gazetteer_from_place(place)
    write_gazetteer(out, rows)
    desa = len({r[1] for r in rows})
    click.echo(f"{out}: {desa} desa, {sum(1 for r in rows if r[2])} dusun")


@main.group()
def network() -> None:
    """Road networks for motorbikes: import an extract, fetch online, inspect."""


class _BBoxType(click.ParamType):
    name = "S,W,N,E"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, float, float, float]:
        try:
            s, w, n, e = (float(x) for x in str(value).split(","))
        except ValueError:
            self.fail(f"expected SOUTH,WEST,NORTH,EAST such as -7.80,112.04,-7.32,112.48, got {value!r}", param, ctx)
        if not (s < n and w < e):
            self.fail(f"south must be below north and west left of east: {value!r}", param, ctx)
        return s, w, n, e


@network.command("import")
@click.argument("extract", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="GraphML file to write.")
@click.option("--bbox", type=_BBoxType(), default=None, help="Keep only roads inside SOUTH,WEST,NORTH,EAST.")
@click.option("--polygon", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Keep only roads inside this GeoJSON polygon (e.g. the regency boundary).")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None)
@guarded
def network_import(extract: Path, out: Path, bbox: tuple[float, float, float, float] | None,
                   polygon: Path | None, config: Path | None) -> None:
    """Build a motorbike network from an OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf), offline.

    \b
    Examples:
      ektp-route network import java-latest.osm.pbf --polygon kabupaten_jombang.geojson --out jombang.graphml
      ektp-route network import jombang.osm.bz2 --bbox -7.80,112.04,-7.32,112.48 --out jombang.graphml
    """
    from routing.network import clip, describe, load_graph, save_graphml

    settings = load_settings(config)
    G = load_graph(extract, settings.speeds_kph)
    if bbox is not None or polygon is not None:
        G = clip(G, bbox, polygon)
    save_graphml(G, out)
    info = describe(G)
    click.echo(f"{out}: {info['nodes']} nodes, {info['edges']} edges")


@network.command("fetch")
@click.argument("place")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None)
@guarded
def network_fetch(place: str, out: Path, config: Path | None) -> None:
    """Download a motorbike network with osmnx (online; cached by osmnx).

    \b
    Example:
      ektp-route network fetch "Kabupaten Jombang, Jawa Timur, Indonesia" --out jombang.graphml
    """
    from routing.network import describe, fetch_graph, save_graphml

    settings = load_settings(config)
    G = fetch_graph(place, settings.speeds_kph)
    save_graphml(G, out)
    info = describe(G)
    click.echo(f"{out}: {info['nodes']} nodes, {info['edges']} edges")


@network.command("info")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@guarded
def network_info(file: Path) -> None:
    """Print nodes, edges, km of road by class, strongly connected components and bounding box.

    \b
    Example:
      ektp-route network info jombang.graphml
    """
    from routing.config import DEFAULT_SPEEDS_KPH
    from routing.network import describe, load_graph

    info = describe(load_graph(file, DEFAULT_SPEEDS_KPH))
    click.echo(f"{file}")
    click.echo(f"  nodes: {info['nodes']}, edges: {info['edges']}")
    click.echo(f"  strongly connected components: {info['strong_components']} "
               f"(largest {info['largest_component_nodes']} nodes)")
    s, w, n, e = info["bbox"]
    click.echo(f"  bounding box: S {s:.5f} W {w:.5f} N {n:.5f} E {e:.5f}")
    click.echo("  km of road by class:")
    for cls, km in info["km_by_class"].items():
        click.echo(f"    {cls:<16} {km:8.2f}")


if __name__ == "__main__":  # pragma: no cover
    main()
