var Ektp = (function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // "{name}" placeholders; a replacer function, so "$&" in a value is not a pattern.
  function fmt(s, vals) {
    return String(s).replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(vals, k) ? String(vals[k]) : m;
    });
  }
  // Browsers may refuse storage to a page opened from a file: then ok is false and the page
  // keeps its state in memory only (and says so).
  function openStore(key) {
    var ls = null;
    try {
      ls = window.localStorage;
      ls.setItem(key + "#probe", "1");
      ls.removeItem(key + "#probe");
    } catch (e) { ls = null; }
    var s = {
      ok: ls !== null,
      load: function () {
        if (!ls) return null;
        try { var raw = ls.getItem(key); return raw ? JSON.parse(raw) : null; } catch (e) { return null; }
      },
      save: function (value) {
        if (!ls) return false;
        try { ls.setItem(key, JSON.stringify(value)); return true; } catch (e) { ls = null; s.ok = false; return false; }
      },
      clear: function () {
        if (!ls) return;
        try { ls.removeItem(key); } catch (e) { /* nothing kept to remove */ }
      }
    };
    return s;
  }
  // As routing.files.guard_cell: a text starting with = + - @ tab or CR gets an apostrophe so a
  // spreadsheet shows it as text; plain numbers (negative latitudes) stay numbers.
  var FORMULA = /^[=+\-@\t\r]/;
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  function guard(v) {
    var s = (v === undefined || v === null) ? "" : String(v);
    return FORMULA.test(s) && !NUMBER.test(s) ? "'" + s : s;
  }
  // Quoted like Python's csv module (only when needed), UTF-8 with BOM as the office's files.
  function csvText(rows) {
    return "\ufeff" + rows.map(function (row) {
      return row.map(function (v) {
        var s = guard(v);
        return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
      }).join(",");
    }).join("\r\n") + "\r\n";
  }
  function download(name, text) {
    var url = URL.createObjectURL(new Blob([text], {type: "text/csv;charset=utf-8"}));
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }
  // A line in the page's #warnings, once per kind (storage refused, no GPS, ...).
  var warned = {};
  function warnOnce(kind, text) {
    if (warned["k:" + kind]) return;
    warned["k:" + kind] = true;
    var p = el("p", "warning", text);
    p.setAttribute("data-warning", kind);
    document.getElementById("warnings").appendChild(p);
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }
  // ISO 8601 in the phone's local time with its offset (2026-12-03T10:15:42+07:00): the date and the
  // zone travel with the time, so the office can check it is a time of the plan's day.
  function isoTime(d) {
    var off = -d.getTimezoneOffset(), sign = off < 0 ? "-" : "+";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + clock(d) + sign +
      pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }
  return {el: el, fmt: fmt, openStore: openStore, csvText: csvText, download: download, clock: clock,
          isoTime: isoTime, warnOnce: warnOnce};
})();
