"""How a long run tells the officer where it is, without knowing who is watching.

Stages call a :class:`Progress`; the command line gives a terminal one (:mod:`routing.cli.terminal`),
tests and library callers the silent :data:`SILENT`, a batch run its own. Nothing here prints.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receiver of progress from the stages of a run."""

    def note(self, message: str) -> None:
        """One finished step, as a line for the log (e.g. ``"travel matrix 294x294 computed"``)."""

    def warn(self, message: str) -> None:
        """Something the officer must see even when asking for quiet (a rejected row, a changed card)."""

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        """A long task begins; ``total`` in ``unit`` (seconds for the solver), or None when unknown."""

    def advance(self, amount: float = 1.0, status: str = "") -> None:
        """Part of the current task is done; ``status`` says e.g. the best plan so far."""

    def finish(self) -> None:
        """The current task is over."""


class Silent:
    """Progress that goes nowhere."""

    def note(self, message: str) -> None:
        """Ignore."""

    def warn(self, message: str) -> None:
        """Ignore."""

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        """Ignore."""

    def advance(self, amount: float = 1.0, status: str = "") -> None:
        """Ignore."""

    def finish(self) -> None:
        """Ignore."""


SILENT: Progress = Silent()
