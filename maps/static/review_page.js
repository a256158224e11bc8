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
  function warn() { Ektp.warnOnce("storage", T.storage_refused); }
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
