"""An outcomes file read into typed rows, before the ledger sees it: what the courier says happened at each door.

The officer's typed CSV (``nik, outcome, recipient, time``) and the courier page's
``hasil_K01_DATE.csv`` (which adds ``lat, lon, accuracy_m, courier, note``) both become
:class:`OutcomeRow` values here. A row that cannot be one (an unknown outcome, an unusable position,
a delivery without the recipient's name) is refused in one line naming file, row, column and value;
the others go on to :meth:`routing.ledger.Ledger.record_outcomes`, which decides what they do to
the cards.

A phone's time and position are claims, checked here as far as the row alone allows: a time is the
page's ISO 8601 time with its offset or a bare clock time (older pages, typed files), never anything
else; a position is kept as reported but marked :attr:`Position.plausible` only when it could be a
real fix (see there). Whether the card was on the courier's route that day is the ledger's check;
how a row given again compares with the outcome recorded (:func:`differences`, :func:`tap_order`) is
here, so the ledger only decides what to do about it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.errors import InputError, where
from routing.files import read_rows
from routing.geo import LatLon, haversine_m, parse_degrees
from routing.outcomes import CODES, Outcome, parse_outcome

#: Columns an outcomes file must have; the courier's page adds ``lat, lon, accuracy_m, courier, note``.
OUTCOME_COLUMNS = ("nik", "outcome", "recipient", "time")


#: Largest outcomes file read (bytes). A day's file from one courier is about 50 KB; anything past
#: this is not a day's outcomes, and reading it would cost seconds and hundreds of MB.
MAX_OUTCOME_FILE_BYTES = 5_000_000

#: An accuracy the phone reports beyond this (metres) says it has no fix worth the name.
MAX_ACCURACY_M = 20_000.0

#: ``hasil_K01_2026-11-30.csv`` (and copies such as ``hasil_K01_2026-11-30 (1).csv``): the courier and
#: the plan day the page wrote the file for.
_PAGE_FILE = re.compile(r"hasil_(?P<courier>[A-Za-z0-9-]+)_(?P<day>\d{4}-\d{2}-\d{2})(?![0-9])")
_CLOCK = re.compile(r"(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})")
#: How far ahead of this computer's clock a phone's may be before its time is not believed.
CLOCK_SLACK = dt.timedelta(minutes=30)
#: UTC offsets in use on Earth: -12:00 to +14:00, in quarter hours.
_OFFSETS = (dt.timedelta(hours=-12), dt.timedelta(hours=14))


@dataclass(frozen=True, slots=True)
class Position:
    """Where the courier's phone was when the outcome was tapped, and how sure it was (metres).

    Kept as reported. :attr:`plausible` says whether it could be a real fix; only a plausible
    position may teach a household's location. The ledger stores the reported values, so whatever
    learns from them applies the same bounds to the stored ``lat``, ``lon`` and ``accuracy_m``.
    """

    point: LatLon
    accuracy_m: float | None = None

    def __post_init__(self) -> None:
        if self.accuracy_m is not None and not (math.isfinite(self.accuracy_m) and self.accuracy_m >= 0):
            raise ValueError(f"accuracy {self.accuracy_m!r} m is not a distance")

    @property
    def doubt(self) -> str:
        """Why the position cannot be a real fix, or ``""`` when it can.

        A phone without a fix reports 0,0 or the ends of the ranges (-90, 180); an accuracy of 0 m
        (or 1e-9) is no real receiver's, and one past :data:`MAX_ACCURACY_M` is no fix.
        """
        p, acc = self.point, self.accuracy_m
        if abs(p.lat) < 1e-6 and abs(p.lon) < 1e-6:
            return "0,0 is where a phone without a fix says it is"
        if abs(p.lat) >= 90.0 or abs(p.lon) >= 180.0:
            return "the end of the coordinate range is no place a courier goes"
        if acc is not None and acc < 0.5:
            return f"an accuracy of {acc:g} m is no real receiver's"
        if acc is not None and acc > MAX_ACCURACY_M:
            return f"an accuracy of {acc:g} m is no fix"
        return ""

    @property
    def plausible(self) -> bool:
        """True when the position could be a real fix (see :attr:`doubt`); kept either way."""
        return not self.doubt


@dataclass(frozen=True, slots=True)
class TapTime:
    """When the outcome was tapped: the page's ISO 8601 time with its offset, or a bare clock time.

    A clock time (older pages, the officer's typed file) takes its date from the plan day the
    ledger checks the row against; an ISO time must fall on that day in its own offset.
    """

    text: str
    when: dt.datetime | dt.time

    def __post_init__(self) -> None:
        if isinstance(self.when, dt.datetime):
            offset = self.when.utcoffset()
            if offset is None or not _OFFSETS[0] <= offset <= _OFFSETS[1]:
                raise ValueError(f"time {self.text!r} has no possible UTC offset")
        elif not isinstance(self.when, dt.time) or self.when.tzinfo is not None:
            raise ValueError(f"time {self.text!r} is neither a clock time nor a time with offset")

    def on(self, day: dt.date) -> str | None:
        """The time as stored for plan day ``day``, or ``None`` when it is not a time of that day.

        Stored as the courier's wall clock: ``2026-11-30T09:15:00`` for a clock time,
        ``2026-11-30T09:15:00+07:00`` (seconds, the phone's offset kept) for an ISO time.
        """
        if isinstance(self.when, dt.datetime):
            return self.when.isoformat(timespec="seconds") if self.when.date() == day else None
        return f"{day.isoformat()}T{self.when.isoformat(timespec='seconds')}"

    def later_than_now(self, day: dt.date, now: dt.datetime | None = None) -> bool:
        """True when the tap, on plan day ``day``, is more than :data:`CLOCK_SLACK` after ``now``.

        A clock time is read in this computer's zone (the office's); ``now`` defaults to the present.
        """
        now = (now or dt.datetime.now()).astimezone()
        when = self.when if isinstance(self.when, dt.datetime) else dt.datetime.combine(day, self.when).astimezone()
        return when > now + CLOCK_SLACK


def parse_tap_time(text: str) -> TapTime | None:
    """The time cell as a :class:`TapTime`; ``None`` when it is neither form (or an impossible offset)."""
    text = text.strip()
    if len(text) > 40:
        return None  # no time is this long; do not make the regex read a 100,000-character cell
    clock = _CLOCK.fullmatch(text)
    if clock:
        return TapTime(text, dt.time(int(clock["h"]), int(clock["m"]), int(clock["s"] or 0)))
    if not _STAMP.fullmatch(text):
        return None
    try:
        return TapTime(text, dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None  # 2026-02-30, 25:00, or an offset of +15:00


@dataclass(frozen=True, slots=True)
class PageFile:
    """What a results file's name says: the courier and the plan day (``hasil_K01_2026-11-30.csv``).

    Empty for a file named otherwise (the officer's typed file).
    """

    courier: str = ""
    day: dt.date | None = None

    @classmethod
    def of(cls, path: Path) -> PageFile:
        """The courier and day in ``path``'s name, when it is named as the page names its files."""
        found = _PAGE_FILE.match(Path(path).name)
        if not found:
            return cls()
        try:
            return cls(found["courier"], dt.date.fromisoformat(found["day"]))
        except ValueError:
            return cls()  # hasil_K01_2026-13-45: not a day, so the name says nothing


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One row of an outcomes file, checked: a known outcome, and a recipient for a delivered card.

    Attributes
    ----------
    path, row
        The file and its spreadsheet row (the header is row 1), named in every line about the row.
    nik_text
        The NIK as written (quoted when no card has it); :attr:`nik` holds its digits.
    outcome, outcome_text
        The outcome, and the cell it was read from (a code such as ``TR`` or its words).
    recipient, courier, note
        As written, stripped. ``courier`` is the file name's (``hasil_K01_...``) when the row has none.
    time
        When the outcome was tapped, or ``None`` when the row gives no time.
    position
        The phone's position, or ``None`` when the row has none (the outcome counts, teaches nothing).
    """

    path: Path
    row: int
    nik_text: str
    outcome: Outcome
    outcome_text: str
    recipient: str = ""
    time: TapTime | None = None
    position: Position | None = None
    courier: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.row, int) or self.row < 1:
            raise ValueError(f"row {self.row!r} is not a spreadsheet row")
        if not isinstance(self.outcome, Outcome):
            raise ValueError(f"outcome {self.outcome!r} is not one of {', '.join(CODES)}")
        if self.outcome.code == "DT" and not self.recipient.strip():
            raise InputError(f"{where(self.path, self.row, 'recipient', self.recipient)}: a delivered card needs "
                             "the recipient's name")

    @property
    def nik(self) -> str:
        """The NIK's digits (spaces and an Excel apostrophe dropped)."""
        return "".join(ch for ch in self.nik_text if ch.isdigit())


@dataclass(frozen=True, slots=True)
class Refusal:
    """A row that is not an outcome, and the one line that says why."""

    row: int
    line: str


@dataclass(frozen=True, slots=True)
class OutcomeRows:
    """An outcomes file's rows in file order: those that are outcomes, and those refused."""

    path: Path
    rows: tuple[OutcomeRow, ...]
    refused: tuple[Refusal, ...] = ()

    @property
    def named(self) -> PageFile:
        """The courier and plan day the file's name gives (empty for a file named otherwise)."""
        return PageFile.of(self.path)

    def days(self) -> set[dt.date]:
        """The dates of the rows' ISO times (clock times have none)."""
        return {r.time.when.date() for r in self.rows if r.time and isinstance(r.time.when, dt.datetime)}


def _position(path: Path, row_no: int, row: Mapping[str, str]) -> Position | None | str:
    """The phone's position in an outcome row, ``None`` when there is none, or why it is refused."""
    lat_s, lon_s, acc_s = (row.get(k) or "" for k in ("lat", "lon", "accuracy_m"))
    if not lat_s and not lon_s:
        return None  # no GPS: the outcome still counts, it teaches nothing
    values: dict[str, float] = {}
    for column, text, limit in (("lat", lat_s, 90.0), ("lon", lon_s, 180.0)):
        other = "lon" if column == "lat" else "lat"
        if not text:
            return f"{where(path, row_no, column, text)}: {other} is given without {column}; outcome refused"
        try:
            value = parse_degrees(text)
        except ValueError:
            value = float("nan")
        if not -limit <= value <= limit:
            return (f"{where(path, row_no, column, text)}: not a {'latitude' if column == 'lat' else 'longitude'} "
                    f"(degrees, -{limit:g}..{limit:g}); outcome refused")
        values[column] = value
    accuracy = None
    if acc_s:
        try:
            accuracy = parse_degrees(acc_s)
        except ValueError:
            accuracy = -1.0
        if accuracy < 0:
            return f"{where(path, row_no, 'accuracy_m', acc_s)}: not an accuracy in metres (>= 0); outcome refused"
    return Position(LatLon(values["lat"], values["lon"]), accuracy)


def parse_outcome_rows(path: Path, rows: Sequence[Mapping[str, str]],
                       row_numbers: Sequence[int] | None = None) -> OutcomeRows:
    """Each row of an outcomes file (cells by lower-cased column name) as an :class:`OutcomeRow` or a refusal.

    ``row_numbers`` (from :func:`routing.files.read_rows`) are the rows named in the lines; without
    them rows are counted from 2.
    """
    path = Path(path)
    numbers = list(row_numbers) if row_numbers is not None else list(range(2, len(rows) + 2))
    parsed: list[OutcomeRow] = []
    refused: list[Refusal] = []
    named = PageFile.of(path).courier
    for row_no, row in zip(numbers, rows, strict=True):
        raw = (row.get("outcome") or "").strip()
        outcome = parse_outcome(raw)
        if outcome is None:
            refused.append(Refusal(row_no, f"{where(path, row_no, 'outcome', raw)}: unknown outcome; use one of "
                                           f"{', '.join(CODES)}"))
            continue
        position = _position(path, row_no, row)
        if isinstance(position, str):
            refused.append(Refusal(row_no, position))
            continue
        time_s = (row.get("time") or "").strip()
        tap = parse_tap_time(time_s) if time_s else None
        if time_s and tap is None:
            refused.append(Refusal(row_no, f"{where(path, row_no, 'time', time_s)}: not a time; expected the "
                                           "page's ISO 8601 time with its offset (2026-11-30T10:15:42+07:00) or a "
                                           "clock time (10:15); outcome refused"))
            continue
        courier = (row.get("courier") or "").strip()
        if named and courier and courier != named:
            refused.append(Refusal(row_no, f"{where(path, row_no, 'courier', courier)}: the file is courier "
                                           f"{named}'s ({path.name}); outcome refused"))
            continue
        try:
            parsed.append(OutcomeRow(path, row_no, row.get("nik") or "", outcome, raw,
                                     (row.get("recipient") or "").strip(), tap, position, courier or named,
                                     (row.get("note") or "").strip()))
        except InputError as exc:
            refused.append(Refusal(row_no, str(exc)))
    return OutcomeRows(path, tuple(parsed), tuple(refused))


def plan_day(rows: OutcomeRows, given: dt.date | None, today: dt.date) -> dt.date | str:
    """The plan day a file's rows report on, or the one line that refuses the file.

    ``--date`` (``given``) and the day in the page's file name (``hasil_K01_2026-11-30.csv``) must
    agree; either is enough. Without both, the day the rows' ISO times fall on, when they fall on
    one; a file whose times say nothing (clock times, the officer's typed file) reports on ``today``.
    """
    named = rows.named.day
    if given is not None and named is not None and given != named:
        return (f"{rows.path}: the file name says the plan day {named}, --date says {given}; nothing recorded "
                "from this file")
    if given is not None or named is not None:
        return given or named  # type: ignore[return-value]
    days = sorted(rows.days())
    if len(days) > 1:
        return (f"{rows.path}: the times fall on {', '.join(map(str, days))}; one file is one plan day: give it "
                "with --date; nothing recorded from this file")
    return days[0] if days else today


#: A delivered position this far (metres) from the card's planned point is not believed: the plan's
#: coarsest point (a kecamatan's centre) is a few km from any of its doors.
FAR_FROM_PLAN_M = 10_000

#: Two positions of one card's outcome closer than this (metres) are one place: GPS noise.
SAME_PLACE_M = 50.0


def differences(prior: Mapping[str, Any], row: OutcomeRow) -> list[str]:
    """What ``row`` says otherwise than the ledger's outcome event ``prior`` (by column) of its card and day.

    Only what both say is compared: a typed row without courier or position, or an event without a
    recipient (as old releases left them), differs in nothing there.
    """
    out = []
    if prior["outcome"] != row.outcome.code:
        out.append(f"outcome ({prior['outcome']} recorded, {row.outcome.code} here)")
    if prior["courier_id"] and row.courier and prior["courier_id"] != row.courier:
        out.append(f"courier ({prior['courier_id']} recorded, {row.courier} here)")

    def name(text: str | None) -> str:
        return " ".join((text or "").casefold().split())

    if name(prior["recipient"]) and name(row.recipient) and name(prior["recipient"]) != name(row.recipient):
        out.append(f"recipient ({prior['recipient']!r} recorded, {row.recipient!r} here)")
    if prior["lat"] is not None and prior["lon"] is not None and row.position is not None:
        gap = haversine_m(LatLon(prior["lat"], prior["lon"]), row.position.point)
        if gap > SAME_PLACE_M:
            out.append(f"position ({gap:,.0f} m apart)")
    return out


def tap_order(at: str, before: str) -> int:
    """1 when stored time ``at`` (:meth:`TapTime.on`) is later than ``before``, -1 when earlier, 0 when
    equal or unknown (no time given).

    Times with offsets are compared as instants; otherwise as the courier's wall clock (one office,
    one zone).
    """
    if "T" not in at or "T" not in before:
        return 0
    a, b = dt.datetime.fromisoformat(at), dt.datetime.fromisoformat(before)
    if (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return (a > b) - (a < b)



@dataclass(frozen=True, slots=True)
class OutcomeFile:
    """An outcomes file as read: its rows, the contents' digest, and the cells cleaned of control characters."""

    path: Path
    rows: OutcomeRows
    sha256: str
    cleaned: tuple[str, ...] = ()


def read_outcome_file(path: Path) -> OutcomeFile:
    """Read an outcomes CSV (the officer's typed one, or the courier page's ``hasil_*.csv``).

    Raises
    ------
    InputError
        When the file cannot be read, is larger than :data:`MAX_OUTCOME_FILE_BYTES`, or lacks the
        ``nik`` and ``outcome`` columns.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_rows says why it cannot be read
    if size > MAX_OUTCOME_FILE_BYTES:
        raise InputError(f"{path}: {size:,} bytes is not a day's outcomes (a courier's day is about 50 KB; at most "
                         f"{MAX_OUTCOME_FILE_BYTES:,}); check that this is the page's hasil_*.csv")
    table = read_rows(path, "outcomes file")
    if not {"nik", "outcome"} <= set(table.header):
        raise InputError(f"{where(path, 1)}: expected columns {', '.join(OUTCOME_COLUMNS)} "
                         "(and lat, lon, accuracy_m from the courier's page)")
    rows = parse_outcome_rows(path, [cells for _, cells in table.rows], [k for k, _ in table.rows])
    return OutcomeFile(path, rows, hashlib.sha256(path.read_bytes()).hexdigest(), table.cleaned)
