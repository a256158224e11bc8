"""The plan: what was decided for every card, and its JSON form (``plan.json``).

``plan.json`` is written before anything is rendered, so sheets, maps and files can be redrawn
from it without solving again. Every input row appears exactly once: on a route, unassigned
(with a reason) or rejected (with a reason); :class:`Plan` refuses to exist otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from routing.config import DEFAULT_OFFICE_NAME, Shift
from routing.errors import InputError
from routing.geo import LatLon

PLAN_FORMAT = 1

#: Reasons a card is not on a route. Each is produced by its own check (see README).
UNASSIGNED_REASONS = ("not_geocoded", "unreachable", "outside_hours", "window_infeasible", "no_capacity")


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

    def __post_init__(self) -> None:
        if self.seq < 1 or not self.cards:
            raise ValueError(f"visit {self.stop_id}: needs seq >= 1 and at least one card")

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

    def __post_init__(self) -> None:
        if not self.shift.start_s <= self.start_s <= self.end_s <= self.shift.end_s:
            raise ValueError(f"route {self.courier_id} runs {self.start_s}-{self.end_s}, outside its shift")
        if self.open_end and self.end is not None:
            raise ValueError(f"route {self.courier_id}: an open route has no end point")

    @property
    def duration_s(self) -> int:
        """From leaving the office to coming back, break included."""
        return self.end_s - self.start_s

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
        if self.reason not in UNASSIGNED_REASONS:
            raise ValueError(f"unknown unassigned reason {self.reason!r}")


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input row that could not become a card."""

    row: int
    nik: str
    column: str
    value: str
    reason: str
    detail: str


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


@dataclass(frozen=True, slots=True)
class Plan:
    """A day's plan for every card read."""

    date: dt.date
    depot: LatLon
    cards_in: int
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    rejected: tuple[Rejected, ...]
    review: tuple[Review, ...] = ()
    source: str = ""
    network: str = ""
    synthetic: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rows = [c.row for r in self.routes for v in r.visits for c in v.cards]
        rows += [u.card.row for u in self.unassigned] + [r.row for r in self.rejected]
        if len(rows) != len(set(rows)):
            raise ValueError("a row appears more than once in the plan")
        if len(rows) != self.cards_in:
            raise ValueError(f"plan accounts for {len(rows)} rows but {self.cards_in} were read")
        niks = [c.nik for r in self.routes for v in r.visits for c in v.cards] + [u.card.nik for u in self.unassigned]
        if len(niks) != len(set(niks)):
            raise ValueError("a NIK appears more than once among planned and unassigned cards")

    @property
    def office_name(self) -> str:
        """The office at the head of the sheets (``meta.office_name``; Jombang for older plans)."""
        name = self.meta.get("office_name")
        return name if isinstance(name, str) and name.strip() else DEFAULT_OFFICE_NAME

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
                "distance_m": v.distance_m,
                "precision": v.precision,
                "snap_m": v.snap_m,
                "note": v.note,
            } for v in r.visits],
            "geometry": [[p.lat, p.lon] for p in r.geometry],
            "start": None if r.start is None else {"lat": r.start.lat, "lon": r.start.lon},
            "end": None if r.end is None else {"lat": r.end.lat, "lon": r.end.lon},
            "open_end": r.open_end,
        } for r in plan.routes if r.visits],
        "unassigned": [{"nik": u.card.nik, "row": u.card.row, "reason": u.reason, "detail": u.detail,
                        "card": _card_json(u.card)} for u in plan.unassigned],
        "rejected": [asdict(r) for r in plan.rejected],
        "review": [asdict(r) for r in plan.review],
    }


def from_json(data: dict[str, Any], path: str = "plan.json") -> Plan:
    """Rebuild a :class:`Plan` from :func:`to_json` output (for ``render``)."""
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
                snap_m=v["snap_m"], note=v.get("note", "")) for v in r["visits"]),
            geometry=tuple(LatLon(a, b) for a, b in r.get("geometry", [])),
            start=LatLon(r["start"]["lat"], r["start"]["lon"]) if r.get("start") else None,
            end=LatLon(r["end"]["lat"], r["end"]["lon"]) if r.get("end") else None,
            open_end=bool(r.get("open_end"))) for r in data["routes"])
        return Plan(
            date=dt.date.fromisoformat(data["date"]), depot=LatLon(data["depot"]["lat"], data["depot"]["lon"]),
            cards_in=data["summary"]["cards_in"], routes=routes,
            unassigned=tuple(Unassigned(Card(**u["card"]), u["reason"], u["detail"]) for u in data["unassigned"]),
            rejected=tuple(Rejected(**r) for r in data["rejected"]),
            review=tuple(Review(**r) for r in data.get("review", [])),
            source=data.get("source", ""), network=data.get("network", ""),
            synthetic=bool(data.get("synthetic")), meta=data.get("meta", {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: not a plan written by ektp-route ({exc.__class__.__name__}: {exc})") from None


def read_plan(path: Path) -> Plan:
    """Read ``plan.json`` from a file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no plan.json here; run `ektp-route plan` first") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    return from_json(data, str(path))
