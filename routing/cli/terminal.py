"""Progress on the officer's terminal: stage lines, and a bar while the solver or a long stage runs.

A bar (rich) only when stderr is a terminal and the officer did not ask for quiet; otherwise the
stage lines alone (``[ 12.3 s] ...``), which is what a log file or a scheduled task wants. Warnings
(rejected rows, changed cards) are printed whatever the verbosity but ``-qq``.
"""

from __future__ import annotations

import threading
import time
from typing import IO, Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn


class TerminalProgress:
    """:class:`routing.progress.Progress` for a person at a terminal.

    Parameters
    ----------
    level
        Verbosity: below 0 no stage lines and no bar; below -1 no warnings either.
    console
        Where the bar is drawn (default: stderr); a bar is drawn only on a terminal.
    """

    def __init__(self, level: int = 0, console: Console | None = None) -> None:
        self.level = level
        self.console = console or Console(stderr=True)
        self.t0 = time.monotonic()
        self._bar: Progress | None = None
        self._task: Any = None
        self._unit = ""
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def bars(self) -> bool:
        """Whether bars are drawn (a terminal, and not quiet)."""
        return self.level >= 0 and self.console.is_terminal

    def note(self, message: str) -> None:
        """A stage line with the time since the start, unless quiet."""
        if self.level < 0:
            return
        line = f"[{time.monotonic() - self.t0:5.1f} s] {message}"
        if self._bar is not None:
            self._bar.console.print(line, markup=False, highlight=False)
        elif self.bars:
            self.console.print(line, markup=False, highlight=False)
        else:
            click.echo(line, err=True)

    def warn(self, message: str) -> None:
        """A line the officer must see, unless ``-qq``."""
        if self.level >= -1:
            click.echo(f"ektp-route: {message}", err=True)

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        """Open a bar; a task measured in seconds fills with the clock, so time left is the budget left."""
        if not self.bars:
            return
        self.finish()
        self._unit = unit
        self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                             TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
                             console=self.console, transient=True)
        self._bar.start()
        self._task = self._bar.add_task(task, total=total, status="")
        if unit == "s" and total:
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick, args=(time.monotonic(),), daemon=True)
            self._ticker.start()

    def _tick(self, since: float) -> None:
        while not self._stop.wait(0.25):
            bar = self._bar
            if bar is not None:
                bar.update(self._task, completed=time.monotonic() - since)

    def advance(self, amount: float = 1.0, status: str = "") -> None:
        """Move the bar on (tasks not measured in seconds) and show ``status`` (e.g. the best plan so far)."""
        if self._bar is None:
            if status and self.level > 0:
                self.note(status)
            return
        fields: dict[str, Any] = {"status": status} if status else {}
        if self._unit == "s":
            self._bar.update(self._task, **fields)
        else:
            self._bar.update(self._task, advance=amount, **fields)

    def finish(self) -> None:
        """Close the bar, if one is open."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def terminal_progress(level: int, stream: IO[str] | None = None) -> TerminalProgress:
    """The progress for a command run at verbosity ``level`` (``stream`` for tests)."""
    return TerminalProgress(level, Console(file=stream, force_terminal=True) if stream is not None else None)
