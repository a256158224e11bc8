"""Progress on a terminal: stage lines, a bar with the best plan so far, silence when asked."""

import io
import time

from routing.cli.terminal import terminal_progress


def test_bar_shows_the_task_and_the_best_plan_so_far():
    stream = io.StringIO()
    progress = terminal_progress(0, stream)
    progress.note("travel matrix 294x294 computed")
    progress.start("solving", 2.0, "s")
    progress.advance(0, "5 couriers, 34.7 h")
    time.sleep(0.6)  # the bar fills with the clock
    progress.finish()
    text = stream.getvalue()
    assert "travel matrix 294x294 computed" in text
    assert "solving" in text and "5 couriers, 34.7 h" in text


def test_quiet_draws_nothing():
    stream = io.StringIO()
    progress = terminal_progress(-1, stream)
    progress.start("solving", 2.0, "s")
    progress.advance(0, "5 couriers, 34.7 h")
    progress.finish()
    assert stream.getvalue() == ""


def test_no_bar_when_not_a_terminal(capsys):
    from routing.cli.terminal import TerminalProgress

    progress = TerminalProgress(0)
    assert not progress.bars or progress.console.is_terminal
    progress.start("solving", 2.0, "s")
    progress.note("plan.json written")
    progress.finish()
    assert "plan.json written" in capsys.readouterr().err
