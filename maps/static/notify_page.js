(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("ektp-data").textContent);
  var T = D.labels, el = Ektp.el, fmt = Ektp.fmt;
  var store = Ektp.openStore(D.storage_key);
  var saved = store.load();
  // Sent marks by notice key (a hash; no name or number is stored); "k:" keeps keys off the prototype.
  var sent = {};
  if (saved && Array.isArray(saved.sent)) {
    saved.sent.forEach(function (k) { if (typeof k === "string") sent["k:" + k] = true; });
  }
  function warn() { Ektp.warnOnce("storage", T.storage_refused); }
  if (!store.ok) warn();
  function save() {
    if (!store.save({sent: Object.keys(sent).map(function (k) { return k.slice(2); })})) warn();
  }
  function count() {
    var n = 0;
    D.send.forEach(function (h) { if (sent["k:" + h.key]) n += 1; });
    document.getElementById("count").textContent = fmt(T.sent_n, {sent: n, n: D.send.length});
  }
  // Only links the page itself built: a WhatsApp chat, an SMS, a call.
  function link(cls, url, text, prefix) {
    var a = el("a", cls, text);
    if (typeof url === "string" && url.indexOf(prefix) === 0) a.href = url;
    return a;
  }
  function head(h) {
    var div = el("div");
    if (h.urgent) div.appendChild(el("span", "urgent", T.urgent));
    div.appendChild(el("span", "nama", h.nama));
    div.appendChild(document.createTextNode(" \u00b7 " + h.desa + " \u00b7 " + h.window));
    return div;
  }
  document.getElementById("title").textContent = T.title + " - " + D.date_long;
  document.getElementById("help").textContent = T.help;
  if (D.synthetic) document.body.insertBefore(el("p", "synthetic", D.synthetic), document.getElementById("warnings"));

  var list = document.getElementById("send");
  if (!D.send.length) list.appendChild(el("li", "", T.empty));
  D.send.forEach(function (h, i) {
    var li = el("li", sent["k:" + h.key] ? "sent" : "");
    li.setAttribute("data-index", String(i));
    li.appendChild(head(h));
    li.appendChild(el("div", "small", h.phone + " \u00b7 " + fmt(T.cards_n, {n: h.cards}) + " \u00b7 " + h.courier));
    li.appendChild(el("div", "message", h.message));
    var links = el("div", "links");
    links.appendChild(link("wa", h.wa, "WhatsApp", "https://wa.me/"));
    links.appendChild(link("sms", h.sms, "SMS", "sms:"));
    li.appendChild(links);
    var label = el("label", "mark"), box = el("input");
    box.type = "checkbox";
    box.className = "sent-mark";
    box.checked = !!sent["k:" + h.key];
    box.addEventListener("change", function () {
      if (box.checked) sent["k:" + h.key] = true; else delete sent["k:" + h.key];
      li.className = box.checked ? "sent" : "";
      save();
      count();
    });
    label.appendChild(box);
    label.appendChild(document.createTextNode(" " + T.send));
    li.appendChild(label);
    list.appendChild(li);
  });
  count();

  document.getElementById("apart-title").textContent = fmt(T.apart, {n: D.apart.length});
  var apart = document.getElementById("apart");
  D.apart.forEach(function (h) {
    var li = el("li");
    li.appendChild(head(h));
    var line = el("div", "small");
    line.appendChild(el("span", "reason", h.reason));
    if (h.typed) {
      line.appendChild(document.createTextNode(" \u00b7 "));
      if (h.tel) line.appendChild(link("tel", h.tel, h.typed, "tel:"));
      else line.appendChild(el("span", "typed", h.typed));
    }
    line.appendChild(document.createTextNode(" \u00b7 " + fmt(T.cards_n, {n: h.cards}) + " \u00b7 " + h.courier));
    li.appendChild(line);
    apart.appendChild(li);
  });
})();
