"""Printable route sheets (HTML, A4) in Bahasa Indonesia, or English with ``lang="en"``.

Names and addresses come from the office's export, so every value is escaped (Jinja2
autoescape). NIKs are printed masked; the full NIK never appears on a sheet.
"""

from __future__ import annotations

import datetime as dt

from jinja2 import Environment, select_autoescape

from routing.clock import format_clock
from routing.nik import mask
from routing.outcomes import legend
from routing.plan import Plan, Route

LABELS = {
    "id": {
        "title": "Lembar Rute Pengantaran e-KTP", "office": "Dispendukcapil Kabupaten Jombang",
        "date": "Tanggal", "courier": "Kurir", "shift": "Jam kerja", "stops": "Alamat", "cards": "Kartu",
        "km": "Jarak", "finish": "Perkiraan selesai", "no": "No.", "eta": "Tiba", "name": "Nama",
        "nik": "NIK", "address": "Alamat", "n_cards": "Kartu", "precision": "Lokasi", "phone": "Telepon",
        "received": "Diterima oleh / Paraf", "outcome": "Hasil (centang)", "urgent": "PENTING",
        "depart": "Berangkat dari kantor", "return": "Kembali ke kantor",
        "legend": "Kode hasil", "page": "Halaman", "sign_courier": "Tanda tangan kurir",
        "sign_officer": "Petugas dispatch", "snap": "dari jalan",
    },
    "en": {
        "title": "e-KTP Delivery Route Sheet", "office": "Dispendukcapil Kabupaten Jombang",
        "date": "Date", "courier": "Courier", "shift": "Shift", "stops": "Stops", "cards": "Cards",
        "km": "Distance", "finish": "Estimated finish", "no": "No.", "eta": "ETA", "name": "Name",
        "nik": "NIK", "address": "Address", "n_cards": "Cards", "precision": "Location", "phone": "Phone",
        "received": "Received by / Initials", "outcome": "Outcome (tick)", "urgent": "URGENT",
        "depart": "Leave the office", "return": "Back at the office",
        "legend": "Outcome codes", "page": "Page", "sign_courier": "Courier's signature",
        "sign_officer": "Dispatch officer", "snap": "from the road",
    },
}

PRECISION_LABELS = {
    "id": {"coordinates": "titik", "confirmed": "terkonfirmasi", "dusun": "dusun (tanya warga)",
           "desa": "desa (tanya warga)", "online": "online"},
    "en": {"coordinates": "point", "confirmed": "confirmed", "dusun": "hamlet (ask around)",
           "desa": "village (ask around)", "online": "online"},
}

_DAYS = {"id": ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"],
         "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}
_MONTHS = {"id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                  "Oktober", "November", "Desember"],
           "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]}


def long_date(day: dt.date, lang: str = "id") -> str:
    """``Senin, 30 November 2026``."""
    return f"{_DAYS[lang][day.weekday()]}, {day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def km(metres: int) -> str:
    """Metres as kilometres with one decimal, in the sheet's language (decimal comma in Indonesian)."""
    return f"{metres / 1000:.1f}"


_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ L.title }} - {{ route.courier_id }} - {{ date_iso }}</title>
<style>
@page { size: A4 landscape; margin: 10mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; margin: 0; color: #000; }
header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 2px solid #000; }
h1 { font-size: 14pt; margin: 0 0 2mm 0; }
.meta td { padding: 0 4mm 0 0; }
.synthetic { border: 2px dashed #b00; color: #b00; padding: 1mm 2mm; font-weight: bold; margin: 2mm 0; }
table.stops { width: 100%; border-collapse: collapse; margin-top: 3mm; }
table.stops th, table.stops td { border: 1px solid #444; padding: 1.2mm; vertical-align: top; }
table.stops thead { display: table-header-group; background: #eee; }
table.stops tr { page-break-inside: avoid; }
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
  <tr><td>{{ L.date }}</td><td><b>{{ date_long }}</b></td><td>{{ L.courier }}</td><td><b>{{ route.courier_id }}</b></td></tr>
  <tr><td>{{ L.shift }}</td><td>{{ route.shift.label() }}</td><td>{{ L.stops }} / {{ L.cards }}</td><td>{{ route.visits|length }} / {{ route.n_cards }}</td></tr>
  <tr><td>{{ L.depart }}</td><td>{{ clock(route.start_s) }}</td><td>{{ L.finish }}</td><td><b>{{ clock(route.end_s) }}</b></td></tr>
  <tr><td>{{ L.km }}</td><td>{{ km(route.distance_m) }} km</td><td></td><td></td></tr>
 </table>
</header>
{% if synthetic %}<div class="synthetic">{{ synthetic_note }}</div>{% endif %}
<table class="stops">
<thead><tr><th>{{ L.no }}</th><th>{{ L.eta }}</th><th>{{ L.name }}</th><th>{{ L.nik }}</th><th>{{ L.address }}</th>
<th>{{ L.n_cards }}</th><th>{{ L.precision }}</th><th>{{ L.phone }}</th><th class="sign">{{ L.received }}</th><th>{{ L.outcome }}</th></tr></thead>
<tbody>
{% for v in route.visits %}
<tr>
 <td><b>{{ v.seq }}</b></td>
 <td>{{ clock(v.arrival_s) }}</td>
 <td>{% for c in v.cards %}<div{% if c.urgent %} class="urgent"{% endif %}>{{ c.nama }}{% if c.urgent %} ({{ L.urgent }}){% endif %}</div>{% endfor %}</td>
 <td>{% for c in v.cards %}<div>{{ mask(c.nik) }}</div>{% endfor %}</td>
 <td>{{ v.cards[0].address }}{% if v.snap_m > 150 %}<div class="small">{{ v.snap_m }} m {{ L.snap }}</div>{% endif %}</td>
 <td>{{ v.cards|length }}</td>
 <td>{{ P[v.precision] }}</td>
 <td>{% for c in v.cards if c.telepon %}<div>{{ c.telepon }}</div>{% endfor %}</td>
 <td class="sign"></td>
 <td class="codes">{% for code, text in codes %}<span><span class="box"></span>{{ code }}</span> {% endfor %}</td>
</tr>
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
        lang=lang, L={**LABELS[lang], "office": plan.office_name}, P=PRECISION_LABELS[lang], codes=legend(lang),
        route=route,
        date_iso=plan.date.isoformat(), date_long=long_date(plan.date, lang), clock=format_clock, km=km,
        mask=mask, synthetic=plan.synthetic, synthetic_note=synthetic_note)
