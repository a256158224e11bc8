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
work too. Empty hours take the day's shift, break included.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routing.clock import parse_clock
from routing.config import Shift
from routing.errors import InputError, where
from routing.files import read_table
from routing.geo import LatLon

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
        if not self.courier_id.strip():
            raise ValueError("courier id is empty")
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


def read_couriers(path: Path, day_shift: Shift) -> tuple[Courier, ...]:
    """Read a couriers CSV (see module docstring); every error names its row, column and value."""
    path = Path(path)
    header, rows = read_table(path, "couriers file")
    cols = {k: next((a for a in aliases if a in header), None) for k, aliases in _ALIASES.items()}
    if cols["id"] is None:
        raise InputError(f"{where(path, 1)}: missing column id")
    couriers, seen = [], set()
    for row_no, row in enumerate(rows, start=2):
        def get(key: str, row: dict[str, str] = row) -> str:
            return row.get(cols[key], "") if cols[key] else ""

        cid = get("id")
        if not cid:
            raise InputError(f"{where(path, row_no, 'id', '')}: courier id is empty")
        if cid in seen:
            raise InputError(f"{where(path, row_no, 'id', cid)}: courier id used twice")
        seen.add(cid)
        home = None
        if get("rumah"):
            try:
                home = LatLon.parse(get("rumah"))
            except InputError:
                raise InputError(f"{where(path, row_no, 'rumah', get('rumah'))}: expected LAT,LON") from None
        start, _ = _place(get("mulai"), home, path, row_no, "mulai", allow_open=False)
        end, open_end = _place(get("selesai"), home, path, row_no, "selesai", allow_open=True)
        shift = None
        if get("jam_mulai") or get("jam_selesai"):
            s0 = parse_clock(get("jam_mulai"), f"{path}, row {row_no}, column 'jam_mulai'") \
                if get("jam_mulai") else day_shift.start_s
            s1 = parse_clock(get("jam_selesai"), f"{path}, row {row_no}, column 'jam_selesai'") \
                if get("jam_selesai") else day_shift.end_s
            brk = (day_shift.break_start_s, day_shift.break_end_s)
            if brk[0] is None or not s0 < brk[0] < brk[1] < s1:
                brk = (None, None)
            try:
                shift = Shift(s0, s1, *brk)
            except InputError as exc:
                raise InputError(f"{where(path, row_no, 'jam_mulai', get('jam_mulai'))}: {exc}") from None
        max_stops = None
        if get("max_stop"):
            if not get("max_stop").isdigit() or int(get("max_stop")) < 1:
                raise InputError(f"{where(path, row_no, 'max_stop', get('max_stop'))}: expected a whole number >= 1")
            max_stops = int(get("max_stop"))
        couriers.append(Courier(cid, get("nama"), start, end, open_end, shift, max_stops))
    if not couriers:
        raise InputError(f"{path}: no couriers listed")
    return tuple(couriers)
