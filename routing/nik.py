"""NIK (Nomor Induk Kependudukan): normalisation, validation and masking.

A NIK is 16 digits: province (2), regency (2), kecamatan (2), date of birth DDMMYY with
40 added to the day for women (6), and a serial number (4). The region digits say where the
NIK was *issued*, not where the person lives now, so they are never used for routing.
"""

from __future__ import annotations

import datetime as dt
import re

#: Province codes in use (Kemendagri), including the Papua provinces created in 2022.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
     61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
)

_SCIENTIFIC = re.compile(r"^\s*'?\d+([.,]\d+)?[eE]\+?\d+\s*$")


def normalise(raw: str) -> str:
    """Strip what spreadsheets add: spaces, dots, dashes and Excel's leading apostrophe.

    Raises
    ------
    ValueError
        With a message for the officer when the value cannot be a NIK.
    """
    text = str(raw).strip()
    if _SCIENTIFIC.match(text):
        raise ValueError(
            "NIK was turned into a number by Excel (scientific notation) and its last digits are lost; "
            "format the column as Text in the source system's export and export again"
        )
    text = text.lstrip("'").replace(" ", "").replace(".", "").replace("-", "")
    if not text:
        raise ValueError("NIK is empty")
    if not text.isdigit() or not text.isascii():
        raise ValueError("NIK must contain only digits")
    if len(text) != 16:
        raise ValueError(f"NIK must have 16 digits, this one has {len(text)}")
    return text


def check(nik: str) -> str:
    """Validate a normalised NIK; return it unchanged or raise ``ValueError`` saying why."""
    province = int(nik[:2])
    if province not in PROVINCE_CODES:
        raise ValueError(f"NIK province code {nik[:2]} does not exist")
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    try:
        # The century is unknown; 2000 is a leap year, so 29 February always decodes.
        dt.date(2000 + year, month, day)
    except ValueError:
        raise ValueError(f"NIK birth date digits {nik[6:12]} are not a date") from None
    if nik[12:] == "0000":
        raise ValueError("NIK serial number 0000 is not issued")
    return nik


def parse(raw: str) -> str:
    """Normalise and validate in one step."""
    return check(normalise(raw))


def mask(nik: str) -> str:
    """Mask for printing: the region prefix and serial stay, birth date digits go.

    >>> mask("3517094507900003")
    '3517********0003'
    """
    return nik[:4] + "*" * 8 + nik[12:]
