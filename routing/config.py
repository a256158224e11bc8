"""One settings object, read from one TOML file, frozen and validated; CLI flags override.

Every default is documented beside its field. Unknown keys are rejected so that a typo in
the officer's config file is an error rather than a silently ignored setting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.clock import Shift, is_whole, parse_clock
from routing.errors import InputError, one_line, shown
from routing.geo import LatLon
from routing.records import ALIASES
from routing.region import JOMBANG, Region

#: Approximate position of the Dispendukcapil office in Jombang town (Jl. KH. Wahid Hasyim
#: area, near the alun-alun). Override with ``--depot`` or ``depot = [lat, lon]``.
DEFAULT_DEPOT = LatLon(-7.5530, 112.2330)
#: The office whose name heads every sheet and page; each office sets its own (``office_name``).
DEFAULT_OFFICE_NAME = "Dispendukcapil Kabupaten Jombang"
#: Longest office name accepted: it heads an A4 sheet on one line.
OFFICE_NAME_MAX = 120
#: Metres from the road beyond which a stop is flagged (``snap_warn_m``); plans made before it was
#: recorded in ``meta`` are drawn with it.
DEFAULT_SNAP_WARN_M = 150
#: How far either side of the planned arrival a household's notice window reaches (s), standing in
#: for the 80th percentile of |delivered - planned| that a calibration from recorded outcomes will
#: measure (``arrival_error_p80_s``; never less than half an hour until then). Plans made before it
#: was recorded in ``meta`` are drawn with it.
DEFAULT_ARRIVAL_ERROR_P80_S = 1800


def _shift_from(table: object, what: str) -> Shift:
    allowed = {"start", "end", "break_start", "break_end"}
    if not isinstance(table, dict):
        raise InputError(f"{what}: expected a table with start and end (e.g. start = \"07:30\"), "
                         f"got {shown(table)}")
    unknown = set(table) - allowed
    if unknown:
        raise InputError(f"{what}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = [k for k in ("start", "end") if k not in table]
    if missing:
        raise InputError(f"{what}: missing {' and '.join(missing)} (e.g. start = \"07:30\")")
    b0, b1 = table.get("break_start"), table.get("break_end")
    try:
        return Shift(
            parse_clock(table["start"], f"{what}.start"),
            parse_clock(table["end"], f"{what}.end"),
            None if b0 is None else parse_clock(b0, f"{what}.break_start"),
            None if b1 is None else parse_clock(b1, f"{what}.break_end"),
        )
    except InputError as exc:
        if str(exc).startswith(what):
            raise
        raise InputError(f"{what}: {exc}") from None


def _region_from(table: object, what: str) -> Region:
    allowed = {"name", "province", "bbox"}
    if not isinstance(table, dict):
        raise InputError(f"{what}: expected a table [region] with name = \"Kabupaten ...\", got {shown(table)}")
    unknown = set(table) - allowed
    if unknown:
        raise InputError(f"{what}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    if "name" not in table:
        raise InputError(f"{what}: missing name (e.g. name = \"Kabupaten Sidoarjo\")")
    try:
        return Region(table["name"], table.get("bbox"), table.get("province", ""))
    except InputError as exc:
        raise InputError(f"{what}.{str(exc).removeprefix('region ')}") from None


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The top-level table of the TOML file ``path`` (the ``config file``, a batch ``manifest``).

    Raises
    ------
    InputError
        One line naming the file and what is wrong with it (missing, a folder, not UTF-8, not TOML).
    """
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: cannot read the {what}: it is a folder, not a TOML file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not valid TOML: the file is not UTF-8 text; save the {what} as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {one_line(str(exc))}") from None


def parse_depot(value: object) -> LatLon:
    """A depot as TOML writes it, ``[lat, lon]`` in degrees, e.g. ``[-7.5530, 112.2330]``.

    Raises
    ------
    InputError
        What is wrong with ``value``, for the caller to prefix with the file and key.
    """
    if not (isinstance(value, list) and len(value) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)):
        raise InputError(f"expected [lat, lon] in degrees such as [-7.5530, 112.2330], got {shown(value)}")
    return LatLon(float(value[0]), float(value[1]))


#: East Java civil-service hours: Mon-Thu 07:30-16:00 with a 12:00-13:00 break; Friday
#: 07:30-16:30 with an 11:30-13:00 break for Friday prayers.
MON_THU = Shift(7 * 3600 + 1800, 16 * 3600, 12 * 3600, 13 * 3600)
FRIDAY = Shift(7 * 3600 + 1800, 16 * 3600 + 1800, 11 * 3600 + 1800, 13 * 3600)

#: Motorbike speeds per OSM highway class, km/h, for Indonesian village traffic: slower than
#: car defaults on main roads (mixed traffic, markets), and lanes (gang) ridden at walking-plus pace.
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "trunk": 45.0,
    "trunk_link": 35.0,
    "primary": 40.0,
    "primary_link": 30.0,
    "secondary": 35.0,
    "secondary_link": 30.0,
    "tertiary": 30.0,
    "tertiary_link": 25.0,
    "unclassified": 25.0,
    "residential": 20.0,
    "living_street": 12.0,
    "service": 15.0,
    "track": 12.0,
    "road": 20.0,
    "path": 10.0,
    "footway": 8.0,
}


#: Per-second cost of the longest working day when the officer asks to even out the couriers'
#: days (``--balance``): one second of the longest day weighs as one second of riding.
BALANCE_COST = 1
#: Cost of splitting a desa over one more courier with ``--keep-desa``: half an hour of riding.
KEEP_DESA_COST = 1800


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a planning run can be told, with the defaults the office starts from."""

    #: Where every route starts and ends.
    depot: LatLon = DEFAULT_DEPOT
    #: The office's name, at the head of its route sheets and pages.
    office_name: str = DEFAULT_OFFICE_NAME
    #: The office's region: what "inside" means for typed, learned, confirmed and geocoded points,
    #: and the place every such message names. Its ``bbox`` may be ``None``: the road network's
    #: extent, when a day is planned (see :mod:`routing.region`).
    region: Region = JOMBANG
    #: Shift for Monday-Thursday, and for Friday (Friday prayers make the break longer).
    shift_mon_thu: Shift = MON_THU
    shift_friday: Shift = FRIDAY
    #: Couriers available; ``None`` means as many as the day needs.
    couriers: int | None = None
    #: Time at a stop: finding the door, checking identity, signature (s), plus per card (s).
    service_base_s: int = 240
    service_per_card_s: int = 60
    #: Time added at a household located only by its desa or dusun name: the courier asks around
    #: for the door (s).
    search_s: int = 300
    #: Cost of using one more courier, in seconds of travel it must save to be worth it.
    courier_fixed_cost_s: int = 3600
    #: Drop penalties in seconds of travel; urgent cards are far more expensive to leave out.
    drop_penalty_s: int = 100_000
    urgent_drop_penalty_s: int = 10_000_000
    #: Optional deadline for urgent cards, seconds after midnight (e.g. "12:00"); None = any time.
    urgent_deadline_s: int | None = None
    #: Snapping: a stop farther than ``snap_warn_m`` from the road is flagged on the sheet; one
    #: farther than ``snap_max_m`` from any road reachable from the depot is unassigned.
    snap_warn_m: int = DEFAULT_SNAP_WARN_M
    snap_max_m: int = 1000
    #: Motorbike speeds per highway class (km/h); maxspeed tags lower them where present.
    speeds_kph: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KPH))
    #: How fast the couriers really ride, as a share of those speeds, on main roads (trunk, primary,
    #: secondary, tertiary) and on local roads; ``ektp-route calibrate`` measures them from the field.
    speed_factor_main: float = 1.0
    speed_factor_local: float = 1.0
    #: Minutes kept free at the end of every shift (s): routes are planned to be back this long before
    #: the shift ends, so a day that runs as late as the field's days do still ends in time. The
    #: calibration measures it (the 95th percentile of how late a day's last stop ran).
    shift_reserve_s: int = 0
    #: Solver wall-clock budget in seconds, or a solution limit for reproducible plans.
    time_limit_s: int = 30
    deterministic: bool = False
    #: Searches run side by side for one day (processes); ``None`` means one per core. A deterministic
    #: plan depends on it (the portfolio's starts are shared out by it), so ``batch``, whose workers
    #: search in their own process, plans with 1 and ``plan --solver-workers 1`` gives the same plan.
    solver_workers: int | None = None
    #: Solve independent groups in parallel: "desa", "kecamatan" or "none" (one problem).
    group_by: str = "none"
    #: Cost per second of the longest courier day (0: off); evens out the work.
    balance_cost: int = 0
    #: Cost of each extra courier a desa is split over (0: off); keeps a desa with one courier.
    keep_desa_cost: int = 0
    #: Failed delivery attempts after which a card waits for pickup at the office (ambil di kantor).
    max_attempts: int = 2
    #: Write ``pemberitahuan.csv`` and ``pemberitahuan.html``: each household's time window and a
    #: WhatsApp/SMS message for the officer to send (see :mod:`routing.notify`).
    notify: bool = True
    #: Half the width of that window (s): the calibrated 80th percentile arrival error once there is one.
    arrival_error_p80_s: int = DEFAULT_ARRIVAL_ERROR_P80_S
    #: Cards the office means to hand over per working day: the line the ``report`` draws its days against.
    daily_target: int = 500
    #: Column-name overrides: canonical name -> header as written in the office's export.
    columns: Mapping[str, str] = field(default_factory=dict)
    #: The settings the config file gave (TOML keys, ``speeds_kph`` for that table): a calibration
    #: never overrides what the office wrote down.
    given: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name, (lo, hi) in _WHOLE_LIMITS.items():
            value = getattr(self, name)
            if not is_whole(value) or not lo <= value <= hi:
                raise InputError(f"setting {name} must be a whole number {lo}..{hi}, got {shown(value)}")
        if self.couriers is not None and (not is_whole(self.couriers) or not 1 <= self.couriers <= 10_000):
            raise InputError(f"setting couriers must be a whole number 1..10000, got {shown(self.couriers)}")
        for name in ("deterministic", "notify"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"setting {name} must be true or false, got {shown(getattr(self, name))}")
        if self.solver_workers is not None and (not isinstance(self.solver_workers, int)
                                                or isinstance(self.solver_workers, bool)
                                                or not 1 <= self.solver_workers <= 256):
            raise InputError(f"solver_workers must be a whole number 1..256, got {self.solver_workers!r}")
        if (not isinstance(self.office_name, str) or not self.office_name.strip()
                or len(self.office_name) > OFFICE_NAME_MAX
                or any(not ch.isprintable() for ch in self.office_name)):
            raise InputError(f"office_name must be one line of 1..{OFFICE_NAME_MAX} printable characters, "
                             f"got {shown(self.office_name)}")
        if self.group_by not in ("none", "desa", "kecamatan"):
            raise InputError(f"setting group_by must be \"none\", \"desa\" or \"kecamatan\", "
                             f"got {shown(self.group_by)}")
        if self.urgent_deadline_s is not None and (not is_whole(self.urgent_deadline_s)
                                                   or not 0 <= self.urgent_deadline_s <= 24 * 3600):
            raise InputError(f"setting urgent_deadline must be a clock time, got {shown(self.urgent_deadline_s)}")
        if not isinstance(self.region, Region):
            raise InputError(f"setting region must be a Region, got {shown(self.region)}")
        if not isinstance(self.depot, LatLon):
            raise InputError(f"setting depot must be [lat, lon], got {shown(self.depot)}")
        for name in ("shift_mon_thu", "shift_friday"):
            if not isinstance(getattr(self, name), Shift):
                raise InputError(f"setting {name} must be a shift, got {shown(getattr(self, name))}")
        for name in ("speed_factor_main", "speed_factor_local"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not SPEED_FACTORS[0] <= value \
                    <= SPEED_FACTORS[1]:
                raise InputError(f"setting {name} must be a number {SPEED_FACTORS[0]}..{SPEED_FACTORS[1]}, "
                                 f"got {shown(value)}")
        if not isinstance(self.given, frozenset):
            raise InputError(f"setting given must be a frozenset of setting names, got {shown(self.given)}")
        if not isinstance(self.speeds_kph, Mapping):
            raise InputError(f"setting speeds_kph must be a table of highway = km/h, got {shown(self.speeds_kph)}")
        for key, kph in self.speeds_kph.items():
            if not isinstance(key, str) or isinstance(kph, bool) or not isinstance(kph, (int, float)) \
                    or not 1 <= kph <= 130:
                raise InputError(f"setting speeds_kph: speed for highway={key} must be 1..130 km/h, got {shown(kph)}")
        if not isinstance(self.columns, Mapping):
            raise InputError(f"setting columns must be a table of column = \"header\", got {shown(self.columns)}")
        for key, header in self.columns.items():
            if key not in ALIASES:
                raise InputError(f"setting columns: unknown column {shown(key)}; known: {', '.join(ALIASES)}")
            if not isinstance(header, str) or not header.strip():
                raise InputError(f"setting columns: {key} must be the header as written, in quotes, "
                                 f"got {shown(header)}")

    def shift_for(self, day: dt.date) -> Shift:
        """The shift that applies on ``day`` (Friday has its own hours)."""
        return self.shift_friday if day.weekday() == 4 else self.shift_mon_thu

    def clock(self) -> dict[str, Any]:
        """The plan's clock: what these settings say a visit and a ride take (``plan.json`` ``meta.clock``)."""
        return {name: getattr(self, name) for name in CLOCK_SETTINGS}

    def service_s(self, cards: int) -> int:
        """Service time at a stop handing over ``cards`` cards."""
        return self.service_base_s + self.service_per_card_s * cards

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied; ``None`` values leave a field as it is."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


#: Speed factors accepted, as a share of the configured speeds (a fifth to twice).
SPEED_FACTORS = (0.2, 2.0)

#: The settings that make the plan's clock (:meth:`Settings.clock`), which a calibration may set.
CLOCK_SETTINGS = ("service_base_s", "service_per_card_s", "search_s", "speed_factor_main", "speed_factor_local",
                  "shift_reserve_s", "arrival_error_p80_s")

#: The most a shift's end may be kept free (``shift_reserve_s``) and the widest notice window each side of
#: the planned arrival (``arrival_error_p80_s``), in seconds; a calibration gives no more than these.
SHIFT_RESERVE_MAX_S = 3 * 3600
ARRIVAL_ERROR_P80_MAX_S = 4 * 3600

#: Whole-number settings and their ranges. The upper bounds keep every cost the solver adds up
#: inside 64 bits (penalties are multiplied by the cards at a stop and summed over the day).
_WHOLE_LIMITS: dict[str, tuple[int, int]] = {
    "service_base_s": (0, 24 * 3600), "service_per_card_s": (0, 24 * 3600), "search_s": (0, 24 * 3600),
    "courier_fixed_cost_s": (0, 10**9), "drop_penalty_s": (0, 10**12), "urgent_drop_penalty_s": (0, 10**12),
    "snap_warn_m": (0, 100_000), "snap_max_m": (0, 100_000), "time_limit_s": (1, 24 * 3600),
    "max_attempts": (0, 100), "balance_cost": (0, 10**6), "keep_desa_cost": (0, 10**9),
    # A window narrower than half an hour each side is promised only once calibration measures it.
    "arrival_error_p80_s": (1800, ARRIVAL_ERROR_P80_MAX_S),
    "daily_target": (1, 1_000_000),
    "shift_reserve_s": (0, SHIFT_RESERVE_MAX_S),
}

_SIMPLE_KEYS = {
    "couriers", "service_base_s", "service_per_card_s", "search_s", "courier_fixed_cost_s", "drop_penalty_s",
    "urgent_drop_penalty_s", "snap_warn_m", "snap_max_m", "time_limit_s", "deterministic", "max_attempts",
    "group_by", "balance_cost", "keep_desa_cost", "office_name", "solver_workers",
    "notify", "arrival_error_p80_s", "daily_target", "speed_factor_main", "speed_factor_local", "shift_reserve_s",
}


def load_settings(path: Path | None) -> Settings:
    """Read settings from a TOML file, or the defaults when ``path`` is None.

    Example file::

        depot = [-7.5530, 112.2330]
        office_name = "Dispendukcapil Kabupaten Jombang"
        service_base_s = 300
        search_s = 600
        urgent_deadline = "12:00"
        notify = true
        arrival_error_p80_s = 1800
        [shift.mon_thu]
        start = "07:30"
        end = "16:00"
        break_start = "12:00"
        break_end = "13:00"
        [speeds_kph]
        residential = 18
        [columns]
        nik = "NIK PEMOHON"
        [region]
        name = "Kabupaten Jombang"
        province = "Jawa Timur"
        bbox = [-7.80, 112.04, -7.32, 112.48]

    ``[region]`` (see :mod:`routing.region`) needs a ``name``; without ``bbox`` the area is the road
    network's extent when planning; without ``province`` the online geocoder asks without one. A
    config with a ``[region]`` and no ``office_name`` heads its sheets "Dispendukcapil <region name>",
    so an office that names its region is not headed as Jombang's. Without ``[region]`` the region is
    Kabupaten Jombang, as the default depot is.
    """
    if path is None:
        return Settings()
    data = read_toml(path, "config file")
    allowed = _SIMPLE_KEYS | {"depot", "shift", "speeds_kph", "columns", "urgent_deadline", "region"}
    unknown = set(data) - allowed
    if unknown:
        raise InputError(f"{path}: unknown setting(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    kwargs: dict[str, Any] = {k: data[k] for k in _SIMPLE_KEYS if k in data}
    kwargs["given"] = frozenset(data)
    if "depot" in data:
        try:
            kwargs["depot"] = parse_depot(data["depot"])
        except InputError as exc:
            raise InputError(f"{path}: depot: {exc}") from None
    shifts = data.get("shift", {})
    if not isinstance(shifts, dict):
        raise InputError(f"{path}: shift must be tables [shift.mon_thu] and [shift.friday], got {shown(shifts)}")
    unknown = set(shifts) - {"mon_thu", "friday"}
    if unknown:
        raise InputError(f"{path}: unknown shift(s) {sorted(unknown)}; allowed: ['friday', 'mon_thu']")
    if "mon_thu" in shifts:
        kwargs["shift_mon_thu"] = _shift_from(shifts["mon_thu"], f"{path}: shift.mon_thu")
    if "friday" in shifts:
        kwargs["shift_friday"] = _shift_from(shifts["friday"], f"{path}: shift.friday")
    for table in ("speeds_kph", "columns"):
        if table in data and not isinstance(data[table], dict):
            raise InputError(f"{path}: {table} must be a table ([{table}] with one key per line), "
                             f"got {shown(data[table])}")
    if "speeds_kph" in data:
        kwargs["speeds_kph"] = {**DEFAULT_SPEEDS_KPH, **data["speeds_kph"]}
    if "columns" in data:
        kwargs["columns"] = {str(k).lower(): v for k, v in data["columns"].items()}
    if "urgent_deadline" in data:
        kwargs["urgent_deadline_s"] = parse_clock(data["urgent_deadline"], f"{path}: urgent_deadline")
    if "region" in data:
        kwargs["region"] = _region_from(data["region"], f"{path}: region")
        kwargs.setdefault("office_name", f"Dispendukcapil {kwargs['region'].name}")
    try:
        return Settings(**kwargs)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
