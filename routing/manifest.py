"""The batch manifest: which offices ``ektp-route batch`` plans, read and checked before anything is planned.

A manifest is a TOML file of ``[[office]]`` tables (README, "Many offices: batch"). :func:`read_manifest`
turns each table into an :class:`Office`, converting TOML's values (paths relative to the manifest's
folder, a depot, a date) and nothing more: every rule an office must keep is checked once, when the
:class:`Office` is built, whether by the reader or by code. A manifest with one bad office stops the
run with one line naming the manifest, the office's number and id, the key and the value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.config import Settings, parse_depot, read_toml
from routing.errors import InputError, shown
from routing.geo import LatLon

#: Keys an ``[[office]]`` table may have (README, "Many offices: batch").
OFFICE_KEYS = ("id", "records", "db", "network", "gazetteer", "depot", "couriers", "config", "group_by", "date",
               "office_name", "sheet", "locations")

#: An office id names its output folder: letters, digits, ``.``, ``-`` and ``_``, starting with a
#: letter or digit (so never ``..``, a hidden name, or one of the batch's temporary folders
#: ``.<id>.tmp-*`` and ``.<id>.old-*``), e.g. the Kemendagri code ``35.17``.
OFFICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

#: The file the batch writes beside the office folders (:mod:`routing.batch`).
BATCH_FILE = "batch.json"

#: Names Windows keeps for devices, whatever the case and whatever follows a dot (``con.txt`` is the
#: console too): a folder of that name cannot be made there, nor copied there from elsewhere.
#: Microsoft lists COM0 and LPT0 as well.
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{k}" for k in range(10)),
                             *(f"LPT{k}" for k in range(10))})

#: Longest number of couriers a manifest may give an office (as ``plan --couriers``).
MAX_COURIERS = 500

#: The manifest's key for each :class:`Office` field that is named otherwise.
_KEY = {"couriers_file": "couriers", "day": "date"}
_GROUP_BY = ("none", "desa", "kecamatan")
_PATHS = ("network", "records", "db", "gazetteer", "couriers_file", "config", "locations")


def office_id_problem(value: object) -> str | None:
    """Why ``value`` cannot be an office id (it names a folder on every system), or ``None``.

    >>> office_id_problem("35.17") is None, office_id_problem("con.txt")
    (True, "'CON' is a device name on Windows, not a folder name")
    """
    if not isinstance(value, str) or not OFFICE_ID.fullmatch(value):
        return ("use letters, digits, '.', '-' and '_' (starting with a letter or digit, at most 64), "
                "e.g. '35.17'; it names the output folder")
    if value.endswith("."):
        return "do not end it with '.' (Windows drops it from a folder name); it names the output folder"
    device = value.split(".", 1)[0].upper()
    if device in WINDOWS_DEVICES:
        return f"{device!r} is a device name on Windows, not a folder name"
    if value.casefold() == BATCH_FILE:
        return f"{BATCH_FILE} is the batch's own results file, beside the office folders"
    return None


class OfficeProblem(InputError):
    """One field of an :class:`Office` breaks a rule; :func:`read_manifest` says where in the manifest."""

    def __init__(self, office: object, field: str | None, value: object, what: str) -> None:
        self.key = _KEY.get(field, field) if field else None
        self.what = what
        name = f"office {shown(office)}" + (f", key {self.key!r}, value {shown(value)}" if self.key else "")
        super().__init__(f"{name}: {what}")


@dataclass(frozen=True, slots=True)
class Office:
    """One ``[[office]]`` of a manifest, its paths absolute or as given.

    Attributes
    ----------
    id
        Names the output folder ``DIR/<id>`` (:func:`office_id_problem`); e.g. the Kemendagri code ``35.17``.
    network
        Road network file.
    records, db
        The day's records file and/or the office's ledger (at least one).
    gazetteer, couriers_file, config, locations
        As ``plan``'s ``--gazetteer``, ``--couriers-file``, ``--config``, ``--locations``.
    depot, couriers, group_by, office_name
        Override the config file's values.
    day
        Delivery date; ``None``: the run's ``--date``, else the next working day.
    sheet
        Worksheet of an XLSX records file.

    Raises
    ------
    OfficeProblem
        When a field breaks a rule (an :class:`~routing.errors.InputError`, exit 2).
    """

    id: str
    network: Path
    records: Path | None = None
    db: Path | None = None
    gazetteer: Path | None = None
    depot: LatLon | None = None
    couriers: int | None = None
    couriers_file: Path | None = None
    config: Path | None = None
    group_by: str | None = None
    day: dt.date | None = None
    office_name: str | None = None
    sheet: str | None = None
    locations: Path | None = None

    def __post_init__(self) -> None:
        def refuse(field: str | None, what: str) -> OfficeProblem:
            return OfficeProblem(self.id, field, getattr(self, field) if field else None, what)

        problem = office_id_problem(self.id)
        if problem:
            raise refuse("id", problem)
        for name in _PATHS:
            value = getattr(self, name)
            if (value is not None or name == "network") and not isinstance(value, Path):
                raise refuse(name, "expected a file path (relative to the manifest's folder)")
        if self.records is None and self.db is None:
            raise refuse(None, "give records = FILE (the day's cards) or db = LEDGER")
        if self.depot is not None and not isinstance(self.depot, LatLon):
            raise refuse("depot", "expected [lat, lon] in degrees, e.g. [-7.5530, 112.2330]")
        if self.couriers is not None:
            if self.couriers_file is not None:
                raise refuse("couriers", "couriers is either a number or a file, not both")
            if (not isinstance(self.couriers, int) or isinstance(self.couriers, bool)
                    or not 1 <= self.couriers <= MAX_COURIERS):
                raise refuse("couriers", f"expected a number of couriers 1..{MAX_COURIERS} or a couriers file path")
        if self.group_by is not None and self.group_by not in _GROUP_BY:
            raise refuse("group_by", "expected none, desa or kecamatan")
        if self.day is not None and (not isinstance(self.day, dt.date) or isinstance(self.day, dt.datetime)):
            raise refuse("day", "expected a date YYYY-MM-DD" + (", not a date and time"
                                                               if isinstance(self.day, dt.datetime) else ""))
        if self.office_name is not None:
            try:
                Settings(office_name=self.office_name)
            except InputError as exc:
                raise refuse("office_name", str(exc)) from None
        if self.sheet is not None and (not isinstance(self.sheet, str) or not self.sheet):
            raise refuse("sheet", "expected a worksheet name")

    @property
    def folder(self) -> Path:
        """The office's own input folder: where its records file (or ledger) is."""
        return (self.records or self.db or self.network).parent


def _path(manifest: Path, value: object) -> object:
    """A path relative to the manifest's folder; any other value as it is, for :class:`Office` to refuse."""
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        return value
    # Absolute, so that a worker whose working folder is elsewhere finds the same file.
    return manifest.absolute().parent / value


def _date(value: object) -> object:
    """A date written as text (``"2026-11-30"``) as a date; TOML's own dates and anything else as they are."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return value


def _office(manifest: Path, index: int, table: object) -> Office:
    """One ``[[office]]`` table as an :class:`Office`; every error names manifest, office, key and value."""
    label = f"{manifest}, office {index}"
    if not isinstance(table, dict):
        raise InputError(f"{label}: expected an [[office]] table, got {shown(table)}")
    if office_id_problem(table.get("id")) is None:
        label += f" (id {table['id']!r})"
    unknown = sorted(set(table) - set(OFFICE_KEYS))
    if unknown:
        raise InputError(f"{label}, key {unknown[0]!r}: unknown key; allowed: {', '.join(OFFICE_KEYS)}")
    for key in ("id", "network"):
        if key not in table:
            raise InputError(f"{label}, key {key!r}: missing; every office needs an id and a network")
    values: dict[str, Any] = {key: _path(manifest, table[key]) for key in
                              ("network", "records", "db", "gazetteer", "config", "locations") if key in table}
    if "depot" in table:
        try:
            values["depot"] = parse_depot(table["depot"])
        except InputError as exc:
            raise InputError(f"{label}, key 'depot', value {shown(table['depot'])}: {exc}") from None
    if "couriers" in table:
        couriers = table["couriers"]
        values["couriers_file" if isinstance(couriers, str) else "couriers"] = (
            _path(manifest, couriers) if isinstance(couriers, str) else couriers)
    if "date" in table:
        values["day"] = _date(table["date"])
    values.update({key: table[key] for key in ("group_by", "office_name", "sheet") if key in table})
    try:
        return Office(table["id"], **values)
    except OfficeProblem as problem:
        if problem.key is None:
            raise InputError(f"{label}: {problem.what}") from None
        raise InputError(f"{label}, key {problem.key!r}, value {shown(table.get(problem.key))}: "
                         f"{problem.what}") from None


def read_manifest(path: Path) -> tuple[Office, ...]:
    """Read and check a batch manifest: ``[[office]]`` tables, paths relative to the manifest's folder.

    Raises
    ------
    InputError
        The manifest cannot be read, or an office's table is wrong (one line naming the manifest,
        the office's number and id, the key and the value); nothing is planned then.
    """
    path = Path(path)
    data = read_toml(path, "manifest")
    unknown = sorted(set(data) - {"office"})
    if unknown:
        raise InputError(f"{path}, key {unknown[0]!r}: unknown; a manifest holds [[office]] tables only")
    tables = data.get("office")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{path}: no offices; add an [[office]] table per office (id, records, network)")
    offices: list[Office] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables, start=1):
        office = _office(path, index, table)
        # Folders named Kab-A and kab-a are one folder on some file systems: refuse both.
        first = seen.setdefault(office.id.casefold(), index)
        if first != index:
            raise InputError(f"{path}, office {index}, key 'id', value {office.id!r}: "
                             f"the same id as office {first}; each office needs its own output folder")
        offices.append(office)
    return tuple(offices)
