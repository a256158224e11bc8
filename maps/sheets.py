"""Printable route sheets (HTML, A4) in Bahasa Indonesia, or English with ``lang="en"``.

Names and addresses come from the office's export, so every value is escaped (Jinja2
autoescape). NIKs are printed masked; the full NIK never appears on a sheet.

A pesantren or a panti asuhan is one address with fifty or more cards, and an export may hold a
60 KB address: a household is drawn over several rows (:func:`household_parts`) that may fall on
different pages, and long text is cut with a visible mark (:func:`clip`). The full text stays in
``plan.json`` and ``routes.csv``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jinja2 import Environment, select_autoescape

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
    c = v.cards[0]
    return f"RW {c.rw.strip() or '-'} / RT {c.rt.strip() or '-'}" if c.rw.strip() or c.rt.strip() else ""


_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ L.title }} - {{ clip(route.courier_id, C.courier) }} - {{ date_iso }}</title>
<style>
@page { size: A4 landscape; margin: 10mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; margin: 0; color: #000; }
header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 2px solid #000; }
h1 { font-size: 14pt; margin: 0 0 2mm 0; }
.meta td { padding: 0 4mm 0 0; }
.synthetic { border: 2px dashed #b00; color: #b00; padding: 1mm 2mm; font-weight: bold; margin: 2mm 0; }
table.stops { width: 100%; border-collapse: collapse; margin-top: 3mm; table-layout: fixed; }
table.stops th, table.stops td { border: 1px solid #444; padding: 1.2mm; vertical-align: top;
  overflow-wrap: break-word; }
table.stops thead { display: table-header-group; background: #eee; }
table.stops tr { page-break-inside: avoid; }
tr.search td { background: #f4f4f4; font-weight: bold; }
.urgent { font-weight: bold; color: #b00; }
.sign { min-width: 40mm; }
.codes span { white-space: nowrap; margin-right: 2mm; }
.box { display: inline-block; width: 3mm; height: 3mm; border: 1px solid #000; margin-right: 1mm; }
footer { margin-top: 4mm; display: flex; gap: 30mm; }
.small { font-size: 8pt; color: #333; }
@media screen { body { margin: 8px; } }
</style></head>
<body>
<header>
 <div><h1>{{ L.title }}</h1><div>{{ L.office }}</div></div>
 <table class="meta">
  <tr><td>{{ L.date }}</td><td><b>{{ date_long }}</b></td><td>{{ L.courier }}</td><td><b>{{ clip(route.label, C.courier) }}</b></td></tr>
  <tr><td>{{ L.shift }}</td><td>{{ route.shift.label() }}</td><td>{{ L.stops }} / {{ L.cards }}</td><td>{{ route.visits|length }} / {{ route.n_cards }}</td></tr>
  <tr><td>{{ L.depart }}</td><td>{{ clock(route.start_s) }}</td><td>{{ L.finish }}</td><td><b>{{ clock(route.end_s) }}</b></td></tr>
  <tr><td>{{ L.km }}</td><td>{{ km(route.distance_m) }} km</td><td></td><td></td></tr>
 </table>
</header>
{% if synthetic %}<div class="synthetic">{{ synthetic_note }}</div>{% endif %}
<table class="stops">
<colgroup>{% for w in col_widths %}<col style="width: {{ w }}%">{% endfor %}</colgroup>
<thead><tr><th>{{ L.no }}</th><th>{{ L.eta }}</th><th>{{ L.name }}</th><th>{{ L.nik }}</th><th>{{ L.address }}</th>
<th>{{ L.n_cards }}</th><th>{{ L.precision }}</th><th>{{ L.phone }}</th><th class="sign">{{ L.received }}</th><th>{{ L.outcome }}</th></tr></thead>
<tbody>
{% for b in blocks %}
{% if b.heading %}<tr class="search"><td colspan="10">{{ clip(b.heading, C.address) }}</td></tr>{% endif %}
{% for v in b.visits %}{% for part in parts(v.cards) %}
{% if loop.first %}<tr>
 <td><b>{{ v.seq }}</b></td>
 <td>{{ clock(v.arrival_s) }}</td>
{% else %}<tr class="continued">
 <td><b>{{ v.seq }}</b></td>
 <td></td>
{% endif %}
 <td>{% for c in part %}<div{% if c.urgent %} class="urgent"{% endif %}>{{ clip(c.nama, C.name) }}{% if c.urgent %} ({{ L.urgent }}){% endif %}</div>{% endfor %}</td>
 <td>{% for c in part %}<div>{{ clip(mask(c.nik), C.nik) }}</div>{% endfor %}</td>
{% if loop.first %}
 <td>{% if b.heading and rw_rt(v) %}<div><b>{{ rw_rt(v) }}</b></div>{% endif %}{{ clip(v.cards[0].address, C.address) }}{% if v.snap_m > 150 %}<div class="small">{{ v.snap_m }} m {{ L.snap }}</div>{% endif %}</td>
 <td>{{ v.cards|length }}</td>
 <td>{{ precision(v) }}</td>
{% else %}
 <td class="small">({{ L.continued }} {{ L.no }} {{ v.seq }})</td><td></td><td></td>
{% endif %}
 <td>{% for c in part if c.telepon %}<div>{{ clip(c.telepon, C.phone) }}</div>{% endfor %}</td>
{% if loop.first %}
 <td class="sign"></td>
 <td class="codes">{% for code, text in codes %}<span><span class="box"></span>{{ code }}</span> {% endfor %}</td>
{% else %}
 <td class="sign"></td><td></td>
{% endif %}
</tr>
{% endfor %}{% endfor %}
{% endfor %}
</tbody></table>
<p class="small">{{ L.legend }}: {% for code, text in codes %}{{ code }} = {{ text }}{% if not loop.last %}; {% endif %}{% endfor %}.
{{ L.return }}: {{ clock(route.end_s) }}.</p>
<footer><div>{{ L.sign_courier }}<br><br><br>(........................)</div>
<div>{{ L.sign_officer }}<br><br><br>(........................)</div></footer>
</body></html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_SHEET = _ENV.from_string(_TEMPLATE)


def render_sheet(plan: Plan, route: Route, lang: str = "id", synthetic_note: str = "") -> str:
    """One courier's route sheet as a standalone HTML page."""
    if lang not in LABELS:
        raise ValueError(f"language {lang!r} not available; choose from {sorted(LABELS)}")
    return _SHEET.render(
        lang=lang, L={**LABELS[lang], "office": plan.office_name}, codes=legend(lang), route=route,
        date_iso=plan.date.isoformat(), date_long=long_date(plan.date, lang), clock=format_clock, km=km,
        mask=mask, synthetic=plan.synthetic, synthetic_note=synthetic_note, C=MAX_CHARS, col_widths=COLUMN_PERCENT,
        clip=lambda text, limit: clip(text, limit, lang), parts=household_parts, blocks=blocks(route, lang), rw_rt=rw_rt,
        precision=lambda v: precision_label(v, lang))
