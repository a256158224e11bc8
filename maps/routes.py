"""Folium maps: one per courier and an overview with a layer per courier.

Markers are numbered in visit order; lines follow the roads (the plan's route geometry).
Popups carry stop number, ETA, address and card count, never a NIK or a name. Addresses come from
the office's export and courier ids from files the office edits, so every text is encoded for
where it lands: HTML-escaped (Leaflet puts popups, tooltips and layer names in ``innerHTML``),
then written into the script as a JSON string with ``< > & '`` and line separators as ``\\u``
escapes (:func:`js_string`). folium's own tooltips are JavaScript template literals, where
``${...}`` or a backtick in an id would run or break the whole map, so they are not used.

branca compiles every rendered script snippet as a Jinja template once more, so ``{{ ... }}`` in
an address would be evaluated as Python on the officer's machine (``{{ lipsum.__globals__.os... }}``)
or, malformed, stop the drawing. The elements drawn here skip that pass (:class:`Verbatim`: it was
also most of the maps' drawing time, a compilation per marker, icon, tooltip and popup), and no
brace from the data reaches a script either: :func:`js_string` and :func:`html_text` encode ``{``
and ``}``.

The streets around the routes (:mod:`routing.roads.streets`, from the road network) are drawn as thin
grey lines in a pane under the routes, so the map shows the way with no tiles; named streets
show their name on hover or tap. Stops that share one point (households located at a desa's
point) are drawn apart on a ring of a few pixels around it, each with a thin leg to the true
point (:func:`spread_offsets`), so every one can be tapped at any zoom.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from maps.assets import asset
from maps.leaflet import leaflet_inline
from maps.sheets import MAX_CHARS, clip
from maps.spread import spread_leg, spread_offsets
from routing.clock import format_clock
from routing.geo import LatLon
from routing.plan import Plan, Route, Visit
from routing.roads.streets import RADIUS_M, Streets
from routing.roads.streets import to_json as streets_json

#: Longest address shown in a popup, in characters (the sheet and routes.csv have it in full).
POPUP_ADDRESS_CHARS = 300

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#003f5c", "#a05195"]

_JS_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in "<>&'{}"}


def js_string(value: str) -> str:
    """``value`` as a JavaScript string literal that is safe inside an HTML ``<script>`` element.

    JSON with ``ensure_ascii`` turns U+2028/U+2029 into escapes; ``<``, ``>``, ``&`` and ``'``
    become ``\\u`` escapes too, so neither ``</script>`` nor ``<!--`` can end or alter the
    script element, and so do ``{`` and ``}``, so branca's second Jinja pass finds no template
    syntax.

    >>> js_string("</script>`${x}`")
    '"\\\\u003c/script\\\\u003e`$\\\\u007bx\\\\u007d`"'
    """
    return json.dumps(value, ensure_ascii=True).translate(_JS_ESCAPES)


def html_text(value: str) -> str:
    """``value`` as HTML text, with braces as character references (see the module docstring)."""
    return html.escape(value).replace("{", "&#123;").replace("}", "&#125;")


class RawHtml(Element):
    """Markup written into the page as it is.

    branca's ``Element(text)`` compiles ``text`` as a Jinja template, so ``{{ ... }}`` in it would
    be evaluated; here the text is only ever a value.
    """

    _template = Template("{{ this.markup }}")

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.markup = markup


_LINE_END = re.compile(r"\r\n|\r|\n")


def _as_jinja_returns(text: str) -> str:
    """``text`` as a Jinja template of it renders when it holds no template syntax: every line end
    made ``\n``, one line end at the very end dropped (Jinja's ``keep_trailing_newline=False``)."""
    lines = _LINE_END.split(text)
    if lines[-1] == "":
        del lines[-1]
    return "\n".join(lines)


class Verbatim(MacroElement):
    """A MacroElement whose rendered parts (header, html, script) go into the page as they are.

    branca's ``MacroElement.render`` hands each part to ``Element(part)``, which compiles it as a
    Jinja template once more before the page is drawn. Here each part is a :class:`RawHtml`, with
    the line ends that pass would give it, so the page is the same without the compilation, and
    nothing in a part can act as a template. folium's elements drawn on these maps take it as a
    mixin (:class:`Marker`, :class:`DivIcon`, ...): their own ``render`` runs, then this one.
    """

    def get_name(self) -> str:
        """branca's name of the element (``marker_<id>``), worked out once per ``_name`` and ``_id``
        (a copy gets a new id): branca camel-cases it letter by letter on every call, and a day's
        maps ask 10,905 times."""
        key = (self._name, self._id)
        kept = self.__dict__.get("_kept_name")
        if kept is None or kept[0] != key:
            kept = self.__dict__["_kept_name"] = (key, super().get_name())
        return kept[1]

    # Untyped, as branca's MacroElement.render is: it returns nothing, where Element.render says str.
    def render(self, **kwargs):
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        macros = self._template.module.__dict__
        for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = macros.get(part)
            if macro is not None:
                target.add_child(RawHtml(_as_jinja_returns(macro(self, kwargs))), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


# folium's Marker.render takes no options where MacroElement.render takes any: mypy sees a clash.
class Marker(folium.Marker, Verbatim):  # type: ignore[misc]
    """folium's Marker, drawn :class:`Verbatim`, and so is the call that sets its icon."""

    class SetIcon(folium.Marker.SetIcon, Verbatim):
        pass


class DivIcon(folium.DivIcon, Verbatim):
    """folium's DivIcon, drawn :class:`Verbatim`."""


class PolyLine(folium.PolyLine, Verbatim):
    """folium's PolyLine, drawn :class:`Verbatim`."""


class FeatureGroup(folium.FeatureGroup, Verbatim):
    """folium's FeatureGroup, drawn :class:`Verbatim`."""


class LayerControl(folium.LayerControl, Verbatim):
    """folium's LayerControl, drawn :class:`Verbatim`."""


class Map(folium.Map, Verbatim):
    """folium's Map, drawn :class:`Verbatim`."""


class _SafeBinding(Verbatim):
    """Content bound to its parent layer by a Leaflet ``bind*`` call, as a JSON string literal.

    folium's Popup and Tooltip put their text in a JavaScript template literal, where ``${...}``
    in an address would run; here the content is always :func:`js_string`. ``method`` and
    ``options`` are this module's constants, never data.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.{{ this.method }}({{ this.content }}, {{ this.options }});"
        "{% endmacro %}")

    def __init__(self, name: str, method: str, content_html: str, options: str) -> None:
        super().__init__()
        self._name = name
        self.method = method
        self.content = js_string(content_html)
        self.options = options


class SafePopup(_SafeBinding):
    """A popup from HTML the caller has escaped (folium's own Popup also needs jQuery)."""

    def __init__(self, content_html: str) -> None:
        super().__init__("SafePopup", "bindPopup", content_html, "{maxWidth: 260}")


class SafeTooltip(_SafeBinding):
    """A tooltip from plain text, HTML-escaped here."""

    def __init__(self, text: str) -> None:
        super().__init__("SafeTooltip", "bindTooltip", html_text(text), "{sticky: true}")


def _icon_html(inner: str, offset: tuple[int, int]) -> str:
    leg = spread_leg(offset)
    if leg is None:
        return inner
    left, top, width, deg = leg
    return (f'<div class="spread-leg" style="left:{left}px;top:{top}px;width:{width}px;'
            f'transform:rotate({deg}deg)"></div>{inner}')


class StreetLayer(Verbatim):
    """The streets (:class:`routing.roads.streets.Streets`) as thin grey lines in a pane under the routes.

    The data travels as a JavaScript array literal: names HTML-escaped (Leaflet writes tooltips
    as HTML), then JSON with ``< > & ' { }`` as ``\\u`` escapes; only arrays, numbers and strings, so
    no brace is left for branca's Jinja pass and nothing can end the script. The layer group is
    kept on the map as ``_ektpStreets`` (the browser tests count its lines).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function (map, d) {"
        " var names = d[0], g = L.layerGroup();"
        " map.createPane('ektpStreets').style.zIndex = 350;"
        " var renderer = L.canvas({pane: 'ektpStreets', tolerance: 6});"
        " d[1].forEach(function (s) {"
        "  var c = s[1], ll = [];"
        "  for (var i = 0; i + 1 < c.length; i += 2) ll.push([c[i], c[i + 1]]);"
        "  var named = s[0] >= 0;"
        "  var line = L.polyline(ll, {pane: 'ektpStreets', renderer: renderer, color: '#777', weight: 2,"
        "                             opacity: 0.85, interactive: named});"
        "  if (named) line.bindTooltip(names[s[0]], {sticky: true});"
        "  g.addLayer(line);"
        " });"
        " g.addTo(map);"
        " map._ektpStreets = g;"
        "})({{ this._parent.get_name() }}, {{ this.data }});"
        "{% endmacro %}")

    def __init__(self, streets: Streets) -> None:
        super().__init__()
        self._name = "StreetLayer"
        data = streets_json(streets)
        payload = [[html_text(n) for n in data["names"]], data["lines"]]
        self.data = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).translate(_JS_ESCAPES)


def colour(k: int) -> str:
    """Colour of the k-th courier's route."""
    return PALETTE[k % len(PALETTE)]


def _courier(route: Route) -> str:
    """The courier id as shown on maps (cut if absurdly long, as on the sheets)."""
    return clip(route.courier_id, MAX_CHARS["courier"])


def _popup_html(route: Route, v: Visit) -> str:
    urgent = " (PENTING)" if any(c.urgent for c in v.cards) else ""
    return (f"<b>{html_text(_courier(route))} - Stop {v.seq}{urgent}</b><br>"
            f"Tiba: {format_clock(v.arrival_s)}<br>"
            f"{html_text(clip(v.cards[0].address, POPUP_ADDRESS_CHARS))}<br>"
            f"Kartu: {len(v.cards)}")


def _terminal(target: folium.Map | folium.FeatureGroup, point: LatLon, label: str, route: Route) -> None:
    marker = Marker((point.lat, point.lon),
                    icon=DivIcon(html=f'<div class="depot-marker">{label}</div>', icon_size=(52, 18),
                                 icon_anchor=(26, 9), class_name="ektp-terminal"))
    marker.add_child(SafeTooltip(f"{_courier(route)} {label}"))
    marker.add_to(target)


def _add_route(target: folium.Map | folium.FeatureGroup, route: Route, k: int,
               offsets: Sequence[tuple[int, int]] | None = None) -> None:
    col = colour(k)
    offsets = offsets or spread_offsets([v.point for v in route.visits])
    if route.start is not None:
        _terminal(target, route.start, "MULAI", route)
    if route.end is not None:
        _terminal(target, route.end, "SELESAI", route)
    if route.geometry:
        line = PolyLine([(p.lat, p.lon) for p in route.geometry], color=col, weight=4, opacity=0.8)
        line.add_child(SafeTooltip(_courier(route)))
        line.add_to(target)
    for v, (dx, dy) in zip(route.visits, offsets):
        urgent = " urgent" if any(c.urgent for c in v.cards) else ""
        icon = DivIcon(
            html=_icon_html(f'<div class="stop-marker{urgent}" style="background:{col}">{v.seq}</div>', (dx, dy)),
            icon_size=(24, 24), icon_anchor=(12 - dx, 12 - dy), class_name="ektp-stop")
        marker = Marker((v.point.lat, v.point.lon), icon=icon)
        marker.add_child(SafeTooltip(f"{v.seq}. {format_clock(v.arrival_s)}"))
        marker.add_child(SafePopup(_popup_html(route, v)))
        marker.add_to(target)


def _base(plan: Plan, points: list[tuple[float, float]], banner: str, streets: Streets | None) -> folium.Map:
    m = Map(location=(plan.depot.lat, plan.depot.lon), zoom_start=14, control_scale=True, prefer_canvas=False)
    # Only Leaflet is needed (DivIcon markers, lines, popups, layer control), and it is inlined:
    # couriers open these pages on phones with weak signal. Tiles still load when online.
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    root.header.add_child(RawHtml(leaflet_inline()), name="leaflet_inline", index=0)  # type: ignore[attr-defined]
    root.header.add_child(RawHtml(f"<style>\n{asset('static/routes.css')}</style>"))  # type: ignore[attr-defined]
    if banner:
        banner_html = f'<div class="synthetic-banner">{html_text(banner)}</div>'
        root.html.add_child(RawHtml(banner_html))  # type: ignore[attr-defined]
    if isinstance(root, Figure):
        root.title = html_text(plan.office_name)
    depot = Marker((plan.depot.lat, plan.depot.lon),
                   icon=DivIcon(html='<div class="depot-marker">KANTOR</div>', icon_size=(52, 18),
                                icon_anchor=(26, 9), class_name="ektp-depot"))
    if streets is not None and len(streets):
        m.add_child(StreetLayer(streets))
    depot.add_child(SafeTooltip("Kantor Dispendukcapil"))
    # The office's name comes from its config: escaped, and bound through SafePopup.
    depot.add_child(SafePopup(f"<b>{html_text(plan.office_name)}</b>"))
    depot.add_to(m)
    if points:
        lats = [p[0] for p in points] + [plan.depot.lat]
        lons = [p[1] for p in points] + [plan.depot.lon]
        m.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(20, 20))
    return m


def courier_map(plan: Plan, route: Route, k: int, banner: str = "", streets: Streets | None = None) -> str:
    """One courier's map as a standalone HTML page; ``streets`` near this route drawn under it."""
    near = None
    if streets is not None:
        near = streets.near([plan.depot, *(v.point for v in route.visits), *route.geometry], RADIUS_M)
    m = _base(plan, [(p.lat, p.lon) for p in route.geometry] or [(v.point.lat, v.point.lon) for v in route.visits],
              banner, near)
    _add_route(m, route, k)
    return m.get_root().render()


def overview_map(plan: Plan, banner: str = "", streets: Streets | None = None) -> str:
    """All routes on one map, a layer per courier that can be switched on and off, over ``streets``.

    Stops of different couriers at one point are set apart together (:func:`spread_offsets`).
    """
    pts = [(v.point.lat, v.point.lon) for r in plan.routes for v in r.visits]
    m = _base(plan, pts, banner, streets)
    every = spread_offsets([v.point for r in plan.routes for v in r.visits])
    at = 0
    for k, route in enumerate(plan.routes):
        offsets, at = every[at:at + len(route.visits)], at + len(route.visits)
        # Leaflet's layer control writes the name as HTML; folium writes it into the script as JSON.
        group = FeatureGroup(name=html_text(f"{_courier(route)} ({len(route.visits)} stop)"))
        _add_route(group, route, k, offsets)
        group.add_to(m)
    LayerControl(collapsed=False).add_to(m)
    return m.get_root().render()
