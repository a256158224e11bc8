"""A4 route sheets as PDF (fpdf2), one per courier and one for the whole day.

Each stop carries a QR code that opens navigation on the courier's phone. The code holds only
coordinates (a Google Maps link with ``travelmode=two-wheeler``), never a name or a NIK. Long
routes flow onto more pages; the header and the table headings repeat on every page. A table
row never grows past :data:`ROW_LINES` lines, so it always fits on a page: each text is measured
as fpdf2 will wrap it and cut with a mark when it is too long, and a big household (a pesantren)
continues on further rows, which may fall on the next page. Fonts are
the DejaVu faces that matplotlib ships, so names with any Latin letters print on a fresh machine
without system fonts.
"""

from __future__ import annotations

import functools
import importlib.util
import io
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.fonts import FontFace

from maps.navigation import navigation_url
from maps.sheets import (
    LABELS,
    MAX_CHARS,
    blocks,
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
from routing.plan import Card, Plan, Route, Visit

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


@functools.lru_cache(maxsize=4096)
def _qr_png_bytes(text: str) -> bytes:
    # Cached: choosing the QR mask is much of a sheet's drawing time, and a stop's code is the same
    # wherever it is drawn.
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=4, border=1)
    return buf.getvalue()


def _qr_png(text: str) -> io.BytesIO:
    return io.BytesIO(_qr_png_bytes(text))


class _SheetPDF(FPDF):
    """FPDF with a header that repeats the current courier's details on every page."""

    def __init__(self, plan: Plan, lang: str, synthetic_note: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.plan, self.lang, self.L = plan, lang, LABELS[lang]
        self.synthetic_note = synthetic_note
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
        self.set_title(self.L["title"])
        self.set_creator("ektp-route")

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

    def lines(self, text: str, column: str) -> int:
        """How many lines fpdf2 wraps ``text`` to in a table cell of ``column`` (current font)."""
        if not text:
            return 1
        if "\n" not in text and self.get_string_width(text) < _WIDTHS[column] - 2 * _PADDING_MM - 0.5:
            return 1  # most texts: no need for a dry run of the wrapping
        wrapped = self.multi_cell(_WIDTHS[column], _LINE_MM, text, padding=_PADDING_MM, dry_run=True,
                                  output=MethodReturnValue.LINES)
        return max(1, len(wrapped) if isinstance(wrapped, list) else 1)

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

    def card_lines(self, card: Card) -> tuple[str, str, str, int]:
        """A card's name, masked NIK and phone, fitted, each padded to the lines the tallest takes.

        The padding keeps a NIK beside its name however the name wraps.
        """
        texts = (self.fit(card.nama + (f" ({self.L['urgent']})" if card.urgent else ""), "name"),
                 self.fit(mask(card.nik), "nik"), self.fit(card.telepon, "phone"))
        n = max(lines for _, lines in texts)
        name, nik, phone = (text + "\n" * (n - lines) for text, lines in texts)
        return name, nik, phone, n

    def household_rows(self, visit: Visit) -> list[tuple[str, str, str]]:
        """Names, NIKs and phones of a stop in rows of at most :data:`ROW_LINES` lines."""
        rows: list[tuple[str, str, str]] = []
        names: list[str] = []
        niks: list[str] = []
        phones: list[str] = []
        used = 0
        for card in visit.cards:
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

    def route_section(self, route: Route) -> None:
        self.route = route
        self.add_page()
        first = self.page_no()
        L = self.L
        heads = (L["no"], L["eta"], L["name"], L["nik"], L["address"], L["n_cards"], L["precision"], L["phone"],
                 L["received"], L["outcome"], "QR")
        boxes = "\n".join(" ".join(f"\u2610 {c}" for c, _ in legend(self.lang)[k:k + 3]) for k in (0, 3))
        self.set_font("DejaVu", "", 8)
        with self.table(col_widths=tuple(_WIDTHS.values()), line_height=_LINE_MM, padding=_PADDING_MM,
                        first_row_as_headings=True,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
                        repeat_headings=1, v_align="TOP", text_align="LEFT") as table:
            table.row(heads)
            searched = [b for b in blocks(route, self.lang) if b.heading]
            heading_at = {b.visits[0].seq: b.heading for b in searched}
            in_search = {v.seq for b in searched for v in b.visits}
            for v in route.visits:
                if v.seq in heading_at:
                    table.row().cell(self.fit(heading_at[v.seq], "address")[0], colspan=len(heads),
                                     style=FontFace(emphasis="BOLD", fill_color=(244, 244, 244)))
                for k, (names, niks, phones) in enumerate(self.household_rows(v)):
                    row = table.row()
                    if k:  # the same household, continued: no second QR code or outcome boxes
                        row.cell(str(v.seq))
                        row.cell("")
                        row.cell(names)
                        row.cell(niks)
                        row.cell(f"({L['continued']} {L['no']} {v.seq})")
                        row.cell("")
                        row.cell("")
                        row.cell(phones)
                        row.cell("")
                        row.cell("")
                        row.cell("")
                        continue
                    row.cell(str(v.seq))
                    row.cell(format_clock(v.arrival_s))
                    row.cell(names)
                    row.cell(niks)
                    address, _ = self.fit(v.cards[0].address, "address")
                    if v.seq in in_search and rw_rt(v):
                        address = f"{rw_rt(v)}\n{address}"
                    row.cell(address + (f"\n{v.snap_m} m {L['snap']}" if v.snap_m > self.plan.snap_warn_m else ""))
                    row.cell(str(len(v.cards)))
                    row.cell(self.fit(precision_label(v, self.lang), "precision")[0])
                    row.cell(phones)
                    row.cell("")
                    row.cell(boxes)
                    row.cell(img=_qr_png(navigation_url(v)), img_fill_width=True, link=navigation_url(v))
        self.ln(4)
        self.set_font("DejaVu", "", 9)
        self.cell(90, 5, f"{L['return']}: {format_clock(route.end_s)}")
        self.cell(90, 5, f"{L['sign_courier']}: ....................")
        self.cell(0, 5, f"{L['sign_officer']}: ....................")
        self.spans.append((first, self.page_no()))


def route_pdf(plan: Plan, routes: list[Route], lang: str = "id", synthetic_note: str = "") -> bytes:
    """A PDF with one section per route (each starts on a new page)."""
    pdf = _SheetPDF(plan, lang, synthetic_note)
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
    from pypdf import PdfReader, PdfWriter

    pdf = _SheetPDF(plan, lang, synthetic_note)
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
