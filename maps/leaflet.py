"""Leaflet, read from the packaged XStatic-Leaflet and inlined, so maps and pages work offline.

Used by the folium maps (:mod:`maps.routes`) and by the self-contained pages (:mod:`maps.offline`),
which must not import folium: this module is the only reader of XStatic-Leaflet's files.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

import xstatic.pkg.leaflet as xleaflet


@functools.cache
def leaflet_inline() -> str:
    """Leaflet's JS and CSS as ``<style>`` and ``<script>`` elements to put in a page's head.

    The CSS's image references become data URIs; nothing is fetched from a CDN. ``</script`` in the
    JavaScript is escaped so that it cannot end the element.
    """
    data = Path(xleaflet.BASE_DIR)
    css = (data / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        img = data / m.group(1)
        if not img.exists():
            return m.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(img.read_bytes()).decode()})"

    css = re.sub(r"url\((images/[^)]+\.png)\)", inline, css)
    js = (data / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    return f"<style>{css}</style>\n<script>{js}</script>"
