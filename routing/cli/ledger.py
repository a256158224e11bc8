"""Ledger commands: ``import`` a day's finished cards, record ``outcomes``, ``status``, ``export``, ``report``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from routing.cli.main import main
from routing.cli.options import config_opt, date_opt, db_opt, parse_date, sheet_opt
from routing.config import load_settings
from routing.errors import EXIT_OK, EXIT_PARTIAL, InputError
from routing.files import cannot_write

_FILE = click.Path(dir_okay=False, path_type=Path)


def _ledger_path(db: Path | None) -> Path:
    from routing.ledger import DEFAULT_DB

    return db or DEFAULT_DB


@main.command("import")
@click.argument("records", type=_FILE)
@db_opt
@date_opt
@sheet_opt
@config_opt
def import_(records: Path, db: Path | None, day: dt.date | None, sheet: str | None, config: Path | None) -> None:
    """Add a batch of finished cards to the ledger; importing the same file twice adds nothing.

    \b
    Example:
      ektp-route import kartu_selesai_2026-11-30.csv --db ektp-ledger.sqlite
    """
    from routing.ledger import Ledger
    from routing.records import read_records

    settings = load_settings(config)
    rs = read_records(records, sheet=sheet, columns=settings.columns)
    for r in rs.rejected[:10]:
        click.echo(f"ektp-route: rejected: {r.detail}", err=True)
    for line in rs.cleaned[:10]:
        click.echo(f"ektp-route: cleaned: {line}", err=True)
    with Ledger(_ledger_path(db)) as ledger:
        result = ledger.import_batch(rs, records.read_bytes(), day or dt.date.today())
    for line in result.changed:
        click.echo(f"ektp-route: changed: {line}", err=True)
    if result.already_imported:
        click.echo(f"{records} was imported before: nothing added")
    else:
        click.echo(f"{records}: {result.added} new cards, {result.unchanged} already known, "
                   f"{len(result.changed)} changed (not applied), {len(rs.rejected)} rejected")
    sys.exit(EXIT_PARTIAL if rs.rejected or result.changed else EXIT_OK)


#: Refusal lines printed for one file; the rest are counted (a broken file can have 300,000).
SHOWN_REFUSALS = 20


@main.command()
@click.argument("results", nargs=-1, required=True, type=_FILE)
@db_opt
@click.option("--date", "day", callback=parse_date, default=None,
              help="Plan day YYYY-MM-DD the files report on (default: the day in the file name "
                   "hasil_K01_DATE.csv, else the day of the rows' times, else today).")
@click.option("--correct", is_flag=True, default=False,
              help="The files correct outcomes recorded before (the officer's word): each row replaces "
                   "its card's outcome of that day.")
@config_opt
def outcomes(results: tuple[Path, ...], db: Path | None, day: dt.date | None, correct: bool,
             config: Path | None) -> None:
    """Record one plan day's outcomes from one or more RESULTS files.

    Each is a CSV with nik, outcome, recipient, time: typed by the officer, or the courier's page's
    hasil_K01_DATE.csv, whose lat, lon and accuracy_m are kept with each outcome. Outcome codes as
    on the route sheet: DT diterima, TR tidak di rumah, PA pindah alamat, AT alamat tidak
    ditemukan, MN menolak, MD meninggal. Failed cards are planned again; after max_attempts
    (default 2) they wait at the office (ambil di kantor). A card delivered (DT) with a position
    accurate to 50 m teaches its household's location to the next plans. Each card must have been
    on the file's courier's route in a plan recorded for that day. The same file twice records
    nothing twice; an outcome that contradicts one recorded (another courier, recipient or place)
    is a conflict and overwrites nothing; a later tap of the same courier corrects the earlier.

    \b
    Examples:
      ektp-route outcomes hasil_K01_2026-11-30.csv hasil_K02_2026-11-30.csv --db ektp-ledger.sqlite
      ektp-route outcomes koreksi.csv --correct --date 2026-11-30 --db ektp-ledger.sqlite
    """
    from routing.ledger import Ledger
    from routing.outcome_rows import plan_day, read_outcome_file

    settings = load_settings(config)
    files = [read_outcome_file(p) for p in results]  # every file checked before anything is recorded
    refused = 0
    with Ledger(_ledger_path(db), create=False) as ledger:
        for f in files:
            on = plan_day(f.rows, day, dt.date.today())
            if isinstance(on, str):
                click.echo(f"ektp-route: refused: {on}", err=True)
                refused += 1
                continue
            result = ledger.record_outcomes(f.rows, on, settings.max_attempts, sha256=f.sha256, correct=correct)
            if result.recorded_at:
                click.echo(f"{f.path}: already recorded on {result.recorded_at} for plan day {on} (the same "
                           "file); nothing recorded")
                continue
            for line in f.cleaned[:10]:
                click.echo(f"ektp-route: cleaned: {line}", err=True)
            for line in result.problems[:SHOWN_REFUSALS]:
                click.echo(f"ektp-route: refused: {line}", err=True)
            if len(result.problems) > SHOWN_REFUSALS:
                click.echo(f"ektp-route: refused: {f.path}: ... and {len(result.problems) - SHOWN_REFUSALS} more "
                           "rows refused", err=True)
            for line in result.untaught:
                click.echo(f"location: not learned: {line}")
            for line in result.wrong_plans:
                click.echo(f"location: {line}")
            refused += len(result.problems)
            click.echo(f"{f.path}: {result.applied} outcomes recorded, {result.repeated} already recorded, "
                       f"{len(result.problems)} refused; {result.taught} delivered with a position that "
                       f"locates the household (plan day {on})")
    sys.exit(EXIT_PARTIAL if refused else EXIT_OK)


@main.command()
@db_opt
@click.option("--kk", default="", help="The household's KK number (No. KK, 16 digits).")
@click.option("--nik", default="", help="The NIK of one of the household's cards.")
def forget(db: Path | None, kk: str, nik: str) -> None:
    """Set aside where deliveries placed a household: its next cards are planned from a confirmed
    location or the gazetteer again.

    Give the household by --kk, or by --nik (one of its cards; with a KK number, the whole KK).
    The positions stay in the ledger as evidence; deliveries after this teach again.

    \b
    Examples:
      ektp-route forget --db ektp-ledger.sqlite --kk 3517090101260001
      ektp-route forget --db ektp-ledger.sqlite --nik 3517094101900001
    """
    from routing.errors import InputError
    from routing.ledger import Ledger

    kk, nik = kk.strip(), nik.strip()
    if bool(kk) == bool(nik):
        raise click.UsageError("give one of --kk or --nik")
    for name, value in (("--kk", kk), ("--nik", nik)):
        if value and not (value.isdigit() and len(value) == 16):
            raise InputError(f"{name} {value[:40]!r}: expected 16 digits")
    path = _ledger_path(db)
    with Ledger(path, create=False) as ledger:
        keys = ledger.forget(kk=kk, nik=nik)
    for key in keys:
        click.echo(f"{path}: forgot the location deliveries taught {key}")


def _terminal(text: str, width: int) -> str:
    """``text`` as a terminal column shows it: only printable characters (a right-to-left override or a
    zero-width space in a desa name would turn or hide the rest of the line), cut to ``width``."""
    clean = "".join(ch for ch in text if ch.isprintable())
    return clean if len(clean) <= width else clean[:width - 3] + "..."


def _minutes(seconds: int | None, signed: bool = True) -> str:
    """``+12 min`` style text for an error (``-`` without one)."""
    if seconds is None:
        return "-"
    return f"{seconds / 60:+.0f} min" if signed else f"{seconds / 60:.0f} min"


@main.command()
@db_opt
@click.option("--date", "day", callback=parse_date, default=None,
              help="Also show what happened on this day (YYYY-MM-DD), and its plan against the field.")
@click.option("--days", type=click.IntRange(1, 366), default=5, show_default=True,
              help="Plan days shown against the field (the last ones with outcomes), without --date.")
def status(db: Path | None, day: dt.date | None, days: int) -> None:
    """Cards in the ledger by state and by desa; then plan against fact, per day and courier.

    For each courier's day: stops planned, stops with an outcome time, those whose time is believed
    (tapped at the door by the courier's phone: see README, "Plan against fact"), the median and
    90th percentile of (tap - planned end of the visit), and the planned finish against the finish
    the field points to.

    \b
    Example:
      ektp-route status --db ektp-ledger.sqlite --date 2026-11-30
    """
    from routing.clock import format_clock
    from routing.ledger import STATES, Ledger
    from routing.planfact import courier_days, route_facts

    path = _ledger_path(db)
    with Ledger(path, create=False) as ledger:
        counts = ledger.counts()
        click.echo(f"{path}: {sum(counts.values())} cards")
        click.echo("  " + "  ".join(f"{s}: {counts[s]}" for s in STATES))
        click.echo(f"  {'desa':<20}" + "".join(f"{s:>10}" for s in STATES))
        for desa, per in ledger.counts_by_desa():
            click.echo(f"  {_terminal(desa, 30):<20}" + "".join(f"{per[s]:>10}" for s in STATES))
        if day:
            click.echo(f"  on {day}: " + ", ".join(f"{k} {v}" for k, v in sorted(ledger.events_on(day).items())))
        shown_days = [day] if day else ledger.recent_plan_days(days)
        rows = courier_days(route_facts(ledger, shown_days[0], shown_days[-1])) if shown_days else ()
    rows = tuple(r for r in rows if r.day in shown_days)
    if not rows:
        return
    click.echo("plan against fact (error = tap - planned end of the visit; believed taps only):")
    # As wide as the longest courier id shown: ids of one prefix (KURIR-PAGI-01, -02) must stay apart.
    wide = max(7, *(len(_terminal(r.courier_id, 32)) for r in rows))
    click.echo(f"  {'day':<10} {'courier':<{wide}} {'stops':>5} {'timed':>5} {'believed':>8} {'median':>9} "
               f"{'p90':>9}  {'finish: planned':>15} {'field':>6}")
    for r in rows:
        late = "" if r.field_finish_s is None or r.finish_s is None else f" ({_minutes(r.field_finish_s - r.finish_s)})"
        courier = _terminal(r.courier_id, 32)
        click.echo(f"  {r.day.isoformat():<10} {courier:<{wide}} {r.stops:>5} {r.timed:>5} {r.trusted:>8} "
                   f"{_minutes(r.error_median_s):>9} {_minutes(r.error_p90_s):>9}  "
                   f"{format_clock(r.finish_s) if r.finish_s is not None else '-':>15} "
                   f"{format_clock(r.field_finish_s) if r.field_finish_s is not None else '-':>6}{late}")


@main.command()
@db_opt
@click.option("--days", type=click.IntRange(1, 366), default=20, show_default=True,
              help="Fit from the last N plan days with outcomes.")
@config_opt
def calibrate(db: Path | None, days: int, config: Path | None) -> None:
    """Fit the field's clock from the recorded days, and keep it for `plan --db`.

    From the times between consecutive believed taps of each route and the planned ride between them:
    the time at a door per household and per card, what finding a door located only by its desa
    costs, and how fast the couriers ride as a share of the configured speeds (on main and local
    roads where the data allow, else one factor). Prints each
    value with its spread and the arrival-time error the old and new clock give on the recorded days;
    then `plan --db` uses it (the config file's own values and --no-calibration override). Refuses,
    storing nothing, with fewer than 50 usable pairs.

    \b
    Example:
      ektp-route calibrate --db ektp-ledger.sqlite --days 20
    """
    from routing.calibration import NotFitted, fit
    from routing.ledger import Ledger
    from routing.planfact import route_facts

    settings = load_settings(config)
    path = _ledger_path(db)
    with Ledger(path, create=False) as ledger:
        recorded = ledger.recent_plan_days(days)
        if not recorded:
            raise InputError(f"{path}: no outcomes recorded yet; nothing to calibrate from")
        routes = route_facts(ledger, recorded[0], recorded[-1])
        try:
            c = fit([r for r in routes if r.day in recorded], settings)
        except NotFitted as exc:
            raise InputError(f"{path}: not calibrated: {exc}") from None
        number = ledger.store_calibration(c.to_json(), c.first_day, c.last_day)

    def value(name: str, text: str, spread: str, was: str) -> None:
        click.echo(f"  {name:<32} {text:>10} \u00b1 {spread:<8} (was {was})")

    click.echo(f"{path}: calibration {number} from {c.days} days ({c.first_day} to {c.last_day}): {c.pairs} pairs of "
               f"consecutive stops fitted, {c.outliers} set aside as outliers, "
               f"{sum(c.refused.values())} not usable")
    for rule, n in c.refused.items():
        if n:
            click.echo(f"    {n} {rule}")
    value("time at a door, per household", f"{c.service_base_s} s", f"{c.spread['service_base_s']:.0f} s",
          f"{settings.service_base_s} s")
    if c.per_card_fitted:
        value("time at a door, per card", f"{c.service_per_card_s} s", f"{c.spread['service_per_card_s']:.0f} s",
              f"{settings.service_per_card_s} s")
    else:
        click.echo(f"  time at a door, per card: {c.service_per_card_s} s kept (too few households of several cards)")
    if c.search_fitted:
        value("finding a door located by name", f"{c.search_s} s", f"{c.spread['search_s']:.0f} s",
              f"{settings.search_s} s")
    else:
        click.echo(f"  finding a door located by name: {c.search_s} s kept (too few such households)")
    groups = (("speed on main roads", "speed_factor_main"), ("speed on local roads", "speed_factor_local"))
    for name, key in groups if c.per_group else (("speed, all roads", "speed_factor_main"),):
        value(name, f"x{getattr(c, key):.2f}", f"{c.spread[key]:.2f}", f"x{getattr(settings, key):.2f}")
    if not c.per_group:
        click.echo("    (one factor for main and local roads: too few rides on each, or too uncertain apart)")
    click.echo(f"  arrival error on the recorded days (median |tap - planned|, {c.stops} believed stops): "
               f"{c.error_before_s / 60:.1f} min with the plans' clock, {c.error_after_s / 60:.1f} min with this one")
    click.echo(f"  notice window: planned arrival \u00b1{c.settings()['arrival_error_p80_s'] // 60} min "
               f"(80th percentile error {c.arrival_error_p80_s // 60} min); kept free at the end of the shift: "
               f"{c.reserve_s // 60} min")
    click.echo(f"`ektp-route plan --db {path}` times its plans with it from now on (values the config file gives "
               "itself, and --no-calibration, override it)")


@main.command()
@db_opt
@click.option("--out", "out", required=True, type=_FILE, help="CSV file to write.")
def export(db: Path | None, out: Path) -> None:
    """Write the ledger as CSV: every card with its state, attempts and last event.

    \b
    Example:
      ektp-route export --db ektp-ledger.sqlite --out ledger.csv
    """
    from routing.files import write_csv
    from routing.ledger import Ledger

    path = _ledger_path(db)
    with Ledger(path, create=False) as ledger:
        rows = [tuple(r) for r in ledger.export_rows()]
    write_csv(out, ["nik", "nama", "desa", "dusun", "state", "attempts", "urgent", "batch_date", "last_event"], rows)
    click.echo(f"{out}: {len(rows)} cards")


def _report_day(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value[:40]!r}: expected a date YYYY-MM-DD, e.g. 2026-11-01") from None


@main.command()
@db_opt
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for laporan.html and the tables as CSV.")
@click.option("--boundaries", type=_FILE, default=None,
              help="Desa polygons (GeoJSON, lon/lat) to draw the desa map on; without it the map is left out.")
@click.option("--from", "start", default=None, help="First day YYYY-MM-DD (default: the 1st of --to's month).")
@click.option("--to", "end", default=None, help="Last day YYYY-MM-DD (default: today).")
@config_opt
def report(db: Path | None, out: Path, boundaries: Path | None, start: str | None, end: str | None,
           config: Path | None) -> None:
    """Write the office's report for a period: OUT/laporan.html (offline, charts inlined) and its tables as CSV.

    Cards per day against the daily target (the daily_target setting, default 500), the backlog by
    age and state, outcomes by code, urgent cards waiting, per courier cards per working hour and
    the arrival-time error, per desa the failure rate and open cards (a map with --boundaries).

    \b
    Example:
      ektp-route report --db ektp-ledger.sqlite --out laporan-2026-11 --from 2026-11-01 --to 2026-11-30
    """
    from maps.report_page import write_report
    from routing.ledger import Ledger
    from routing.report_data import Period, build_report

    last = _report_day("--to", end) or dt.date.today()
    first = _report_day("--from", start) or last.replace(day=1)
    if last < first:
        raise InputError(f"--from {first} is after --to {last}; give the first day, then the last")
    settings = load_settings(config)
    areas = None
    if boundaries is not None:
        from routing.gazetteer import read_desa_areas

        areas = [(a.desa, a.polygon) for a in read_desa_areas(boundaries)]
    with Ledger(_ledger_path(db), create=False) as ledger:
        figures = build_report(ledger, Period(first, last), settings.daily_target)
    try:
        written = write_report(figures, out, areas)
    except OSError as exc:
        raise InputError(cannot_write(out, exc)) from None
    click.echo(f"{written[0]}: {first} to {last}, {sum(d.delivered for d in figures.days)} cards delivered, "
               f"{len(written) - 1} CSV tables beside it")
