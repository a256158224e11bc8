"""The ``ektp-route`` command line, in the manner of rasterio's ``rio``.

``main`` (the group: verbosity, errors to exit codes), ``options`` (shared options, declared
once), one module per command group: ``daily`` (plan, demo, render, confirm), ``ledger``
(import, outcomes, status, export), ``roads`` (network, gazetteer), ``batch`` (many offices on a
Dask cluster); ``terminal`` draws progress.
Commands parse options, call the library and print; they hold no rules of their own.
"""

from routing.cli import batch, daily, ledger, roads  # noqa: F401  (registers the commands on ``main``)
from routing.cli.main import main

__all__ = ["main"]
