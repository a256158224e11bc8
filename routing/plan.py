"""The plan: what was decided for every card, and its JSON form (``plan.json``).

``plan.json`` is written before anything is rendered, so sheets, maps and files can be redrawn
from it without solving again. Every input row appears exactly once: on a route, unassigned
(with a reason) or rejected (with a reason); :class:`Plan` refuses to exist otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import numbers
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from routing.clock import Shift
from routing.config import DEFAULT_ARRIVAL_ERROR_P80_S, DEFAULT_OFFICE_NAME, DEFAULT_SNAP_WARN_M
from routing.couriers import courier_id_problem
from routing.errors import InputError
from routing.files import shown, strip_controls, undecoded
from routing.geo import LatLon
from routing.records import Rejection
from routing.region import JOMBANG, Region

PLAN_FORMAT = 1

#: Reasons a card is not on a route. Each is produced by its own check (see README).
UNASSIGNED_REASONS = ("not_geocoded", "unreachable", "outside_hours", "window_infeasible", "no_capacity")

#: What every output of a synthetic plan (``Plan.synthetic``: made from the generated demo data) says
#: on it, and the demo's road network file too: no one may take it for real residents' data.
SYNTHETIC_NOTE = "DATA SINTETIS (demo) - bukan data penduduk sebenarnya"

#: Seconds after midnight a time on a route may take (shifts end by midnight).
_DAY_S = 24 * 3600


def _type_ok(kind: str, value: object) -> bool:
    if kind == "int":  # numpy integers from the solver count; JSON's true/false do not
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":  # numpy's bool_ too
        return not isinstance(value, str) and value in (True, False)
    return True


def _check_types(obj: Any) -> None:
    """Refuse a value of the wrong type in an ``int``, ``str`` or ``bool`` field (an edited plan.json)."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        if not _type_ok(str(f.type), value):
            raise ValueError(f"{type(obj).__name__.lower()} {f.name} must be {f.type}, got {shown(repr(value))}")


@dataclass(frozen=True, slots=True)
class Card:
    """What a courier needs to hand over one card (personal data: kept to this)."""

    row: int
    nik: str
    nama: str
    address: str
    desa: str
    kecamatan: str
    telepon: str = ""
    urgent: bool = False
    #: The address's parts a courier searching a desa asks by (also inside ``address``).
    dusun: str = ""
    rt: str = ""
    rw: str = ""

    def __post_init__(self) -> None:
        _check_types(self)


@dataclass(frozen=True, slots=True)
class Visit:
    """One stop on a route: a household and when service there starts."""

    seq: int
    stop_id: str
    cards: tuple[Card, ...]
    point: LatLon
    arrival_s: int
    service_s: int
    travel_s: int
    distance_m: int
    precision: str
    snap_m: int
    note: str = ""
    #: Seconds of ``travel_s`` on main roads (plans made before it was kept: 0).
    travel_main_s: int = 0

    def __post_init__(self) -> None:
        _check_types(self)
        if self.seq < 1 or not self.cards:
            raise ValueError(f"visit {self.stop_id}: needs seq >= 1 and at least one card")
        if not 0 <= self.travel_main_s <= self.travel_s:
            raise ValueError(f"visit {self.stop_id}: travel on main roads must lie within its travel")
        if not (0 <= self.arrival_s <= _DAY_S and 0 <= self.service_s <= _DAY_S and 0 <= self.travel_s <= _DAY_S):
            raise ValueError(f"visit {self.stop_id}: arrival, service and travel must lie within a day")
        if not (0 <= self.distance_m < 10**9 and 0 <= self.snap_m < 10**9):
            raise ValueError(f"visit {self.stop_id}: distances must be whole metres >= 0")

    @property
    def departure_s(self) -> int:
        """When the courier leaves the door."""
        return self.arrival_s + self.service_s


@dataclass(frozen=True, slots=True)
class Route:
    """One courier's day."""

    courier_id: str
    shift: Shift
    start_s: int
    end_s: int
    distance_m: int
    visits: tuple[Visit, ...]
    geometry: tuple[LatLon, ...] = ()
    #: Where the day starts and ends when not at the office (e.g. the courier's home).
    start: LatLon | None = None
    end: LatLon | None = None
    #: An open route ends at its last stop.
    open_end: bool = False
    #: The courier's name from the couriers file, printed on the sheet beside the id.
    courier_name: str = ""

    def __post_init__(self) -> None:
        _check_types(self)
        problem = courier_id_problem(self.courier_id)
        if problem:
            # File names are built from courier ids: no route exists with one that is not a plain name.
            raise ValueError(f"courier id {shown(self.courier_id)!r}: {problem}")
        if not 0 <= self.distance_m < 10**9:
            raise ValueError(f"route {self.courier_id}: distance must be whole metres >= 0")
        if not self.shift.start_s <= self.start_s <= self.end_s <= self.shift.end_s:
            raise ValueError(f"route {self.courier_id} runs {self.start_s}-{self.end_s}, outside its shift")
        if self.open_end and self.end is not None:
            raise ValueError(f"route {self.courier_id}: an open route has no end point")

    @property
    def duration_s(self) -> int:
        """From leaving the office to coming back, break included."""
        return self.end_s - self.start_s

    @property
    def label(self) -> str:
        """The courier as printed on sheets: ``K01 (Budi Santoso)``, or the id alone."""
        name = " ".join(self.courier_name.split())[:60]
        return f"{self.courier_id} ({name})" if name else self.courier_id

    @property
    def n_cards(self) -> int:
        """Cards on this route."""
        return sum(len(v.cards) for v in self.visits)


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A card that is valid but not on any route today."""

    card: Card
    reason: str
    detail: str

    def __post_init__(self) -> None:
        _check_types(self)
        if self.reason not in UNASSIGNED_REASONS:
            raise ValueError(f"unknown unassigned reason {self.reason!r}")


@dataclass(frozen=True, slots=True)
class Review:
    """A card the officer should look at: its location is approximate or was corrected."""

    row: int
    nik: str
    desa: str
    dusun: str
    precision: str
    note: str
    address: str = ""
    key: str = ""

    def __post_init__(self) -> None:
        _check_types(self)


@dataclass(frozen=True, slots=True)
class Plan:
    """A day's plan for every card read."""

    date: dt.date
    depot: LatLon
    cards_in: int
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    rejected: tuple[Rejection, ...]
    review: tuple[Review, ...] = ()
    source: str = ""
    network: str = ""
    synthetic: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = [r.courier_id.lower() for r in self.routes]
        if len(ids) != len(set(ids)):
            raise ValueError("two routes have the same courier id (compared without case: they would share files)")
        rows = [c.row for r in self.routes for v in r.visits for c in v.cards]
        rows += [u.card.row for u in self.unassigned] + [r.row for r in self.rejected]
        if len(rows) != len(set(rows)):
            raise ValueError("a row appears more than once in the plan")
        if len(rows) != self.cards_in:
            raise ValueError(f"plan accounts for {len(rows)} rows but {self.cards_in} were read")
        niks = [c.nik for r in self.routes for v in r.visits for c in v.cards] + [u.card.nik for u in self.unassigned]
        if len(niks) != len(set(niks)):
            raise ValueError("a NIK appears more than once among planned and unassigned cards")
        if self.meta.get("region") is not None:
            Region.from_json(self.meta["region"])  # a hand-edited meta.region is refused here, not mid-drawing

    @property
    def office_name(self) -> str:
        """The office at the head of the sheets (``meta.office_name``; Jombang for older plans)."""
        name = self.meta.get("office_name")
        return name if isinstance(name, str) and name.strip() else DEFAULT_OFFICE_NAME

    @property
    def snap_warn_m(self) -> int:
        """Metres from the road beyond which the sheets and pages flag a stop (``meta.snap_warn_m``, the
        setting the plan was made with; 150 for older plans)."""
        value = self.meta.get("snap_warn_m")
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else DEFAULT_SNAP_WARN_M

    @property
    def notify(self) -> bool:
        """Whether the residents' notices are drawn (``meta.notify``, the setting the plan was made
        with; on for older plans)."""
        return self.meta.get("notify") is not False

    @property
    def arrival_error_p80_s(self) -> int:
        """Half the notice window (``meta.arrival_error_p80_s``; the default for older plans)."""
        value = self.meta.get("arrival_error_p80_s")
        return (value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 3600
                else DEFAULT_ARRIVAL_ERROR_P80_S)

    @property
    def region(self) -> Region:
        """The region the plan located its cards in (``meta.region``); Jombang for plans written before
        the region was recorded, since every such plan was Jombang's.

        Raises
        ------
        InputError
            When ``meta.region`` is there but unusable (naming the field and value).
        """
        data = self.meta.get("region")
        return JOMBANG if data is None else Region.from_json(data)

    @property
    def cards_planned(self) -> int:
        """Cards on a route."""
        return sum(r.n_cards for r in self.routes)

    def summary(self) -> dict[str, int]:
        """The accounting figures; ``cards_in = planned + unassigned + rejected``."""
        used = [r for r in self.routes if r.visits]
        return {
            "cards_in": self.cards_in,
            "cards_planned": self.cards_planned,
            "cards_unassigned": len(self.unassigned),
            "cards_rejected": len(self.rejected),
            "couriers_used": len(used),
            "stops": sum(len(r.visits) for r in used),
            "duration_s": sum(r.duration_s for r in used),
            "distance_m": sum(r.distance_m for r in used),
        }

    def reason_counts(self) -> dict[str, int]:
        """Unassigned and rejected cards per reason."""
        counts: dict[str, int] = {}
        for reason in [u.reason for u in self.unassigned] + [r.reason for r in self.rejected]:
            counts[reason] = counts.get(reason, 0) + 1
        return dict(sorted(counts.items()))


def _shift_json(s: Shift) -> dict[str, Any]:
    return asdict(s)


def _card_json(c: Card) -> dict[str, Any]:
    return asdict(c)


def to_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data (the documented ``plan.json`` layout)."""
    return {
        "format": PLAN_FORMAT,
        "date": plan.date.isoformat(),
        "synthetic": plan.synthetic,
        "source": plan.source,
        "network": plan.network,
        "depot": {"lat": plan.depot.lat, "lon": plan.depot.lon},
        "summary": plan.summary(),
        "reasons": plan.reason_counts(),
        "meta": plan.meta,
        "routes": [{
            "courier_id": r.courier_id,
            "shift": _shift_json(r.shift),
            "start_s": r.start_s,
            "end_s": r.end_s,
            "duration_s": r.duration_s,
            "distance_m": r.distance_m,
            "visits": [{
                "seq": v.seq,
                "stop_id": v.stop_id,
                "cards": [c.nik for c in v.cards],
                "recipients": [_card_json(c) for c in v.cards],
                "lat": v.point.lat,
                "lon": v.point.lon,
                "arrival_s": v.arrival_s,
                "service_s": v.service_s,
                "travel_s": v.travel_s,
                "travel_main_s": v.travel_main_s,
                "distance_m": v.distance_m,
                "precision": v.precision,
                "snap_m": v.snap_m,
                "note": v.note,
            } for v in r.visits],
            "geometry": [[p.lat, p.lon] for p in r.geometry],
            "start": None if r.start is None else {"lat": r.start.lat, "lon": r.start.lon},
            "end": None if r.end is None else {"lat": r.end.lat, "lon": r.end.lon},
            "open_end": r.open_end,
            "courier_name": r.courier_name,
        } for r in plan.routes if r.visits],
        "unassigned": [{"nik": u.card.nik, "row": u.card.row, "reason": u.reason, "detail": u.detail,
                        "card": _card_json(u.card)} for u in plan.unassigned],
        "rejected": [asdict(r) for r in plan.rejected],
        "review": [asdict(r) for r in plan.review],
    }


def _clean_strings(data: Any, at: str, path: str) -> Any:
    """``data`` with control characters removed from every string; a string that cannot be
    written as UTF-8 (a lone surrogate from a ``\\ud800`` escape) is an InputError naming where it is."""
    if isinstance(data, str):
        if undecoded(data):
            raise InputError(f"{path}, {at}, value {shown(data)!r}: not text (a lone surrogate escape)")
        return strip_controls(data)
    if isinstance(data, dict):
        return {_clean_strings(k, at, path): _clean_strings(v, f"{at}.{k}" if at else str(k), path)
                for k, v in data.items()}
    if isinstance(data, list):
        return [_clean_strings(v, f"{at}[{k}]", path) for k, v in enumerate(data)]
    return data


def from_json(data: dict[str, Any], path: str = "plan.json") -> Plan:
    """Rebuild a :class:`Plan` from :func:`to_json` output (for ``render``).

    The file may have been edited by hand: every value is checked as the plan is built, courier
    ids are checked before anything else (they name files), and control characters are removed.

    Raises
    ------
    InputError
        One line naming the file and the field: the plan cannot be rebuilt.
    """
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a plan written by ektp-route (expected a JSON object)")
    data = _clean_strings(data, "", path)
    routes_data = data.get("routes")
    for k, r in enumerate(routes_data if isinstance(routes_data, list) else []):
        cid = r.get("courier_id") if isinstance(r, dict) else None
        problem = courier_id_problem(cid)
        if problem:
            raise InputError(f"{path}, routes[{k}].courier_id, value {shown(str(cid))!r}: {problem}")
    try:
        if data.get("format") != PLAN_FORMAT:
            raise InputError(f"{path}: plan format {data.get('format')!r} is not {PLAN_FORMAT}")
        routes = tuple(Route(
            courier_id=r["courier_id"], shift=Shift(**r["shift"]), start_s=r["start_s"], end_s=r["end_s"],
            distance_m=r["distance_m"],
            visits=tuple(Visit(
                seq=v["seq"], stop_id=v["stop_id"], cards=tuple(Card(**c) for c in v["recipients"]),
                point=LatLon(v["lat"], v["lon"]), arrival_s=v["arrival_s"], service_s=v["service_s"],
                travel_s=v["travel_s"], distance_m=v["distance_m"], precision=v["precision"],
                snap_m=v["snap_m"], note=v.get("note", ""), travel_main_s=v.get("travel_main_s", 0))
                for v in r["visits"]),
            geometry=tuple(LatLon(a, b) for a, b in r.get("geometry", [])),
            start=LatLon(r["start"]["lat"], r["start"]["lon"]) if r.get("start") else None,
            end=LatLon(r["end"]["lat"], r["end"]["lon"]) if r.get("end") else None,
            open_end=bool(r.get("open_end")), courier_name=r.get("courier_name", "")) for r in data["routes"])
        return Plan(
            date=dt.date.fromisoformat(data["date"]), depot=LatLon(data["depot"]["lat"], data["depot"]["lon"]),
            cards_in=data["summary"]["cards_in"], routes=routes,
            unassigned=tuple(Unassigned(Card(**u["card"]), u["reason"], u["detail"]) for u in data["unassigned"]),
            rejected=tuple(Rejection(**r) for r in data["rejected"]),
            review=tuple(Review(**r) for r in data.get("review", [])),
            source=data.get("source", ""), network=data.get("network", ""),
            synthetic=bool(data.get("synthetic")), meta=data.get("meta", {}))
    except InputError as exc:
        if str(exc).startswith(path):
            raise
        raise InputError(f"{path}: not a plan written by ektp-route ({exc})") from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise InputError(f"{path}: not a plan written by ektp-route ({exc.__class__.__name__}: "
                         f"{shown(str(exc), 200)})") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a plan holds")


def read_plan(path: Path) -> Plan:
    """Read ``plan.json`` from a file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except FileNotFoundError:
        raise InputError(f"{path}: no plan.json here; run `ektp-route plan` first") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InputError(f"{path}: not valid JSON ({shown(str(exc), 200)})") from None
    return from_json(data, str(path))
