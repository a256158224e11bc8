"""The daily commands: ``plan`` (and ``demo``, the same on generated data), ``render`` and ``confirm``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from routing.cli.main import main
from routing.cli.options import (
    Planning,
    config_opt,
    day_to_plan,
    lang_opt,
    locations_opt,
    planning_options,
    sheet_opt,
    verbosity,
)
from routing.cli.terminal import terminal_progress
from routing.clock import format_clock
from routing.errors import EXIT_OK, EXIT_PARTIAL, InputError
from routing.plan import Plan

_FILE = click.Path(dir_okay=False, path_type=Path)

#: Summary lines in each language of ``--lang``.
_SUMMARY = {
    "id": {"head": "Rencana {date}: {cards_in} kartu masuk = {cards_planned} terjadwal + {cards_unassigned} "
                   "belum terjadwal + {cards_rejected} ditolak",
           "day": "  {couriers_used} kurir, {stops} alamat, {km:.1f} km, {hours:.1f} jam kerja",
           "route": "  {courier}: {stops} alamat, {cards} kartu, {km:.1f} km, selesai {end}",
           "files": "Hasil: {out}/ (plan.json, sheets/all.pdf, maps/overview.html, gpx/, routes.gpkg, "
                    "unassigned.csv, rejected.csv, review.csv)",
           "clock": "  Jam lapangan: kalibrasi {number} dari {days} hari ({first_day} s.d. {last_day}, "
                    "{pairs} pasang): {base} menit/alamat + {per_card} menit/kartu (+{search} menit mencari rumah), "
                    "kecepatan jalan utama x{main}, "
                    "jalan lokal x{local}, cadangan akhir shift {reserve} menit",
           "clock_kept": "  Dari berkas konfigurasi (bukan kalibrasi): {kept}",
           "clock_off": "  Kalibrasi {number} tidak dipakai (--no-calibration)",
           "demo": "Data demo (sintetis) ditulis ke {folder}",
           "redrawn": "Digambar ulang dari {path}: {n} lembar rute, peta dan berkas GPX"},
    "en": {"head": "Plan {date}: {cards_in} cards in = {cards_planned} planned + {cards_unassigned} "
                   "unassigned + {cards_rejected} rejected",
           "day": "  {couriers_used} couriers, {stops} stops, {km:.1f} km, {hours:.1f} working hours",
           "route": "  {courier}: {stops} stops, {cards} cards, {km:.1f} km, back at {end}",
           "files": "Output: {out}/ (plan.json, sheets/all.pdf, maps/overview.html, gpx/, routes.gpkg, "
                    "unassigned.csv, rejected.csv, review.csv)",
           "clock": "  Field clock: calibration {number} from {days} days ({first_day} to {last_day}, "
                    "{pairs} pairs): {base} min a household + {per_card} min a card (+{search} min finding a door), "
                    "speeds on main roads x{main}, "
                    "local roads x{local}, {reserve} min kept free at the end of the shift",
           "clock_kept": "  From the config file (not the calibration): {kept}",
           "clock_off": "  Calibration {number} not used (--no-calibration)",
           "demo": "Demo input (synthetic) written to {folder}",
           "redrawn": "Redrawn from {path}: {n} route sheets, maps and GPX files"},
}


def print_summary(plan: Plan, out: Path, lang: str) -> None:
    """The day in a few lines, in the officer's language: cards in = planned + unassigned + rejected."""
    words = _SUMMARY[lang]
    s = plan.summary()
    click.echo(words["head"].format(date=plan.date.isoformat(), **s))
    click.echo(words["day"].format(couriers_used=s["couriers_used"], stops=s["stops"], km=s["distance_m"] / 1000,
                                   hours=s["duration_s"] / 3600))
    for r in plan.routes:
        click.echo(words["route"].format(courier=r.courier_id, stops=len(r.visits), cards=r.n_cards,
                                         km=r.distance_m / 1000, end=format_clock(r.end_s)))
    for reason, n in plan.reason_counts().items():
        click.echo(f"  {reason}: {n}")
    calibration = plan.meta.get("calibration")
    if isinstance(calibration, dict):
        if calibration.get("off"):
            click.echo(words["clock_off"].format(number=calibration.get("number")))
        else:
            clock = plan.meta.get("clock", {})
            click.echo(words["clock"].format(
                **calibration, base=f"{clock['service_base_s'] / 60:.1f}",
                per_card=f"{clock['service_per_card_s'] / 60:.1f}", search=f"{clock['search_s'] / 60:.1f}",
                main=f"{clock['speed_factor_main']:.2f}", local=f"{clock['speed_factor_local']:.2f}",
                reserve=clock["shift_reserve_s"] // 60))
            if calibration.get("kept"):
                click.echo(words["clock_kept"].format(kept=", ".join(calibration["kept"])))
    click.echo(words["files"].format(out=out))


@main.command()
@click.argument("records", type=_FILE, required=False)
@click.option("--db", "db", type=_FILE, default=None,
              help="Ledger database: plan every card due (new and failed before) and record the plan.")
@click.option("--network", "network", type=_FILE, default=None,
              help="Road network: GraphML saved by osmnx, or an OSM XML extract (.osm, .osm.bz2, .osm.pbf).")
@click.option("--gazetteer", type=_FILE, default=None,
              help="CSV of desa/dusun points (desa, dusun, lat, lon) for cards without coordinates.")
@sheet_opt
@click.option("--geocode-online", is_flag=True,
              help="Ask OpenStreetMap Nominatim (address only, 1 request/s, cached) for cards nothing else locates.")
@click.option("--no-calibration", is_flag=True,
              help="With --db: time the plan with the settings alone, not with the ledger's calibration.")
@planning_options
@click.pass_context
def plan(ctx: click.Context, records: Path | None, db: Path | None, network: Path | None, gazetteer: Path | None,
         sheet: str | None, geocode_online: bool, no_calibration: bool, **options: Any) -> None:
    """Plan the day's deliveries from RECORDS (CSV or XLSX, one row per finished card).

    With --db, RECORDS is optional: if given it is imported first; then every card due in the
    ledger (new, and failed before) is planned, urgent first, and the plan is recorded once every
    sheet and map is written. The plan is timed with the ledger's latest calibration (see
    `ektp-route calibrate`), except what the config file sets itself, unless --no-calibration.

    \b
    Examples:
      ektp-route plan kartu.csv --network jombang.graphml --out rute --date 2026-11-30
      ektp-route plan kartu.xlsx --network jombang.graphml --gazetteer dusun.csv --couriers 6 --out rute
      ektp-route plan --db ektp-ledger.sqlite --network jombang.graphml --date 2026-12-01 --out rute
    """
    from maps.render import prepare, render_all
    from routing.day import DayInputs, run_day

    planning = Planning.from_options(options)
    if network is None:
        raise InputError("no road network given: pass --network FILE (see `ektp-route network --help` "
                         "to import an OpenStreetMap extract)")
    day = day_to_plan(planning.day)
    inputs = DayInputs(network, planning.out, day, planning.settings, records=records, db=db, sheet=sheet,
                       gazetteer=gazetteer, couriers_file=planning.couriers_file, locations=planning.locations,
                       geocode_online=geocode_online, lang=planning.lang, calibrated=not no_calibration)
    result = run_day(inputs, render_all, terminal_progress(verbosity(ctx)), prepare=prepare)
    print_summary(result.plan, planning.out, planning.lang)
    s = result.plan.summary()
    sys.exit(EXIT_OK if s["cards_unassigned"] + s["cards_rejected"] == 0 else EXIT_PARTIAL)


@main.command()
@planning_options
@click.option("--cards", type=click.IntRange(10, 5000), default=500, help="Cards in the demo day.")
@click.pass_context
def demo(ctx: click.Context, cards: int, **options: Any) -> None:
    """Generate a synthetic demo day and plan it, exactly as `plan` would.

    The inputs are written to OUT/input/ so you can see what real input looks like. The demo
    deliberately includes rows that end up rejected or unassigned; it exits 0 when it ran.

    \b
    Example:
      ektp-route demo --out demo
    """
    from maps.render import prepare, render_all
    from routing.day import DayInputs, run_day
    from routing.demo import generate

    planning = Planning.from_options(options)
    files = generate(planning.out / "input", cards)
    click.echo(_SUMMARY[planning.lang]["demo"].format(folder=planning.out / "input"), err=verbosity(ctx) < 0)
    inputs = DayInputs(files.network, planning.out, day_to_plan(planning.day), planning.settings,
                       records=files.records, gazetteer=files.gazetteer, couriers_file=planning.couriers_file,
                       locations=planning.locations or planning.out / "input" / "lokasi_terkonfirmasi.csv",
                       lang=planning.lang, synthetic=True)
    result = run_day(inputs, render_all, terminal_progress(verbosity(ctx)), prepare=prepare)
    print_summary(result.plan, planning.out, planning.lang)


@main.command()
@click.argument("plan_dir", type=click.Path(file_okay=False, path_type=Path))
@lang_opt
def render(plan_dir: Path, lang: str) -> None:
    """Redraw sheets, maps and CSV files from PLAN_DIR/plan.json without solving again.

    \b
    Example:
      ektp-route render rute-2026-11-30 --lang en
    """
    from maps.render import draw
    from routing.plan import read_plan

    p = read_plan(plan_dir / "plan.json")
    draw(p, plan_dir, lang)
    click.echo(_SUMMARY[lang]["redrawn"].format(path=plan_dir / "plan.json", n=len(p.routes)))


@main.command()
@click.argument("review", type=_FILE)
@locations_opt
@config_opt
@click.option("--plan", "plan_file", type=_FILE, default=None,
              help="The plan.json the review came from (default: the one beside REVIEW): its region.")
def confirm(review: Path, locations: Path | None, config: Path | None, plan_file: Path | None) -> None:
    """Remember the lat/lon the officer filled into REVIEW (a review.csv) for every later plan.

    A point outside the office's region is skipped with a line naming the region: the region
    of --config when given (a [region] without bbox takes the plan's area), else the one the
    plan was made with (the plan.json beside REVIEW, or --plan), else Kabupaten Jombang.

    \b
    Examples:
      ektp-route confirm rute-2026-11-30/review.csv
      ektp-route confirm Downloads/review_terkoreksi_2026-11-30.csv --plan rute-2026-11-30/plan.json
      ektp-route confirm review.csv --config sidoarjo.toml
    """
    from routing.config import load_settings
    from routing.confirmed import DEFAULT_STORE, confirm_from_review, plan_of_review, review_region

    store = locations or DEFAULT_STORE
    region = review_region(review, load_settings(config).region if config else None, plan_file)
    result = confirm_from_review(review, store, region)
    for line in result.problems:
        click.echo(f"ektp-route: skipped: {line}", err=True)
    if result.problems and config is None and plan_of_review(review, plan_file) is None:
        # A review saved from the page lands in Downloads, away from its plan.json: say how to name the office's
        # region rather than let another office's officer wonder why every point is "outside Kabupaten Jombang".
        click.echo(f"ektp-route: note: checked against the default region {region.name}: no --config and no "
                   "plan.json beside the review; give --plan PLAN_DIR/plan.json or --config", err=True)
    click.echo(f"{store}: {result.added} new and {result.updated} changed confirmed locations")
    sys.exit(EXIT_PARTIAL if result.problems else EXIT_OK)

