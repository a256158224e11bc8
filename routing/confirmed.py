"""Locations confirmed by the office, remembered across days (a CSV file keyed by address).

The officer fills in ``lat`` and ``lon`` in ``review.csv`` for cards that were located only
roughly, runs ``ektp-route confirm review.csv``, and from then on every card at that normalised
address is located at precision ``confirmed``. A point outside the office's region is refused: the
region is the one the plan was made with (``plan.json`` beside ``review.csv``), or the config's
(:func:`review_region`).

Each stored location keeps when it was confirmed (``confirmed_at``): a confirmation made after a
household's deliveries taught its point overrules them (:meth:`routing.learning.Learned.overruled_by`).
Rows written before this column existed carry no time and overrule nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from routing.errors import InputError, where
from routing.files import read_rows, write_csv
from routing.geo import LatLon, in_bbox, parse_degrees
from routing.plan import Review, read_plan
from routing.region import JOMBANG, Region, box_text

DEFAULT_STORE = Path("lokasi_terkonfirmasi.csv")

#: Columns of ``review.csv`` (and of the review page's saved file): the officer fills ``lat`` and
#: ``lon``; ``key`` ties the row to the household's normalised address.
REVIEW_COLUMNS = ("row", "nik", "desa", "dusun", "address", "precision", "note", "lat", "lon", "key")


def review_cells(r: Review) -> tuple[object, ...]:
    """One ``review.csv`` row, in :data:`REVIEW_COLUMNS` order, with ``lat`` and ``lon`` left empty."""
    return (r.row, r.nik, r.desa, r.dusun, r.address, r.precision, r.note, "", "", r.key)


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    """What a review file added to the store, and the rows that could not be used."""

    added: int
    updated: int
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConfirmedStore:
    """Confirmed locations by address key, and when each was confirmed (where the store says)."""

    points: Mapping[str, LatLon]
    confirmed_at: Mapping[str, dt.datetime] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        stray = set(self.confirmed_at) - set(self.points)
        if stray:
            raise ValueError(f"confirmation times for keys without a location: {sorted(stray)[:3]}")


def read_confirmed(path: Path) -> ConfirmedStore:
    """Confirmed locations and their times; an absent file is an empty store."""
    path = Path(path)
    if not path.exists():
        return ConfirmedStore({})
    store: dict[str, LatLon] = {}
    times: dict[str, dt.datetime] = {}
    for row_no, row in read_rows(path, "confirmed-locations file").rows:
        try:
            store[row["key"]] = LatLon(parse_degrees(row["lat"]), parse_degrees(row["lon"]))
        except (KeyError, TypeError, ValueError, InputError):
            raise InputError(f"{where(path, row_no, 'lat', row.get('lat'))}: not a confirmed location row") from None
        when = row.get("confirmed_at") or ""
        if when:
            try:
                times[row["key"]] = dt.datetime.fromisoformat(when)
            except ValueError:
                raise InputError(f"{where(path, row_no, 'confirmed_at', when)}: not a date and time "
                                 "(YYYY-MM-DDTHH:MM:SS)") from None
    return ConfirmedStore(store, times)


def read_store(path: Path) -> dict[str, LatLon]:
    """Confirmed locations by address key; an absent file is an empty store."""
    return dict(read_confirmed(path).points)


def write_store(path: Path, store: Mapping[str, LatLon],
                confirmed_at: Mapping[str, dt.datetime] | None = None) -> Path:
    """Write the store (private, sorted by key), with when each location was confirmed where known."""
    times = confirmed_at or {}
    return write_csv(Path(path), ["key", "lat", "lon", "confirmed_at"],
                     [(k, f"{p.lat:.7f}", f"{p.lon:.7f}", times[k].isoformat(timespec="seconds") if k in times else "")
                      for k, p in sorted(store.items())])


def plan_of_review(review: Path, plan_file: Path | None = None) -> Path | None:
    """The plan a review came from: ``plan_file`` when given, else the ``plan.json`` beside ``review`` if any."""
    beside = Path(review).parent / "plan.json"
    return plan_file if plan_file is not None else beside if beside.is_file() else None


def review_region(review: Path, configured: Region | None, plan_file: Path | None = None) -> Region:
    """The region the corrections in ``review`` must fall in.

    The config's region when a config is given (``configured``, from ``--config``: Jombang's when the
    file has no ``[region]``, as for planning) and it has a box; else the region recorded in the plan
    the review came from (``plan_file``, else the ``plan.json`` beside ``review``), under the config's
    name when the config names the region without a box; else, with neither, Kabupaten Jombang (the
    default config's region). The plan's region is the one its
    review page warned with, so ``confirm`` refuses exactly the points the page marked as outside.

    Raises
    ------
    InputError
        When the config's region has no box and no plan says which area it stood for, or when
        ``plan_file`` is given but cannot be read.
    """
    if configured is not None and configured.bbox is not None:
        return configured
    source = plan_of_review(review, plan_file)
    if source is not None:
        planned = read_plan(source).region
        return planned if configured is None else dataclasses.replace(configured, bbox=planned.area)
    if configured is not None:
        raise InputError(f"{review}: the config's region {configured.name} has no bbox (its area is the road "
                         "network's), and no plan.json beside the review says which area the plan used; give "
                         "--plan PLAN_DIR/plan.json, or bbox = [south, west, north, east] under [region]")
    return JOMBANG


def confirm_from_review(review: Path, store_path: Path, region: Region) -> ConfirmResult:
    """Merge the lat/lon the officer filled into ``review.csv`` into the store.

    Rows with empty lat/lon are skipped; a row with an unusable coordinate, or one outside
    ``region`` (see :func:`review_region`), is reported with its row, column and value and left
    out; the rest are stored, with the time now: from then on they overrule what earlier deliveries
    taught the household.
    """
    review = Path(review)
    bbox = region.area
    table = read_rows(review, "review file")
    if not {"key", "lat", "lon"} <= set(table.header):
        raise InputError(f"{where(review, 1)}: expected the review.csv written by `ektp-route plan` "
                         "(columns key, lat, lon)")
    known = read_confirmed(store_path)
    store, times = dict(known.points), dict(known.confirmed_at)
    now = dt.datetime.now().replace(microsecond=0)
    added = updated = 0
    problems = []
    for row_no, row in table.rows:
        lat_s, lon_s = row.get("lat", ""), row.get("lon", "")
        if not lat_s and not lon_s:
            continue
        try:
            point = LatLon(parse_degrees(lat_s), parse_degrees(lon_s))
        except (ValueError, InputError):
            problems.append(f"{where(review, row_no, 'lat', f'{lat_s},{lon_s}')}: not a coordinate")
            continue
        if not in_bbox(point, bbox):
            problems.append(f"{where(review, row_no, 'lat', f'{lat_s},{lon_s}')}: outside {region.name} "
                            f"({box_text(bbox)})")
            continue
        key = row["key"]
        if key in store:
            updated += store[key] != point
        else:
            added += 1
        store[key] = point
        times[key] = now  # confirmed again: the officer's word is as new as this review
    write_store(store_path, store, times)
    return ConfirmResult(added, updated, tuple(problems))
