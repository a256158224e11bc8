"""The field's clock, fitted from the recorded days: how long a visit and a ride really take.

A plan promises each household a time from its clock (``service_base_s`` + ``service_per_card_s`` per
card at the door, the road speeds times ``speed_factor_main`` / ``speed_factor_local``). The courier's
taps say when each visit really ended (:mod:`routing.planfact`). Between two consecutive stops of a
route, the time from one tap to the next is the ride to the second stop plus the time at its door::

    gap = base + per_card * cards + search * searched + ride_main / f_main + ride_local / f_local

where ``ride_main`` and ``ride_local`` are the planned ride's seconds on main and local roads at the
configured speeds (the plan's own factors taken out), so the fit is linear in ``base``, ``per_card``,
``search`` and ``1 / f``. ``searched`` is 1 for a household the plan located by its desa or dusun name
only: all its cards share that point, so the planned ride to it is the ride to the desa point, and
``search`` is what finding the door really costs on top of a located visit (asking around, and the ride
from the desa point, or from the last door in the desa, to this one).

The fit is Huber's robust regression (iteratively reweighted least squares, the scale from the median
absolute residual); pairs more than :data:`OUTLIER_SCALES` scales off are set aside and the fit
repeated: a detour, a break taken at another time or a chat at the door moves one gap a lot, and must
not move the clock. The spread of each value is its standard deviation over
:data:`BOOTSTRAP` refits on pairs drawn again with replacement.

Only believed taps are used (:data:`routing.planfact.TRUST_RULES`), and of those only pairs that
pass :data:`PAIR_RULES`. Per road group where the data allow (:func:`fit`), else one factor for both.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from routing.clock import Shift, is_whole
from routing.config import ARRIVAL_ERROR_P80_MAX_S, SHIFT_RESERVE_MAX_S, SPEED_FACTORS, Settings
from routing.errors import shown
from routing.planfact import FASTEST_MPS, RouteFact, StopFact, percentile
from routing.solver.split import ride_end, serve_start

#: Fewer usable pairs than this and nothing is fitted.
MIN_PAIRS = 50
#: Huber's tuning constant (95 % efficiency when the noise is normal).
HUBER_K = 1.345
#: Pairs farther than this many robust scales from the fit are set aside as outliers.
OUTLIER_SCALES = 4.0
#: Refits on resampled pairs for the spread of each value.
BOOTSTRAP = 200
#: A road group gets a factor of its own only with at least this many pairs riding mostly on it ...
GROUP_PAIRS = 30
#: ... "mostly" meaning at least this share of the pair's ride ...
GROUP_SHARE = 0.5
#: ... and only when that factor's spread is at most this share of it.
GROUP_SPREAD = 0.15
#: The per-card time is fitted only with at least this many pairs arriving at a household of 2+ cards.
MULTI_CARD_PAIRS = 10
#: The search time is fitted only with at least this many pairs arriving at a household located by name.
SEARCHED_PAIRS = 20
#: Plausible fitted values: a fit outside them says the times do not tell the clock.
BASE_RANGE_S = (0, 3600)
PER_CARD_RANGE_S = (0, 1800)
SEARCH_RANGE_S = (0, 3600)
#: A time at a door kept from the settings: no more than a setting may be (a day).
KEPT_MAX_S = 24 * 3600
#: Routes needed to measure how late days end (:attr:`Calibration.reserve_s`).
RESERVE_ROUTES = 5
#: Quantile of the days' lateness kept free at the end of the shift: one day in twenty may run later.
RESERVE_QUANTILE = 0.95

#: Why a pair of consecutive stops does not teach the clock (beside either stop's doubt).
PAIR_RULES = {
    "untrusted": "a tap time of either stop is not believed (routing.planfact.TRUST_RULES)",
    "first": "the first stop's ride starts at the office, whose leaving time no tap records",
    "not_delivered": "the second stop was not delivered: a failed visit is shorter",
    "order": "the courier did not go from the one to the other (another stop's tap lies between, or the taps "
             "run backwards)",
    "break": "the break lies between the two taps",
    "too_fast": f"the ride would have been faster than {FASTEST_MPS * 3.6:.0f} km/h",
}


@dataclass(frozen=True, slots=True)
class Pair:
    """Two consecutive believed stops of a route: the gap between their taps and what the plan says of it."""

    day: dt.date
    courier_id: str
    gap_s: int
    cards: int
    ride_main_s: float
    ride_local_s: float
    searched: bool = False

    def __post_init__(self) -> None:
        if self.gap_s <= 0 or self.cards < 1 or min(self.ride_main_s, self.ride_local_s) < 0:
            raise ValueError(f"pair {self.day} {self.courier_id}: impossible figures {self}")


def _plan_clock(route_clock: Mapping[str, Any] | None) -> Settings:
    """The clock a route was planned with (defaults for plans recorded before it was kept)."""
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in (route_clock or {}).items() if k in known})


def raw_ride(stop: StopFact, clock: Settings) -> tuple[float, float]:
    """The stop's planned ride in, in seconds at the configured speeds: on main roads, on local roads."""
    main = stop.travel_main_s or 0
    return main * clock.speed_factor_main, (stop.travel_s - main) * clock.speed_factor_local


def pairs(routes: Sequence[RouteFact]) -> tuple[list[Pair], dict[str, int]]:
    """The usable pairs of consecutive stops, and how many were set aside by each of :data:`PAIR_RULES`."""
    used: list[Pair] = []
    refused = dict.fromkeys(PAIR_RULES, 0)
    for route in routes:
        clock = _plan_clock(route.clock)
        taps = sorted(s.tap_s for s in route.stops if s.tap_s is not None)
        for a, b in zip(route.stops, route.stops[1:]):
            why = _pair_doubt(a, b, route.shift, taps)
            if why:
                refused[why] += 1
                continue
            assert a.tap_s is not None and b.tap_s is not None
            main, local = raw_ride(b, clock)
            used.append(Pair(route.day, route.courier_id, b.tap_s - a.tap_s, b.cards, main, local, b.searched))
        if route.stops:
            refused["first"] += 1
    return used, refused


def _pair_doubt(a: StopFact, b: StopFact, shift: Shift | None, taps: Sequence[int]) -> str:
    if not (a.trusted and b.trusted) or a.tap_s is None or b.tap_s is None:
        return "untrusted"
    if b.outcome != "DT":
        return "not_delivered"
    gap = b.tap_s - a.tap_s
    if gap <= 0 or any(a.tap_s < t < b.tap_s for t in taps):
        return "order"
    if shift is not None and shift.break_start_s is not None and shift.break_end_s is not None \
            and a.tap_s < shift.break_end_s and b.tap_s > shift.break_start_s:
        return "break"
    if b.distance_m > FASTEST_MPS * gap:
        return "too_fast"
    return ""


def _huber(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Huber regression by iteratively reweighted least squares: coefficients and the robust scale."""
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    scale = 1.0
    for _ in range(50):
        r = y - X @ beta
        scale = max(1.4826 * float(np.median(np.abs(r - np.median(r)))), 1.0)
        w = np.minimum(1.0, HUBER_K * scale / np.maximum(np.abs(r), 1e-9))
        sw = np.sqrt(w)
        new = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
        if np.allclose(new, beta, rtol=1e-7, atol=1e-6):
            beta = new
            break
        beta = new
    return beta, scale


def _robust_fit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Huber fit, outliers set aside, fitted again: coefficients and the mask of pairs kept."""
    beta, scale = _huber(X, y)
    keep = np.abs(y - X @ beta) <= OUTLIER_SCALES * scale
    if keep.sum() >= X.shape[1] + 1:
        beta, _ = _huber(X[keep], y[keep])
    return beta, keep


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted clock and how well it tells the recorded days.

    Attributes
    ----------
    first_day, last_day, days
        The plan days fitted from, and how many of them had usable pairs.
    pairs, outliers
        Pairs the fit kept, and those it set aside as outliers.
    refused
        Pairs set aside before fitting, per :data:`PAIR_RULES` key.
    service_base_s, service_per_card_s
        Time at a door, per household and per card (s); ``per_card_fitted`` says whether the second was
        fitted or kept from the settings (too few households of several cards).
    search_s, search_fitted
        What finding a door located by desa or dusun name costs on top (s), fitted or kept from the
        settings (too few such households).
    speed_factor_main, speed_factor_local
        How fast the couriers ride as a share of the configured speeds; equal when one factor was fitted
        for both (``per_group`` False).
    spread
        Standard deviation of each value over the bootstrap refits (same keys as the values).
    error_before_s, error_after_s
        Median absolute arrival error on the believed stops of the recorded days, with the clocks the
        plans had and with this one (each route timed again from its start).
    arrival_error_p80_s
        80th percentile of that absolute error with this clock, over the stops it would have planned
        within the shift: half the residents' notice window.
    reserve_s
        95th percentile of how late each recorded day ran at its last believed stop that this clock would
        have planned within the shift (0 to :data:`routing.config.SHIFT_RESERVE_MAX_S`): kept free at the
        end of the shift.
    stops
        Believed stops the errors were measured on.
    """

    first_day: dt.date
    last_day: dt.date
    days: int
    pairs: int
    outliers: int
    refused: dict[str, int]
    service_base_s: int
    service_per_card_s: int
    per_card_fitted: bool
    search_s: int
    search_fitted: bool
    speed_factor_main: float
    speed_factor_local: float
    per_group: bool
    spread: dict[str, float]
    error_before_s: int
    error_after_s: int
    arrival_error_p80_s: int
    reserve_s: int
    stops: int

    def __post_init__(self) -> None:
        # Read back from the ledger, where anyone may have edited it: whole numbers where the settings
        # take whole numbers (not true, not 400.5), so what passes here is what the settings accept.
        whole = ("days", "pairs", "outliers", "service_base_s", "service_per_card_s", "search_s", "error_before_s",
                 "error_after_s", "arrival_error_p80_s", "reserve_s", "stops")
        for name in whole:
            if not is_whole(getattr(self, name)):
                raise ValueError(f"calibration: {name} must be a whole number, got {shown(getattr(self, name))}")
        for name in ("speed_factor_main", "speed_factor_local"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), (int, float)):
                raise ValueError(f"calibration: {name} must be a number, got {shown(getattr(self, name))}")
        if not isinstance(self.refused, dict) or not all(is_whole(v) for v in self.refused.values()):
            raise ValueError("calibration: refused must map pair rules to counts")
        if self.reserve_s > SHIFT_RESERVE_MAX_S:
            raise ValueError(f"calibration: reserve {self.reserve_s} s is more than the {SHIFT_RESERVE_MAX_S} s a "
                             "shift may keep free")
        if self.last_day < self.first_day or self.days < 1 or self.pairs < MIN_PAIRS or self.outliers < 0:
            raise ValueError(f"calibration of {self.first_day}..{self.last_day}: impossible counts")
        # The time per household is always fitted; the per-card and search times may be kept from the
        # settings (too few pairs tell them), so they are held to what a setting may be, not to what a
        # fit may find (:func:`_plausible` holds fitted values to that).
        for name, (low, high) in (("service_base_s", BASE_RANGE_S), ("service_per_card_s", (0, KEPT_MAX_S)),
                                  ("search_s", (0, KEPT_MAX_S))):
            if not low <= getattr(self, name) <= high:
                raise ValueError(f"calibration: {name} {shown(getattr(self, name))} is outside {low}..{high} s")
        for f in (self.speed_factor_main, self.speed_factor_local):
            if not SPEED_FACTORS[0] <= f <= SPEED_FACTORS[1]:
                raise ValueError(f"calibration: speed factor {f} outside {SPEED_FACTORS}")
        if min(self.error_before_s, self.error_after_s, self.arrival_error_p80_s, self.reserve_s, self.stops) < 0:
            raise ValueError("calibration: negative error, reserve or count")
        unknown = sorted(map(str, set(self.refused) - set(PAIR_RULES)))
        if unknown:
            raise ValueError(f"calibration: unknown pair rules {shown(unknown)}")

    def settings(self) -> dict[str, Any]:
        """The settings this clock sets (see :data:`routing.config.CLOCK_SETTINGS`); the notice window is
        never narrower than the settings allow (half an hour), nor wider (four hours)."""
        return {"service_base_s": self.service_base_s, "service_per_card_s": self.service_per_card_s,
                "search_s": self.search_s, "speed_factor_main": self.speed_factor_main,
                "speed_factor_local": self.speed_factor_local,
                "shift_reserve_s": self.reserve_s,
                "arrival_error_p80_s": min(ARRIVAL_ERROR_P80_MAX_S, max(1800, self.arrival_error_p80_s))}

    def to_json(self) -> str:
        """The calibration as the ledger keeps it."""
        data = asdict(self)
        data["first_day"], data["last_day"] = self.first_day.isoformat(), self.last_day.isoformat()
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        """Read back :meth:`to_json` (checked again as it is built)."""
        data = json.loads(text)
        data["first_day"] = dt.date.fromisoformat(data["first_day"])
        data["last_day"] = dt.date.fromisoformat(data["last_day"])
        return cls(**data)


class NotFitted(ValueError):
    """The recorded days cannot tell the clock; the message says why, in one line."""


def fit(routes: Sequence[RouteFact], current: Settings, seed: int = 0) -> Calibration:
    """Fit the field's clock from the recorded routes.

    Parameters
    ----------
    routes
        The recorded days (:func:`routing.planfact.route_facts`), each with the clock it was planned with.
    current
        The settings in force: the per-card time is kept from them when it cannot be fitted.
    seed
        The bootstrap's random seed (the same recorded days give the same spread).

    Raises
    ------
    NotFitted
        Fewer than :data:`MIN_PAIRS` usable pairs, or a fit outside plausible values.
    """
    used, refused = pairs(routes)
    if not routes:
        raise NotFitted("no plan with its clock is recorded in these days (plans recorded by ektp-route before "
                        "this version keep none)")
    if len(used) < MIN_PAIRS:
        worst = max((k for k in refused if k != "first"), key=lambda k: refused[k])
        raise NotFitted(f"{len(used)} usable pairs of consecutive stops with believed tap times; at least "
                        f"{MIN_PAIRS} are needed (most set aside: {refused[worst]} because {PAIR_RULES[worst]})")
    y = np.array([p.gap_s for p in used], dtype=float)
    cards = np.array([p.cards for p in used], dtype=float)
    main = np.array([p.ride_main_s for p in used])
    local = np.array([p.ride_local_s for p in used])
    searched = np.array([p.searched for p in used], dtype=float)
    per_card_fitted = int((cards >= 2).sum()) >= MULTI_CARD_PAIRS
    search_fitted = int(searched.sum()) >= SEARCHED_PAIRS
    if not per_card_fitted:
        y = y - current.service_per_card_s * cards
    if not search_fitted:
        y = y - current.search_s * searched

    def design(grouped: bool) -> np.ndarray:
        cols = [np.ones_like(y)] + ([cards] if per_card_fitted else []) + ([searched] if search_fitted else [])
        return np.column_stack(cols + ([main, local] if grouped else [main + local]))

    share = main / np.maximum(main + local, 1e-9)
    can_group = (share >= GROUP_SHARE).sum() >= GROUP_PAIRS and (share < 1 - GROUP_SHARE).sum() >= GROUP_PAIRS
    names = (["service_base_s"] + (["service_per_card_s"] if per_card_fitted else [])
             + (["search_s"] if search_fitted else []))
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(y), len(y)) for _ in range(BOOTSTRAP)]

    def fitted(grouped: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = design(grouped)
        beta, keep = _robust_fit(X, y)
        boot = np.array([_robust_fit(X[d], y[d])[0] for d in draws])
        return beta, keep, boot

    beta, keep, boot = fitted(False)
    point, spread = _values(beta, boot, names, grouped=False)
    per_group = False
    if can_group:
        g_beta, g_keep, g_boot = fitted(True)
        g_point, g_spread = _values(g_beta, g_boot, names, grouped=True)
        spread_ok = all(g_spread[k] <= GROUP_SPREAD * g_point[k] for k in ("speed_factor_main", "speed_factor_local"))
        if spread_ok and not _plausible(g_point):
            point, spread, keep, per_group = g_point, g_spread, g_keep, True
    why = _plausible(point)
    if why:
        raise NotFitted(f"the fitted {why}: the recorded times do not tell the clock (fitted from {len(used)} pairs)")
    per_card = round(point["service_per_card_s"]) if per_card_fitted else current.service_per_card_s
    search = round(point["search_s"]) if search_fitted else current.search_s
    clock = current.replace(service_base_s=round(point["service_base_s"]), service_per_card_s=per_card, search_s=search,
                            speed_factor_main=round(float(point["speed_factor_main"]), 3),
                            speed_factor_local=round(float(point["speed_factor_local"]), 3))
    if int(keep.sum()) < MIN_PAIRS:
        raise NotFitted(f"{int(keep.sum())} usable pairs of consecutive stops with believed tap times once "
                        f"{int((~keep).sum())} outliers are set aside; at least {MIN_PAIRS} are needed")
    before, after, within, late, n = _errors(routes, clock)
    days = len({p.day for p in used})
    return Calibration(
        first_day=min(r.day for r in routes), last_day=max(r.day for r in routes), days=days,
        pairs=int(keep.sum()), outliers=int((~keep).sum()), refused=refused,
        service_base_s=clock.service_base_s, service_per_card_s=clock.service_per_card_s,
        per_card_fitted=per_card_fitted, search_s=clock.search_s, search_fitted=search_fitted,
        speed_factor_main=clock.speed_factor_main,
        speed_factor_local=clock.speed_factor_local, per_group=per_group,
        spread={k: round(v, 3) for k, v in spread.items()},
        error_before_s=percentile(before, 0.5), error_after_s=percentile(after, 0.5),
        arrival_error_p80_s=percentile(within, 0.8),
        reserve_s=_reserve(late), stops=n)


def _reserve(late: Sequence[int]) -> int:
    """What the recorded days say to keep free at the end of the shift (see :attr:`Calibration.reserve_s`).

    Never more than a shift may keep (``shift_reserve_s``): one phone whose wall clock ran hours ahead on
    one day in twenty makes its last stops look that late, and must not stop every later plan.
    """
    if len(late) < RESERVE_ROUTES:
        return 0
    return min(SHIFT_RESERVE_MAX_S, max(0, percentile(late, RESERVE_QUANTILE)))


def _values(beta: np.ndarray, boot: np.ndarray, names: list[str], grouped: bool
            ) -> tuple[dict[str, float], dict[str, float]]:
    """Named values (factors are 1 / the fitted coefficient) and their bootstrap spreads."""
    k = len(names)

    def named(b: np.ndarray) -> dict[str, float]:
        out = {n: float(b[i]) for i, n in enumerate(names)}
        inv = [1 / b[j] if b[j] > 0 else float("inf") for j in range(k, len(b))]
        out["speed_factor_main"], out["speed_factor_local"] = (inv[0], inv[1]) if grouped else (inv[0], inv[0])
        return out

    point = named(beta)
    samples = [named(b) for b in boot]
    spread = {n: float(np.std([s[n] for s in samples if np.isfinite(s[n])])) for n in point}
    return point, spread


def _plausible(point: Mapping[str, float]) -> str:
    """What is implausible in a fitted clock, or ``""``."""
    if not BASE_RANGE_S[0] <= point["service_base_s"] <= BASE_RANGE_S[1]:
        return f"time per household {point['service_base_s']:.0f} s is outside {BASE_RANGE_S[0]}..{BASE_RANGE_S[1]} s"
    if "service_per_card_s" in point and not PER_CARD_RANGE_S[0] <= point["service_per_card_s"] <= PER_CARD_RANGE_S[1]:
        return (f"time per card {point['service_per_card_s']:.0f} s is outside "
                f"{PER_CARD_RANGE_S[0]}..{PER_CARD_RANGE_S[1]} s")
    if "search_s" in point and not SEARCH_RANGE_S[0] <= point["search_s"] <= SEARCH_RANGE_S[1]:
        return f"time to find a door {point['search_s']:.0f} s is outside {SEARCH_RANGE_S[0]}..{SEARCH_RANGE_S[1]} s"
    for name in ("speed_factor_main", "speed_factor_local"):
        if not SPEED_FACTORS[0] <= point[name] <= SPEED_FACTORS[1]:
            return f"{name} {point[name]:.2f} is outside {SPEED_FACTORS[0]}..{SPEED_FACTORS[1]}"
    return ""


def timed_again(route: RouteFact, plan_clock: Settings, clock: Settings) -> dict[int, int]:
    """When each stop's visit ends with ``clock``, riding the route in its planned order from its start.

    Returns ``{seq: end of the visit, seconds after midnight}``; the break is taken as the plan takes it
    (:func:`routing.solver.split.ride_end`, :func:`~routing.solver.split.serve_start`).
    """
    shift = route.shift
    t = route.start_s if route.start_s is not None else (route.stops[0].planned_s - route.stops[0].travel_s
                                                          if route.stops else 0)
    out = {}
    for s in route.stops:
        main, local = raw_ride(s, plan_clock)
        ride = round(main / clock.speed_factor_main + local / clock.speed_factor_local)
        service = clock.service_s(s.cards) + (clock.search_s if s.searched else 0)
        arrive = ride_end(shift, t, ride) if shift is not None else t + ride
        start = serve_start(shift, arrive, service) if shift is not None else arrive
        t = start + service
        out[s.seq] = t
    return out


def _errors(routes: Sequence[RouteFact], clock: Settings) -> tuple[list[int], list[int], list[int], list[int], int]:
    """What the recorded days say of ``clock``, each route timed again from its start with it.

    Returns the absolute arrival errors of believed stops with the plans' clocks and with ``clock``; the
    absolute errors with ``clock`` of the stops it would have planned within the shift; for each route,
    how late its last such stop ran; and how many stops were measured. A day planned past the shift
    drifts further with every stop, which no plan with ``clock`` would promise: the notice window and the
    reserve are measured on what such a plan would have promised, and only on routes whose shift (and so
    its break) was recorded.
    """
    before: list[int] = []
    after: list[int] = []
    within: list[int] = []
    late: list[int] = []
    for route in routes:
        believed = [s for s in route.trusted if s.tap_s is not None]
        if not believed:
            continue
        again = timed_again(route, _plan_clock(route.clock), clock)
        for s in believed:
            assert s.tap_s is not None and s.error_s is not None
            before.append(abs(s.error_s))
            after.append(abs(s.tap_s - again[s.seq]))
        if route.shift is None:
            # Recorded before routes were kept: the break is unknown, and timing the route again without
            # it would take the hour's break for lateness in the window and the reserve.
            continue
        inside = [s for s in believed if again[s.seq] <= route.shift.end_s]
        within += [abs(s.tap_s - again[s.seq]) for s in inside if s.tap_s is not None]
        if inside:
            last = max(inside, key=lambda s: s.seq)
            assert last.tap_s is not None
            late.append(last.tap_s - again[last.seq])
    return before or [0], after or [0], within or [0], late, len(after)


def _from_config(settings: Settings, name: str) -> bool:
    """Whether the office's config file set this clock setting itself (its speeds count for the factors)."""
    return name in settings.given or (name.startswith("speed_factor") and "speeds_kph" in settings.given)


@dataclass(frozen=True, slots=True)
class Applied:
    """What a plan took from the ledger's latest calibration (``plan.json`` ``meta.calibration``).

    ``used`` are the settings it set; ``kept`` those the config file gave, which it did not override.
    """

    number: int
    fitted_at: str
    calibration: Calibration
    used: tuple[str, ...]
    kept: tuple[str, ...]

    def meta(self) -> dict[str, Any]:
        """The plan's record of where its clock came from."""
        c = self.calibration
        return {"number": self.number, "fitted_at": self.fitted_at, "first_day": c.first_day.isoformat(),
                "last_day": c.last_day.isoformat(), "days": c.days, "pairs": c.pairs, "used": list(self.used),
                "kept": list(self.kept)}


def apply(settings: Settings, number: int, fitted_at: str, calibration: Calibration) -> tuple[Settings, Applied]:
    """``settings`` with the calibrated clock, except what the config file set itself."""
    values = calibration.settings()
    kept = tuple(k for k in values if _from_config(settings, k))
    used = tuple(k for k in values if k not in kept)
    return (settings.replace(**{k: values[k] for k in used}),
            Applied(number, fitted_at, calibration, used, kept))
