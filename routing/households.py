"""Grouping cards into households: one door, one stop.

Cards with the same KK number are one household. Cards without a KK number join the cards
with the same normalised address: street line, dusun, RT, RW and desa. The street line is part
of the key because an RT spans dozens of houses; grouping a whole RT would send the courier to
one door with cards for the neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from routing.records import Record

_ABBREVIATIONS = [
    (r"\bdsn\b\.?", " "), (r"\bdusun\b", " "), (r"\bds\b\.?", " "), (r"\bdesa\b", " "),
    (r"\bkel\b\.?", " "), (r"\bkelurahan\b", " "), (r"\bkec\b\.?", " "), (r"\bkecamatan\b", " "),
    (r"\bjl\b\.?", "jalan "), (r"\bjln\b\.?", "jalan "), (r"\bgg\b\.?", "gang "),
    (r"\bno\b\.?", "nomor "),
]


def normalise_name(text: str) -> str:
    """Lower-case, expand or drop the office's abbreviations, and fold punctuation and spaces.

    >>> normalise_name("Dsn. Caruk  Kulon")
    'caruk kulon'
    """
    text = text.lower()
    for pattern, repl in _ABBREVIATIONS:
        text = re.sub(pattern, repl, text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _number(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return str(int(digits)) if digits else ""


def address_key(r: Record) -> tuple[str, ...]:
    """The normalised address used to group cards without a KK number and to cache locations."""
    return (normalise_name(r.alamat), normalise_name(r.dusun), _number(r.rt), _number(r.rw),
            normalise_name(r.desa), normalise_name(r.kecamatan))


def address_text(r: Record) -> str:
    """:func:`address_key` as one string: how confirmed and learned locations are stored."""
    return "|".join(address_key(r))


@dataclass(frozen=True, slots=True)
class Household:
    """Cards delivered at one door. ``key`` is stable across runs for the same input."""

    key: str
    records: tuple[Record, ...]

    def __post_init__(self) -> None:
        if not self.records:
            raise ValueError(f"household {self.key!r} has no cards")

    @property
    def first(self) -> Record:
        """The card that stands for the household's address."""
        return self.records[0]

    @property
    def urgent(self) -> bool:
        """A household is urgent when any of its cards is."""
        return any(r.urgent for r in self.records)

    @property
    def window(self) -> tuple[int, int] | None:
        """When the door may be visited: the overlap of its cards' windows (``(0, 0)`` if none overlap)."""
        windows = [r.window for r in self.records if r.window is not None]
        if not windows:
            return None
        lo, hi = max(w[0] for w in windows), min(w[1] for w in windows)
        return (lo, hi) if lo <= hi else (0, 0)


def group_households(records: Iterable[Record]) -> tuple[Household, ...]:
    """Group records by KK number, else by normalised address; keep file order.

    A household whose records carry coordinates puts the first such card first, so that its
    typed location is the one used for the door.
    """
    groups: dict[str, list[Record]] = {}
    for r in records:
        key = f"kk:{r.no_kk}" if r.no_kk else "addr:" + "|".join(address_key(r))
        groups.setdefault(key, []).append(r)
    households = []
    for key, members in groups.items():
        members.sort(key=lambda r: (r.point is None, r.row))
        households.append(Household(key, tuple(members)))
    return tuple(households)
