"""Clock times: seconds after midnight inside, ``HH:MM`` only where people read or type them.

A courier's :class:`Shift` lives here, beside the clock it is measured in, so that the solver
package depends on nothing of the project but this module and the progress protocol.
"""

from __future__ import annotations

import datetime as dt
import numbers
from dataclasses import dataclass

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


def is_whole(value: object) -> bool:
    """An integer that is not a bool (TOML's true would otherwise count as 1); numpy's count."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


#: A shift's reserve (:meth:`Shift.reserved`) leaves at least this much work after the break (s).
MIN_AFTER_BREAK_S = 3600


@dataclass(frozen=True, slots=True)
class Shift:
    """A courier's working day in seconds after midnight, with an optional unpaid break."""

    start_s: int
    end_s: int
    break_start_s: int | None = None
    break_end_s: int | None = None

    def __post_init__(self) -> None:
        for name in ("start_s", "end_s", "break_start_s", "break_end_s"):
            value = getattr(self, name)
            if not (value is None and name.startswith("break")) and not is_whole(value):
                raise InputError(f"shift {name} must be whole seconds, got {shown(value)}")
        if not 0 <= self.start_s < self.end_s <= 24 * 3600:
            raise InputError(f"shift {format_clock(self.start_s)}-{format_clock(self.end_s)} is not a valid day")
        if (self.break_start_s is None) != (self.break_end_s is None):
            raise InputError("a break needs both a start and an end")
        if self.break_start_s is not None and self.break_end_s is not None and not (
            self.start_s < self.break_start_s < self.break_end_s < self.end_s
        ):
            raise InputError(
                f"break {format_clock(self.break_start_s)}-{format_clock(self.break_end_s)} "
                f"must lie inside the shift {format_clock(self.start_s)}-{format_clock(self.end_s)}"
            )

    @property
    def break_s(self) -> int:
        """Length of the break in seconds (0 when there is none)."""
        if self.break_start_s is None or self.break_end_s is None:
            return 0
        return self.break_end_s - self.break_start_s

    @property
    def working_s(self) -> int:
        """Time available for travel and service."""
        return self.end_s - self.start_s - self.break_s

    def reserved(self, reserve_s: int) -> Shift:
        """The shift as the planner fills it: ending ``reserve_s`` earlier, so routes are back with time to spare.

        The reserve never takes the last :data:`MIN_AFTER_BREAK_S` after the break (or after the start).
        """
        floor = (self.break_end_s if self.break_end_s is not None else self.start_s) + MIN_AFTER_BREAK_S
        end = max(min(self.end_s, floor), self.end_s - max(0, reserve_s))
        return self if end == self.end_s else Shift(self.start_s, end, self.break_start_s, self.break_end_s)

    def label(self) -> str:
        """``07:30-16:00 (istirahat 12:00-13:00)`` style text for sheets."""
        text = f"{format_clock(self.start_s)}-{format_clock(self.end_s)}"
        if self.break_start_s is not None and self.break_end_s is not None:
            text += f" (istirahat {format_clock(self.break_start_s)}-{format_clock(self.break_end_s)})"
        return text
