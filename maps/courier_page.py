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
the point (:func:`maps.routes.spread_offsets`), so each can be tapped.

Personal data: the page holds what the printed sheet holds (names, masked NIK, address, phone,
ETA, coordinates). The full NIK is in the page's data too, because the exported file must name
each card for the ledger; it is never shown, only the masked form is.
"""

from __future__ import annotations

import re
from typing import Any

from maps.offline import TILES_URL, offline_page
from maps.pdf import navigation_url
from maps.routes import spread_leg, spread_offsets
from maps.sheets import LABELS, PRECISION_LABELS, km, long_date
from routing.clock import format_clock
from routing.demo import SYNTHETIC_NOTE
from routing.files import safe_filename
from routing.nik import mask
from routing.outcomes import legend
from routing.plan import Plan, Route, Visit
from routing.roads.streets import RADIUS_M, Streets
from routing.roads.streets import to_json as streets_json

#: Outcome codes that mean the card was not handed over (MD, the holder died, is not a failure
#: the courier can retry, but the card is not delivered either).
NOT_DELIVERED = ("TR", "PA", "AT", "MN", "MD")

#: Columns of the exported file: the ledger's outcomes reader takes the first four.
RESULT_COLUMNS = ("nik", "outcome", "recipient", "time", "lat", "lon", "accuracy_m", "courier", "note")

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
    },
}

_CSS = """
body { font: 15px/1.35 Arial, sans-serif; margin: 0; color: #111; background: #f4f4f4; }
header { background: #0b3d66; color: #fff; padding: 8px 10px; position: sticky; top: 0; z-index: 1001; }
header h1 { font-size: 17px; margin: 0; }
header .meta { font-size: 13px; }
header .actions { margin-top: 6px; display: flex; gap: 8px; flex-wrap: wrap; }
button { font: inherit; padding: 8px 10px; border: 1px solid #666; border-radius: 6px; background: #fff; }
#send { background: #1b7f2a; color: #fff; border-color: #1b7f2a; font-weight: bold; }
.synthetic { border: 2px dashed #b00; color: #b00; background: #fff; padding: 4px 8px; font-weight: bold; }
#warnings p { margin: 0; padding: 8px 10px; background: #fff3cd; border-bottom: 1px solid #e0c060; }
#map { height: 42vh; min-height: 220px; background: #dde; }
#summary { background: #fff; border: 2px solid #1b7f2a; margin: 8px; padding: 8px; }
#summary[hidden] { display: none; }
#summary h2 { margin: 0 0 4px 0; font-size: 16px; }
.stop { background: #fff; margin: 8px; padding: 8px; border-left: 6px solid #1f77b4; border-radius: 4px; }
.stop.delivered { border-left-color: #1b7f2a; background: #eef8ee; }
.stop.failed { border-left-color: #b00; background: #fbeeee; }
.stop.flash { outline: 3px solid #f90; }
.stop h2 { font-size: 16px; margin: 0 0 4px 0; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.seq { font-weight: bold; min-width: 34px; }
.prec.ask { color: #b00; font-weight: bold; }
.people { margin: 0; padding: 0; list-style: none; }
.people .nik { color: #444; font-family: monospace; margin-left: 6px; }
.people .urgent { color: #b00; font-weight: bold; margin-left: 6px; }
.addr { margin: 4px 0; }
.small { font-size: 12px; color: #444; }
.links { display: flex; gap: 12px; flex-wrap: wrap; margin: 4px 0; }
.links a { color: #0645ad; }
.outcomes { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px; margin: 6px 0; }
.outcomes button { padding: 8px 2px; }
.outcomes button .code { font-weight: bold; display: block; }
.outcomes button .text { font-size: 11px; display: block; }
.outcomes button.chosen { background: #0b3d66; color: #fff; }
.stop label { display: block; font-size: 13px; margin-top: 4px; }
.stop input { font: inherit; width: 100%; box-sizing: border-box; padding: 6px; }
.status { font-weight: bold; margin: 6px 0 0 0; }
.message { color: #b00; font-weight: bold; }
.stop-icon { color: #fff; background: #1f77b4; border: 2px solid #fff; border-radius: 50%; text-align: center;
  font: bold 12px/22px Arial, sans-serif; box-shadow: 0 0 3px rgba(0,0,0,.6); box-sizing: border-box; }
.stop-icon.delivered { background: #1b7f2a; }
.stop-icon.failed { background: #b00; }
.stop-icon .leg { position: absolute; height: 0; border-top: 2px solid #333; transform-origin: 0 0;
  pointer-events: none; }
.stop-icon .num { position: relative; }
.office-icon { background: #000; color: #fff; font: bold 11px/18px Arial, sans-serif; text-align: center;
  border-radius: 3px; }
@media (min-width: 900px) {
  main { display: grid; grid-template-columns: 1fr 460px; }
  #map { height: calc(100vh - 90px); position: sticky; top: 90px; }
  #list { max-width: 460px; }
}
"""

_BODY = """<header><h1 id="title"></h1><div class="meta" id="meta"></div>
<div class="actions"><button id="send" type="button"></button><button id="clear" type="button"></button></div>
</header>
<div id="warnings"></div>
<section id="summary" hidden><h2 id="summary-title"></h2><div id="summary-lines"></div>
<p id="summary-file"></p><div id="summary-problems"></div>
<button id="share" type="button" hidden></button> <button id="summary-close" type="button"></button></section>
<main><div id="map"></div><div id="list"></div></main>"""

_SCRIPT = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("ektp-data").textContent);
  var T = D.labels, el = Ektp.el, fmt = Ektp.fmt;
  var CODE_TEXT = {};
  D.codes.forEach(function (c) { CODE_TEXT[c[0]] = c[1]; });
  var store = Ektp.openStore(D.storage_key);
  var state = store.load();
  if (!state || typeof state !== "object" || typeof state.stops !== "object" || state.stops === null) {
    state = {stops: {}};
  }
  // A position asked for before a reload never arrives: that outcome stays without GPS.
  Object.keys(state.stops).forEach(function (id) {
    if (state.stops[id] && state.stops[id].gps === "wait") state.stops[id].gps = "none";
  });
  var views = {}, markers = {};
  var warned = {};

  function warn(kind) {
    if (warned[kind]) return;
    warned[kind] = true;
    var p = el("p", "warning", T[kind + "_refused"]);
    p.setAttribute("data-warning", kind);
    document.getElementById("warnings").appendChild(p);
  }
  function save() { if (!store.save(state)) warn("storage"); }
  function rec(id) {
    if (!Object.prototype.hasOwnProperty.call(state.stops, id)) state.stops[id] = {};
    return state.stops[id];
  }
  function kind(r) {
    if (!r || !r.code) return "";
    return r.code === "DT" ? "delivered" : "failed";
  }

  // Header
  document.getElementById("title").textContent = T.title + " " + D.courier + " - " + D.date_long;
  document.getElementById("meta").textContent = [D.office, D.shift, fmt(T.stops_n, {n: D.stops.length}),
    fmt(T.cards_n, {n: D.n_cards}), D.km + " km", fmt(T.finish, {time: D.finish})].join(" \u00b7 ");
  document.getElementById("send").textContent = T.send;
  document.getElementById("clear").textContent = T.clear;
  document.getElementById("summary-close").textContent = T.close;
  if (D.synthetic) {
    var banner = el("p", "synthetic", D.synthetic);
    document.body.insertBefore(banner, document.getElementById("warnings"));
  }
  if (!store.ok) warn("storage");
  if (!("geolocation" in navigator)) {
    warn("gps");
  } else if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({name: "geolocation"}).then(function (p) {
      if (p.state === "denied") warn("gps");
    }).catch(function () { /* the first outcome will tell */ });
  }

  // The list of stops
  var list = document.getElementById("list");
  if (!D.stops.length) list.appendChild(el("p", "stop", T.no_stops));
  D.stops.forEach(function (s) {
    var box = el("section", "stop");
    box.id = "stop-" + s.seq;
    box.setAttribute("data-seq", String(s.seq));
    var h = el("h2");
    var seq = el("span", "seq", s.seq + ".");
    h.appendChild(seq);
    h.appendChild(el("span", "eta", s.eta));
    h.appendChild(el("span", "prec" + (s.ask ? " ask" : ""), s.precision));
    h.appendChild(el("span", "ncards", fmt(T.cards_n, {n: s.cards.length})));
    h.addEventListener("click", function () { focusMap(s); });
    box.appendChild(h);
    var people = el("ul", "people");
    s.cards.forEach(function (c) {
      var li = el("li");
      li.appendChild(el("span", "name", c.nama));
      li.appendChild(el("span", "nik", c.masked));
      if (c.urgent) li.appendChild(el("span", "urgent", T.urgent));
      people.appendChild(li);
    });
    box.appendChild(people);
    box.appendChild(el("p", "addr", s.address));
    if (s.snap_m) box.appendChild(el("p", "small", fmt(T.snap, {m: s.snap_m})));
    var links = el("p", "links");
    s.cards.forEach(function (c) {
      if (!c.phone) return;
      if (c.tel) {
        var a = el("a", "tel", "\u260e " + c.phone);
        a.href = c.tel;
        links.appendChild(a);
      } else {
        links.appendChild(el("span", "tel", "\u260e " + c.phone));
      }
    });
    var nav = el("a", "nav", T.navigate);
    nav.href = s.nav;
    nav.target = "_blank";
    nav.rel = "noopener noreferrer";
    links.appendChild(nav);
    var geo = el("a", "geo", T.map_app);
    geo.href = s.geo;
    links.appendChild(geo);
    box.appendChild(links);
    var buttons = el("div", "outcomes");
    var byCode = {};
    D.codes.forEach(function (c) {
      var b = el("button", "outcome");
      b.type = "button";
      b.setAttribute("data-code", c[0]);
      b.appendChild(el("span", "code", c[0]));
      b.appendChild(el("span", "text", c[1]));
      b.addEventListener("click", function () { record(s, c[0]); });
      buttons.appendChild(b);
      byCode[c[0]] = b;
    });
    box.appendChild(buttons);
    var lr = el("label", "", T.recipient);
    var recipient = el("input", "recipient");
    recipient.type = "text";
    recipient.autocomplete = "off";
    lr.appendChild(recipient);
    box.appendChild(lr);
    var ln = el("label", "", T.note);
    var note = el("input", "note");
    note.type = "text";
    note.autocomplete = "off";
    ln.appendChild(note);
    box.appendChild(ln);
    var message = el("p", "message");
    box.appendChild(message);
    var status = el("p", "status");
    box.appendChild(status);
    var undo = el("button", "undo", T.undo);
    undo.type = "button";
    box.appendChild(undo);
    recipient.addEventListener("input", function () { rec(s.id).recipient = recipient.value; message.textContent = ""; save(); });
    note.addEventListener("input", function () { rec(s.id).note = note.value; save(); });
    undo.addEventListener("click", function () {
      var r = rec(s.id);
      ["code", "time", "lat", "lon", "accuracy_m", "gps", "token"].forEach(function (k) { delete r[k]; });
      save();
      show(s);
    });
    list.appendChild(box);
    views[s.id] = {box: box, buttons: byCode, recipient: recipient, note: note, message: message,
                   status: status, undo: undo};
    show(s);
  });

  function show(s) {
    var v = views[s.id], r = state.stops[s.id] || {};
    v.box.className = "stop " + kind(r);
    if (document.activeElement !== v.recipient) v.recipient.value = r.recipient || "";
    if (document.activeElement !== v.note) v.note.value = r.note || "";
    Object.keys(v.buttons).forEach(function (code) {
      v.buttons[code].className = "outcome" + (r.code === code ? " chosen" : "");
    });
    v.undo.hidden = !r.code;
    if (r.code) {
      var gps = r.gps === "ok" ? fmt(T.gps_ok, {m: r.accuracy_m}) : (r.gps === "wait" ? T.gps_wait : T.gps_none);
      v.status.textContent = fmt(T.recorded, {code: r.code, text: CODE_TEXT[r.code] || "", time: r.time}) + " \u00b7 " + gps;
    } else {
      v.status.textContent = "";
    }
    if (markers[s.id]) markers[s.id].setIcon(iconFor(s));
  }
  // A stop sharing its point with others is drawn s.dx, s.dy pixels away, with a leg to the point.
  function iconFor(s) {
    var k = kind(state.stops[s.id]);
    var box = el("span");
    if (s.leg) {
      var leg = el("span", "leg");
      leg.style.left = s.leg[0] + "px";
      leg.style.top = s.leg[1] + "px";
      leg.style.width = s.leg[2] + "px";
      leg.style.transform = "rotate(" + s.leg[3] + "deg)";
      box.appendChild(leg);
    }
    box.appendChild(el("span", "num", String(s.seq)));
    return L.divIcon({className: "stop-icon" + (k ? " " + k : ""), html: box,
                      iconSize: [26, 26], iconAnchor: [13 - s.dx, 13 - s.dy]});
  }

  function record(s, code) {
    var v = views[s.id], r = rec(s.id);
    r.recipient = v.recipient.value;
    r.note = v.note.value;
    if (code === "DT" && !r.recipient.trim()) {
      v.message.textContent = T.need_recipient;
      v.recipient.focus();
      return;
    }
    v.message.textContent = "";
    var now = new Date();
    var token = String(now.getTime()) + "-" + Math.random();
    r.code = code;
    r.time = Ektp.clock(now);
    r.lat = r.lon = r.accuracy_m = null;
    r.token = token;
    r.gps = navigator.geolocation ? "wait" : "none";
    save();
    show(s);
    if (!navigator.geolocation) return;
    // The outcome is kept at once; the position joins it when (and if) the phone gives one.
    try {
      navigator.geolocation.getCurrentPosition(function (pos) {
        var now2 = state.stops[s.id];
        if (!now2 || now2.token !== token) return;
        now2.lat = pos.coords.latitude;
        now2.lon = pos.coords.longitude;
        now2.accuracy_m = Math.round(pos.coords.accuracy);
        now2.gps = "ok";
        save();
        show(s);
      }, function () {
        var now2 = state.stops[s.id];
        if (now2 && now2.token === token) { now2.gps = "none"; save(); show(s); }
        warn("gps");
      }, {enableHighAccuracy: true, timeout: 30000, maximumAge: 60000});
    } catch (e) {
      r.gps = "none";
      save();
      show(s);
      warn("gps");
    }
  }

  // The map (the list works even if it cannot be drawn)
  var map = null;
  try {
    map = L.map("map");
    L.tileLayer(D.tiles, {maxZoom: 19, attribution: "\u00a9 OpenStreetMap"}).addTo(map);
    var pts = [];
    // Streets under the route (their own pane below the overlay pane), names as text on a tap.
    map.createPane("streets").style.zIndex = 350;
    // One canvas for all of them: hundreds of SVG paths make every pan and zoom slow on a phone.
    var streetRenderer = L.canvas({pane: "streets", tolerance: 6});
    var streets = L.layerGroup();
    D.streets.lines.forEach(function (s) {
      var ll = [];
      for (var i = 0; i + 1 < s[1].length; i += 2) ll.push([s[1][i], s[1][i + 1]]);
      var named = s[0] >= 0;
      var line = L.polyline(ll, {pane: "streets", renderer: streetRenderer, color: "#777", weight: 2,
                                 opacity: 0.85, interactive: named});
      if (named) line.bindTooltip(el("span", "", D.streets.names[s[0]]), {sticky: true});
      streets.addLayer(line);
    });
    streets.addTo(map);
    map._ektpStreets = streets;
    if (D.geometry.length) L.polyline(D.geometry, {color: "#1f77b4", weight: 4, opacity: 0.8}).addTo(map);
    D.terminals.forEach(function (t) {
      var div = el("div", "", t.label);
      L.marker([t.lat, t.lon], {icon: L.divIcon({className: "office-icon", html: div, iconSize: [60, 18]}),
                                keyboard: false}).addTo(map);
      pts.push([t.lat, t.lon]);
    });
    D.stops.forEach(function (s) {
      var m = L.marker([s.lat, s.lon], {icon: iconFor(s)}).addTo(map);
      m.on("click", function () {
        var box = views[s.id].box;
        box.scrollIntoView({behavior: "smooth", block: "start"});
        box.classList.add("flash");
        setTimeout(function () { box.classList.remove("flash"); }, 1500);
      });
      markers[s.id] = m;
      pts.push([s.lat, s.lon]);
    });
    if (pts.length) map.fitBounds(pts.concat(D.geometry), {padding: [20, 20]});
    else map.setView([D.depot.lat, D.depot.lon], 14);
  } catch (e) {
    document.getElementById("map").hidden = true;
  }
  function focusMap(s) {
    if (map) map.setView([s.lat, s.lon], Math.max(map.getZoom(), 17));
  }

  // Sending: a summary, then the file (download, and the share sheet where offered)
  function rows() {
    var out = [D.columns];
    D.stops.forEach(function (s) {
      var r = state.stops[s.id];
      if (!r || !r.code) return;
      s.cards.forEach(function (c) {
        out.push([c.nik, r.code, r.code === "DT" ? (r.recipient || "").trim() : "", r.time,
                  r.lat === null || r.lat === undefined ? "" : r.lat.toFixed(7),
                  r.lon === null || r.lon === undefined ? "" : r.lon.toFixed(7),
                  r.accuracy_m === null || r.accuracy_m === undefined ? "" : String(r.accuracy_m),
                  D.courier, (r.note || "").trim()]);
      });
    });
    return out;
  }
  var shareFile = null;
  document.getElementById("send").addEventListener("click", function () {
    var counts = {delivered: [0, 0], failed: [0, 0], not_visited: [0, 0]};
    var problems = document.getElementById("summary-problems");
    problems.textContent = "";
    D.stops.forEach(function (s) {
      var r = state.stops[s.id];
      var k = kind(r) || "not_visited";
      counts[k][0] += 1;
      counts[k][1] += s.cards.length;
      if (r && r.code === "DT" && !(r.recipient || "").trim()) {
        problems.appendChild(el("p", "message", fmt(T.dt_without_name, {seq: s.seq})));
      }
    });
    var lines = document.getElementById("summary-lines");
    lines.textContent = "";
    ["delivered", "failed", "not_visited"].forEach(function (k) {
      var p = el("p", "", fmt(T.summary_line, {label: T[k], stops: counts[k][0], cards: counts[k][1]}));
      p.setAttribute("data-count", k);
      p.setAttribute("data-stops", String(counts[k][0]));
      p.setAttribute("data-cards", String(counts[k][1]));
      lines.appendChild(p);
    });
    document.getElementById("summary-title").textContent = T.summary;
    var data = rows();
    var fileLine = document.getElementById("summary-file");
    var share = document.getElementById("share");
    share.hidden = true;
    if (data.length === 1) {
      fileLine.textContent = T.nothing;
    } else {
      var text = Ektp.csvText(data);
      Ektp.download(D.csv_name, text);
      fileLine.textContent = fmt(T.file_written, {name: D.csv_name, n: data.length - 1});
      try {
        shareFile = new File([text], D.csv_name, {type: "text/csv"});
        if (navigator.canShare && navigator.canShare({files: [shareFile]})) {
          share.textContent = T.share;
          share.hidden = false;
        }
      } catch (e) { shareFile = null; }
    }
    var summary = document.getElementById("summary");
    summary.hidden = false;
    summary.scrollIntoView({block: "start"});
  });
  document.getElementById("share").addEventListener("click", function () {
    if (!shareFile || !navigator.share) return;
    navigator.share({files: [shareFile], title: D.csv_name}).catch(function () { /* cancelled */ });
  });
  document.getElementById("summary-close").addEventListener("click", function () {
    document.getElementById("summary").hidden = true;
  });
  document.getElementById("clear").addEventListener("click", function () {
    if (!window.confirm(fmt(T.confirm_clear, {courier: D.courier, date: D.date}))) return;
    store.clear();
    state = {stops: {}};
    D.stops.forEach(show);
    document.getElementById("summary").hidden = true;
  });
})();
"""


def _tel(phone: str) -> str:
    """A ``tel:`` link from a typed phone number, or "" when it holds no digits."""
    digits = re.sub(r"[^0-9+]", "", phone)
    return f"tel:{digits}" if re.search(r"\d", digits) else ""


def _stop(v: Visit, lang: str, offset: tuple[int, int]) -> dict[str, Any]:
    lat, lon = round(v.point.lat, 6), round(v.point.lon, 6)
    leg = spread_leg(offset, 26)
    return {
        "dx": offset[0], "dy": offset[1], "leg": list(leg) if leg else None,
        "id": v.stop_id, "seq": v.seq, "eta": format_clock(v.arrival_s), "lat": lat, "lon": lon,
        "precision": PRECISION_LABELS[lang].get(v.precision, v.precision),
        "ask": v.precision in ("dusun", "desa"),
        "address": v.cards[0].address, "snap_m": v.snap_m if v.snap_m > 150 else 0,
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
        "stops": [_stop(v, lang, off) for v, off in zip(route.visits, spread_offsets([v.point for v in route.visits]))],
        "streets": _streets(plan, route, streets),
    }
    title = f"{LABELS[lang]['courier']} {route.courier_id} - {plan.date.isoformat()}"
    return offline_page(title, lang, _CSS, _BODY, data, _SCRIPT)
