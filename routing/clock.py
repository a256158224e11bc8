"""Clock times: seconds after midnight inside, ``HH:MM`` only where people read or type them."""

from __future__ import annotations

import datetime as dt

from routing.errors import InputError, shown


def parse_clock(text: object, what: str) -> int:
    """Parse ``"HH:MM"`` (or a TOML local time such as ``07:30:00``) into seconds after midnight."""
    if isinstance(text, dt.time):
        return text.hour * 3600 + text.minute * 60 + text.second
    if not isinstance(text, str):
        raise InputError(f"{what}: expected a clock time \"HH:MM\", got {shown(text)}")
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts):
        raise InputError(f"{what}: expected HH:MM, got {shown(text)}")
    h, m = int(parts[0]), int(parts[1])
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise InputError(f"{what}: {text!r} is not a clock time")
    return h * 3600 + m * 60


def format_clock(seconds: int) -> str:
    """Seconds after midnight as ``HH:MM`` (rounded down), for output only."""
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
