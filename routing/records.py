"""Reading the office's export (CSV or XLSX) into validated card records.

Forgiving where it is safe (encodings, delimiters, header spellings, Excel's apostrophes),
strict where it matters (NIK digits, coordinates). A bad row never stops the run: it becomes a
:class:`Rejection` naming its row, column and value. A file that cannot be read at all raises
:class:`~routing.errors.InputError` with one line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from routing import nik as niks
from routing.errors import InputError, where
from routing.files import (
    MAX_CELL_CHARS,
    csv_rows,
    has_controls,
    shown,
    strip_controls,
    undecoded,
)
from routing.geo import LatLon, parse_degrees

#: Canonical column -> accepted header spellings (compared after :func:`_header_key`).
ALIASES: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no nik", "nomor nik", "nomor induk kependudukan"),
    "nama": ("nama", "nama lengkap", "name", "full name"),
    "alamat": ("alamat", "address", "jalan", "alamat lengkap"),
    "rt": ("rt",),
    "rw": ("rw",),
    "rt_rw": ("rt rw", "rtrw"),
    "dusun": ("dusun", "dukuh", "lingkungan", "hamlet"),
    "desa": ("desa", "kelurahan", "desa kelurahan", "kelurahan desa", "kel desa", "desa kel", "village"),
    "kecamatan": ("kecamatan", "kec", "district"),
    "no_kk": ("no kk", "nomor kk", "kk", "no kartu keluarga", "nomor kartu keluarga", "family card"),
    "lat": ("lat", "latitude", "lintang"),
    "lon": ("lon", "lng", "long", "longitude", "bujur"),
    "prioritas": ("prioritas", "priority", "urgent", "mendesak"),
    "keterangan": ("keterangan", "ket", "catatan", "notes", "note"),
    "telepon": ("telepon", "telp", "hp", "no hp", "nomor hp", "phone", "no telepon"),
    "jam": ("jam", "jam antar", "waktu", "time window", "window"),
}
REQUIRED = ("nik", "nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan")

_URGENT_WORDS = re.compile(r"imigrasi|paspor|passport|bpjs|rumah\s*sakit|\brs\b|berobat|umro|haji|mendesak|segera",
                           re.IGNORECASE)
_TRUE = {"1", "y", "ya", "yes", "true", "urgent", "mendesak", "tinggi", "high", "segera"}


@dataclass(frozen=True, slots=True)
class Record:
    """One finished e-KTP card, as read from one row."""

    row: int
    nik: str
    nama: str
    alamat: str
    rt: str
    rw: str
    dusun: str
    desa: str
    kecamatan: str
    no_kk: str = ""
    point: LatLon | None = None
    urgent: bool = False
    telepon: str = ""
    keterangan: str = ""
    #: True when the file had latitude and longitude the wrong way round and they were swapped back.
    point_swapped: bool = False
    #: Optional time window for handing over the card, seconds after midnight ``(from, to)``.
    window: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.row < 2:
            raise ValueError(f"data rows start at row 2, got {self.row}")
        niks.check(self.nik)
        if not self.nama.strip():
            raise ValueError("nama is empty")

    def address(self) -> str:
        """Address as a courier reads it: street, dusun, RT/RW, desa."""
        parts = [self.alamat.strip()]
        if self.dusun.strip():
            parts.append(f"Dsn. {self.dusun.strip()}")
        if self.rt or self.rw:
            parts.append(f"RT {self.rt or '-'}/RW {self.rw or '-'}")
        parts.append(f"Ds. {self.desa.strip()}")
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that could not become a record, and why (one line for the officer).

    The reader makes it and the plan keeps it as it is (``plan.json``'s ``rejected``); a plan read
    back from an edited file builds it again, so a field of the wrong type is refused here.
    """

    row: int
    nik: str
    column: str
    value: str
    reason: str
    detail: str

    def __post_init__(self) -> None:
        if not isinstance(self.row, int) or isinstance(self.row, bool):
            raise ValueError(f"rejection row must be int, got {shown(repr(self.row))}")
        for name in ("nik", "column", "value", "reason", "detail"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"rejection {name} must be str, got {shown(repr(getattr(self, name)))}")


@dataclass(frozen=True, slots=True)
class RecordSet:
    """Everything read from one file: accepted records and rejected rows, in file order."""

    path: str
    records: tuple[Record, ...]
    rejected: tuple[Rejection, ...]
    #: One line for every cell that had control characters removed (file, row, column, value).
    cleaned: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """Data rows read (header excluded); equals records + rejected."""
        return len(self.records) + len(self.rejected)


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower().lstrip("\ufeff")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _resolve_columns(path: Path, header: Sequence[str], overrides: Mapping[str, str]) -> dict[str, int]:
    keys = [_header_key(h) for h in header]
    found: dict[str, int] = {}
    for canonical, spellings in ALIASES.items():
        wanted = (_header_key(overrides[canonical]),) if canonical in overrides else spellings
        matches = [i for i, key in enumerate(keys) if key in wanted]
        if len(matches) > 1:
            a, b = (header[i] for i in matches[:2])
            fix = ("delete or rename one" if keys[matches[0]] == keys[matches[1]] else
                   f"delete one, or choose one under [columns] in the config file ({canonical} = \"{b}\")")
            raise InputError(f"{where(path, 1)}: columns {a!r} and {b!r} (columns {matches[0] + 1} and "
                             f"{matches[1] + 1}) both hold {canonical}; {fix}")
        if matches:
            found[canonical] = matches[0]
    if "rt_rw" in found:
        found.setdefault("rt", -1)
        found.setdefault("rw", -1)
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        shown = ", ".join(repr(h) for h in header if str(h).strip()) or "none"
        raise InputError(
            f"{where(path, 1)}: missing column(s) {', '.join(missing)} (header has {shown}); "
            f"rename the column or map it under [columns] in the config file"
        )
    return found


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[list[object]]:
    from zipfile import BadZipFile

    import openpyxl  # imported here: only XLSX input needs it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({exc.__class__.__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(f"{path}: no sheet named {sheet!r}; sheets: {', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet else book.worksheets[0]
        # From row 1 even when the sheet starts lower, so that row numbers are the spreadsheet's.
        rows = ws.iter_rows(min_row=1, values_only=True)
        row_no = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except (SyntaxError, ValueError, KeyError, TypeError) as exc:
                # The sheet's XML is read lazily: a broken cell (e.g. a character reference no text may
                # hold, which ElementTree raises as a SyntaxError subclass) surfaces only here.
                raise InputError(f"{where(path, row_no + 1)}: the workbook's sheet cannot be read there "
                                 f"({exc.__class__.__name__}: {str(exc)[:120]}); open it in Excel and save it "
                                 "again, or export CSV") from None
            row_no += 1
            yield list(row)
    finally:
        book.close()


def _screen(path: Path, row_no: int, cells: Sequence[object], cols: Mapping[str, int], cleaned: list[str]
            ) -> tuple[list[object], tuple[str, str, str] | None]:
    """The row's cells with control characters removed (noted in ``cleaned``), or the first used
    cell that cannot be read: ``(column, value, why)``."""
    out = list(cells)
    for name, i in cols.items():
        value = out[i] if 0 <= i < len(out) else None
        if not isinstance(value, str):
            continue
        if undecoded(value):
            why = "holds bytes that are not text in this file's encoding; correct the cell, or save the file as UTF-8"
            return out, (name, value, why)
        if len(value) > MAX_CELL_CHARS:
            why = f"cell longer than {MAX_CELL_CHARS} characters (a quote never closed swallows the rows after it)"
            return out, (name, value, why)
        if has_controls(value):
            cleaned.append(f"{where(path, row_no, name, shown(value))}: control characters removed")
            out[i] = strip_controls(value)
    return out, None


def _build(path: Path, row_no: int, raw_cells: Sequence[object], cols: Mapping[str, int],
           seen: dict[str, int], cleaned: list[str]) -> Record | Rejection:
    cells, unreadable = _screen(path, row_no, raw_cells, cols, cleaned)

    def get(name: str) -> object:
        i = cols.get(name, -1)
        return cells[i] if 0 <= i < len(cells) else None

    def text(name: str) -> str:
        return " ".join(_cell_text(get(name)).split())

    raw_nik = get("nik")
    nik_text = _cell_text(raw_nik)

    def reject(column: str, value: object, reason: str, why: str) -> Rejection:
        text = shown(_cell_text(value))
        return Rejection(row_no, shown(nik_text.strip(), 40), column, text, reason,
                         f"{where(path, row_no, column, text)}: {why}")

    if unreadable is not None:
        return reject(unreadable[0], unreadable[1], "bad_value", unreadable[2])
    if isinstance(raw_nik, (int, float)):
        return reject("nik", raw_nik, "invalid_nik",
                      "NIK is stored as a number, and Excel keeps only 15 digits; "
                      "format the column as Text and export again")
    try:
        nik = niks.parse(nik_text)
    except ValueError as exc:
        return reject("nik", raw_nik, "invalid_nik", str(exc))
    nik_text = nik
    if nik in seen:
        return reject("nik", nik, "duplicate_nik", f"NIK already on row {seen[nik]}; the first row is kept")
    for name in ("nama", "desa"):
        if not text(name):
            return reject(name, "", "missing_value", f"{name} is empty")
    rt, rw = text("rt"), text("rw")
    if "rt_rw" in cols and not (rt or rw):
        combined = text("rt_rw")
        m = re.fullmatch(r"(\d{1,3})\s*[/\-.]\s*(\d{1,3})", combined)
        if combined and not m:
            return reject("rt_rw", combined, "bad_value", "RT/RW must look like 002/005")
        rt, rw = (m.group(1), m.group(2)) if m else ("", "")
    point, swapped = None, False
    lat_text, lon_text = text("lat"), text("lon")
    if lat_text or lon_text:
        try:
            lat = parse_degrees(lat_text)
        except ValueError:
            return reject("lat", lat_text, "bad_coordinate", "latitude is not a number")
        try:
            lon = parse_degrees(lon_text)
        except ValueError:
            return reject("lon", lon_text, "bad_coordinate", "longitude is not a number")
        if lat == 0 and lon == 0:
            return reject("lat", f"{lat_text},{lon_text}", "bad_coordinate",
                          "0,0 is not an address (an empty cell exported as 0?)")
        swapped = not -90 <= lat <= 90 and -90 <= lon <= 90 and -180 <= lat <= 180
        if swapped:
            lat, lon = lon, lat
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            column = "lat" if not -90 <= lat <= 90 else "lon"
            return reject(column, lat_text if column == "lat" else lon_text, "bad_coordinate",
                          "coordinate is outside the range of the Earth")
        point = LatLon(lat, lon)
    window = None
    if text("jam"):
        m = re.fullmatch(r"(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})", text("jam"))
        if not m or not (int(m.group(1)) < 24 and int(m.group(3)) < 24 and int(m.group(2)) < 60
                         and int(m.group(4)) < 60):
            return reject("jam", text("jam"), "bad_value", "time window must look like 09:00-11:30")
        a = int(m.group(1)) * 3600 + int(m.group(2)) * 60
        b = int(m.group(3)) * 3600 + int(m.group(4)) * 60
        if a >= b:
            return reject("jam", text("jam"), "bad_value", "time window ends before it starts")
        window = (a, b)
    prioritas, keterangan = text("prioritas"), text("keterangan")
    urgent = prioritas.lower() in _TRUE or bool(_URGENT_WORDS.search(keterangan)) \
        or bool(_URGENT_WORDS.search(prioritas))
    seen[nik] = row_no
    return Record(row=row_no, nik=nik, nama=text("nama"), alamat=text("alamat"), rt=rt, rw=rw,
                  dusun=text("dusun"), desa=text("desa"), kecamatan=text("kecamatan"),
                  no_kk=re.sub(r"\D", "", text("no_kk")), point=point, urgent=urgent,
                  telepon=text("telepon"), keterangan=keterangan, point_swapped=swapped, window=window)


def read_records(path: Path, *, sheet: str | None = None,
                 columns: Mapping[str, str] | None = None) -> RecordSet:
    """Read a CSV or XLSX export into records and rejected rows.

    Parameters
    ----------
    path
        ``.csv`` (UTF-8, UTF-8 with BOM, or Windows-1252; ``,`` ``;`` or tab delimited) or
        ``.xlsx`` (first sheet unless ``sheet`` is given).
    sheet
        Worksheet name for XLSX input.
    columns
        Overrides: canonical column name -> header as written in the file.

    Raises
    ------
    InputError
        When the file cannot be read, is empty, or lacks a required column.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows: Iterable[Sequence[object]] = _xlsx_rows(path, sheet)
    else:
        if sheet is not None:
            raise InputError(f"{path}: --sheet only applies to XLSX files")
        rows = csv_rows(path)
    # Row numbers count every row, blank ones included, as the officer sees them in a spreadsheet.
    it = enumerate(rows, start=1)
    header_row, header = next(it, (0, None))
    while header is not None and not any(_cell_text(c).strip() for c in header):
        header_row, header = next(it, (0, None))
    if header is None:
        raise InputError(f"{path}: the file is empty; expected a header row and one row per card")
    names = [_cell_text(h) for h in header]
    for k, name in enumerate(names, start=1):
        if undecoded(name):
            raise InputError(f"{where(path, header_row, f'#{k}', shown(name))}: the header holds bytes that are "
                             f"not text in this file's encoding; save the file as UTF-8")
    cols = _resolve_columns(path, [strip_controls(n) for n in names], columns or {})
    records: list[Record] = []
    rejected: list[Rejection] = []
    cleaned: list[str] = []
    seen: dict[str, int] = {}
    for row_no, cells in it:
        if not any(_cell_text(c).strip() for c in cells):
            continue
        result = _build(path, row_no, cells, cols, seen, cleaned)
        if isinstance(result, Record):
            records.append(result)
        else:
            rejected.append(result)
    if not records and not rejected:
        raise InputError(f"{path}: the file has a header but no card rows")
    return RecordSet(str(path), tuple(records), tuple(rejected), tuple(cleaned))
