"""``batch``: many offices' days in one run, on a local Dask cluster or an existing one; the printed table."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from routing.cli.main import main
from routing.cli.options import day_to_plan, delivery_date_opt, lang_opt, quiet_opt, verbose_opt, verbosity
from routing.cli.terminal import terminal_progress

if TYPE_CHECKING:
    from routing.batch import BatchResult

_FILE = click.Path(dir_okay=False, path_type=Path)
_FOLDER = click.Path(file_okay=False, path_type=Path)


@main.command()
@click.argument("manifest", type=_FILE)
@click.option("--out", "out", required=True, type=_FOLDER,
              help="Folder for one sub-folder per office (as `plan --out` writes it) and batch.json.")
@click.option("--workers", type=click.IntRange(1, 1024), default=None,
              help="Worker processes of the local cluster, one thread each (default: one per core).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:8786",
              help="Run on an existing Dask cluster (`dask scheduler`, `dask worker`) instead.")
@delivery_date_opt
@click.option("--time-limit", type=click.IntRange(1, 3600), default=None,
              help="Solver time budget per office in seconds (default: each office's config, else 30).")
@click.option("--deterministic", is_flag=True, default=None,
              help="Stop each search after a fixed number of solutions: same input, same plans.")
@lang_opt
@verbose_opt
@quiet_opt
@click.pass_context
def batch(ctx: click.Context, manifest: Path, out: Path, workers: int | None, scheduler: str | None,
          day: dt.date | None, time_limit: int | None, deterministic: bool | None, lang: str) -> None:
    """Plan the day of every office in MANIFEST (TOML, one [[office]] table each) on a Dask cluster.

    Each office's outputs land in OUT/<id>/ exactly as `plan` writes them; OUT/batch.json and
    the printed table give each office's figures or its one-line error. An office that fails
    stops no other. Exit 0 when every office planned every card, 4 otherwise.

    \b
    Examples:
      ektp-route batch kantor.toml --out rute-2026-11-30 --date 2026-11-30
      ektp-route batch kantor.toml --out rute --workers 2 --deterministic
      ektp-route batch kantor.toml --out /bersama/rute --scheduler tcp://10.0.0.5:8786
    """
    from maps.render import render_all
    from routing.batch import RunOptions, run_batch
    from routing.cluster import connect, dashboard_link, worker_count
    from routing.manifest import read_manifest

    if workers is not None and scheduler is not None:
        raise click.UsageError("give --workers (a local cluster) or --scheduler (an existing one), not both")
    offices = read_manifest(manifest)
    options = RunOptions(day_to_plan(day), lang, deterministic, time_limit)
    progress = terminal_progress(verbosity(ctx))
    level = verbosity(ctx)
    with connect(workers, scheduler, logging.INFO if level > 1 else logging.WARNING if level == 1
                 else logging.ERROR) as client:
        link = dashboard_link(client)
        if link:
            progress.note(f"Dask dashboard: {link}")
        progress.note(f"{len(offices)} offices on {worker_count(client)} worker(s)")
        result = run_batch(offices, out, client, options, render_all, progress)
    for line in table(result):
        click.echo(line)
    click.echo(f"Results: {out / 'batch.json'}")
    sys.exit(result.exit_code)


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
