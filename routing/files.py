"""Writing output files: private by default, CSV cells safe to open in Excel.

Outputs hold names and NIKs (personal data under UU 27/2022), so every file is created
readable by its owner only (0600) and folders 0700, whatever the umask.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

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


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it owner-only."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes | str) -> Path:
    """Write a file atomically, created with mode 0600."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.chmod(tmp, 0o600)
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
