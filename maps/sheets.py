"""Printable route sheets (HTML, A4) in Bahasa Indonesia, or English with ``lang="en"``.

Names and addresses come from the office's export, so every value is escaped (Jinja2
autoescape). NIKs are printed masked; the full NIK never appears on a sheet.

A pesantren or a panti asuhan is one address with fifty or more cards, and an export may hold a
60 KB address: a household is drawn over several rows (:func:`household_parts`) that may fall on
different pages, and long text is cut with a visible mark (:func:`clip`). The full text stays in
``plan.json`` and ``routes.csv``.

The page itself is the Jinja2 template ``maps/templates/sheet.html.j2``; this module gives it the
words (:data:`LABELS`) and the values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jinja2 import Environment, select_autoescape

from maps.assets import asset
from routing.clock import format_clock
from routing.households import normalise_name
from routing.nik import mask
from routing.outcomes import legend
from routing.plan import Card, Plan, Route, Visit

LABELS = {
    "id": {
        "title": "Lembar Rute Pengantaran e-KTP",
        "date": "Tanggal", "courier": "Kurir", "shift": "Jam kerja", "stops": "Alamat", "cards": "Kartu",
        "km": "Jarak", "finish": "Perkiraan selesai", "no": "No.", "eta": "Tiba", "name": "Nama",
        "nik": "NIK", "address": "Alamat", "n_cards": "Kartu", "precision": "Lokasi", "phone": "Telepon",
        "received": "Diterima oleh / Paraf", "outcome": "Hasil (centang)", "urgent": "PENTING",
        "depart": "Berangkat dari kantor", "return": "Kembali ke kantor",
        "legend": "Kode hasil", "page": "Halaman", "sign_courier": "Tanda tangan kurir",
        "sign_officer": "Petugas dispatch", "snap": "dari jalan", "cut": "dipotong", "continued": "lanjutan",
        "search_desa": "Cari di Desa {desa}", "search_dusun": "Cari di Dusun {dusun}, Desa {desa}",
        "search_kec": "Kec. {kecamatan}", "search_hint": "tanya warga; urut RW/RT",
    },
    "en": {
        "title": "e-KTP Delivery Route Sheet",
        "date": "Date", "courier": "Courier", "shift": "Shift", "stops": "Stops", "cards": "Cards",
        "km": "Distance", "finish": "Estimated finish", "no": "No.", "eta": "ETA", "name": "Name",
        "nik": "NIK", "address": "Address", "n_cards": "Cards", "precision": "Location", "phone": "Phone",
        "received": "Received by / Initials", "outcome": "Outcome (tick)", "urgent": "URGENT",
        "depart": "Leave the office", "return": "Back at the office",
        "legend": "Outcome codes", "page": "Page", "sign_courier": "Courier's signature",
        "sign_officer": "Dispatch officer", "snap": "from the road", "cut": "cut", "continued": "continued",
        "search_desa": "Search in Desa {desa}", "search_dusun": "Search in Dusun {dusun}, Desa {desa}",
        "search_kec": "Kec. {kecamatan}", "search_hint": "ask around; in RW/RT order",
    },
}

PRECISION_LABELS = {
    "id": {"coordinates": "titik", "gps": "gps (diantar sebelumnya)", "confirmed": "terkonfirmasi",
           "dusun": "dusun (tanya warga)", "desa": "desa (tanya warga)", "online": "online"},
    "en": {"coordinates": "point", "gps": "gps (delivered before)", "confirmed": "confirmed",
           "dusun": "hamlet (ask around)", "desa": "village (ask around)", "online": "online"},
}

_DAYS = {"id": ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"],
         "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}
_MONTHS = {"id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                  "Oktober", "November", "Desember"],
           "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]}


#: Longest text printed in one cell of a route sheet, in characters (HTML; the PDF measures lines).
MAX_CHARS = {"name": 200, "nik": 32, "address": 400, "phone": 100, "courier": 100}
#: Column widths of the stops table in per cent. The layout is fixed, so a long unbroken address
#: wraps inside its column instead of squeezing the others; the NIK column fits a masked NIK.
COLUMN_PERCENT = (4, 5.5, 14, 14, 16.5, 5.5, 9, 10.5, 11, 10)
#: Cards of one household per table row on the HTML sheet; a bigger household continues on further rows.
CARDS_PER_ROW = 20


def cut_mark(lang: str) -> str:
    """What ends a text that was cut: ``…[dipotong]``."""
    return f"\u2026[{LABELS[lang]['cut']}]"


def clip(text: str, limit: int, lang: str = "id") -> str:
    """``text`` if it has at most ``limit`` characters, else its start and :func:`cut_mark`.

    >>> clip("Jl. Melati No. 1", 8)
    'Jl. Mela…[dipotong]'
    """
    return text if len(text) <= limit else text[:limit] + cut_mark(lang)


def household_parts(cards: tuple[Card, ...], size: int = CARDS_PER_ROW) -> list[tuple[Card, ...]]:
    """The cards of one stop in table rows of at most ``size`` (a pesantren fills several rows)."""
    return [cards[k:k + size] for k in range(0, len(cards), size)] or [()]


def precision_label(visit: Visit, lang: str) -> str:
    """The sheet's word for how the stop was located (an unknown value from an edited plan prints as is)."""
    return PRECISION_LABELS[lang].get(visit.precision, visit.precision)


def long_date(day: dt.date, lang: str = "id") -> str:
    """``Senin, 30 November 2026``."""
    return f"{_DAYS[lang][day.weekday()]}, {day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def km(metres: int) -> str:
    """Metres as kilometres with one decimal, in the sheet's language (decimal comma in Indonesian)."""
    return f"{metres / 1000:.1f}"


@dataclass(frozen=True, slots=True)
class Block:
    """Consecutive visits of a sheet: doors searched for in one desa or dusun (``heading`` says
    where), or located doors (``heading`` empty)."""

    heading: str
    visits: tuple[Visit, ...]


def _search_place(v: Visit) -> tuple[str, str, str] | None:
    if v.precision not in ("desa", "dusun"):
        return None
    c = v.cards[0]
    return v.precision, normalise_name(c.desa), normalise_name(c.dusun) if v.precision == "dusun" else ""


def blocks(route: Route, lang: str = "id") -> list[Block]:
    """The route's visits in riding order, runs of households located only by desa or dusun under a
    heading such as ``Cari di Desa Jabon (Kec. Jombang) - tanya warga; urut RW/RT``."""
    L = LABELS[lang]
    out: list[Block] = []
    run: list[Visit] = []
    for v in route.visits + (None,):
        if run and (v is None or _search_place(v) != _search_place(run[0])):
            heading = ""
            if _search_place(run[0]) is not None:
                c = run[0].cards[0]
                heading = L[f"search_{run[0].precision}"].format(desa=c.desa.strip(), dusun=c.dusun.strip())
                if c.kecamatan.strip():
                    heading += " (" + L["search_kec"].format(kecamatan=c.kecamatan.strip()) + ")"
                heading += " - " + L["search_hint"]
            out.append(Block(heading, tuple(run)))
            run = []
        if v is not None:
            run.append(v)
    return out


def rw_rt(v: Visit) -> str:
    """``RW 005 / RT 002`` of a visit's household, or empty when the address has neither."""
    return card_rw_rt(v.cards[0])


def card_rw_rt(c: Card) -> str:
    """``RW 005 / RT 002`` of a card's address, or empty when it has neither."""
    return f"RW {c.rw.strip() or '-'} / RT {c.rt.strip() or '-'}" if c.rw.strip() or c.rt.strip() else ""


_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_SHEET = _ENV.from_string(asset("templates/sheet.html.j2"))


def render_sheet(plan: Plan, route: Route, lang: str = "id", synthetic_note: str = "") -> str:
    """One courier's route sheet as a standalone HTML page."""
    if lang not in LABELS:
        raise ValueError(f"language {lang!r} not available; choose from {sorted(LABELS)}")
    return _SHEET.render(
        lang=lang, L={**LABELS[lang], "office": plan.office_name}, codes=legend(lang), route=route,
        date_iso=plan.date.isoformat(), date_long=long_date(plan.date, lang), clock=format_clock, km=km,
        mask=mask, synthetic=plan.synthetic, synthetic_note=synthetic_note, C=MAX_CHARS, col_widths=COLUMN_PERCENT,
        clip=lambda text, limit: clip(text, limit, lang), parts=household_parts, blocks=blocks(route, lang),
        rw_rt=rw_rt, precision=lambda v: precision_label(v, lang), snap_warn_m=plan.snap_warn_m)
