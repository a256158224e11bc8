"""One small error tree, mapped to exit codes in one place (the CLI).

Every error a user can cause carries a one-line message that names the file, row,
column and value where it applies. Anything that is not an :class:`EktpError` is a bug.
"""

from __future__ import annotations

#: Exit codes, documented in README.md. The officer's scripts may test them.
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_SERVICE_UNREACHABLE = 3
EXIT_PARTIAL = 4
EXIT_LEDGER_BUSY = 5


class EktpError(Exception):
    """Base of every error the user can act on."""

    exit_code = EXIT_INTERNAL


class InputError(EktpError):
    """Unusable input file, option or configuration (exit code 2)."""

    exit_code = EXIT_BAD_INPUT


class ServiceUnreachable(EktpError):
    """An external service (Overpass, Nominatim) could not be reached and nothing is cached (exit 3)."""

    exit_code = EXIT_SERVICE_UNREACHABLE


class LedgerBusy(EktpError):
    """Another command holds the ledger database (exit code 5)."""

    exit_code = EXIT_LEDGER_BUSY


def where(path: object, row: int | None = None, column: str | None = None, value: object = None) -> str:
    """Format a location prefix ``file, row N, column C, value 'V'`` for one-line errors.

    Parameters
    ----------
    path
        The file the problem is in.
    row
        1-based row number as the officer sees it in a spreadsheet (header is row 1).
    column
        Column name as written in the file.
    value
        The offending value; quoted with ``repr`` so blanks and odd characters show, cut after
        80 characters.
    """
    parts = [str(path)]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    if value is not None:
        text = str(value)
        # A cell can hold 100,000 characters: the line names it, it does not print it.
        parts.append(f"value {text[:80]!r}..." if len(text) > 80 else f"value {text!r}")
    return ", ".join(parts)


def shown(value: object) -> str:
    """A value as quoted in a one-line message, cut short and without line breaks."""
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "..."


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, line breaks included, as one space."""
    return " ".join(text.split())
