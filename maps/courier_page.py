"""The courier's offline page: one HTML file per courier (``kurir/K01.html``) for the phone.

It opens from the phone's files, a WhatsApp download or the office's shared folder and works
with no connection (Leaflet inlined; only background tiles need one). It lists the stops in visit
order and shows them on a map; per stop the courier taps an outcome of the route sheet (DT, TR,
PA, AT, MN, MD), with the recipient's name for DT and an optional note. Each outcome records the
phone's clock and, when the browser allows, its GPS position and accuracy. The state is kept in
``localStorage`` under the plan's date and the courier, so it survives a reload, a closed browser
or a flat battery; where the browser refuses storage or location to a local file the page says
so and keeps working in memory. "Kirim hasil" shows a summary and writes
``hasil_K01_2026-11-30.csv`` (one row per card, the columns ``ektp-route outcomes`` reads) as a
download and, where the browser offers it, through the share sheet (WhatsApp).

The map carries the streets around the route from the road network (:mod:`routing.roads.streets`) as
thin grey lines under the route, named ones with their name on a tap, so the courier sees every
street to the door with no tiles; stops sharing one point are set apart on a ring with a leg to
the point (:func:`maps.spread.spread_offsets`), so each can be tapped.

Personal data: the page holds what the printed sheet holds (names, masked NIK, address, phone,
ETA, coordinates). The full NIK is in the page's data too, because the exported file must name
each card for the ledger; it is never shown, only the masked form is.

The page's markup, style and script are ``maps/static/courier_page.html``, ``.css`` and ``.js``;
this module shapes the data they draw.
"""

from __future__ import annotations

import re
from typing import Any

from maps.assets import asset
from maps.navigation import navigation_url
from maps.offline import TILES_URL, offline_page
from maps.sheets import LABELS, PRECISION_LABELS, km, long_date
from maps.spread import spread_leg, spread_offsets
from routing.clock import format_clock
from routing.files import safe_filename
from routing.nik import mask
from routing.outcomes import legend
from routing.plan import SYNTHETIC_NOTE, Plan, Route, Visit
from routing.roads.streets import RADIUS_M, Streets
from routing.roads.streets import to_json as streets_json

#: Outcome codes that mean the card was not handed over (MD, the holder died, is not a failure
#: the courier can retry, but the card is not delivered either).
NOT_DELIVERED = ("TR", "PA", "AT", "MN", "MD")

#: Columns of the exported file: the ledger's outcomes reader takes the first four.
#: The results file, one row per card. ``time`` is ISO 8601 with the phone's offset; ``fix_time`` is when
#: the phone took the position (never before the tap by more than 2 s: the page asks for a fresh fix).
RESULT_COLUMNS = ("nik", "outcome", "recipient", "time", "lat", "lon", "accuracy_m", "courier", "note", "fix_time")

PAGE_LABELS = {
    "id": {
        "title": "Rute kurir", "send": "Kirim hasil", "clear": "Hapus data hari ini dari HP",
        "confirm_clear": "Hapus semua hasil kurir {courier} tanggal {date} dari HP ini? "
                         "Pastikan file hasil sudah terkirim ke kantor.",
        "recipient": "Nama penerima (wajib untuk DT)", "note": "Catatan (boleh kosong)",
        "need_recipient": "Tulis nama penerima dulu, lalu tekan DT.",
        "navigate": "Navigasi", "map_app": "Aplikasi peta", "undo": "Batal",
        "cards_n": "{n} kartu", "stops_n": "{n} alamat", "finish": "selesai sekitar {time}",
        "snap": "{m} m dari jalan",
        "recorded": "{code} {text} - dicatat {time}", "gps_ok": "GPS \u00b1{m} m",
        "gps_wait": "mencari GPS...", "gps_none": "tanpa GPS",
        "storage_refused": "Browser ini tidak mengizinkan halaman menyimpan data di HP. Hasil hanya "
                           "tersimpan selama halaman ini terbuka: jangan tutup atau muat ulang halaman "
                           "sebelum menekan Kirim hasil.",
        "gps_refused": "Lokasi GPS tidak diizinkan atau tidak tersedia untuk halaman ini. Hasil tetap "
                       "dicatat, tanpa titik lokasi.",
        "summary": "Ringkasan", "delivered": "Diterima", "failed": "Tidak diterima",
        "not_visited": "Belum dikunjungi", "summary_line": "{label}: {stops} alamat, {cards} kartu",
        "file_written": "File {name} sudah diunduh ({n} kartu). Kirim file itu ke kantor lewat WhatsApp.",
        "nothing": "Belum ada hasil yang dicatat.", "share": "Bagikan (WhatsApp)",
        "dt_without_name": "DT tanpa nama penerima di alamat no. {seq}: kantor akan menolaknya.",
        "no_stops": "Tidak ada alamat untuk kurir ini hari ini.", "office": "KANTOR",
        "urgent": "PENTING", "close": "Tutup",
        "set_apart": "Hasil lain untuk kartu ini", "rejoin": "Ikut hasil rumah",
        "all_apart": "Semua kartu di alamat ini punya hasil sendiri.",
        "elsewhere": "Dicatat di HP ini, tidak lagi di rute ini (rencana diubah): tetap ikut terkirim",
    },
    "en": {
        "title": "Courier route", "send": "Send results", "clear": "Clear today's data from this phone",
        "confirm_clear": "Clear all results of courier {courier} for {date} from this phone? "
                         "Make sure the results file has reached the office.",
        "recipient": "Recipient's name (required for DT)", "note": "Note (optional)",
        "need_recipient": "Write the recipient's name first, then tap DT.",
        "navigate": "Navigate", "map_app": "Map app", "undo": "Undo",
        "cards_n": "{n} cards", "stops_n": "{n} stops", "finish": "finish about {time}",
        "snap": "{m} m from the road",
        "recorded": "{code} {text} - recorded {time}", "gps_ok": "GPS \u00b1{m} m",
        "gps_wait": "looking for GPS...", "gps_none": "no GPS",
        "storage_refused": "This browser does not let the page keep data on the phone. Results are kept "
                           "only while this page is open: do not close or reload it before Send results.",
        "gps_refused": "GPS location is not allowed or not available to this page. Outcomes are still "
                       "recorded, without a position.",
        "summary": "Summary", "delivered": "Delivered", "failed": "Not delivered",
        "not_visited": "Not visited", "summary_line": "{label}: {stops} stops, {cards} cards",
        "file_written": "File {name} downloaded ({n} cards). Send it to the office by WhatsApp.",
        "nothing": "No outcome recorded yet.", "share": "Share (WhatsApp)",
        "dt_without_name": "DT without the recipient's name at stop {seq}: the office will refuse it.",
        "no_stops": "No stops for this courier today.", "office": "OFFICE",
        "urgent": "URGENT", "close": "Close",
        "set_apart": "Another outcome for this card", "rejoin": "Same as the household",
        "all_apart": "Every card at this stop has its own outcome.",
        "elsewhere": "Recorded on this phone, no longer on this route (re-planned): still sent",
    },
}

def _tel(phone: str) -> str:
    """A ``tel:`` link from a typed phone number, or "" when it holds no digits."""
    digits = re.sub(r"[^0-9+]", "", phone)
    return f"tel:{digits}" if re.search(r"\d", digits) else ""


def _stop(v: Visit, lang: str, offset: tuple[int, int], snap_warn_m: int) -> dict[str, Any]:
    lat, lon = round(v.point.lat, 6), round(v.point.lon, 6)
    leg = spread_leg(offset, 26)
    return {
        "dx": offset[0], "dy": offset[1], "leg": list(leg) if leg else None,
        "id": v.stop_id, "seq": v.seq, "eta": format_clock(v.arrival_s), "lat": lat, "lon": lon,
        "precision": PRECISION_LABELS[lang].get(v.precision, v.precision),
        "ask": v.precision in ("dusun", "desa"),
        "address": v.cards[0].address, "snap_m": v.snap_m if v.snap_m > snap_warn_m else 0,
        "nav": navigation_url(v), "geo": f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}",
        "cards": [{"nik": c.nik, "masked": mask(c.nik), "nama": c.nama, "urgent": c.urgent,
                   "phone": c.telepon, "tel": _tel(c.telepon)} for c in v.cards],
    }


def storage_key(plan: Plan, route: Route) -> str:
    """Where the phone keeps the courier's outcomes: one entry per plan date and courier."""
    return f"ektp-route/kurir/{plan.date.isoformat()}/{route.courier_id}"


def result_file_name(plan: Plan, route: Route) -> str:
    """``hasil_K01_2026-11-30.csv``: the file the page exports (courier id made file-name safe)."""
    return f"hasil_{safe_filename(route.courier_id)}_{plan.date.isoformat()}.csv"


def _streets(plan: Plan, route: Route, streets: Streets | None) -> dict[str, Any]:
    """The streets near this route as ``{"names": [...], "lines": [[name index or -1, [lat, lon, ...]]]}``."""
    if streets is None:
        return {"names": [], "lines": []}
    near = streets.near([plan.depot, *(v.point for v in route.visits), *route.geometry], RADIUS_M)
    data = streets_json(near)
    return {"names": data["names"], "lines": data["lines"]}


def courier_page(plan: Plan, route: Route, lang: str = "id", streets: Streets | None = None) -> str:
    """One courier's offline page as a self-contained HTML document.

    Parameters
    ----------
    plan
        The day's plan (its date keys the phone's stored outcomes).
    route
        The courier's route; its stops in visit order.
    lang
        ``id`` (Bahasa Indonesia) or ``en``.
    streets
        The day's streets (:func:`routing.roads.streets.streets_around`); those near this route are drawn.
    """
    if lang not in PAGE_LABELS:
        raise ValueError(f"language {lang!r} not available; choose from {sorted(PAGE_LABELS)}")
    office = PAGE_LABELS[lang]["office"]
    terminals = [{"label": office, "lat": plan.depot.lat, "lon": plan.depot.lon}]
    for point, label in ((route.start, "MULAI"), (route.end, "SELESAI")):
        if point is not None:
            terminals.append({"label": label, "lat": point.lat, "lon": point.lon})
    data = {
        "courier": route.courier_id, "office": plan.office_name, "date": plan.date.isoformat(),
        "date_long": long_date(plan.date, lang),
        "shift": route.shift.label(), "finish": format_clock(route.end_s), "km": km(route.distance_m),
        "n_cards": route.n_cards, "synthetic": SYNTHETIC_NOTE if plan.synthetic else "",
        "storage_key": storage_key(plan, route), "csv_name": result_file_name(plan, route),
        "columns": list(RESULT_COLUMNS), "codes": legend(lang), "labels": PAGE_LABELS[lang],
        "tiles": TILES_URL, "depot": {"lat": plan.depot.lat, "lon": plan.depot.lon}, "terminals": terminals,
        "geometry": [[round(p.lat, 6), round(p.lon, 6)] for p in route.geometry],
        "stops": [_stop(v, lang, off, plan.snap_warn_m)
                  for v, off in zip(route.visits, spread_offsets([v.point for v in route.visits]))],
        "streets": _streets(plan, route, streets),
    }
    title = f"{LABELS[lang]['courier']} {route.courier_id} - {plan.date.isoformat()}"
    return offline_page(title, lang, asset("static/courier_page.css"), asset("static/courier_page.html"), data,
                        asset("static/courier_page.js"))
