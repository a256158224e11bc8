"""Working days of Dispendukcapil Jombang: Monday to Friday, except Indonesian public holidays
and *cuti bersama* (joint leave days decreed for civil servants around the big holidays).

The calendar is the ``holidays`` package's Indonesia (categories ``public`` and ``government``;
the second holds cuti bersama), with names in Bahasa Indonesia. Islamic holidays of years beyond
the latest government decree are the package's estimates; ``--date`` always overrides.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from routing.errors import EktpError
from routing.files import default_cache_dir, write_json

#: Saturday and Sunday, as the officer says them (civil servants in Jombang work Monday-Friday).
WEEKEND = {5: "Sabtu", 6: "Minggu"}
_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
#: Longest run of days off to look through for the next working day (Lebaran with cuti bersama
#: and a weekend is about ten).
_MAX_DAYS_OFF = 60


@lru_cache(maxsize=8)
def _calendar(year: int) -> Mapping[dt.date, str]:
    """The days off of ``year`` with their names, kept in the cache folder for the installed release
    of ``holidays`` (:func:`calendar_file`): building it imports the package's calendars, about
    0.2 s of every planning run; reading it back takes a millisecond."""
    path = calendar_file(year)
    kept = _read_kept(path, year) if path is not None else None
    if kept is not None:
        return MappingProxyType(kept)
    days = _holidays(year)
    if path is not None:
        with contextlib.suppress(EktpError, OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json(path, {"country": "ID", "year": year,
                              "days": {d.isoformat(): name for d, name in sorted(days.items())}})
    return MappingProxyType(days)


def _read_kept(path: Path, year: int) -> dict[dt.date, str] | None:
    """The calendar kept in ``path``, or ``None`` when it is missing or is not one of ``year``
    (damaged, edited, planted): then it is built again and the file replaced."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept["country"] != "ID" or kept["year"] != year or len(kept["days"]) > 366:
            return None
        days = {dt.date.fromisoformat(day): name for day, name in kept["days"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    # Names reach the officer's terminal in warnings: printable text of a sensible length only.
    if any(d.year != year or not isinstance(n, str) or not n.isprintable() or len(n) > 200 for d, n in days.items()):
        return None
    return days


def _holidays(year: int) -> dict[dt.date, str]:
    import holidays  # about 0.2 s with its calendars: only when the kept calendar cannot be read

    try:
        found = holidays.country_holidays("ID", years=year, categories=("public", "government"), language="id")
    except ValueError:  # a holidays release without the government category (cuti bersama)
        found = holidays.country_holidays("ID", years=year, language="id")
    return {day: str(name) for day, name in found.items()}


#: The files of ``holidays`` that make Indonesia's calendar: its rules, the lunar and solar calendars
#: they use, and the Indonesian names.
_CALENDAR_SOURCES = ("countries/indonesia.py", "calendars/*.py", "locale/id/LC_MESSAGES/*.mo")


def calendar_file(year: int) -> Path | None:
    """Where the calendar of ``year`` is kept: in the cache folder, named by a hash of the installed
    ``holidays`` files it is made from (:data:`_CALENDAR_SOURCES`, about 4 ms to read), so that an
    upgrade, which may bring a new decree of cuti bersama, builds it again whatever the installer
    did to the files' times; ``None`` when the package cannot be found."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    digest = hashlib.sha256()
    try:
        for pattern in _CALENDAR_SOURCES:
            for source in sorted(root.glob(pattern)):
                digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    except OSError:
        return None
    return default_cache_dir() / "holidays" / f"ID-{year}-{digest.hexdigest()[:16]}.json"


def day_off_reason(day: dt.date) -> str | None:
    """Why ``day`` is not a working day (``"Minggu"``, ``"Cuti Bersama Hari Raya Idul Fitri"``,
    both joined by ``"; "``), or ``None`` on a working day.

    >>> day_off_reason(dt.date(2026, 8, 17))
    'Hari Kemerdekaan Republik Indonesia'
    >>> day_off_reason(dt.date(2026, 11, 30)) is None
    True
    """
    reasons = [WEEKEND[day.weekday()]] if day.weekday() in WEEKEND else []
    holiday = _calendar(day.year).get(day)
    if holiday:
        reasons.append(holiday)
    return "; ".join(reasons) or None


def is_working_day(day: dt.date) -> bool:
    """True on Monday to Friday when it is neither a public holiday nor cuti bersama."""
    return day_off_reason(day) is None


def next_working_day(day: dt.date) -> dt.date:
    """The first working day on or after ``day``.

    >>> next_working_day(dt.date(2026, 3, 19))  # Nyepi, cuti bersama, Idul Fitri, a weekend, cuti bersama
    datetime.date(2026, 3, 25)
    """
    for k in range(_MAX_DAYS_OFF):
        candidate = day + dt.timedelta(days=k)
        if is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day within {_MAX_DAYS_OFF} days of {day.isoformat()}")


def day_off_warning(day: dt.date) -> str | None:
    """One line for the officer when ``day`` is not a working day, naming the next one; else ``None``.

    >>> day_off_warning(dt.date(2026, 11, 29))
    '2026-11-29 (Minggu) is not a working day (Minggu); the next working day is 2026-11-30 (Senin)'
    """
    reason = day_off_reason(day)
    if reason is None:
        return None
    following = next_working_day(day)
    return (f"{day.isoformat()} ({_DAYS[day.weekday()]}) is not a working day ({reason}); "
            f"the next working day is {following.isoformat()} ({_DAYS[following.weekday()]})")


def delivery_day(asked: dt.date | None, today: dt.date) -> tuple[dt.date, str | None]:
    """The day a run plans for, and the officer's warning about it (``None`` when there is none).

    ``asked`` (``--date``) when given: a plan for a Sunday or a public holiday is made when asked
    for, with a warning. Otherwise the next working day from ``today``, with a warning when that is
    not today. ``plan``, ``demo`` and ``batch`` all take their default date from here.

    >>> day, warning = delivery_day(None, dt.date(2026, 11, 29))  # a Sunday
    >>> day, warning.endswith("; planning for 2026-11-30")
    (datetime.date(2026, 11, 30), True)
    >>> delivery_day(None, dt.date(2026, 11, 30))
    (datetime.date(2026, 11, 30), None)
    """
    day = asked or next_working_day(today)
    warning = day_off_warning(asked or today)
    if warning and asked is None:
        warning += f"; planning for {day.isoformat()}"
    return day, warning
