"""Telling residents when to be home: phone numbers read, time windows, households in order.

Every household on a route whose phone can be read as an Indonesian mobile number gets a notice
(``pemberitahuan.csv`` and ``pemberitahuan.html``, drawn by :mod:`maps.notify_page`) saying the
day and a time window; the others are listed apart with the reason, so the officer can call or
visit them. No NIK travels in a notice: the first card holder's name, the desa and the phone.

Phones (``Card.telepon``, typed by hand or kept as a number by Excel) are read by
:func:`read_phone`: ``08xx``, ``628xx``, ``+628xx`` and ``00628xx``, with spaces, dashes, dots
and parentheses, and ``8xx`` (Excel drops the leading 0 of a number stored as a number). A
mobile number's national part starts with 8 and has 9 to 12 digits. A landline (``0321 861234``,
Jombang's area code) cannot receive WhatsApp or, mostly, SMS: it is listed apart as
``not_mobile`` with its ``+62`` form, so the officer can still call it.

The window is the planned arrival widened by :data:`~routing.config.DEFAULT_ARRIVAL_ERROR_P80_S`
(setting ``arrival_error_p80_s``) each side, rounded outward to 5 minutes, and clipped to the
courier's shift and to its side of the break: a household reached before the break is never told
a time after the break starts, one reached after it never a time before it ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routing.clock import Shift
from routing.errors import shown
from routing.plan import Plan

#: Why a phone gets no notice, in the order :func:`read_phone` tests them.
PHONE_REASONS = ("empty", "not_a_number", "not_indonesian", "too_short", "too_long", "not_mobile")

#: Windows start and end on this grid (s): "08:05-09:10", never "08:07-09:13".
WINDOW_STEP_S = 300

#: Digits of a national significant number (without 0 or 62): mobile 8xx-xxxx-xxx(x)(x).
_MOBILE_DIGITS = (9, 12)
#: Shortest landline national number (area code and subscriber, e.g. 321 86123).
_LANDLINE_MIN = 7
_SEPARATORS = re.compile(r"[\s\-.()\u00a0]")


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone as typed and what it reads as.

    ``number`` is the ``+62`` form of any readable Indonesian number (a landline too, for a
    ``tel:`` link), else ""; ``reason`` is "" exactly for a mobile number a notice can go to.
    """

    typed: str
    number: str
    reason: str

    def __post_init__(self) -> None:
        if self.reason and self.reason not in PHONE_REASONS:
            raise ValueError(f"unknown phone reason {self.reason!r}")
        if self.number and not re.fullmatch(r"\+62[1-9]\d{5,12}", self.number):
            raise ValueError(f"phone number {shown(self.number)!r} is not in +62 form")
        if not self.reason and not self.number:
            raise ValueError("a usable phone needs its +62 number")

    @property
    def usable(self) -> bool:
        """A mobile number: WhatsApp and SMS can reach it."""
        return not self.reason


def read_phone(typed: str) -> Phone:
    """Read a typed phone number (see module docstring).

    >>> read_phone("0812-3456-7890").number
    '+6281234567890'
    >>> read_phone("(0321) 861234").reason
    'not_mobile'
    """
    # A slash or a comma separates two numbers ("0812.. / 0857.."): which one is meant is the
    # resident's to say, so neither is guessed.
    text = _SEPARATORS.sub("", typed)
    if not text:
        return Phone(typed, "", "empty")
    if not re.fullmatch(r"\+?\d+", text):
        return Phone(typed, "", "not_a_number")
    if text.startswith(("+62", "0062")):
        national = text.removeprefix("+62").removeprefix("0062")
    elif text.startswith(("+", "00")):
        return Phone(typed, "", "not_indonesian")
    elif text.startswith("62") and len(text) > _MOBILE_DIGITS[0] + 1:
        national = text[2:]
    elif text.startswith("0"):
        national = text[1:]
    elif text.startswith("8"):
        national = text  # Excel kept it as a number and dropped the 0
    else:
        # No 0, 62 or 8 in front: a landline typed without its area code (861234), which is no
        # mobile number and cannot be put in +62 form.
        return Phone(typed, "", "not_mobile")
    if not national or national[0] == "0":
        return Phone(typed, "", "not_a_number")
    if national[0] == "8":
        if len(national) < _MOBILE_DIGITS[0]:
            return Phone(typed, "", "too_short")
        if len(national) > _MOBILE_DIGITS[1]:
            return Phone(typed, "", "too_long")
        return Phone(typed, "+62" + national, "")
    if len(national) < _LANDLINE_MIN:
        return Phone(typed, "", "too_short")
    if len(national) > _MOBILE_DIGITS[1]:
        return Phone(typed, "", "too_long")
    return Phone(typed, "+62" + national, "not_mobile")


def arrival_window(arrival_s: int, shift: Shift, error_s: int) -> tuple[int, int]:
    """The window a household is told: ``arrival_s`` +- ``error_s``, on the 5-minute grid, inside
    ``shift`` and on the arrival's side of its break.

    An arrival outside the shift (a hand-edited plan) counts as at the shift's edge, one inside
    the break as at the break's end, so the window always holds the arrival it is drawn from.

    >>> from routing.config import MON_THU
    >>> [f"{s // 3600:02d}:{s % 3600 // 60:02d}" for s in arrival_window(11 * 3600 + 50 * 60, MON_THU, 1800)]
    ['11:20', '12:00']
    """
    if error_s < 0:
        raise ValueError(f"arrival error must be >= 0 s, got {error_s}")
    at = min(max(arrival_s, shift.start_s), shift.end_s)
    lo, hi = shift.start_s, shift.end_s
    if shift.break_start_s is not None and shift.break_end_s is not None:
        if at < shift.break_start_s:
            hi = shift.break_start_s
        else:
            at = max(at, shift.break_end_s)
            lo = shift.break_end_s
    start = (at - error_s) // WINDOW_STEP_S * WINDOW_STEP_S
    end = -(-(at + error_s) // WINDOW_STEP_S) * WINDOW_STEP_S
    return max(start, lo), min(end, hi)


@dataclass(frozen=True, slots=True)
class Notice:
    """One household to tell: who, where, on which route, the phone and the window (s after midnight)."""

    courier_id: str
    seq: int
    nama: str
    desa: str
    phone: Phone
    urgent: bool
    cards: int
    from_s: int
    until_s: int

    def __post_init__(self) -> None:
        if not 0 <= self.from_s <= self.until_s <= 24 * 3600:
            raise ValueError(f"notice window {self.from_s}-{self.until_s} is not a time span of one day")
        if self.cards < 1:
            raise ValueError("a notice is for a household with at least one card")


def household_phone(typed: tuple[str, ...]) -> Phone:
    """The household's phone: the first of its cards' phones that is a mobile number, else what
    the first one typed reads as (the reason it is listed apart), else ``empty``."""
    phones = [read_phone(t) for t in typed]
    usable = next((p for p in phones if p.usable), None)
    if usable is not None:
        return usable
    return next((p for p in phones if p.reason != "empty"), read_phone(""))


def notices(plan: Plan, error_s: int) -> tuple[Notice, ...]:
    """Every household on a route, urgent ones first, then by window, courier and visit.

    Callers split them by ``phone.usable``: the ones to send, and the ones listed apart.
    """
    out = []
    for route in plan.routes:
        for v in route.visits:
            start, end = arrival_window(v.arrival_s, route.shift, error_s)
            # Name and desa on one line: they go into a message, where a line break would split it.
            first = v.cards[0]
            out.append(Notice(route.courier_id, v.seq, " ".join(first.nama.split()), " ".join(first.desa.split()),
                              household_phone(tuple(c.telepon for c in v.cards)), any(c.urgent for c in v.cards),
                              len(v.cards), start, end))
    return tuple(sorted(out, key=lambda n: (not n.urgent, n.from_s, n.courier_id, n.seq)))
