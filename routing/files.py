"""Writing output files: private by default, CSV cells safe to open in Excel.

Outputs hold names and NIKs (personal data under UU 27/2022), so every file is created
readable by its owner only (0600) and folders 0700, whatever the umask.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

from routing.errors import InputError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: object) -> str:
    """Make a CSV cell safe from formula injection when opened in a spreadsheet.

    A cell starting with ``= + - @`` (or tab/CR) is prefixed with an apostrophe, which Excel
    and LibreOffice show as text. Plain negative numbers stay numbers (coordinates in Jombang
    are negative latitudes).

    >>> guard_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> guard_cell("-7.5653")
    '-7.5653'
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


def decode_text(path: Path, raw: bytes) -> str:
    """Text of a file the office exported: UTF-8 (with or without BOM), else Windows-1252.

    Raises
    ------
    InputError
        When the bytes are binary (e.g. an Excel workbook renamed .csv).
    """
    if b"\x00" in raw[:4096] or raw[:4] == b"PK\x03\x04":
        hint = " (it looks like an Excel workbook: name it .xlsx)" if raw[:2] == b"PK" else ""
        raise InputError(f"{path}: not a text CSV file, it holds binary data{hint}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows Excel exports in the ANSI code page; cp1252 is a superset of Latin-1 for text.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def sniff_delimiter(header_line: str) -> str:
    """``;`` for Indonesian-locale Excel (``,`` is its decimal separator), else ``,`` or tab."""
    return max((";", ",", "\t"), key=header_line.count)


def read_text(path: Path, what: str = "file") -> str:
    """The text of an input file (see :func:`decode_text`); a missing or unreadable file is an InputError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    return decode_text(path, raw)


def read_table(path: Path, what: str) -> tuple[list[str], list[dict[str, str]]]:
    """Read a small CSV the office keeps (couriers, gazetteer, review, outcomes).

    Returns the header and the rows, with column names stripped and lower-cased and cells stripped,
    whatever the encoding or delimiter the file was saved with.
    """
    text = read_text(path, what)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text.split("\n", 1)[0]))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, (str, type(None)))}
            for row in reader]
    return header, rows


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents owner-only (0700); leave existing folders as they are.

    ``--out`` may name a shared folder, ``.`` or ``~``: changing its mode would lock others out,
    so only folders made here are restricted. The files written into them are 0600 anyway.
    """
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to change
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    if not path.is_dir():
        path.mkdir()  # raises the usual FileExistsError / NotADirectoryError with the path
    return path


def write_private(path: Path, data: bytes | str) -> Path:
    """Write a file atomically, created with mode 0600.

    Text is written as UTF-8. A lone surrogate (only an edited ``plan.json`` can bring one, through
    a ``\\udcff`` escape) cannot be encoded and becomes ``?`` rather than failing the whole output.
    """
    path = Path(path)
    payload = data.encode("utf-8", errors="replace") if isinstance(data, str) else data
    # A new, uniquely named file (mkstemp: O_EXCL, mode 0600): nothing planted in a shared folder
    # is written through, and two runs writing the same file do not interleave.
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)  # whatever the umask
            f.write(payload)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """A guarded CSV in UTF-8 with BOM, so Excel shows Indonesian names correctly."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow([guard_cell(v) for v in row])
    return write_private(path, "\ufeff" + buf.getvalue())


def write_json(path: Path, data: Any) -> Path:
    """Pretty JSON, UTF-8, private."""
    return write_private(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
