"""What writing a plan produced, and the shape of the writer the application hands to the run.

The writers themselves live in the ``maps`` package (everything a person reads). The library
never imports them: :func:`routing.day.run_day` and :func:`routing.batch.plan_office` are given a
:class:`Writer`, and the command line, the composition root, passes ``maps.render.render_all``.
That keeps the package imports one way: ``maps`` reads ``routing``'s types, never the reverse.

A writer may also be given a :class:`Preview` of the day while the solver runs (:func:`while_solving`):
the officer waits for the solver anyway, and this process has nothing to do in that time but wait
for the solver's processes, so drawing libraries are imported and what does not depend on the
routes (a stop's QR code) is drawn then, not after.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from routing.geo import LatLon
from routing.plan import Card, Plan
from routing.roads.streets import Streets

_log = logging.getLogger(__name__)


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
    """Writes every output of ``plan`` into ``folder`` (``plan.json`` first) and says where they went;
    ``streets`` drawn on the maps may be given as a function that finds them, called when the
    writer needs them."""

    def __call__(self, plan: Plan, folder: Path, lang: str = "id",
                 streets: Streets | Callable[[], Streets | None] | None = None) -> Outputs:
        ...  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Preview:
    """What the writers may know of a day before it is solved: every located stop's point and its
    cards, in the order the stops were located (any of them may yet end up unassigned).

    ``stop`` is set once the solver is done: a preparation checks it between pieces of work and
    ends early, so that it never keeps the officer waiting longer than drawing would have.
    """

    points: tuple[LatLon, ...]
    cards: tuple[tuple[Card, ...], ...]
    stop: threading.Event

    def __post_init__(self) -> None:
        if len(self.points) != len(self.cards):
            raise ValueError(f"a preview needs the cards of every point ({len(self.points)} points, "
                             f"{len(self.cards)} households)")


#: Prepares the writing of a day from its :class:`Preview`, while the solver runs.
Prepare = Callable[[Preview], None]


@contextlib.contextmanager
def while_solving(prepare: Prepare | None, preview: Callable[[threading.Event], Preview]) -> Iterator[None]:
    """Run ``prepare(preview(stop))`` in a thread of this process for as long as the block runs (the solve).

    Leaving the block sets ``stop`` and waits for the thread: the writers fork a process to draw
    beside this one only when no other thread runs (:func:`maps.render._beside`). A failing
    preparation is logged and forgotten; the writers do the same work again and report its error.
    """
    if prepare is None:
        yield
        return
    stop = threading.Event()

    def run() -> None:
        try:
            prepare(preview(stop))
        except Exception:  # the writer meets the same problem again, and says it properly
            _log.debug("preparing the outputs failed; they are drawn without it", exc_info=True)

    thread = threading.Thread(target=run, name="ektp-route prepare outputs", daemon=True)
    try:
        thread.start()
    except RuntimeError:  # no thread to be had (a process or thread limit): the writers do it all
        _log.debug("no thread to prepare the outputs in; they are drawn without it", exc_info=True)
        yield
        return
    try:
        yield
    finally:
        stop.set()
        thread.join()
