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
"""

from __future__ import annotations

from typing import Any

from maps.offline import TILES_URL, offline_page
from maps.sheets import PRECISION_LABELS, long_date
from routing.confirmed import REVIEW_COLUMNS, review_cells
from routing.demo import SYNTHETIC_NOTE
from routing.nik import mask
from routing.plan import Plan, Review

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

_CSS = """
body { font: 14px/1.35 Arial, sans-serif; margin: 0; color: #111; }
header { background: #0b3d66; color: #fff; padding: 8px 10px; }
header h1 { font-size: 17px; margin: 0 0 4px 0; }
header .help { font-size: 13px; }
button { font: inherit; padding: 6px 10px; border: 1px solid #666; border-radius: 5px; background: #fff; }
#save { background: #1b7f2a; color: #fff; border-color: #1b7f2a; font-weight: bold; margin-top: 6px; }
#message { font-weight: bold; }
.synthetic { border: 2px dashed #b00; color: #b00; padding: 4px 8px; font-weight: bold; margin: 0; }
#warnings p { margin: 0; padding: 8px 10px; background: #fff3cd; }
main { display: grid; grid-template-columns: 1fr 420px; height: calc(100vh - 110px); }
#map { height: 100%; background: #dde; }
#list { overflow-y: auto; margin: 0; padding: 0; list-style: none; }
#list li { padding: 6px 8px; border-bottom: 1px solid #ccc; cursor: pointer; }
#list li.selected { background: #ffe9b0; }
#list li.moved .point { color: #1b7f2a; font-weight: bold; }
.num { font-weight: bold; margin-right: 6px; }
.small { font-size: 12px; color: #444; }
.warn { color: #b00; font-weight: bold; }
.review-icon { color: #fff; background: #b00; border: 2px solid #fff; border-radius: 50%; text-align: center;
  font: bold 12px/22px Arial, sans-serif; box-shadow: 0 0 3px rgba(0,0,0,.6); box-sizing: border-box; }
.review-icon.moved { background: #1b7f2a; }
.review-icon.selected { border-color: #ff0; }
.office-icon { background: #000; color: #fff; font: bold 11px/18px Arial, sans-serif; text-align: center;
  border-radius: 3px; }
@media (max-width: 800px) { main { grid-template-columns: 1fr; height: auto; } #map { height: 50vh; } }
"""

_BODY = """<header><h1 id="title"></h1><div class="help" id="help"></div>
<button id="save" type="button"></button> <span id="message"></span></header>
<div id="warnings"></div>
<main><div id="map"></div><ul id="list"></ul></main>"""

_SCRIPT = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("ektp-data").textContent);
  var T = D.labels, el = Ektp.el, fmt = Ektp.fmt;
  var store = Ektp.openStore(D.storage_key);
  var saved = store.load();
  // Moves by household key; kept as [key, lat, lon] pairs so no key can touch an object's prototype.
  var moved = {};
  if (saved && Array.isArray(saved.moved)) {
    saved.moved.forEach(function (m) {
      if (Array.isArray(m) && typeof m[1] === "number" && typeof m[2] === "number") moved["k:" + m[0]] = [m[1], m[2]];
    });
  }
  function save() {
    var out = [];
    Object.keys(moved).forEach(function (k) { out.push([k.slice(2), moved[k][0], moved[k][1]]); });
    if (!store.save({moved: out})) warn();
  }
  var warned = false;
  function warn() {
    if (warned) return;
    warned = true;
    var p = el("p", "warning", T.storage_refused);
    p.setAttribute("data-warning", "storage");
    document.getElementById("warnings").appendChild(p);
  }
  if (!store.ok) warn();
  document.getElementById("title").textContent = T.title + " - " + D.date_long + " (" + D.households.length + ")";
  document.getElementById("help").textContent = T.help;
  document.getElementById("save").textContent = T.save;
  if (D.synthetic) document.body.insertBefore(el("p", "synthetic", D.synthetic), document.getElementById("warnings"));
  var message = document.getElementById("message");

  var map = L.map("map");
  L.tileLayer(D.tiles, {maxZoom: 19, attribution: "\u00a9 OpenStreetMap"}).addTo(map);
  L.marker([D.depot.lat, D.depot.lon], {icon: L.divIcon({className: "office-icon", html: el("div", "", T.office),
    iconSize: [60, 18]}), keyboard: false}).addTo(map);
  var items = [], markers = [], selected = -1;

  function pointOf(i) {
    var m = moved["k:" + D.households[i].key];
    return m || D.households[i].point;
  }
  function inside(p) {
    return p[0] >= D.bbox[0] && p[0] <= D.bbox[2] && p[1] >= D.bbox[1] && p[1] <= D.bbox[3];
  }
  function iconFor(i) {
    var cls = "review-icon" + (moved["k:" + D.households[i].key] ? " moved" : "") + (i === selected ? " selected" : "");
    return L.divIcon({className: cls, html: el("span", "", String(i + 1)), iconSize: [26, 26]});
  }
  function show(i) {
    var h = D.households[i], li = items[i], p = pointOf(i), isMoved = !!moved["k:" + h.key];
    li.className = (isMoved ? "moved" : "") + (i === selected ? " selected" : "");
    var line = li.querySelector(".point"), warnLine = li.querySelector(".warn");
    line.textContent = p ? fmt(isMoved ? T.moved_to : T.planned_at, {lat: p[0].toFixed(7), lon: p[1].toFixed(7)})
                         : T.no_point;
    warnLine.textContent = isMoved && !inside(p) ? T.outside : "";
    li.querySelector(".undo").hidden = !isMoved;
    if (p && !markers[i]) {
      var m = L.marker(p, {draggable: true, icon: iconFor(i)}).addTo(map);
      m.on("dragend", function () {
        var ll = m.getLatLng();
        select(i, false);
        setPoint(i, ll.lat, ll.lng);
      });
      m.on("click", function () { select(i, false); });
      markers[i] = m;
    } else if (markers[i]) {
      if (p) { markers[i].setLatLng(p); markers[i].setIcon(iconFor(i)); }
      else { map.removeLayer(markers[i]); markers[i] = null; }
    }
  }
  function select(i, pan) {
    var before = selected;
    selected = i;
    if (before >= 0) show(before);
    show(i);
    var p = pointOf(i);
    if (pan && p) map.panTo(p);
    if (!pan) items[i].scrollIntoView({block: "nearest"});
  }
  function setPoint(i, lat, lon) {
    moved["k:" + D.households[i].key] = [Math.round(lat * 1e7) / 1e7, Math.round(lon * 1e7) / 1e7];
    save();
    message.textContent = "";
    show(i);
  }

  var list = document.getElementById("list");
  if (!D.households.length) list.appendChild(el("li", "", T.empty));
  D.households.forEach(function (h, i) {
    var li = el("li");
    li.setAttribute("data-index", String(i));
    var head = el("div");
    head.appendChild(el("span", "num", String(i + 1) + "."));
    head.appendChild(el("span", "address", h.address));
    li.appendChild(head);
    li.appendChild(el("div", "place", h.desa + " / " + h.dusun));
    li.appendChild(el("div", "small", h.precision + " \u00b7 " + fmt(T.cards_n, {n: h.cards}) + " \u00b7 " +
                                       h.masked.join(", ")));
    li.appendChild(el("div", "small note", h.note));
    li.appendChild(el("div", "point"));
    li.appendChild(el("div", "warn"));
    var undo = el("button", "undo", T.undo);
    undo.type = "button";
    undo.addEventListener("click", function (e) {
      e.stopPropagation();
      delete moved["k:" + h.key];
      save();
      show(i);
    });
    li.appendChild(undo);
    li.addEventListener("click", function () { select(i, true); });
    list.appendChild(li);
    items.push(li);
    markers.push(null);
    show(i);
  });
  map.on("click", function (e) {
    if (selected < 0) { message.textContent = T.select_first; return; }
    setPoint(selected, e.latlng.lat, e.latlng.lng);
  });
  var pts = [[D.depot.lat, D.depot.lon]];
  D.households.forEach(function (h, i) { var p = pointOf(i); if (p) pts.push(p); });
  if (pts.length > 1) map.fitBounds(pts, {padding: [30, 30], maxZoom: 17});
  else map.setView(pts[0], 14);

  document.getElementById("save").addEventListener("click", function () {
    var latAt = D.columns.indexOf("lat"), lonAt = D.columns.indexOf("lon");
    var rows = [D.columns], n = 0;
    D.households.forEach(function (h) { if (moved["k:" + h.key]) n += 1; });
    // review.csv's rows in its order; only lat and lon of the moved households filled in.
    D.rows.forEach(function (r) {
      var m = moved["k:" + D.households[r.h].key], row = r.cells.slice();
      if (m) { row[latAt] = m[0].toFixed(7); row[lonAt] = m[1].toFixed(7); }
      rows.push(row);
    });
    if (!n) { message.textContent = T.nothing; return; }
    Ektp.download(D.csv_name, Ektp.csvText(rows));
    message.textContent = fmt(T.saved, {name: D.csv_name, n: n});
  });
})();
"""


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
    return offline_page(f"{PAGE_LABELS[lang]['title']} {plan.date.isoformat()}", lang, _CSS, _BODY, data, _SCRIPT)
