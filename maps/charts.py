"""The report's charts, drawn with matplotlib as SVG text to be inlined in ``laporan.html``.

The only module that imports matplotlib. Figures are made without pyplot (no global figure state,
no display) and saved with a fixed ``svg.hashsalt`` and no date, so the same figures give the same
bytes. Text stays text (``svg.fonttype = none``), written by matplotlib's SVG writer, which escapes
it; mathtext is off, so a ``$`` in a desa or courier name is a dollar sign, not a formula.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from routing.report_data import OPEN_STATES, BacklogRow, CourierRow, DayRow, DesaRow, OutcomeCount

_RC: Any = {"svg.hashsalt": "ektp-route", "svg.fonttype": "none", "text.parse_math": False, "font.size": 9,
       "axes.spines.top": False, "axes.spines.right": False}
#: Colours the page's tables repeat: delivered, failed, cancelled, no outcome, planned, target.
COLOURS = {"delivered": "#2e7d32", "failed": "#c62828", "cancelled": "#6d4c41", "no_outcome": "#bdbdbd",
           "planned": "#1565c0", "target": "#f9a825", "imported": "#7b1fa2"}
_STATE_COLOURS = ("#90a4ae", "#1565c0", "#c62828", "#f9a825")  # received, planned, failed, pickup


def _svg(draw: Callable[[Figure], None], size: tuple[float, float]) -> str:
    """The figure ``draw`` fills, as an ``<svg>`` element (no XML declaration, no doctype)."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasSVG(fig)
        draw(fig)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def daily_chart(days: Sequence[DayRow], target: int, labels: dict[str, str]) -> str:
    """Cards per day: delivered, failed, cancelled and without outcome stacked (= planned), the
    cards imported as points, and the daily target as a line."""
    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        x = list(range(len(days)))
        bottom = [0] * len(days)
        for key in ("delivered", "failed", "cancelled", "no_outcome"):
            values = [getattr(d, key) for d in days]
            ax.bar(x, values, bottom=bottom, color=COLOURS[key], label=labels[key], width=0.8)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.plot(x, [d.imported for d in days], "o", color=COLOURS["imported"], markersize=3, label=labels["imported"])
        ax.axhline(target, color=COLOURS["target"], linewidth=1.5, label=labels["target"])
        step = max(1, len(days) // 15)
        ax.set_xticks(x[::step], [d.day.strftime("%d/%m") for d in days][::step], rotation=45)
        ax.set_ylabel(labels["cards"])
        # Beside the axes, not over them: a good month's bars reach the top.
        fig.legend(loc="outside lower center", fontsize=7, ncols=6)
    return _svg(draw, (9, 3.8))


def backlog_chart(backlog: Sequence[BacklogRow], band_labels: Sequence[str], state_labels: Sequence[str],
                  labels: dict[str, str]) -> str:
    """Open cards by age band, stacked by state."""
    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        left = [0] * len(backlog)
        for k, _ in enumerate(OPEN_STATES):
            values = [b.by_state[k] for b in backlog]
            ax.barh(band_labels, values, left=left, color=_STATE_COLOURS[k], label=state_labels[k])
            left = [a + v for a, v in zip(left, values, strict=True)]
        ax.invert_yaxis()
        ax.set_xlabel(labels["cards"])
        fig.legend(loc="outside lower center", fontsize=7, ncols=4)
    return _svg(draw, (7, 3.0))


def outcomes_chart(outcomes: Sequence[OutcomeCount], words: Sequence[str], labels: dict[str, str]) -> str:
    """Outcome events by code."""
    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        colours = [COLOURS["delivered"] if o.code == "DT" else COLOURS["cancelled"] if o.code == "MD"
                   else COLOURS["failed"] for o in outcomes]
        ax.barh([f"{o.code} {w}" for o, w in zip(outcomes, words, strict=True)], [o.count for o in outcomes],
                color=colours)
        ax.invert_yaxis()
        ax.set_xlabel(labels["events"])
    return _svg(draw, (7, 2.6))


def courier_chart(couriers: Sequence[CourierRow], labels: dict[str, str]) -> str:
    """Per courier: cards delivered per working hour, and the arrival error (median and p90, minutes)."""
    def draw(fig: Figure) -> None:
        rate, error = fig.subplots(1, 2, sharey=True)
        names = [c.courier_id for c in couriers]
        rate.barh(names, [c.per_hour or 0 for c in couriers], color=COLOURS["delivered"])
        rate.set_xlabel(labels["per_hour"])
        rate.invert_yaxis()
        y = list(range(len(couriers)))
        error.barh([v - 0.2 for v in y], [(c.error_median_s or 0) / 60 for c in couriers], height=0.4,
                   color=COLOURS["planned"], label=labels["median"])
        error.barh([v + 0.2 for v in y], [(c.error_p90_s or 0) / 60 for c in couriers], height=0.4,
                   color=COLOURS["target"], label=labels["p90"])
        error.axvline(0, color="#424242", linewidth=0.8)
        error.set_xlabel(labels["error_min"])
        error.legend(fontsize=7)
    return _svg(draw, (9, max(2.2, 0.35 * len(couriers) + 1.2)))


def _rings(geometry: Any) -> list[list[tuple[float, float]]]:
    """The outer rings (lon, lat) of a shapely Polygon or MultiPolygon."""
    parts = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
    return [list(p.exterior.coords) for p in parts]


def desa_map(areas: Sequence[tuple[str, Any]], desa: Sequence[DesaRow], labels: dict[str, str]) -> str:
    """Desa polygons coloured by failure rate (grey: no outcome in the period), open cards as dots
    sized by their number at each desa's representative point.

    ``areas`` are (desa name, shapely polygon in lon/lat), e.g. from :func:`routing.gazetteer.read_desa_areas`.
    """
    by_name = {d.desa.casefold(): d for d in desa}

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        patches: list[Polygon] = []
        grey: list[Polygon] = []
        rates: list[float] = []
        xs: list[float] = []
        ys: list[float] = []
        sizes: list[float] = []
        for name, geometry in areas:
            row = by_name.get(name.casefold())
            rate = row.failure_rate if row else None
            for ring in _rings(geometry):
                (patches if rate is not None else grey).append(Polygon(ring, closed=True))
                if rate is not None:
                    rates.append(rate)
            if row and row.open_cards:
                point = geometry.representative_point()
                xs.append(point.x)
                ys.append(point.y)
                sizes.append(4 + row.open_cards ** 0.5 * 3)
        norm = Normalize(0, max(0.2, max(rates, default=0)))
        ax.add_collection(PatchCollection(grey, facecolor="#eeeeee", edgecolor="#9e9e9e", linewidth=0.3))
        coloured = PatchCollection(patches, cmap="OrRd", norm=norm, edgecolor="#616161", linewidth=0.3)
        coloured.set_array(rates)
        ax.add_collection(coloured)
        ax.scatter(xs, ys, s=sizes, color=COLOURS["planned"], alpha=0.6, label=labels["open_dots"])
        ax.autoscale_view()
        ax.set_aspect("equal")
        ax.set_axis_off()
        fig.colorbar(coloured, ax=ax, shrink=0.6, label=labels["failure_rate"],
                     format=lambda v, _: f"{v:.0%}")
        if xs:
            ax.legend(fontsize=7, loc="lower left")
    return _svg(draw, (7, 7))
