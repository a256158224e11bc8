"""A4 route sheets as PDF (fpdf2), one per courier and one for the whole day.

Each stop carries a QR code that opens navigation on the courier's phone. The code holds only
coordinates (a Google Maps link with ``travelmode=two-wheeler``), never a name or a NIK. Long
routes flow onto more pages; the header and the table headings repeat on every page. Fonts are
the DejaVu faces that matplotlib ships, so names with any Latin letters print on a fresh machine
without system fonts.
"""

from __future__ import annotations

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
from routing.sheets import LABELS, PRECISION_LABELS, km, long_date

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


def _qr_png(text: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=4, border=1)
    buf.seek(0)
    return buf


class _SheetPDF(FPDF):
    """FPDF with a header that repeats the current courier's details on every page."""

    def __init__(self, plan: Plan, lang: str, synthetic_note: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.plan, self.lang, self.L = plan, lang, LABELS[lang]
        self.synthetic_note = synthetic_note
        self.route: Route | None = None
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
        L = self.L
        self.set_font("DejaVu", "B", 13)
        self.cell(120, 6, L["title"])
        self.set_font("DejaVu", "", 9)
        self.cell(0, 6, f"{L['courier']}: {r.courier_id}    {L['date']}: {long_date(self.plan.date, self.lang)}",
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
        if self.route is None:
            return
        self.set_y(-10)
        self.set_font("DejaVu", "", 7)
        codes = "; ".join(f"{c} = {t}" for c, t in legend(self.lang))
        self.cell(0, 4, f"{self.L['legend']}: {codes}", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 4, f"{self.route.courier_id} - {self.L['page']} {self.page_no()}", align="R")

    def route_section(self, route: Route) -> None:
        self.route = route
        self.add_page()
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
            for v in route.visits:
                row = table.row()
                row.cell(str(v.seq))
                row.cell(format_clock(v.arrival_s))
                names = "\n".join(c.nama + (f" ({L['urgent']})" if c.urgent else "") for c in v.cards)
                row.cell(names)
                row.cell("\n".join(mask(c.nik) for c in v.cards))
                address = v.cards[0].address + (f"\n{v.snap_m} m {L['snap']}" if v.snap_m > 150 else "")
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


def route_pdf(plan: Plan, routes: list[Route], lang: str = "id", synthetic_note: str = "") -> bytes:
    """A PDF with one section per route (each starts on a new page)."""
    pdf = _SheetPDF(plan, lang, synthetic_note)
    for r in routes:
        pdf.route_section(r)
    return bytes(pdf.output())
