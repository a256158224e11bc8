"""A4 route sheets as PDF (fpdf2), one per courier and one for the whole day.

Each stop carries a QR code that opens navigation on the courier's phone. The code holds only
coordinates (a Google Maps link with ``travelmode=two-wheeler``), never a name or a NIK. Long
routes flow onto more pages; the header and the table headings repeat on every page. Fonts are
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
from fpdf.fonts import FontFace

from routing.clock import format_clock
from routing.nik import mask
from routing.plan import Plan, Route, Visit
from routing.outcomes import legend
from routing.sheets import LABELS, PRECISION_LABELS, blocks, km, long_date, rw_rt

_ORANGE = (176, 0, 0)


def _font_dir() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib (which ships the DejaVu fonts) is not installed")
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


def navigation_url(visit: Visit) -> str:
    """Link that opens motorbike navigation to the stop: coordinates only."""
    return (f"https://www.google.com/maps/dir/?api=1&destination={visit.point.lat:.6f},{visit.point.lon:.6f}"
            f"&travelmode=two-wheeler")


@functools.lru_cache(maxsize=4096)
def _qr_png_bytes(text: str) -> bytes:
    # Cached: all.pdf draws every stop's code again after the courier's own PDF did, and choosing
    # the QR mask is most of a sheet's drawing time.
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
        self.cell(0, 6, f"{L['courier']}: {r.courier_id}    {L['date']}: {long_date(self.plan.date, self.lang)}",
                  align="R", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 5, L["office"], new_x="LMARGIN", new_y="NEXT")
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
        self.cell(0, 4, f"{self.page_route.courier_id} - {self.L['page']} {self.page_no() - self.first_page + 1}",
                  align="R")

    def route_section(self, route: Route) -> None:
        self.route = route
        self.add_page()
        first = self.page_no()
        L, P = self.L, PRECISION_LABELS[self.lang]
        widths = (8, 11, 40, 28, 58, 11, 18, 24, 30, 33, 16)
        heads = (L["no"], L["eta"], L["name"], L["nik"], L["address"], L["n_cards"], L["precision"], L["phone"],
                 L["received"], L["outcome"], "QR")
        boxes = "\n".join(" ".join(f"\u2610 {c}" for c, _ in legend(self.lang)[k:k + 3]) for k in (0, 3))
        self.set_font("DejaVu", "", 8)
        with self.table(col_widths=widths, line_height=4, padding=1, first_row_as_headings=True,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
                        repeat_headings=1, v_align="TOP", text_align="LEFT") as table:
            table.row(heads)
            searched = [b for b in blocks(route, self.lang) if b.heading]
            heading_at = {b.visits[0].seq: b.heading for b in searched}
            in_search = {v.seq for b in searched for v in b.visits}
            for v in route.visits:
                if v.seq in heading_at:
                    table.row().cell(heading_at[v.seq], colspan=len(heads),
                                     style=FontFace(emphasis="BOLD", fill_color=(244, 244, 244)))
                row = table.row()
                row.cell(str(v.seq))
                row.cell(format_clock(v.arrival_s))
                names = "\n".join(c.nama + (f" ({L['urgent']})" if c.urgent else "") for c in v.cards)
                row.cell(names)
                row.cell("\n".join(mask(c.nik) for c in v.cards))
                address = v.cards[0].address + (f"\n{v.snap_m} m {L['snap']}" if v.snap_m > 150 else "")
                if v.seq in in_search and rw_rt(v):
                    address = f"{rw_rt(v)}\n{address}"
                row.cell(address)
                row.cell(str(len(v.cards)))
                row.cell(P[v.precision])
                row.cell("\n".join(c.telepon for c in v.cards if c.telepon))
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
