"""What can happen at the door: the outcome codes of the route sheet, and what each does to a card.

One home for the vocabulary the courier ticks on paper (or taps on the phone), the ledger records
and the sheets print. Codes are the office's own two-letter abbreviations of Indonesian words; the
ledger stores the codes, and the words are only ever shown.

A card's journey is a state machine, kept here as pure functions the ledger calls
(:func:`next_state`, and :func:`reopened` for a correction)::

    received --plan--> planned --DT--> delivered
                          |  \\--TR/PA/AT/MN--> failed --plan--> planned ...
                          |                        \\-- after max_attempts --> pickup (ambil di kantor)
                          \\--MD (meninggal)--> cancelled
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outcome:
    """One outcome code with the card state it leads to and its words in each sheet language."""

    code: str
    state: str
    words_id: str
    words_en: str

    def words(self, lang: str) -> str:
        """The code's meaning in ``lang`` (``id`` or ``en``)."""
        return self.words_en if lang == "en" else self.words_id


#: In the order printed on the sheet. DT ends the card's journey; MD cancels it; the others are
#: failed attempts that are planned again until ``max_attempts``.
OUTCOMES: tuple[Outcome, ...] = (
    Outcome("DT", "delivered", "diterima", "delivered"),
    Outcome("TR", "failed", "tidak di rumah", "not at home"),
    Outcome("PA", "failed", "pindah alamat", "moved away"),
    Outcome("AT", "failed", "alamat tidak ditemukan", "address not found"),
    Outcome("MN", "failed", "menolak", "refused"),
    Outcome("MD", "cancelled", "meninggal", "deceased"),
)
BY_CODE = {o.code: o for o in OUTCOMES}
CODES = tuple(BY_CODE)

#: Words a courier or officer may write instead of the code (both languages, and short forms).
_WORDS = {o.words_id: o.code for o in OUTCOMES} | {o.words_en: o.code for o in OUTCOMES} | {"moved": "PA"}


def parse_outcome(text: str) -> Outcome | None:
    """The outcome for a code (``tr``) or its words (``tidak di rumah``); ``None`` when unknown."""
    raw = text.strip()
    return BY_CODE.get(raw.upper()) or BY_CODE.get(_WORDS.get(raw.lower(), ""))


#: A card's states in the ledger, in the order a card goes through them.
STATES = ("received", "planned", "delivered", "failed", "pickup", "cancelled")


@dataclass(frozen=True, slots=True)
class CardState:
    """Where a card is in its journey, and how many delivery attempts have failed so far."""

    state: str
    attempts: int

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"unknown card state {self.state!r}; known: {', '.join(STATES)}")
        if not isinstance(self.attempts, int) or isinstance(self.attempts, bool) or self.attempts < 0:
            raise ValueError(f"failed attempts must be a whole number >= 0, got {self.attempts!r}")


def next_state(state: str, attempts: int, outcome: Outcome, max_attempts: int) -> CardState | None:
    """The card's state and failed attempts after ``outcome``; ``None`` when it was not out for delivery.

    Only a ``planned`` card has an outcome. A failed attempt counts; at ``max_attempts`` failed
    attempts the card waits at the office (``pickup``) instead of being planned again.

    >>> next_state("planned", 1, BY_CODE["TR"], 2)
    CardState(state='pickup', attempts=2)
    >>> next_state("delivered", 0, BY_CODE["TR"], 2) is None
    True
    """
    CardState(state, attempts)  # refuses a state or count the ledger cannot hold
    if state != "planned":
        return None
    failed = outcome.state == "failed"
    after = attempts + failed
    return CardState("pickup" if failed and after >= max_attempts else outcome.state, after)


def reopened(attempts: int, outcome: Outcome) -> CardState:
    """The card as it was before ``outcome`` (recorded with ``attempts`` failed attempts after it) was tapped.

    A correction of that outcome starts from here: the card was ``planned``, and the outcome's own
    failed attempt, if it was one, is not counted.

    >>> reopened(2, BY_CODE["TR"])
    CardState(state='planned', attempts=1)
    """
    return CardState("planned", max(0, attempts - (outcome.state == "failed")))


def legend(lang: str) -> list[tuple[str, str]]:
    """``(code, words)`` pairs in sheet order, for the sheet's legend and tick boxes."""
    return [(o.code, o.words(lang)) for o in OUTCOMES]
