"""Folium maps: one per courier and an overview with a layer per courier.

Markers are numbered in visit order; lines follow the roads (the plan's route geometry).
Popups carry stop number, ETA, address and card count, never a NIK or a name, and every text
is escaped because addresses come from the office's export.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xleaflet
from branca.element import Figure, MacroElement
from jinja2 import Template

from routing.clock import format_clock
from routing.plan import Plan, Route, Visit

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#003f5c", "#a05195"]

_CSS = """<style>
.stop-marker { color: #fff; border: 2px solid #fff; border-radius: 50%;
  width: 24px; height: 24px; line-height: 20px; text-align: center; font: bold 12px Arial, sans-serif;
  box-shadow: 0 0 3px rgba(0,0,0,.6); box-sizing: border-box; }
.stop-marker.urgent { border-color: #ff0; }
.depot-marker { background: #000; color: #fff; padding: 2px 4px; font: bold 11px Arial, sans-serif;
  border-radius: 3px; white-space: nowrap; }
.synthetic-banner { position: fixed; top: 8px; left: 50px; z-index: 1000; background: #fff; color: #b00;
  border: 2px dashed #b00; padding: 2px 6px; font: bold 12px Arial, sans-serif; }
</style>"""


@functools.cache
def leaflet_inline() -> str:
    """Leaflet's JS and CSS from the packaged XStatic-Leaflet, inlined so maps work offline.

    The CSS's image references become data URIs; nothing is fetched from a CDN. The courier's
    and the review pages (:mod:`maps.offline`) inline the same text.
    """
    data = Path(xleaflet.BASE_DIR)
    css = (data / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        img = data / m.group(1)
        return f"url(data:image/png;base64,{base64.b64encode(img.read_bytes()).decode()})" if img.exists() else m.group(0)

    css = re.sub(r"url\((images/[^)]+\.png)\)", inline, css)
    js = (data / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    return f"<style>{css}</style>\n<script>{js}</script>"


class SafePopup(MacroElement):
    """A popup whose HTML travels as a JSON string literal.

    folium's own Popup puts content in a JavaScript template literal and needs jQuery; there
    ``${...}`` in an address would run. Here the (already escaped) HTML is JSON-encoded, with
    ``</`` broken up so it cannot close the script element.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.bindPopup({{ this.content }}, {maxWidth: 260});"
        "{% endmacro %}")

    def __init__(self, content_html: str) -> None:
        super().__init__()
        self._name = "SafePopup"
        self.content = json.dumps(content_html).replace("</", "<\\/")


def colour(k: int) -> str:
    """Colour of the k-th courier's route."""
    return PALETTE[k % len(PALETTE)]


def _popup_html(route: Route, v: Visit) -> str:
    urgent = " (PENTING)" if any(c.urgent for c in v.cards) else ""
    return (f"<b>{html.escape(route.courier_id)} - Stop {v.seq}{urgent}</b><br>"
            f"Tiba: {format_clock(v.arrival_s)}<br>"
            f"{html.escape(v.cards[0].address)}<br>"
            f"Kartu: {len(v.cards)}")


def _terminal(target: folium.Map | folium.FeatureGroup, point: object, label: str, route: Route) -> None:
    folium.Marker((point.lat, point.lon), tooltip=f"{html.escape(route.courier_id)} {label}",
                  icon=folium.DivIcon(html=f'<div class="depot-marker">{label}</div>', icon_size=(52, 18),
                                      icon_anchor=(26, 9), class_name="ektp-terminal")).add_to(target)


def _add_route(target: folium.Map | folium.FeatureGroup, route: Route, k: int) -> None:
    col = colour(k)
    if route.start is not None:
        _terminal(target, route.start, "MULAI", route)
    if route.end is not None:
        _terminal(target, route.end, "SELESAI", route)
    if route.geometry:
        folium.PolyLine([(p.lat, p.lon) for p in route.geometry], color=col, weight=4, opacity=0.8,
                        tooltip=html.escape(route.courier_id)).add_to(target)
    for v in route.visits:
        urgent = " urgent" if any(c.urgent for c in v.cards) else ""
        icon = folium.DivIcon(
            html=f'<div class="stop-marker{urgent}" style="background:{col}">{v.seq}</div>',
            icon_size=(24, 24), icon_anchor=(12, 12), class_name="ektp-stop")
        marker = folium.Marker((v.point.lat, v.point.lon), icon=icon,
                               tooltip=f"{v.seq}. {format_clock(v.arrival_s)}")
        marker.add_child(SafePopup(_popup_html(route, v)))
        marker.add_to(target)


def _base(plan: Plan, points: list[tuple[float, float]], banner: str) -> folium.Map:
    m = folium.Map(location=(plan.depot.lat, plan.depot.lon), zoom_start=14, control_scale=True,
                   prefer_canvas=False)
    # Only Leaflet is needed (DivIcon markers, lines, popups, layer control), and it is inlined:
    # couriers open these pages on phones with weak signal. Tiles still load when online.
    m.default_js = []
    m.default_css = []
    m.get_root().header.add_child(folium.Element(leaflet_inline()), name="leaflet_inline", index=0)
    m.get_root().header.add_child(folium.Element(_CSS))
    if banner:
        m.get_root().html.add_child(folium.Element(f'<div class="synthetic-banner">{html.escape(banner)}</div>'))
    # The office's name comes from its config: escaped, and bound through SafePopup (not a folium
    # tooltip, whose template literal would run ``${...}``).
    root = m.get_root()
    if isinstance(root, Figure):
        root.title = html.escape(plan.office_name)
    depot = folium.Marker((plan.depot.lat, plan.depot.lon), tooltip="Kantor Dispendukcapil",
                          icon=folium.DivIcon(html='<div class="depot-marker">KANTOR</div>', icon_size=(52, 18),
                                              icon_anchor=(26, 9), class_name="ektp-depot"))
    depot.add_child(SafePopup(f"<b>{html.escape(plan.office_name)}</b>"))
    depot.add_to(m)
    if points:
        lats = [p[0] for p in points] + [plan.depot.lat]
        lons = [p[1] for p in points] + [plan.depot.lon]
        m.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(20, 20))
    return m


def courier_map(plan: Plan, route: Route, k: int, banner: str = "") -> str:
    """One courier's map as a standalone HTML page."""
    m = _base(plan, [(p.lat, p.lon) for p in route.geometry] or [(v.point.lat, v.point.lon) for v in route.visits],
              banner)
    _add_route(m, route, k)
    return m.get_root().render()


def overview_map(plan: Plan, banner: str = "") -> str:
    """All routes on one map, a layer per courier that can be switched on and off."""
    pts = [(v.point.lat, v.point.lon) for r in plan.routes for v in r.visits]
    m = _base(plan, pts, banner)
    for k, route in enumerate(plan.routes):
        group = folium.FeatureGroup(name=html.escape(f"{route.courier_id} ({len(route.visits)} stop)"))
        _add_route(group, route, k)
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m.get_root().render()
