"""The ``ektp-route`` command group: verbosity, private files, and errors translated to exit codes once.

Exit codes (also in README.md):

====  =====================================================================
0     every card is planned
1     internal error (a bug: please report it with the command that failed)
2     unusable input or options; one line names the file, row, column and value
3     an external service (map download, geocoding) is unreachable and nothing is cached
4     the plan was written, but some cards are unassigned or rejected (see the CSV files)
5     the ledger database is busy (another command is using it)
141   the output's reader went away (``ektp-route status | head -1``): the
      output was cut short, quietly, as a shell reports a command ended by
      SIGPIPE (128 + 13)
====  =====================================================================
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import Any, NoReturn

import click

from routing import __version__
from routing.cli.options import verbosity_options
from routing.errors import EXIT_INTERNAL, EktpError

#: Exit code of a run stopped with Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Exit code when whatever read the output closed it first (128 + SIGPIPE, as shells report a command
#: the closed pipe ended), so a script with ``set -o pipefail`` can tell that output was cut short.
EXIT_BROKEN_PIPE = 141


def fail(message: str, code: int) -> NoReturn:
    """Print one error line and exit with ``code``."""
    click.echo(f"ektp-route: error: {message}", err=True)
    sys.exit(code)


def _reader_gone() -> NoReturn:
    """Exit quietly because the output's reader has gone (``| head``): the way Python's documentation
    gives ("Note on SIGPIPE" in the ``signal`` module)."""
    # Python flushes stdout again at exit: aim it at devnull so that flush cannot fail a second time.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_BROKEN_PIPE)


class EktpGroup(click.Group):
    """A group whose commands' errors become one line and an exit code, never a traceback.

    ``EKTP_DEBUG=1`` lets the traceback through for a bug report. A closed output pipe ends any
    command quietly with :data:`EXIT_BROKEN_PIPE`.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; translate the error tree (:mod:`routing.errors`) to exit codes."""
        debug = bool(os.environ.get("EKTP_DEBUG"))
        try:
            try:
                return super().invoke(ctx)
            finally:
                # Output still buffered is written here, so a closed pipe shows inside this try
                # rather than as a message at the interpreter's exit.
                sys.stdout.flush()
        except BrokenPipeError:
            _reader_gone()
        except EktpError as exc:
            if debug:
                raise
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted; nothing after the last message was written", EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: one line, the traceback only with EKTP_DEBUG=1
            if debug:
                raise
            fail(f"internal error ({exc.__class__.__name__}: {exc}); rerun with EKTP_DEBUG=1 and report it",
                 EXIT_INTERNAL)


@click.group(cls=EktpGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ektp-route")
@verbosity_options
def main() -> None:
    """Plan door-to-door e-KTP deliveries for a Dispendukcapil office (Kabupaten Jombang by default).

    \b
    Examples:
      ektp-route demo --out demo-hari-ini
      ektp-route plan kartu_selesai.csv --network jombang.graphml --out rute-2026-11-30 --date 2026-11-30
      ektp-route render rute-2026-11-30
    """
    # Outputs hold personal data: whatever a library creates here is private to the user.
    os.umask(0o077)
    # The process ends with the command: what it made needs no collecting on the way out (the final
    # collection of a planned day's objects took 0.3 s of the officer's wait).
    atexit.register(gc.freeze)
