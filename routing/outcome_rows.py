"""An outcomes file read into typed rows, before the ledger sees it: what the courier says happened at each door.

The officer's typed CSV (``nik, outcome, recipient, time``) and the courier page's
``hasil_K01_DATE.csv`` (which adds ``lat, lon, accuracy_m, courier, note``) both become
:class:`OutcomeRow` values here. A row that cannot be one (an unknown outcome, an unusable position,
a delivery without the recipient's name) is refused in one line naming file, row, column and value;
the others go on to :meth:`routing.ledger.Ledger.record_outcomes`, which decides what they do to
the cards.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from routing.errors import InputError, where
from routing.files import read_rows
from routing.geo import LatLon, parse_degrees
from routing.outcomes import CODES, Outcome, parse_outcome

#: Columns an outcomes file must have; the courier's page adds ``lat, lon, accuracy_m, courier, note``.
OUTCOME_COLUMNS = ("nik", "outcome", "recipient", "time")


@dataclass(frozen=True, slots=True)
class Position:
    """Where the courier's phone was when the outcome was tapped, and how sure it was (metres)."""

    point: LatLon
    accuracy_m: float | None = None

    def __post_init__(self) -> None:
        if self.accuracy_m is not None and not (math.isfinite(self.accuracy_m) and self.accuracy_m >= 0):
            raise ValueError(f"accuracy {self.accuracy_m!r} m is not a distance")


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
    recipient, time, courier, note
        As written, stripped; ``time`` is ``HH:MM`` or ``HH:MM:SS``, or empty.
    position
        The phone's position, or ``None`` when the row has none (the outcome counts, teaches nothing).
    """

    path: Path
    row: int
    nik_text: str
    outcome: Outcome
    outcome_text: str
    recipient: str = ""
    time: str = ""
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
        try:
            parsed.append(OutcomeRow(path, row_no, row.get("nik") or "", outcome, raw,
                                     (row.get("recipient") or "").strip(), (row.get("time") or "").strip(), position,
                                     (row.get("courier") or "").strip(), (row.get("note") or "").strip()))
        except InputError as exc:
            refused.append(Refusal(row_no, str(exc)))
    return OutcomeRows(path, tuple(parsed), tuple(refused))


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
        When the file cannot be read or lacks the ``nik`` and ``outcome`` columns.
    """
    path = Path(path)
    table = read_rows(path, "outcomes file")
    if not {"nik", "outcome"} <= set(table.header):
        raise InputError(f"{where(path, 1)}: expected columns {', '.join(OUTCOME_COLUMNS)} "
                         "(and lat, lon, accuracy_m from the courier's page)")
    rows = parse_outcome_rows(path, [cells for _, cells in table.rows], [k for k, _ in table.rows])
    return OutcomeFile(path, rows, hashlib.sha256(path.read_bytes()).hexdigest(), table.cleaned)
