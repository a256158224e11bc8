"""The frame shared by the self-contained pages (courier's page, officer's review page).

One HTML file, no CDN: Leaflet is inlined as on the maps (:func:`maps.routes.leaflet_inline`),
the page's data travels as JSON in a ``<script type="application/json">`` block and is drawn with
``textContent`` only, and a Content-Security-Policy allows no request except map tiles. The
JavaScript helpers every page needs (storage that may be refused, CSV cells guarded like
:func:`routing.files.guard_cell`, a download) are in :data:`COMMON_JS`.
"""

from __future__ import annotations

import html
import json
from typing import Any

from maps.routes import leaflet_inline

#: Background tiles, the only thing the pages may fetch (and only when online).
TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

# Inline scripts and styles are the page's own (data never reaches them as code); images only
# inline, from a blob or the tile server; no fetch, no form, no frame, no base URL.
_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src data: blob: https://tile.openstreetmap.org; connect-src 'none'; "
        "form-action 'none'; base-uri 'none'; frame-src 'none'")

_JSON_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                 ("\u2029", "\\u2029"))


def json_block(data: Any, element_id: str = "ektp-data") -> str:
    """``data`` as a ``<script type="application/json">`` element that no field can break out of.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where their ``\\uXXXX`` escapes mean the
    same, so ``</script>`` or ``<!--`` in a name cannot end the element; U+2028/2029 are escaped
    for older JavaScript parsers.

    >>> json_block({"nama": "</script>"}, "d")
    '<script type="application/json" id="d">{"nama":"\\\\u003c/script\\\\u003e"}</script>'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _JSON_ESCAPES:
        text = text.replace(raw, escaped)
    return f'<script type="application/json" id="{html.escape(element_id)}">{text}</script>'


COMMON_JS = r"""
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
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }
  return {el: el, fmt: fmt, openStore: openStore, csvText: csvText, download: download, clock: clock};
})();
"""


def offline_page(title: str, lang: str, css: str, body: str, data: Any, script: str) -> str:
    """A complete page: inlined Leaflet, ``css``, static ``body`` markup, ``data`` as JSON, ``script``.

    ``title`` is escaped here; ``body``, ``css`` and ``script`` must be the caller's constant text
    (no data), since the data reaches the page only through the JSON block.
    """
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n{leaflet_inline()}\n<style>{css}</style>\n</head>\n"
            f"<body>\n{body}\n{json_block(data)}\n<script>{COMMON_JS}</script>\n<script>{script}</script>\n"
            "</body></html>\n")
