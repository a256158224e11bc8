"""Reading the office's text files and writing output files.

Reading: whatever encoding, delimiter and dirt an export brings (BOM, Windows-1252, a stray bad
byte in a UTF-8 file, control characters, blank lines above the header), with every problem
traced to its row and column. Writing: outputs hold names and NIKs (personal data under
UU 27/2022), so every file is created readable by its owner only (0600) and folders 0700,
whatever the umask; CSV cells are safe to open in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.errors import InputError, where

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


def safe_filename(text: str) -> str:
    """A file-name part from data (e.g. a courier id): letters, digits, ``-`` and ``_`` only.

    Courier ids come from the office's couriers file; ``../`` or ``/`` in one must not choose
    where a file is written. Ordinary ids such as ``K01`` are unchanged.

    >>> safe_filename("K01"), safe_filename("../x y")
    ('K01', '___x_y')
    """
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in text)
    return cleaned[:64] or "_"


#: Longest cell read from an input file (characters). Excel itself stops at 32,767; anything longer
#: is a broken export (often a quote that is never closed, which swallows the rest of the file).
MAX_CELL_CHARS = 128 * 1024

#: Characters that corrupt text outputs: C0 controls other than tab, newline and carriage return
#: (XML 1.0 forbids them, so one ESC or NUL makes a GPX file unreadable), DEL, C1 controls and the
#: noncharacters U+FFFE/U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
#: Bytes that could not be decoded are kept as lone surrogates (``surrogateescape``) so that the
#: row and column they sit in can be named; no valid text contains one.
_UNDECODED = re.compile("[\ud800-\udfff]")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))
#: Start of files that are not text: XLSX/ZIP, old Excel (OLE2), PDF.
_BINARY_MAGIC = {b"PK\x03\x04": " (it looks like an Excel workbook: name it .xlsx)",
                 b"\xd0\xcf\x11\xe0": " (it looks like an old Excel .xls file: save it as .xlsx or CSV)",
                 b"%PDF": " (it is a PDF)"}


def strip_controls(text: str) -> str:
    r"""``text`` without control characters (tab, newline and carriage return are kept).

    >>> strip_controls("Budi\x1b[31m\x00 Santoso")
    'Budi[31m Santoso'
    """
    return _CONTROL.sub("", text)


def has_controls(text: str) -> bool:
    """True when :func:`strip_controls` would change ``text``."""
    return _CONTROL.search(text) is not None


def undecoded(text: str) -> bool:
    """True when ``text`` holds bytes that were not valid in the file's encoding."""
    return _UNDECODED.search(text) is not None


def shown(text: str, limit: int = 60) -> str:
    """``text`` as it may be quoted in a message or a CSV: undecodable bytes as U+FFFD, control
    characters as ``\\xNN``, cut to ``limit`` characters with a mark."""
    cut = text if len(text) <= limit else text[:limit]
    cut = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", _UNDECODED.sub("\ufffd", cut))
    return cut if len(text) <= limit else f"{cut}... ({len(text)} characters)"


def decode_text(path: Path, raw: bytes) -> str:
    """Text of a file the office exported: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    A UTF-8 file with a few bad bytes stays UTF-8: the file is Windows-1252 only when none of its
    non-ASCII lines is valid UTF-8 or fewer are valid than not (Windows-1252 text with accents is
    practically never valid UTF-8, so one valid line is strong evidence). Bytes that do not decode
    are kept as lone surrogates; :func:`undecoded` finds them so the reader can name the row.

    Raises
    ------
    InputError
        When the bytes are binary (e.g. an Excel workbook renamed .csv).
    """
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Excel's "Unicode Text" export
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{path}: starts like UTF-16 text but is not valid UTF-16") from None
    head = raw[:4096]
    hint = next((h for magic, h in _BINARY_MAGIC.items() if raw.startswith(magic)), None)
    # A stray control byte is dirt in a text file (cleaned per cell); many mean binary data.
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if hint is not None or controls > max(8, len(head) // 20):
        raise InputError(f"{path}: not a text CSV file, it holds binary data{hint or ''}")
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8):] if bom else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    valid = invalid = 0
    for line in body.split(b"\n"):
        if not line.isascii():
            try:
                line.decode("utf-8")
                valid += 1
            except UnicodeDecodeError:
                invalid += 1
    if bom or (valid and valid >= invalid):
        return body.decode("utf-8", errors="surrogateescape")
    # Windows Excel exports in the ANSI code page (cp1252, a superset of Latin-1 for text).
    return body.decode("cp1252", errors="surrogateescape")


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


def csv_rows(path: Path, what: str = "file") -> list[list[str]]:
    """Every record of a CSV file, blank ones included (so that list index + 1 is the spreadsheet row).

    The delimiter is taken from the first non-blank line. Cells may hold undecodable bytes (see
    :func:`undecoded`) and control characters: the caller names and handles them.
    """
    text = read_text(path, what)
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    # csv's default limit (128 KiB) would fail the whole file on one long cell; the file is in
    # memory already, so readers check cell lengths themselves (MAX_CELL_CHARS) and name the row.
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first)))
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV {what} ({exc})") from None
    finally:
        csv.field_size_limit(limit)


@dataclass(frozen=True, slots=True)
class Table:
    """A small CSV the office keeps, read by :func:`read_rows`.

    ``header`` holds the column names stripped and lower-cased; each row is its spreadsheet row
    number and its cells by column name (stripped). ``cleaned`` has one line for every cell that
    had control characters removed.
    """

    path: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]
    cleaned: tuple[str, ...] = ()


def read_rows(path: Path, what: str) -> Table:
    """Read a small CSV the office keeps (couriers, gazetteer, review, outcomes), rows numbered.

    Blank lines before the header and between rows are skipped (row numbers still count them).
    Control characters are removed from cells and listed in ``cleaned``.

    Raises
    ------
    InputError
        One line naming file, row and column: the header names a column twice; a cell holds bytes
        that are not text in the file's encoding, or is longer than :data:`MAX_CELL_CHARS`.
    """
    path = Path(path)
    records = csv_rows(path, what)
    start = next((k for k, r in enumerate(records) if any(c.strip() for c in r)), None)
    if start is None:
        return Table(str(path), (), ())
    cleaned: list[str] = []

    def cell(row: int, column: str, value: str) -> str:
        if undecoded(value):
            raise InputError(f"{where(path, row, column, shown(value))}: holds bytes that are not text in this "
                             f"file's encoding; save the {what} as UTF-8")
        if len(value) > MAX_CELL_CHARS:
            raise InputError(f"{where(path, row, column, shown(value))}: cell longer than {MAX_CELL_CHARS} "
                             f"characters (a quote that is never closed?)")
        if has_controls(value):
            cleaned.append(f"{where(path, row, column, shown(value))}: control characters removed")
            value = strip_controls(value)
        return value.strip()

    header_row = start + 1
    header = [cell(header_row, f"#{k}", h).lower() for k, h in enumerate(records[start], start=1)]
    first_at: dict[str, int] = {}
    for k, name in enumerate(header, start=1):
        if name and name in first_at:
            raise InputError(f"{where(path, header_row, name)}: column named twice (columns {first_at[name]} "
                             f"and {k}); delete or rename one")
        first_at.setdefault(name, k)
    rows = []
    for k, record in enumerate(records[start + 1:], start=header_row + 1):
        if not any(c.strip() for c in record):
            continue
        rows.append((k, {name: cell(k, name, record[i] if i < len(record) else "")
                         for i, name in enumerate(header) if name}))
    return Table(str(path), tuple(header), tuple(rows), tuple(cleaned))


def read_table(path: Path, what: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of :func:`read_rows`, without row numbers (for callers that count rows)."""
    table = read_rows(path, what)
    return list(table.header), [cells for _, cells in table.rows]


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


def cannot_write(path: Path, exc: OSError) -> str:
    """One line on why ``path`` cannot be written, naming a missing folder when that is the cause."""
    folder = Path(path).parent
    if not folder.is_dir():
        return f"{path}: cannot write it: the folder {folder} does not exist; create it or choose another"
    return f"{path}: cannot write it: {exc.strerror or exc}"


def default_cache_dir() -> Path:
    """Where what is worth keeping between runs is kept (road networks, the holiday calendar):
    ``$EKTP_CACHE_DIR``, else ``~/.cache/ektp-route``."""
    return Path(os.environ.get("EKTP_CACHE_DIR") or Path.home() / ".cache" / "ektp-route")


def write_private(path: Path, data: bytes | str) -> Path:
    """Write a file atomically, created with mode 0600.

    Text is written as UTF-8. A lone surrogate (only an edited ``plan.json`` can bring one, through
    a ``\\udcff`` escape) cannot be encoded and becomes ``?`` rather than failing the whole output.

    Raises
    ------
    InputError
        When the file cannot be written (its folder does not exist, no permission, disk full):
        one line naming the file.
    """
    path = Path(path)
    payload = data.encode("utf-8", errors="replace") if isinstance(data, str) else data
    # A new, uniquely named file (mkstemp: O_EXCL, mode 0600): nothing planted in a shared folder
    # is written through, and two runs writing the same file do not interleave.
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(cannot_write(path, exc)) from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)  # whatever the umask
            f.write(payload)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(cannot_write(path, exc)) from None
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
