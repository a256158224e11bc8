"""The pages' own files: scripts, styles, markup and templates, shipped as package data of ``maps``.

Python only shapes the data that goes into a page; what the browser runs and how the page looks
are files under ``maps/static`` (JavaScript, CSS, HTML fragments) and ``maps/templates`` (Jinja2),
declared in setup.cfg's ``[options.package_data]`` so that a wheel ships them. Each is read once
per process.
"""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def asset(name: str) -> str:
    """The text of the package file ``maps/<name>``, e.g. ``asset("static/courier_page.js")``.

    Read once (cached): pages are drawn per courier, the files do not change while the process runs.

    Raises
    ------
    FileNotFoundError
        The file is not in the installed package (a wheel built without its package data).
    """
    return resources.files("maps").joinpath(name).read_text(encoding="utf-8")
