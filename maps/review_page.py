"""The officer's review page (``review.html`` beside ``review.csv``): set a household's point on a map.

Every household of ``review.csv`` (located only at dusun or desa level, not located, corrected,
or far from a road) is a draggable numbered marker at the point the plan used, with the list
beside the map. Dragging a marker, or choosing a household in the list and clicking the map, sets
its point. "Simpan" downloads the rows of ``review.csv`` with ``lat`` and ``lon`` filled in for the
households that were moved, in exactly ``review.csv``'s format, so that ``ektp-route confirm FILE``
remembers them. Households without a point (not located) get one with a click. A point moved outside
the region the plan was made with (``plan.json`` ``meta.region``) is marked as one ``confirm`` will
refuse, naming the region. The moves are kept
in the browser's storage (by plan date) until saved, where the browser allows it.

The page's markup, style and script are ``maps/static/review_page.html``, ``.css`` and ``.js``.
"""

from __future__ import annotations

from typing import Any

from maps.assets import asset
from maps.offline import TILES_URL, offline_page
from maps.sheets import PRECISION_LABELS, long_date
from routing.confirmed import REVIEW_COLUMNS, review_cells
from routing.nik import mask
from routing.plan import SYNTHETIC_NOTE, Plan, Review

PAGE_LABELS = {
    "id": {
        "title": "Tinjau lokasi", "save": "Simpan",
        "help": "Pilih rumah di daftar lalu klik peta, atau geser penandanya. Simpan, lalu jalankan "
                "ektp-route confirm dengan file yang diunduh.",
        "cards_n": "{n} kartu", "none": "tidak ditemukan", "no_point": "belum ada titik: pilih lalu klik peta",
        "planned_at": "titik rencana: {lat}, {lon}", "moved_to": "titik baru: {lat}, {lon}",
        "outside": "di luar {region}: confirm akan menolaknya", "undo": "Batal",
        "saved": "Disimpan: {name} ({n} rumah). Jalankan: ektp-route confirm {name}",
        "nothing": "Belum ada titik yang diubah.", "select_first": "Pilih dulu rumah di daftar, lalu klik peta.",
        "storage_refused": "Browser ini tidak mengizinkan halaman menyimpan data: koreksi hanya tersimpan "
                           "selama halaman ini terbuka. Tekan Simpan sebelum menutupnya.",
        "empty": "Tidak ada rumah yang perlu ditinjau.", "office": "KANTOR",
    },
    "en": {
        "title": "Review locations", "save": "Save",
        "help": "Choose a household in the list and click the map, or drag its marker. Save, then run "
                "ektp-route confirm on the downloaded file.",
        "cards_n": "{n} cards", "none": "not found", "no_point": "no point yet: choose it, then click the map",
        "planned_at": "planned at: {lat}, {lon}", "moved_to": "new point: {lat}, {lon}",
        "outside": "outside {region}: confirm will refuse it", "undo": "Undo",
        "saved": "Saved: {name} ({n} households). Run: ektp-route confirm {name}",
        "nothing": "No point has been changed yet.", "select_first": "Choose a household in the list first.",
        "storage_refused": "This browser does not let the page keep data: corrections live only while this "
                           "page is open. Save before closing it.",
        "empty": "No household needs a review.", "office": "OFFICE",
    },
}

def review_file_name(plan: Plan) -> str:
    """The file "Simpan" writes: ``review_terkoreksi_2026-11-30.csv``."""
    return f"review_terkoreksi_{plan.date.isoformat()}.csv"


def _households(plan: Plan, lang: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Households (review rows grouped by key) with the point the plan used, and the rows in
    ``review.csv``'s order, each naming its household."""
    points = {c.nik: (v.point.lat, v.point.lon) for r in plan.routes for v in r.visits for c in v.cards}
    labels = PRECISION_LABELS[lang] | {"none": PAGE_LABELS[lang]["none"]}
    groups: dict[str, list[Review]] = {}
    for r in plan.review:
        # An empty key (an older plan.json) cannot be confirmed by address: keep such rows apart.
        groups.setdefault(r.key or f"row {r.row}", []).append(r)
    index = {key: k for k, key in enumerate(groups)}
    out: list[dict[str, Any]] = []
    for key, rows in groups.items():
        first = rows[0]
        point = next((points[r.nik] for r in rows if r.nik in points), None)
        niks = list(dict.fromkeys(r.nik for r in rows))  # a card can be listed for two reasons
        out.append({
            "key": key, "address": first.address, "desa": first.desa, "dusun": first.dusun,
            "precision": labels.get(first.precision, first.precision),
            "note": "; ".join(dict.fromkeys(r.note for r in rows if r.note)),
            "masked": [mask(n) for n in niks], "cards": len(niks),
            "point": None if point is None else [round(point[0], 7), round(point[1], 7)],
        })
    ordered = [{"h": index[r.key or f"row {r.row}"], "cells": ["" if v is None else str(v) for v in review_cells(r)]}
               for r in plan.review]
    return out, ordered


def review_page(plan: Plan, lang: str = "id") -> str:
    """The officer's review page as a self-contained HTML document (see module docstring)."""
    if lang not in PAGE_LABELS:
        raise ValueError(f"language {lang!r} not available; choose from {sorted(PAGE_LABELS)}")
    households, rows = _households(plan, lang)
    # The region the plan was made with: `confirm` refuses exactly the points outside its box, so
    # the page warns with the same box and names the same region.
    region = plan.region
    labels = PAGE_LABELS[lang] | {"outside": PAGE_LABELS[lang]["outside"].format(region=region.name)}
    data = {
        "date": plan.date.isoformat(), "date_long": long_date(plan.date, lang),
        "synthetic": SYNTHETIC_NOTE if plan.synthetic else "", "labels": labels,
        "storage_key": f"ektp-route/review/{plan.date.isoformat()}", "csv_name": review_file_name(plan),
        "columns": list(REVIEW_COLUMNS), "bbox": list(region.area), "tiles": TILES_URL,
        "depot": {"lat": plan.depot.lat, "lon": plan.depot.lon}, "households": households,
        "rows": rows,
    }
    title = f"{PAGE_LABELS[lang]['title']} {plan.date.isoformat()}"
    return offline_page(title, lang, asset("static/review_page.css"), asset("static/review_page.html"), data,
                        asset("static/review_page.js"))
