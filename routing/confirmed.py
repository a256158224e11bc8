"""Locations confirmed by the office, remembered across days (a CSV file keyed by address).

The officer fills in ``lat`` and ``lon`` in ``review.csv`` for cards that were located only
roughly, runs ``ektp-route confirm review.csv``, and from then on every card at that normalised
address is located at precision ``confirmed``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from routing.errors import InputError, where
from routing.files import write_csv
from routing.geo import LatLon

DEFAULT_STORE = Path("lokasi_terkonfirmasi.csv")


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    """What a review file added to the store, and the rows that could not be used."""

    added: int
    updated: int
    problems: tuple[str, ...]


def read_store(path: Path) -> dict[str, LatLon]:
    """Confirmed locations by address key; an absent file is an empty store."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: confirmed-locations file must be UTF-8") from None
    store = {}
    for row_no, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            store[row["key"]] = LatLon(float(row["lat"]), float(row["lon"]))
        except (KeyError, TypeError, ValueError, InputError):
            raise InputError(f"{where(path, row_no, 'lat', row.get('lat'))}: not a confirmed location row") from None
    return store


def write_store(path: Path, store: Mapping[str, LatLon]) -> Path:
    """Write the store (private, sorted by key)."""
    return write_csv(Path(path), ["key", "lat", "lon"],
                     [(k, f"{p.lat:.7f}", f"{p.lon:.7f}") for k, p in sorted(store.items())])


def confirm_from_review(review: Path, store_path: Path, bbox: tuple[float, float, float, float]) -> ConfirmResult:
    """Merge the lat/lon the officer filled into ``review.csv`` into the store.

    Rows with empty lat/lon are skipped; a row with an unusable coordinate is reported with its
    row, column and value and left out; the rest are stored.
    """
    from routing.geo import in_bbox

    review = Path(review)
    try:
        text = review.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{review}: file not found") from None
    except UnicodeDecodeError:
        text = review.read_text(encoding="cp1252", errors="replace")
    reader = csv.DictReader(text.splitlines(), delimiter=";" if text.split("\n", 1)[0].count(";") > 1 else ",")
    if not reader.fieldnames or not {"key", "lat", "lon"} <= set(reader.fieldnames):
        raise InputError(f"{where(review, 1)}: expected the review.csv written by `ektp-route plan` "
                         "(columns key, lat, lon)")
    store = read_store(store_path)
    added = updated = 0
    problems = []
    for row_no, row in enumerate(reader, start=2):
        lat_s, lon_s = (row.get("lat") or "").strip(), (row.get("lon") or "").strip()
        if not lat_s and not lon_s:
            continue
        try:
            point = LatLon(float(lat_s.replace(",", ".")), float(lon_s.replace(",", ".")))
        except (ValueError, InputError):
            problems.append(f"{where(review, row_no, 'lat', f'{lat_s},{lon_s}')}: not a coordinate")
            continue
        if not in_bbox(point, bbox):
            problems.append(f"{where(review, row_no, 'lat', f'{lat_s},{lon_s}')}: outside Kabupaten Jombang")
            continue
        key = row["key"]
        if key in store:
            updated += store[key] != point
        else:
            added += 1
        store[key] = point
    write_store(store_path, store)
    return ConfirmResult(added, updated, tuple(problems))
