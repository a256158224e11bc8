"""What a delivery teaches: where the household's door really is, from the courier's GPS.

A card handed over (outcome ``DT``) with a phone position accurate to :data:`LEARN_ACCURACY_M`
teaches its household's location. Later cards of the household are then planned at that point,
with precision ``gps``, ahead of confirmed and gazetteer points (typed coordinates still come
first: they are the source's own word for that card).

Only ``DT`` teaches. A position recorded with ``TR`` (not at home) is usually at the door too,
but ``AT`` (address not found) and ``PA`` (moved away) are recorded where the courier gave up,
which may be anywhere; so no failed outcome teaches.

A learned point is kept under the household's KK number and under its normalised address
(:func:`routing.households.address_text`). An address teaches and learns only when it has a
street line: a bare dusun/RT/desa is dozens of doors, and one courier's position must not pull
them all to one house.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from routing.geo import LatLon
from routing.households import Household, address_text
from routing.records import Record

#: A phone position teaches the household's location only when at least this accurate (metres).
LEARN_ACCURACY_M = 50.0
#: When the learned point is farther than this from where the plan had put the household, the
#: officer is told: the planned location (a desa point, a typed coordinate) was wrong.
WRONG_PLAN_M = 300


@dataclass(frozen=True, slots=True)
class LearnedPoint:
    """Where a household's card was handed over, how sure the phone was, and on which day."""

    point: LatLon
    accuracy_m: float
    day: dt.date

    def __post_init__(self) -> None:
        if not 0 <= self.accuracy_m <= LEARN_ACCURACY_M:
            raise ValueError(f"accuracy {self.accuracy_m} m does not teach a location "
                             f"(0..{LEARN_ACCURACY_M:g} m)")


def _frozen(m: Mapping[str, LearnedPoint]) -> Mapping[str, LearnedPoint]:
    return MappingProxyType(dict(m))


@dataclass(frozen=True, slots=True)
class Learned:
    """Learned household locations: by KK number and by normalised address key."""

    by_kk: Mapping[str, LearnedPoint] = field(default_factory=dict)
    by_address: Mapping[str, LearnedPoint] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Read-only views of private copies: the value cannot change after it is built.
        object.__setattr__(self, "by_kk", _frozen(self.by_kk))
        object.__setattr__(self, "by_address", _frozen(self.by_address))
        if any(not k for k in self.by_kk) or any(not specific_address(k) for k in self.by_address):
            raise ValueError("learned locations need a KK number or an address with a street line")

    def __len__(self) -> int:
        return len(self.by_kk) + len(self.by_address)

    def for_household(self, household: Household) -> LearnedPoint | None:
        """The household's learned point: by its KK number first, else by its address."""
        kk = household.first.no_kk
        if kk and kk in self.by_kk:
            return self.by_kk[kk]
        key = address_text(household.first)
        return self.by_address.get(key) if specific_address(key) else None


def specific_address(key: str) -> bool:
    """True when an address key (``alamat|dusun|rt|rw|desa|kecamatan``) has a street line."""
    return bool(key.split("|", 1)[0])


def household_of(r: Record) -> str:
    """A card's household as the outcomes report names it: its KK number, else its address key."""
    return f"kk:{r.no_kk}" if r.no_kk else "addr:" + address_text(r)


def learn(delivered: Iterable[tuple[Record, LearnedPoint]]) -> Learned:
    """Learned locations from delivered cards in time order: the newest point of a household wins."""
    by_kk: dict[str, LearnedPoint] = {}
    by_address: dict[str, LearnedPoint] = {}
    for r, p in delivered:
        if r.no_kk:
            by_kk[r.no_kk] = p
        key = address_text(r)
        if specific_address(key):
            by_address[key] = p
    return Learned(by_kk, by_address)
