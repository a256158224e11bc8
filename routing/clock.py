"""Clock times: seconds after midnight inside, ``HH:MM`` only where people read or type them."""

from __future__ import annotations

from routing.errors import InputError


def parse_clock(text: str, what: str) -> int:
    """Parse ``"HH:MM"`` into seconds after midnight."""
    try:
        h, m = (int(x) for x in str(text).split(":"))
    except ValueError:
        raise InputError(f"{what}: expected HH:MM, got {text!r}") from None
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise InputError(f"{what}: {text!r} is not a clock time")
    return h * 3600 + m * 60


def format_clock(seconds: int) -> str:
    """Seconds after midnight as ``HH:MM`` (rounded down), for output only."""
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
