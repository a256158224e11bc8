"""What can happen at the door: the outcome codes of the route sheet, and what each does to a card.

One home for the vocabulary the courier ticks on paper (or taps on the phone), the ledger records
and the sheets print. Codes are the office's own two-letter abbreviations of Indonesian words.
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


def legend(lang: str) -> list[tuple[str, str]]:
    """``(code, words)`` pairs in sheet order, for the sheet's legend and tick boxes."""
    return [(o.code, o.words(lang)) for o in OUTCOMES]
