"""Options and parameter types shared by several commands, each declared once.

Commands compose these decorators (as rasterio's ``rio`` does) instead of repeating
``click.option`` calls, so a shared option's name, type and help read the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from routing.config import BALANCE_COST, KEEP_DESA_COST, Settings, load_settings
from routing.errors import InputError
from routing.geo import LatLon

F = TypeVar("F", bound=Callable[..., Any])

_FILE = click.Path(dir_okay=False, path_type=Path)
_FOLDER = click.Path(file_okay=False, path_type=Path)


class DepotType(click.ParamType):
    """``LAT,LON`` on the command line."""

    name = "LAT,LON"

    def convert(self, value: Any, param: Any, ctx: Any) -> LatLon:
        """Parse, or fail with click's usage error."""
        if isinstance(value, LatLon):
            return value
        try:
            return LatLon.parse(value)
        except InputError as exc:
            self.fail(str(exc), param, ctx)


class BBoxType(click.ParamType):
    """``SOUTH,WEST,NORTH,EAST`` on the command line."""

    name = "S,W,N,E"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, float, float, float]:
        """Parse, or fail with click's usage error."""
        try:
            s, w, n, e = (float(x) for x in str(value).split(","))
        except ValueError:
            self.fail(f"expected SOUTH,WEST,NORTH,EAST such as -7.80,112.04,-7.32,112.48, got {value!r}", param, ctx)
        if not (s < n and w < e):
            self.fail(f"south must be below north and west left of east: {value!r}", param, ctx)
        return s, w, n, e


def parse_date(ctx: Any, param: Any, value: str | None) -> dt.date | None:
    """``YYYY-MM-DD``; ``None`` stays ``None`` (each command decides what today means)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def day_to_plan(asked: dt.date | None) -> dt.date:
    """The delivery date of a run that plans: ``--date``, else the next working day from today.

    The officer is warned on stderr when that day is not a working day, or, with no ``--date``,
    when today is not (then naming the day planned for). See :func:`routing.workdays.delivery_day`.
    """
    from routing.workdays import delivery_day

    day, warning = delivery_day(asked, dt.date.today())
    if warning:
        click.echo(f"ektp-route: warning: {warning}", err=True)
    return day


# -- verbosity: -v and -q counted into one number, on the group and on the long-running commands --

class _EchoHandler(logging.Handler):
    """Log records to whatever stderr click writes to at the moment (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"ektp-route: {record.levelname.lower()}: {self.format(record)}", err=True)


_HANDLER = _EchoHandler()


def _count(ctx: click.Context, param: click.Parameter, value: int) -> int:
    root = ctx.find_root()
    root.meta["ektp.verbosity"] = root.meta.get("ektp.verbosity", 0) + (value if param.name == "verbose" else -value)
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(root.meta["ektp.verbosity"])
    if level is None:
        level = logging.DEBUG if root.meta["ektp.verbosity"] > 1 else logging.CRITICAL
    logger = logging.getLogger()
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)
    logger.setLevel(level)
    # The PDF sheets' font subsetting reports every glyph it keeps at INFO: hundreds of lines a day that
    # say nothing to the officer (and took a third of a second to print). Its warnings still show.
    logging.getLogger("fontTools").setLevel(max(level, logging.WARNING))
    return value


def verbosity(ctx: click.Context) -> int:
    """-v minus -q, counted over the group and the command (0: progress and summary)."""
    return int(ctx.find_root().meta.get("ektp.verbosity", 0))


verbose_opt = click.option("-v", "--verbose", count=True, callback=_count, expose_value=False, is_eager=True,
                           help="More log output (-vv for debug).")
quiet_opt = click.option("-q", "--quiet", count=True, callback=_count, expose_value=False, is_eager=True,
                         help="No progress: the summary, warnings and errors (-qq: no warnings).")


def verbosity_options(fn: F) -> F:
    """``-v`` and ``-q``."""
    return verbose_opt(quiet_opt(fn))


# -- options shared by several commands --

out_dir_opt = click.option("--out", "out", required=True, type=_FOLDER,
                           help="Folder for plan.json, sheets, maps and CSV files.")
config_opt = click.option("--config", "config", type=_FILE, default=None, help="TOML settings file.")
lang_opt = click.option("--lang", type=click.Choice(["id", "en"]), default="id",
                        help="Language of route sheets and summaries.")
date_opt = click.option("--date", "day", callback=parse_date, default=None,
                        help="Date YYYY-MM-DD (default: today).")
#: The date of a run that plans (``plan``, ``demo``, ``batch``); see :func:`day_to_plan`.
delivery_date_opt = click.option("--date", "day", callback=parse_date, default=None,
                                 help="Delivery date YYYY-MM-DD (default: the next working day).")
db_opt = click.option("--db", "db", type=_FILE, default=None,
                      help="Ledger database (default: ektp-ledger.sqlite here).")
sheet_opt = click.option("--sheet", default=None, help="Worksheet name in an XLSX file (default: the first).")
locations_opt = click.option("--locations", type=_FILE, default=None,
                             help="Confirmed-locations file (default: lokasi_terkonfirmasi.csv here, if it exists).")


solver_workers_opt = click.option(
    "--solver-workers", type=click.IntRange(1, 256), default=None,
    help="Searches side by side, one process each (default: one per core). A deterministic plan "
         "depends on it: `batch` plans with 1.")


def planning_options(fn: F) -> F:
    """Options of every command that plans a day (``plan``, ``demo``)."""
    options = [
        out_dir_opt,
        click.option("--couriers", type=click.IntRange(1, 500), default=None,
                     help="Couriers available (default: as many as the day needs)."),
        click.option("--couriers-file", type=_FILE, default=None,
                     help="CSV of couriers: id, nama, mulai, selesai, rumah, jam_mulai, jam_selesai, max_stop."),
        click.option("--group-by", type=click.Choice(["none", "desa", "kecamatan"]), default=None,
                     help="Solve each desa or kecamatan separately, in parallel (large days). Default none."),
        click.option("--balance", is_flag=True, default=None, help="Even out the couriers' working days."),
        click.option("--keep-desa", is_flag=True, default=None, help="Keep each desa with one courier where possible."),
        click.option("--depot", type=DepotType(), default=None,
                     help="Office location LAT,LON (default: the config's depot, else Dispendukcapil Jombang)."),
        delivery_date_opt,
        click.option("--time-limit", type=click.IntRange(1, 3600), default=None,
                     help="Solver time budget in seconds (default 30)."),
        click.option("--deterministic", is_flag=True, default=None,
                     help="Stop the search after a fixed number of solutions: same input, same plan."),
        solver_workers_opt,
        config_opt,
        lang_opt,
        locations_opt,
        verbose_opt,
        quiet_opt,
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@dataclass(frozen=True, slots=True)
class Planning:
    """What the shared planning options say, once parsed: settings with overrides, and where to write."""

    out: Path
    settings: Settings
    day: dt.date | None
    lang: str
    locations: Path | None
    couriers_file: Path | None

    @classmethod
    def from_options(cls, o: dict[str, Any]) -> Planning:
        """Build from the keyword arguments :func:`planning_options` gave a command."""
        settings = load_settings(o["config"]).replace(
            couriers=o["couriers"], depot=o["depot"], time_limit_s=o["time_limit"],
            deterministic=o["deterministic"] or None, group_by=o["group_by"], solver_workers=o["solver_workers"],
            balance_cost=BALANCE_COST if o["balance"] else None,
            keep_desa_cost=KEEP_DESA_COST if o["keep_desa"] else None)
        return cls(o["out"], settings, o["day"], o["lang"], o["locations"], o["couriers_file"])
