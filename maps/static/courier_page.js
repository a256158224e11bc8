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
