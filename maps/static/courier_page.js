(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("ektp-data").textContent);
  var T = D.labels, el = Ektp.el, fmt = Ektp.fmt;
  var CODE_TEXT = {};
  D.codes.forEach(function (c) { CODE_TEXT[c[0]] = c[1]; });
  var store = Ektp.openStore(D.storage_key);
  var has = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };
  // Outcomes are kept per card (NIK) for the plan's date, never per stop number or position: a
  // re-plan of the same date renumbers the households and may move cards between couriers, and an
  // outcome must stay on its own card. State of an older page (kept per stop) cannot be mapped to
  // cards safely: it is kept aside as it was, never shown on a household, and cleared with the day.
  var state = store.load();
  if (!state || typeof state !== "object" || state.v !== 2 || typeof state.cards !== "object" ||
      state.cards === null) {
    state = {v: 2, cards: {}, drafts: {}, legacy: state && typeof state === "object" ? state : null};
  }
  if (typeof state.drafts !== "object" || state.drafts === null) state.drafts = {};
  // A position asked for before a reload never arrives: that outcome stays without GPS.
  Object.keys(state.cards).forEach(function (nik) {
    if (state.cards[nik] && state.cards[nik].gps === "wait") state.cards[nik].gps = "none";
  });
  // A fix is fresh when the phone took it at most FRESH_MS before the tap; a tap waits at most
  // FIX_WAIT_MS for one. A cached position (the previous stop's, a minute ago) never joins an outcome.
  var FRESH_MS = 2000, FIX_WAIT_MS = 30000;
  var views = {}, cardViews = {}, markers = {};
  var warned = {};
  var ON_PAGE = {};
  D.stops.forEach(function (s) { s.cards.forEach(function (c) { ON_PAGE[c.nik] = s; }); });

  function warn(kind) {
    if (warned[kind]) return;
    warned[kind] = true;
    var p = el("p", "warning", T[kind + "_refused"]);
    p.setAttribute("data-warning", kind);
    document.getElementById("warnings").appendChild(p);
  }
  function save() { if (!store.save(state)) warn("storage"); }
  function card(nik) { return has(state.cards, nik) ? state.cards[nik] : null; }
  function apart(c) { var r = card(c.nik); return !!(r && r.own); }
  // The household's cards that one tap records: all but those the courier set apart.
  function together(s) { return s.cards.filter(function (c) { return !apart(c); }); }
  // A household's inputs before its tap, kept under its cards (the same people after a re-plan).
  function draftKey(s) { return s.cards.map(function (c) { return c.nik; }).sort().join(","); }
  function draft(s) {
    var k = draftKey(s);
    if (!has(state.drafts, k)) state.drafts[k] = {recipient: "", note: ""};
    return state.drafts[k];
  }
  function kindOf(code) { return !code ? "" : (code === "DT" ? "delivered" : "failed"); }
  // A stop is delivered when any of its cards was handed over, failed when all were recorded otherwise.
  function kind(s) {
    var codes = s.cards.map(function (c) { var r = card(c.nik); return r && r.code ? r.code : ""; });
    if (codes.indexOf("DT") >= 0) return "delivered";
    return codes.some(function (c) { return c; }) ? "failed" : "";
  }
  // The household's own record: the first card recorded together with it (set-apart cards have their own).
  function householdRecord(s) {
    var first = together(s).map(function (c) { return card(c.nik); }).filter(function (r) { return r && r.code; });
    return first.length ? first[0] : null;
  }
  function gpsText(r) {
    return r.gps === "ok" ? fmt(T.gps_ok, {m: r.accuracy_m}) : (r.gps === "wait" ? T.gps_wait : T.gps_none);
  }

  // A row of outcome buttons (DT TR PA AT MN MD), each marked with its code in ``attr``.
  function codeButtons(attr, onTap) {
    var box = el("div", "outcomes"), byCode = {};
    D.codes.forEach(function (c) {
      var b = el("button", "outcome");
      b.type = "button";
      b.setAttribute(attr, c[0]);
      b.appendChild(el("span", "code", c[0]));
      b.appendChild(el("span", "text", c[1]));
      b.addEventListener("click", function () { onTap(c[0]); });
      box.appendChild(b);
      byCode[c[0]] = b;
    });
    return {box: box, byCode: byCode};
  }
  // A labelled one-line text field added to ``parent``.
  function textInput(parent, label, cls) {
    var l = el("label", "", label), input = el("input", cls);
    input.type = "text";
    input.autocomplete = "off";
    l.appendChild(input);
    parent.appendChild(l);
    return input;
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
      li.setAttribute("data-nik-masked", c.masked);
      li.appendChild(el("span", "name", c.nama));
      li.appendChild(el("span", "nik", c.masked));
      if (c.urgent) li.appendChild(el("span", "urgent", T.urgent));
      if (s.cards.length > 1) li.appendChild(cardPanel(s, c));
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
    var buttons = codeButtons("data-code", function (code) { record(s, code); });
    var byCode = buttons.byCode;
    box.appendChild(buttons.box);
    var recipient = textInput(box, T.recipient, "recipient");
    var note = textInput(box, T.note, "note");
    var message = el("p", "message");
    box.appendChild(message);
    var status = el("p", "status");
    box.appendChild(status);
    var undo = el("button", "undo", T.undo);
    undo.type = "button";
    box.appendChild(undo);
    recipient.addEventListener("input", function () {
      draft(s).recipient = recipient.value;
      message.textContent = "";
      save();
    });
    note.addEventListener("input", function () { draft(s).note = note.value; save(); });
    undo.addEventListener("click", function () {
      together(s).forEach(function (c) { delete state.cards[c.nik]; });
      save();
      show(s);
    });
    list.appendChild(box);
    views[s.id] = {box: box, buttons: byCode, recipient: recipient, note: note, message: message,
                   status: status, undo: undo};
    show(s);
  });

  // One card set apart from its household: its own outcome, recipient and note (one member moved
  // away or died while the others got their cards).
  function cardPanel(s, c) {
    var wrap = el("div", "apart");
    var toggle = el("button", "apart-toggle", T.set_apart);
    toggle.type = "button";
    wrap.appendChild(toggle);
    var panel = el("div", "apart-panel");
    var buttons = codeButtons("data-card-code", function (code) { recordCard(s, c, code); });
    var byCode = buttons.byCode;
    panel.appendChild(buttons.box);
    var recipient = textInput(panel, T.recipient, "card-recipient");
    var note = textInput(panel, T.note, "card-note");
    var message = el("p", "message"), status = el("p", "card-status");
    panel.appendChild(message);
    panel.appendChild(status);
    var join = el("button", "rejoin", T.rejoin);
    join.type = "button";
    panel.appendChild(join);
    wrap.appendChild(panel);
    var open = false;
    toggle.addEventListener("click", function () { open = !open; show(s); });
    join.addEventListener("click", function () {
      delete state.cards[c.nik];
      open = false;
      save();
      show(s);
    });
    cardViews[c.nik] = {panel: panel, toggle: toggle, buttons: byCode, recipient: recipient, note: note,
                        message: message, status: status, isOpen: function () { return open || apart(c); }};
    return wrap;
  }

  function show(s) {
    var v = views[s.id], r = householdRecord(s) || {}, d = draft(s);
    v.box.className = "stop " + kind(s);
    if (document.activeElement !== v.recipient) v.recipient.value = r.code ? (r.recipient || "") : d.recipient;
    if (document.activeElement !== v.note) v.note.value = r.code ? (r.note || "") : d.note;
    Object.keys(v.buttons).forEach(function (code) {
      v.buttons[code].className = "outcome" + (r.code === code ? " chosen" : "");
    });
    v.undo.hidden = !r.code;
    if (r.code) {
      v.status.textContent = fmt(T.recorded, {code: r.code, text: CODE_TEXT[r.code] || "", time: r.clock || r.time}) +
        " \u00b7 " + gpsText(r);
    } else {
      v.status.textContent = "";
    }
    s.cards.forEach(function (c) {
      var cv = cardViews[c.nik];
      if (!cv) return;
      var own = apart(c) ? card(c.nik) : null;
      cv.panel.hidden = !cv.isOpen();
      cv.toggle.hidden = cv.isOpen();
      Object.keys(cv.buttons).forEach(function (code) {
        cv.buttons[code].className = "outcome" + (own && own.code === code ? " chosen" : "");
      });
      if (own && document.activeElement !== cv.recipient) cv.recipient.value = own.recipient || "";
      if (own && document.activeElement !== cv.note) cv.note.value = own.note || "";
      cv.status.textContent = own && own.code ? fmt(T.recorded, {code: own.code, text: CODE_TEXT[own.code] || "",
                                                             time: own.clock || own.time}) + " \u00b7 " + gpsText(own) : "";
    });
    if (markers[s.id]) markers[s.id].setIcon(iconFor(s));
  }
  // A stop sharing its point with others is drawn s.dx, s.dy pixels away, with a leg to the point.
  function iconFor(s) {
    var k = kind(s);
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
    var v = views[s.id];
    var d = draft(s);
    d.recipient = v.recipient.value;
    d.note = v.note.value;
    if (code === "DT" && !d.recipient.trim()) {
      v.message.textContent = T.need_recipient;
      v.recipient.focus();
      return;
    }
    var cards = together(s);
    if (!cards.length) { v.message.textContent = T.all_apart; return; }
    v.message.textContent = "";
    stamp(s, cards, code, d.recipient, d.note, false);
  }
  function recordCard(s, c, code) {
    var cv = cardViews[c.nik];
    if (code === "DT" && !cv.recipient.value.trim()) {
      cv.message.textContent = T.need_recipient;
      cv.recipient.focus();
      return;
    }
    cv.message.textContent = "";
    stamp(s, [c], code, cv.recipient.value, cv.note.value, true);
  }
  // Record ``code`` for ``cards`` now; their position joins them when (and if) a fresh fix comes.
  function stamp(s, cards, code, recipient, note, own) {
    var now = new Date();
    var token = String(now.getTime()) + "-" + Math.random();
    var geo = !!navigator.geolocation;
    cards.forEach(function (c) {
      state.cards[c.nik] = {code: code, recipient: recipient, note: note, time: Ektp.isoTime(now),
                            clock: Ektp.clock(now), lat: null, lon: null, accuracy_m: null, fix_time: null,
                            gps: geo ? "wait" : "none", token: token, own: own, courier: D.courier,
                            nama: c.nama, masked: c.masked};
    });
    save();
    show(s);
    if (!geo) return;
    freshFix(now.getTime(), function (pos) {
      var changed = false;
      cards.forEach(function (c) {
        var r = card(c.nik);
        if (!r || r.token !== token) return;  // re-tapped or undone since: this fix is not its own
        if (pos) {
          r.lat = pos.coords.latitude;
          r.lon = pos.coords.longitude;
          r.accuracy_m = Math.round(pos.coords.accuracy);
          r.fix_time = Ektp.isoTime(new Date(pos.timestamp));
          r.gps = "ok";
        } else {
          r.gps = "none";
        }
        changed = true;
      });
      if (changed) { save(); show(s); }
      if (!pos) warn("gps");
    });
  }
  // A position the phone takes after the tap (never a cached one), or null after FIX_WAIT_MS.
  function freshFix(tapMs, done) {
    var over = false, timer = null;
    function finish(pos) {
      if (over) return;
      over = true;
      if (timer !== null) clearTimeout(timer);
      done(pos);
    }
    function plausible(pos) {
      var c = pos && pos.coords;
      return !!c && isFinite(c.latitude) && isFinite(c.longitude) && isFinite(c.accuracy) && c.accuracy > 0 &&
        Math.abs(c.latitude) <= 90 && Math.abs(c.longitude) <= 180;
    }
    function ask() {
      if (over) return;
      var left = tapMs + FIX_WAIT_MS - Date.now();
      if (left <= 0) { finish(null); return; }
      try {
        navigator.geolocation.getCurrentPosition(function (pos) {
          if (pos.timestamp >= tapMs - FRESH_MS && plausible(pos)) finish(pos);
          else if (!over) setTimeout(ask, 250);  // taken before the tap, or not a place: ask again
        }, function () { finish(null); }, {enableHighAccuracy: true, timeout: left, maximumAge: 0});
      } catch (e) { finish(null); }
    }
    timer = setTimeout(function () { finish(null); }, FIX_WAIT_MS);
    ask();
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
  function cell(x) { return x === null || x === undefined ? "" : x; }
  // One row per recorded card: this route's in visit order, then cards this phone recorded that a
  // re-plan moved off this route (they are this courier's outcomes, and only this page has them).
  function rows() {
    var out = [D.columns], seen = {};
    function push(nik) {
      var r = card(nik);
      if (!r || !r.code || seen[nik]) return;
      seen[nik] = true;
      out.push([nik, r.code, r.code === "DT" ? (r.recipient || "").trim() : "", r.time,
                typeof r.lat === "number" ? r.lat.toFixed(7) : "", typeof r.lon === "number" ? r.lon.toFixed(7) : "",
                cell(r.accuracy_m), r.courier || D.courier, (r.note || "").trim(), cell(r.fix_time)]);
    }
    D.stops.forEach(function (s) { s.cards.forEach(function (c) { push(c.nik); }); });
    Object.keys(state.cards).sort().forEach(push);
    return out;
  }
  // Cards recorded on this phone that are no longer on this route (a re-plan moved them).
  function showElsewhere() {
    var box = document.getElementById("elsewhere");
    box.textContent = "";
    var gone = Object.keys(state.cards).filter(function (nik) {
      return !has(ON_PAGE, nik) && state.cards[nik] && state.cards[nik].code;
    }).sort();
    box.hidden = !gone.length;
    if (!gone.length) return;
    box.appendChild(el("h2", "", T.elsewhere));
    gone.forEach(function (nik) {
      var r = state.cards[nik];
      var p = el("p", "elsewhere-card", [r.nama || "", r.masked || "", r.code, r.clock || r.time].join(" \u00b7 "));
      p.setAttribute("data-code", r.code);
      box.appendChild(p);
    });
  }
  showElsewhere();
  var shareFile = null;
  document.getElementById("send").addEventListener("click", function () {
    var counts = {delivered: [0, 0], failed: [0, 0], not_visited: [0, 0]};
    var problems = document.getElementById("summary-problems");
    problems.textContent = "";
    D.stops.forEach(function (s) {
      counts[kind(s) || "not_visited"][0] += 1;
      var named = true;
      s.cards.forEach(function (c) {
        var r = card(c.nik);
        counts[r && r.code ? kindOf(r.code) : "not_visited"][1] += 1;
        if (r && r.code === "DT" && !(r.recipient || "").trim()) named = false;
      });
      if (!named) problems.appendChild(el("p", "message", fmt(T.dt_without_name, {seq: s.seq})));
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
    state = {v: 2, cards: {}, drafts: {}, legacy: null};
    D.stops.forEach(show);
    showElsewhere();
    document.getElementById("summary").hidden = true;
  });
})();
