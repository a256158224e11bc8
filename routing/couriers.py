"""Couriers for the day: how many, where each starts and ends, their hours and stop limits.

Without a couriers file the office sends as many couriers as the day needs, all starting and
ending at the office on the day's civil-service hours. A couriers CSV names them::

    id,nama,mulai,selesai,rumah,jam_mulai,jam_selesai,max_stop
    K01,Budi,kantor,kantor,,,,
    K02,Eko,rumah,rumah,"-7.5301,112.2102",07:00,15:00,40
    K03,Sri,kantor,none,,,,

``mulai``/``selesai`` (start/end) are ``kantor`` (the office), ``rumah`` (the courier's home in
the ``rumah`` column), a ``LAT,LON`` point, or for the end ``none``: an open route that ends at
the last stop. English headers (id, name, start, end, home, shift_start, shift_end, max_stops)
work too. Empty hours take the day's shift, break included; a courier's own hours keep the part of
the day's break that falls inside them (a courier who stops at 12:00 on a Friday stops at 11:30,
when Friday prayers begin).

Courier ids name the courier's files (``sheets/K01.pdf``), so they are checked: 1 to 32 letters,
digits, ``-`` or ``_``, starting with a letter or digit, and none of the names the day's own files
or Windows devices use (``all``, ``overview``, ``CON``, ``NUL`` ...). Two ids that differ only in
case would share files on Windows and are refused too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from routing.clock import Shift, format_clock, parse_clock
from routing.errors import InputError, where
from routing.files import read_rows, shown
from routing.geo import LatLon

#: A courier id as it may name files: letters, digits, ``-`` and ``_``, at most 32, not starting with ``-``.
COURIER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
#: Names the day's own files use (sheets/all.pdf, maps/overview.html), and Windows device names,
#: which no file may have. Compared case-insensitively.
RESERVED_IDS = frozenset({"all", "overview", "con", "prn", "aux", "nul"}
                         | {f"{dev}{k}" for dev in ("com", "lpt") for k in range(10)})


#: Longest courier name printed on a sheet's header.
MAX_NAME = 60


def courier_id_problem(value: object) -> str | None:
    """Why ``value`` cannot be a courier id, or ``None`` when it can (see the module docstring).

    >>> courier_id_problem("K01") is None
    True
    >>> courier_id_problem("../../x")
    "a courier id names the courier's files: 1 to 32 letters, digits, '-' or '_', starting with a letter or digit"
    """
    if not isinstance(value, str):
        return f"a courier id is text, not {type(value).__name__}"
    if not COURIER_ID.fullmatch(value):
        return ("a courier id names the courier's files: 1 to 32 letters, digits, '-' or '_', "
                "starting with a letter or digit")
    if value.lower() in RESERVED_IDS:
        return f"{value!r} is a reserved file name (the whole day's files, or a Windows device); choose another id"
    return None


_ALIASES = {"id": ("id", "kode", "courier_id"), "nama": ("nama", "name"), "mulai": ("mulai", "start"),
            "selesai": ("selesai", "end"), "rumah": ("rumah", "home"),
            "jam_mulai": ("jam_mulai", "shift_start"), "jam_selesai": ("jam_selesai", "shift_end"),
            "max_stop": ("max_stop", "max_stops")}


@dataclass(frozen=True, slots=True)
class Courier:
    """One courier. ``start``/``end`` None means the office; ``open_end`` ends at the last stop."""

    courier_id: str
    nama: str = ""
    start: LatLon | None = None
    end: LatLon | None = None
    open_end: bool = False
    shift: Shift | None = None
    max_stops: int | None = None

    def __post_init__(self) -> None:
        problem = courier_id_problem(self.courier_id)
        if problem:
            raise ValueError(f"courier id {shown(str(self.courier_id))!r}: {problem}")
        if self.open_end and self.end is not None:
            raise ValueError(f"courier {self.courier_id}: an open route has no end point")


def _place(value: str, home: LatLon | None, path: Path, row: int, column: str, allow_open: bool
           ) -> tuple[LatLon | None, bool]:
    text = value.strip().lower()
    if text in ("", "kantor", "office"):
        return None, False
    if text in ("rumah", "home"):
        if home is None:
            raise InputError(f"{where(path, row, column, value)}: 'rumah' needs the home in column rumah as LAT,LON")
        return home, False
    if allow_open and text in ("none", "open", "terbuka", "-"):
        return None, True
    try:
        return LatLon.parse(value), False
    except InputError:
        raise InputError(f"{where(path, row, column, value)}: expected kantor, rumah, LAT,LON"
                         f"{' or none' if allow_open else ''}") from None


def own_hours(start_s: int, end_s: int, day: Shift) -> Shift:
    """A courier's own hours with the part of the day's break that falls inside them.

    A break that covers the start moves the start to its end; one that covers the end moves the
    end to its start (a courier on 07:30-12:00 on a Friday, prayers 11:30-13:00, works 07:30-11:30).

    Raises
    ------
    InputError
        When the hours are not a valid day, or lie wholly inside the break.
    """
    b0, b1 = day.break_start_s, day.break_end_s
    if b0 is None or b1 is None or b1 <= start_s or b0 >= end_s:
        return Shift(start_s, end_s)
    if b0 <= start_s and b1 >= end_s:
        raise InputError(f"hours {format_clock(start_s)}-{format_clock(end_s)} lie inside the break "
                         f"{format_clock(b0)}-{format_clock(b1)}: no time to deliver")
    if b0 <= start_s:
        return Shift(b1, end_s)
    if b1 >= end_s:
        return Shift(start_s, b0)
    return Shift(start_s, end_s, b0, b1)


def _columns(path: Path, header: tuple[str, ...]) -> dict[str, str | None]:
    """Canonical column -> header as written; a field given by two columns is an error."""
    cols: dict[str, str | None] = {}
    for key, aliases in _ALIASES.items():
        present = [a for a in aliases if a in header]
        if len(present) > 1:
            raise InputError(f"{where(path, 1)}: columns {present[0]!r} and {present[1]!r} both give the courier's "
                             f"{key}; delete one")
        cols[key] = present[0] if present else None
    return cols


def read_couriers(path: Path, day_shift: Shift) -> tuple[Courier, ...]:
    """Read a couriers CSV (see module docstring); every error names its row, column and value.

    Every courier gets a shift (its own hours, or ``day_shift``), so that the plan keeps the file's
    ids and names even when no courier has hours or places of its own.
    """
    path = Path(path)
    table = read_rows(path, "couriers file")
    cols = _columns(path, table.header)
    if cols["id"] is None:
        raise InputError(f"{where(path, 1)}: missing column id")
    couriers: list[Courier] = []
    seen: dict[str, int] = {}
    for row_no, row in table.rows:
        def get(key: str, row: dict[str, str] = row) -> str:
            column = cols[key]
            return row.get(column, "") if column else ""

        cid = get("id")
        problem = "courier id is empty" if not cid else courier_id_problem(cid)
        if problem:
            raise InputError(f"{where(path, row_no, cols['id'], shown(cid))}: {problem}")
        if cid.lower() in seen:
            raise InputError(f"{where(path, row_no, cols['id'], cid)}: courier id used twice (row "
                             f"{seen[cid.lower()]}; ids that differ only in case would share files)")
        seen[cid.lower()] = row_no
        home = None
        if get("rumah"):
            try:
                home = LatLon.parse(get("rumah"))
            except InputError:
                raise InputError(f"{where(path, row_no, 'rumah', get('rumah'))}: expected LAT,LON") from None
        start, _ = _place(get("mulai"), home, path, row_no, "mulai", allow_open=False)
        end, open_end = _place(get("selesai"), home, path, row_no, "selesai", allow_open=True)
        shift = day_shift
        if get("jam_mulai") or get("jam_selesai"):
            s0 = parse_clock(get("jam_mulai"), where(path, row_no, "jam_mulai")) \
                if get("jam_mulai") else day_shift.start_s
            s1 = parse_clock(get("jam_selesai"), where(path, row_no, "jam_selesai")) \
                if get("jam_selesai") else day_shift.end_s
            try:
                shift = own_hours(s0, s1, day_shift)
            except InputError as exc:
                hours = f"{get('jam_mulai')}-{get('jam_selesai')}"
                raise InputError(f"{where(path, row_no, 'jam_mulai', hours)}: {exc}") from None
        max_stops = None
        if get("max_stop"):
            if not re.fullmatch(r"[0-9]{1,6}", get("max_stop")) or int(get("max_stop")) < 1:
                raise InputError(f"{where(path, row_no, 'max_stop', get('max_stop'))}: expected a whole number >= 1")
            max_stops = int(get("max_stop"))
        if len(get("nama")) > MAX_NAME:
            raise InputError(f"{where(path, row_no, cols['nama'], shown(get('nama')))}: a courier's name is at most "
                             f"{MAX_NAME} characters (it heads every page of the sheet)")
        couriers.append(Courier(cid, get("nama"), start, end, open_end, shift, max_stops))
    if not couriers:
        raise InputError(f"{path}: no couriers listed")
    return tuple(couriers)
