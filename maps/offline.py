"""The frame shared by the self-contained pages (courier's page, officer's review page).

One HTML file, no CDN: Leaflet is inlined as on the maps (:func:`maps.leaflet.leaflet_inline`),
the page's data travels as JSON in a ``<script type="application/json">`` block and is drawn with
``textContent`` only, and a Content-Security-Policy allows no request except map tiles. The frame
is ``maps/static/offline_page.html``; the JavaScript helpers every page needs (storage that may be
refused, CSV cells guarded like :func:`routing.files.guard_cell`, a download) are
``maps/static/offline.js``, the ``Ektp`` object the pages' scripts call.
"""

from __future__ import annotations

import html
import json
from string import Template
from typing import Any

from maps.assets import asset
from maps.leaflet import leaflet_inline

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


def offline_page(title: str, lang: str, css: str, body: str, data: Any, script: str) -> str:
    """A complete page: inlined Leaflet, ``css``, static ``body`` markup, ``data`` as JSON, ``script``.

    ``title`` is escaped here; ``body``, ``css`` and ``script`` must be the caller's constant text
    (its package files, no data), since the data reaches the page only through the JSON block. The
    frame's ``$name`` placeholders are filled in one pass, so a ``$`` in the inserted text stays as it is.
    """
    return Template(asset("static/offline_page.html")).substitute(
        lang=html.escape(lang), csp=_CSP, title=html.escape(title), leaflet=leaflet_inline(), css=css, body=body,
        data=json_block(data), common_js=asset("static/offline.js"), script=script)
