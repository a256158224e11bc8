"""A4 route sheets as PDF (fpdf2), one per courier and one for the whole day.

Each stop carries a QR code that opens navigation on the courier's phone. The code holds only
coordinates (a Google Maps link with ``travelmode=two-wheeler``), never a name or a NIK. Long
routes flow onto more pages; the header and the table headings repeat on every page. A table
row never grows past :data:`ROW_LINES` lines, so it always fits on a page: each text is measured
as fpdf2 will wrap it and cut with a mark when it is too long, and a big household (a pesantren)
continues on further rows, which may fall on the next page. Fonts are
the DejaVu faces that matplotlib ships, so names with any Latin letters print on a fresh machine
without system fonts.

The stops table is laid out here (:meth:`_SheetPDF.route_section`), not by fpdf2's ``table()``:
it draws what ``table()`` draws (the same column widths, frames, fills, padding, page breaks and
repeated headings; ``tests/test_pdf.py`` compares the two page by page), but each text is wrapped
once, by :meth:`_SheetPDF.wrap`, which takes a line that fits with one string width and leaves only
longer text to fpdf2's line breaking. ``table()`` broke every cell's text twice, once to size its
row and once to draw it, character by character, and that was most of a day's drawing time.
"""

from __future__ import annotations

import functools
import importlib.util
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, TableCellStyle
from fpdf.fonts import FontFace
from PIL import Image
from pypdf import PdfReader, PdfWriter

from maps.navigation import navigation_url, navigation_url_at
from maps.sheets import (
    LABELS,
    MAX_CHARS,
    blocks,
    card_rw_rt,
    clip,
    cut_mark,
    km,
    long_date,
    precision_label,
    rw_rt,
)
from routing.clock import format_clock
from routing.nik import mask
from routing.outcomes import legend
from routing.outputs import Preview
from routing.plan import Card, Plan, Route

_ORANGE = (176, 0, 0)
_LINE_MM = 4
_PADDING_MM = 1
#: Most text lines in one table row. A4 landscape leaves about 150 mm under the header and the
#: headings; 16 lines are 66 mm, so a row never has to be split by fpdf2 (which cannot) and a
#: page holds at least two rows of a big household.
ROW_LINES = 16
#: Most lines for one text: a name, a phone number, the address, the location.
_MAX_LINES = {"name": 3, "nik": 2, "phone": 2, "address": 12, "precision": 3}
_COLUMNS = ("no", "eta", "name", "nik", "address", "n_cards", "precision", "phone", "received", "outcome", "qr")
_WIDTHS = dict(zip(_COLUMNS, (8, 11, 40, 28, 58, 11, 18, 24, 30, 33, 16), strict=True))


def _font_dir() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib (which ships the DejaVu fonts) is not installed")
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


#: The QR mask every code is drawn with. A reader takes the mask from the code's format bits, so
#: any of the eight gives the same content; segno's own choice scores all eight on every code,
#: which was about a seventh of a day's drawing. 5 is the one it chose most often for these links
#: (they differ only in their digits), and a scan of every code of a real day reads it back.
QR_MASK = 5


#: Stops whose QR code is kept (:func:`qr_modules`), more than a day has: about 2 KB each.
_QR_KEPT = 8192


def qr_code(text: str) -> segno.QRCode:
    """The QR code (error correction M, mask :data:`QR_MASK`) that a stop's sheet carries for ``text``."""
    return segno.make_qr(text, error="m", mask=QR_MASK)


@functools.lru_cache(maxsize=_QR_KEPT)
def qr_modules(text: str) -> np.ndarray:
    """The modules of :func:`qr_code` (True: dark), read-only. Kept, not the images: an image takes
    about 30 KB and a day may have 5,000 stops; a stop's code is the same wherever it is drawn."""
    dark = np.array(qr_code(text).matrix, dtype=bool)
    dark.flags.writeable = False
    return dark


#: Pixels per QR module, and light modules around the code, as the sheet draws it.
_QR_SCALE, _QR_BORDER = 4, 1


@functools.lru_cache(maxsize=64)
def qr_image(text: str) -> Image.Image:
    """The QR code of ``text`` as the sheet draws it: a 1-bit image, :data:`_QR_SCALE` pixels a module.

    Built from the code's modules (the pixels segno's PNG of it would decode to), not through a
    PNG: writing one in pure Python and decoding it again cost more than the code itself. Kept a
    little while: a row is measured with its code, then drawn.
    """
    dark = np.pad(qr_modules(text), _QR_BORDER)
    return Image.fromarray(~dark.repeat(_QR_SCALE, axis=0).repeat(_QR_SCALE, axis=1))


#: Every cell of the table is framed on all four sides (fpdf2's ``TableBordersLayout.ALL``).
_FRAME = TableCellStyle(left=True, bottom=True, right=True, top=True)
#: Style of the headings (repeated on every page) and of a search heading, over the table's font.
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
_SEARCH = FontFace(emphasis="BOLD", fill_color=(244, 244, 244))


@dataclass(frozen=True, slots=True)
class _Cell:
    """One cell of the stops table: its text already wrapped into lines (none: an empty cell), or
    the QR code of a navigation link (``qr``, also the cell's link); ``span`` columns wide."""

    lines: tuple[str, ...] = ()
    qr: str = ""
    span: int = 1


@dataclass(frozen=True, slots=True)
class _Row:
    """A row of the stops table: its cells, its style over the table's font, and its height (mm)."""

    cells: tuple[_Cell, ...]
    style: FontFace
    height: float


class _SheetPDF(FPDF):
    """FPDF with a header that repeats the current courier's details on every page."""

    plan: Plan
    lang: str
    L: dict[str, str]
    synthetic_note: str

    def __init__(self, plan: Plan | None = None, lang: str = "id", synthetic_note: str = "") -> None:
        """A sheet document for ``plan``; without one, a document with its fonts loaded that
        :meth:`begin` gives its plan later (:func:`prepare`)."""
        super().__init__(orientation="L", unit="mm", format="A4")
        self.route: Route | None = None
        #: The route of the page being drawn, its first page, and each route's pages (first, last):
        #: the footer of a courier's last page is drawn after the next courier's section began.
        self.page_route: Route | None = None
        self.first_page = 1
        self.spans: list[tuple[int, int]] = []
        self.set_margins(8, 8, 8)
        self.set_auto_page_break(True, margin=12)
        fonts = _font_dir()
        self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_creator("ektp-route")
        self._wrapped: dict[tuple[str, float, str, str, float], tuple[str, ...]] = {}
        # The columns as fpdf2's table() places them: the nominal widths stretched to the page's
        # width, each column's left edge the sum of those before it (the same float sums).
        width = self.epw
        total = sum(_WIDTHS.values())
        self.col_widths = [w / total * width for w in _WIDTHS.values()]
        self.col_x = [self.l_margin]
        for w in self.col_widths[:-1]:
            self.col_x.append(self.col_x[-1] + w)
        if plan is not None:
            self.begin(plan, lang, synthetic_note)

    def discard(self) -> None:
        """Close the font files of a document that will never be output (its output closes them)."""
        for font in self.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()

    def begin(self, plan: Plan, lang: str, synthetic_note: str) -> None:
        """Give the document its plan, language and the synthetic data's note (before any page)."""
        self.plan = plan
        self.speak(lang)
        self.synthetic_note = synthetic_note
        self.set_title(self.L["title"])
        self.set_creation_date(datetime.now(UTC))  # as a new document has it (one prepared earlier)

    def speak(self, lang: str) -> None:
        """Word the sheet in ``lang``."""
        self.lang, self.L = lang, LABELS[lang]

    def header(self) -> None:
        r = self.route
        if r is None:
            return
        if self.page_route is not r:
            self.page_route, self.first_page = r, self.page_no()
        L = self.L
        self.set_font("DejaVu", "B", 13)
        self.cell(120, 6, L["title"])
        self.set_font("DejaVu", "", 9)
        self.cell(0, 6, f"{L['courier']}: {self.courier_label(r)}    "
                        f"{L['date']}: {long_date(self.plan.date, self.lang)}",
                  align="R", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 5, self.plan.office_name, new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 5, f"{L['shift']}: {r.shift.label()}    {L['stops']}/{L['cards']}: {len(r.visits)}/{r.n_cards}"
                        f"    {L['km']}: {km(r.distance_m)} km    {L['depart']}: {format_clock(r.start_s)}"
                        f"    {L['finish']}: {format_clock(r.end_s)}", new_x="LMARGIN", new_y="NEXT")
        if self.synthetic_note:
            self.set_text_color(*_ORANGE)
            self.set_font("DejaVu", "B", 9)
            self.cell(0, 5, self.synthetic_note, new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(2)

    def footer(self) -> None:
        if self.page_route is None:
            return
        self.set_y(-10)
        self.set_font("DejaVu", "", 7)
        codes = "; ".join(f"{c} = {t}" for c, t in legend(self.lang))
        self.cell(0, 4, f"{self.L['legend']}: {codes}", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 4, f"{self.courier_label(self.page_route)} - {self.L['page']} "
                        f"{self.page_no() - self.first_page + 1}", align="R")

    def courier_label(self, route: Route | None) -> str:
        """The courier (id and name) as printed in the header and footer (cut if absurdly long)."""
        return "" if route is None else clip(route.label, MAX_CHARS["courier"], self.lang)

    def wrap(self, text: str, width: float) -> tuple[str, ...]:
        """The lines fpdf2's ``multi_cell`` breaks ``text`` into in a cell ``width`` mm wide with the
        table's padding, in the current font.

        Most texts need no line breaking: when every piece between the hard line breaks is narrower
        than the cell (one string width each), those pieces are the lines; as ``multi_cell`` has it,
        a text ending in a line break has no empty last line, and an empty text is one empty line.
        Any other text goes through fpdf2's line breaking, once: the result is kept.
        """
        key = (text, width, self.font_family, self.font_style, self.font_size_pt)
        got = self._wrapped.get(key)
        if got is not None:
            return got
        room = width - 2 * _PADDING_MM - 0.001  # a piece within a micrometre of the edge: fpdf2's to judge
        pieces = text.split("\n")
        if len(pieces) > 1 and not pieces[-1]:
            pieces.pop()
        # \r is dropped and \f breaks a line; a piece broken at a space before a line break may end
        # in an empty line: such texts, and any piece wider than the cell, are fpdf2's to break.
        if "\r" in text or "\f" in text or any(p and self.get_string_width(p) > room for p in pieces):
            broken = self.multi_cell(width, _LINE_MM, text, padding=_PADDING_MM, dry_run=True,
                                     output=MethodReturnValue.LINES)
            out = broken if isinstance(broken, list) else [text]
        else:
            out = pieces
        got = self._wrapped[key] = tuple(out)
        return got

    def lines(self, text: str, column: str) -> int:
        """How many lines fpdf2 wraps ``text`` to in a table cell of ``column`` (current font).

        Measured at the nominal width of :data:`_WIDTHS`, a little narrower than the table draws
        the column (it stretches the columns to the page): a text is cut to fit a little short.
        """
        return len(self.wrap(text, _WIDTHS[column]))

    def fit(self, text: str, column: str) -> tuple[str, int]:
        """``text`` cut (with the mark) to the most lines its column allows, and its lines."""
        limit = _MAX_LINES[column]
        # No line holds more than a few hundred characters, so nothing beyond that needs measuring.
        cap = limit * 200
        n = self.lines(text, column) if len(text) <= cap else limit + 1
        if n <= limit:
            return text, n
        mark = cut_mark(self.lang)
        lo, hi = 0, min(len(text), cap)
        while lo < hi:  # the longest start of the text that fits together with the mark
            mid = (lo + hi + 1) // 2
            if self.lines(text[:mid] + mark, column) <= limit:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo] + mark, self.lines(text[:lo] + mark, column)

    def cut(self, text: str, column: str) -> str:
        """``text`` as :meth:`fit` cuts it, for a cell whose lines are not counted."""
        return text if self.fits_unmeasured(text, column) else self.fit(text, column)[0]

    def fits_unmeasured(self, text: str, column: str) -> bool:
        """Whether ``text`` fits its column's most lines whatever its words, so that :meth:`cut`
        leaves it as it is without wrapping it: greedy wrapping ends a line early only where the
        next word (or character) would not fit, so the lines of a piece between line breaks that is
        ``w`` wide in a cell with room ``r`` are fewer than ``2 w / r + 1``.
        """
        room = _WIDTHS[column] - 2 * _PADDING_MM
        pieces = text.count("\n") + 1
        return (len(text) <= 1000 and "\r" not in text and "\f" not in text
                and pieces + 2 * self.get_string_width(text) / room <= _MAX_LINES[column])

    def card_lines(self, card: Card) -> tuple[str, str, str, int]:
        """A card's name, masked NIK and phone, fitted, each padded to the lines the tallest takes.

        The padding keeps a NIK beside its name however the name wraps.
        """
        texts = (self.fit(card.nama + (f" ({self.L['urgent']})" if card.urgent else ""), "name"),
                 self.fit(mask(card.nik), "nik"), self.fit(card.telepon, "phone"))
        n = max(lines for _, lines in texts)
        name, nik, phone = (text + "\n" * (n - lines) for text, lines in texts)
        return name, nik, phone, n

    def household_rows(self, cards: Sequence[Card]) -> list[tuple[str, str, str]]:
        """Names, NIKs and phones of a stop's ``cards`` in rows of at most :data:`ROW_LINES` lines."""
        rows: list[tuple[str, str, str]] = []
        names: list[str] = []
        niks: list[str] = []
        phones: list[str] = []
        used = 0
        for card in cards:
            name, nik, phone, n = self.card_lines(card)
            if names and used + n > ROW_LINES:
                rows.append(("\n".join(names), "\n".join(niks), "\n".join(phones)))
                names, niks, phones, used = [], [], [], 0
            names.append(name)
            niks.append(nik)
            phones.append(phone)
            used += n
        rows.append(("\n".join(names), "\n".join(niks), "\n".join(phones)))
        return rows

    def text_cell(self, text: str, column: int, style: FontFace, span: int = 1) -> _Cell:
        """A cell holding ``text`` from ``column`` on, wrapped in the font of ``style``."""
        if not text:
            return _Cell(span=span)
        font = (self.font_family, self.font_style, self.font_size_pt)
        # set_font, not use_font_face: measuring draws nothing, not even the fill colour.
        self.set_font(style.family or font[0], font[1] if style.emphasis is None else style.emphasis.style,
                      style.size_pt or font[2])
        lines = self.wrap(text, self.span_width(column, span))
        self.set_font(*font)
        return _Cell(lines, span=span)

    def span_width(self, column: int, span: int = 1) -> float:
        """Width (mm) of ``span`` columns from ``column`` on, summed as fpdf2's table() sums them."""
        width = 0.0
        for w in self.col_widths[column:column + span]:
            width += w
        return width

    def row_height(self, cells: Sequence[_Cell]) -> float:
        """A row's height as fpdf2's table() sizes it: its tallest text or QR code with the padding,
        one line when it holds neither."""
        tallest = 0.0
        column = 0
        for cell in cells:
            if cell.qr:
                tallest = max(tallest, self.qr_height(cell.qr, column) + _PADDING_MM + _PADDING_MM + self.line_width)
            elif cell.lines:
                tallest = max(tallest, len(cell.lines) * _LINE_MM + _PADDING_MM + _PADDING_MM)
            column += cell.span
        return tallest or _LINE_MM

    def qr_width(self, column: int) -> float:
        """Width (mm) of a QR code filling ``column`` inside the padding and the frame."""
        return self.col_widths[column] - _PADDING_MM - _PADDING_MM - self.line_width

    def qr_height(self, text: str, column: int) -> float:
        """Height (mm) fpdf2 draws the QR code of ``text`` at in ``column``: the image scaled to the
        width and kept in proportion, in fpdf2's arithmetic (a row is sized before it is drawn)."""
        w = self.qr_width(column)
        px_w, px_h = qr_image(text).size
        h = w * px_h / px_w
        return h if h * (px_w / px_h) < w else w / (px_w / px_h)

    def row(self, cells: Sequence[_Cell], style: FontFace) -> _Row:
        """A row of ``cells`` (wrapped in ``style``'s font) drawn in ``style``, with its height."""
        return _Row(tuple(cells), style, self.row_height(cells))

    def draw_row(self, row: _Row) -> None:
        """Draw ``row`` at the current height: each cell framed (and filled, for headings), its QR
        code or its lines inside the padding, as fpdf2's table() draws a cell."""
        y = self.y
        column = 0
        for cell in row.cells:
            x = self.col_x[column]
            width = self.span_width(column, cell.span)
            self.set_x(x)
            _FRAME.draw_cell_border(self, x, y, x + width, y + row.height, fill_color=row.style.fill_color)
            if cell.qr:
                self.x += _PADDING_MM + self.line_width / 2
                self.y += _PADDING_MM + self.line_width / 2
                self.image(qr_image(cell.qr), w=self.qr_width(column), h=0, keep_aspect_ratio=True, link=cell.qr)
                self.set_xy(x, y)
            elif cell.lines:
                with self.use_font_face(row.style):
                    # The lines are drawn from the padding's edge, as multi_cell draws them: no
                    # cell margin of its own (restored before anything else is drawn).
                    margin, self.c_margin = self.c_margin, 0
                    self.x += _PADDING_MM
                    self.y += _PADDING_MM
                    for line in cell.lines:
                        self.cell(width - 2 * _PADDING_MM, _LINE_MM, line, new_x="LEFT", new_y="NEXT")
                    self.c_margin = margin
            self.set_y(y)
            column += cell.span
        self.ln(row.height)

    def break_page_for(self, height: float) -> bool:
        """Begin a new page when ``height`` mm no longer fit on this one (keeping the left edge)."""
        if not self.will_page_break(height):
            return False
        x = self.x
        self.add_page(same=True)
        self.x = x
        return True

    def stop_rows(self, route: Route, style: FontFace) -> list[_Row]:
        """The table's rows below the headings: a heading over each run of doors searched for in one
        desa or dusun, then each stop's rows (a big household on several)."""
        L = self.L
        boxes = "\n".join(" ".join(f"\u2610 {c}" for c, _ in legend(self.lang)[k:k + 3]) for k in (0, 3))
        searched = [b for b in blocks(route, self.lang) if b.heading]
        heading_at = {b.visits[0].seq: b.heading for b in searched}
        in_search = {v.seq for b in searched for v in b.visits}
        search_style = FontFace.combine(style, _SEARCH)
        assert search_style is not None
        rows: list[_Row] = []
        for v in route.visits:
            if v.seq in heading_at:
                heading = self.cut(heading_at[v.seq], "address")
                rows.append(self.row([self.text_cell(heading, 0, search_style, len(_COLUMNS))], search_style))
            for k, (names, niks, phones) in enumerate(self.household_rows(v.cards)):
                if k:  # the same household, continued: no second QR code or outcome boxes
                    texts = [str(v.seq), "", names, niks, f"({L['continued']} {L['no']} {v.seq})", "", "", phones,
                             "", "", ""]
                    rows.append(self.row([self.text_cell(t, j, style) for j, t in enumerate(texts)], style))
                    continue
                address = self.cut(v.cards[0].address, "address")
                if v.seq in in_search and rw_rt(v):
                    address = f"{rw_rt(v)}\n{address}"
                address += f"\n{v.snap_m} m {L['snap']}" if v.snap_m > self.plan.snap_warn_m else ""
                texts = [str(v.seq), format_clock(v.arrival_s), names, niks, address, str(len(v.cards)),
                         self.cut(precision_label(v, self.lang), "precision"), phones, "", boxes]
                cells = [self.text_cell(t, j, style) for j, t in enumerate(texts)]
                rows.append(self.row([*cells, _Cell(qr=navigation_url(v))], style))
        return rows

    def route_section(self, route: Route) -> None:
        self.route = route
        self.add_page()
        first = self.page_no()
        L = self.L
        self.set_font("DejaVu", "", 8)
        style = self.font_face()
        heads_style = FontFace.combine(style, _HEADINGS)
        assert heads_style is not None
        heads = (L["no"], L["eta"], L["name"], L["nik"], L["address"], L["n_cards"], L["precision"], L["phone"],
                 L["received"], L["outcome"], "QR")
        headings = self.row([self.text_cell(h, j, heads_style) for j, h in enumerate(heads)], heads_style)
        rows = self.stop_rows(route, style)
        # As fpdf2's table() does: the headings never stand alone at the foot of a page, and every
        # page a row breaks onto begins with them again. No row is taller than a page (ROW_LINES).
        if rows:
            self.break_page_for(headings.height + rows[0].height)
        for row in [headings, *rows]:
            if self.break_page_for(row.height) and row is not headings:
                self.draw_row(headings)
            self.draw_row(row)
        self.x = self.l_margin
        self.sign_off(route, first)

    def sign_off(self, route: Route, first: int) -> None:
        """The lines under a courier's table (back at the office, the signatures), and the pages
        of the courier's section, from ``first`` to this one."""
        L = self.L
        self.ln(4)
        self.set_font("DejaVu", "", 9)
        self.cell(90, 5, f"{L['return']}: {format_clock(route.end_s)}")
        self.cell(90, 5, f"{L['sign_courier']}: ....................")
        self.cell(0, 5, f"{L['sign_officer']}: ....................")
        self.spans.append((first, self.page_no()))


#: A sheet document made by :func:`prepare` while the solver ran, for the next drawing to take.
_PREPARED: list[_SheetPDF] = []


def prepare(preview: Preview) -> None:
    """What the sheets of ``preview``'s day need before its routes are known: a document with its
    fonts loaded, each household's address measured in the table's font, and each stop's QR code
    encoded (it depends on the stop's point alone); until ``preview.stop`` is set.

    The document is taken by the next :func:`route_pdfs` (or :func:`route_pdf`) of this process or
    of a copy forked from it; a later preparation replaces one not taken.
    """
    discard_prepared()
    sheet = _SheetPDF()
    _PREPARED.append(sheet)
    # Measured on a page of another document (fpdf2 breaks lines on a page): the sheet itself
    # stays as new. The lines depend on the fonts alone, which are the same.
    measure = _SheetPDF()
    measure.speak("id")  # a text cut in English too is only measured again: the lines are by text
    measure.add_page()
    measure.set_font("DejaVu", "", 8)
    style = measure.font_face()
    address = _COLUMNS.index("address")
    width = measure.span_width(address)
    for cards in preview.cards:
        if preview.stop.is_set():
            break
        # As the table has them: names, NIKs and phones, and the address, under its RW/RT where
        # the door is searched for.
        for names, niks, phones in measure.household_rows(cards):
            for text, column in ((names, "name"), (niks, "nik"), (phones, "phone")):
                measure.text_cell(text, _COLUMNS.index(column), style)
        text = cards[0].address
        if measure.fits_unmeasured(text, "address"):
            measure.wrap(text, width)
            if card_rw_rt(cards[0]):
                measure.wrap(f"{card_rw_rt(cards[0])}\n{text}", width)
    measure.discard()
    sheet._wrapped.update(measure._wrapped)
    for point in preview.points[:_QR_KEPT]:
        if preview.stop.is_set():
            return
        qr_modules(navigation_url_at(point))


def discard_prepared() -> None:
    """Forget the document :func:`prepare` made, if no drawing took it (a process that forked the
    drawing of the sheets keeps a copy the drawing never takes)."""
    while _PREPARED:
        _PREPARED.pop().discard()


def _sheet(plan: Plan, lang: str, synthetic_note: str) -> _SheetPDF:
    """The prepared document given ``plan`` (:func:`prepare`), or a new one."""
    try:
        sheet = _PREPARED.pop()  # one step: two drawings of one process never take the same document
    except IndexError:
        return _SheetPDF(plan, lang, synthetic_note)
    sheet.begin(plan, lang, synthetic_note)
    return sheet


def route_pdf(plan: Plan, routes: list[Route], lang: str = "id", synthetic_note: str = "") -> bytes:
    """A PDF with one section per route (each starts on a new page)."""
    pdf = _sheet(plan, lang, synthetic_note)
    for r in routes:
        pdf.route_section(r)
    return bytes(pdf.output())


def route_pdfs(plan: Plan, routes: list[Route], lang: str = "id",
               synthetic_note: str = "") -> tuple[list[bytes], bytes]:
    """Each route's PDF, and one PDF of them all, drawn once.

    The whole day is laid out in one document (``all.pdf``) and each courier's pages are copied out
    of it (pypdf): laying out the tables and loading the fonts are most of the drawing time, so
    drawing every courier twice, once alone and once in the whole day, doubled it.
    """
    pdf = _sheet(plan, lang, synthetic_note)
    for r in routes:
        pdf.route_section(r)
    whole = bytes(pdf.output())
    reader = PdfReader(io.BytesIO(whole))
    parts = []
    for first, last in pdf.spans:
        writer = PdfWriter()
        for k in range(first - 1, last):
            writer.add_page(reader.pages[k])
        writer.add_metadata({"/Title": LABELS[lang]["title"], "/Creator": "ektp-route"})
        buf = io.BytesIO()
        writer.write(buf)
        parts.append(buf.getvalue())
    return parts, whole
