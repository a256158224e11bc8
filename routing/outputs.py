"""What writing a plan produced, and the shape of the writer the application hands to the run.

The writers themselves live in the ``maps`` package (everything a person reads). The library
never imports them: :func:`routing.day.run_day` and :func:`routing.batch.plan_office` are given a
:class:`Writer`, and the command line, the composition root, passes ``maps.render.render_all``.
That keeps the package imports one way: ``maps`` reads ``routing``'s types, never the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from routing.plan import Plan
from routing.roads.streets import Streets


@dataclass(frozen=True, slots=True)
class Outputs:
    """Where a plan's files went."""

    folder: Path
    plan_json: Path
    csvs: tuple[Path, ...]
    sheets: tuple[Path, ...]
    pdfs: tuple[Path, ...]
    maps: tuple[Path, ...]
    gpx: tuple[Path, ...]
    gpkg: Path | None
    courier_pages: tuple[Path, ...] = ()
    review_page: Path | None = None
    #: ``pemberitahuan.csv`` and ``.html``, or none when the plan's ``notify`` is off.
    notices: tuple[Path, ...] = ()


class Writer(Protocol):
    """Writes every output of ``plan`` into ``folder`` (``plan.json`` first) and says where they went."""

    def __call__(self, plan: Plan, folder: Path, lang: str = "id", streets: Streets | None = None) -> Outputs:
        ...  # pragma: no cover
