"""The office's figures for a period, read from the ledger: what ``ektp-route report`` draws.

Every table is a tuple of frozen rows, counted in whole cards and whole seconds; words and clock
times are the page's business (:mod:`maps.report_page`). Definitions, stated once:

- A day's **imported** cards are the cards first imported in a batch of that day; **planned** the
  cards with a planned event that day (a re-plan of the day counts a card once); **delivered**,
  **failed** and **cancelled** the outcome events of that day (DT; TR/PA/AT/MN; MD), a corrected
  outcome counted once (the event it replaced is ``superseded``). ``no_outcome`` is what is left of
  ``planned``, so every day's columns add up.
- The **backlog** is the cards not yet handed over (received, planned, failed, pickup) in the
  ledger as it is now, by their age: days from their batch to the period's last day.
- The **arrival error** of a courier's stop is :attr:`routing.planfact.StopFact.error_s`: its tap
  minus the planned end of the visit, over believed taps only (:data:`routing.planfact.TRUST_RULES`),
  as ``status`` shows it; plans recorded before the ledger kept their clock have none.
- **Cards per working hour** of a courier: cards delivered over the hours from the first to the
  last outcome of each of their days, summed (an outcome file without times gives no hours).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from routing.ledger import Ledger
from routing.nik import mask
from routing.outcomes import BY_CODE, OUTCOMES
from routing.planfact import OFFICE_UTC_OFFSET, clock_s, percentile, route_facts

#: Card states still waiting to be handed over.
OPEN_STATES = ("received", "planned", "failed", "pickup")
#: Backlog age bands, in whole days: (first day, last day or None).
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 2), (3, 6), (7, 13), (14, 29), (30, None))
_FAILED_CODES = ("TR", "PA", "AT", "MN")
_LIVE = "coalesce(e.reason, '') != 'superseded'"


@dataclass(frozen=True, slots=True)
class Period:
    """The days a report covers, both ends included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends {self.end} before it starts {self.start}")

    @property
    def days(self) -> tuple[dt.date, ...]:
        """Every day of the period, in order."""
        return tuple(self.start + dt.timedelta(days=k) for k in range((self.end - self.start).days + 1))


@dataclass(frozen=True, slots=True)
class DayRow:
    """One day's cards (see the module docstring); ``planned`` = the last four summed."""

    day: dt.date
    imported: int
    planned: int
    delivered: int
    failed: int
    cancelled: int
    no_outcome: int

    def __post_init__(self) -> None:
        if min(self.imported, self.planned, self.delivered, self.failed, self.cancelled, self.no_outcome) < 0:
            raise ValueError(f"{self.day}: negative count in {self}")


@dataclass(frozen=True, slots=True)
class BacklogRow:
    """Open cards of one age band (``last_day`` ``None``: and older), per open state."""

    first_day: int
    last_day: int | None
    by_state: tuple[int, ...]  # in OPEN_STATES order

    def __post_init__(self) -> None:
        if len(self.by_state) != len(OPEN_STATES) or min(self.by_state) < 0:
            raise ValueError(f"backlog band {self.first_day}: expected {len(OPEN_STATES)} counts, got {self.by_state}")

    @property
    def total(self) -> int:
        """Cards in the band."""
        return sum(self.by_state)


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    """Outcome events of the period with one code."""

    code: str
    count: int

    def __post_init__(self) -> None:
        if self.code not in BY_CODE or self.count < 0:
            raise ValueError(f"outcome count {self.code!r}: {self.count}")


@dataclass(frozen=True, slots=True)
class UrgentCard:
    """An urgent card not yet handed over: its masked NIK, desa, state, attempts and days waiting."""

    nik_masked: str
    desa: str
    state: str
    attempts: int
    waiting_days: int

    def __post_init__(self) -> None:
        if self.state not in OPEN_STATES or min(self.attempts, self.waiting_days) < 0:
            raise ValueError(f"urgent card {self.nik_masked}: {self.state}, {self.attempts}, {self.waiting_days}")


@dataclass(frozen=True, slots=True)
class CourierRow:
    """One courier's outcomes in the period.

    ``working_s`` is the first-to-last-outcome time of their days, summed; the errors are ``None``
    when no outcome could be matched with a planned arrival (``matched`` counts those that were).
    """

    courier_id: str
    days: int
    delivered: int
    failed: int
    working_s: int
    matched: int
    error_median_s: int | None
    error_p90_s: int | None

    def __post_init__(self) -> None:
        if min(self.days, self.delivered, self.failed, self.working_s, self.matched) < 0:
            raise ValueError(f"courier {self.courier_id!r}: negative figure in {self}")
        if (self.error_median_s is None) != (self.matched == 0):
            raise ValueError(f"courier {self.courier_id!r}: errors without matched outcomes, or the reverse")

    @property
    def per_hour(self) -> float | None:
        """Cards delivered per working hour, ``None`` without working time."""
        return self.delivered * 3600 / self.working_s if self.working_s > 0 else None


@dataclass(frozen=True, slots=True)
class DesaRow:
    """One desa: the period's delivered and failed outcomes, and its open cards now."""

    desa: str
    delivered: int
    failed: int
    open_cards: int

    def __post_init__(self) -> None:
        if min(self.delivered, self.failed, self.open_cards) < 0:
            raise ValueError(f"desa {self.desa!r}: negative figure in {self}")

    @property
    def failure_rate(self) -> float | None:
        """Failed over delivered and failed, ``None`` with no such outcome."""
        tried = self.delivered + self.failed
        return self.failed / tried if tried else None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``report`` shows, for one period and one ledger."""

    ledger: str
    period: Period
    generated_at: dt.datetime
    daily_target: int
    days: tuple[DayRow, ...]
    backlog: tuple[BacklogRow, ...]
    outcomes: tuple[OutcomeCount, ...]
    urgent: tuple[UrgentCard, ...]
    couriers: tuple[CourierRow, ...]
    desa: tuple[DesaRow, ...]

    def __post_init__(self) -> None:
        if tuple(r.day for r in self.days) != self.period.days:
            raise ValueError("a report needs one row for every day of its period")
        if self.daily_target < 1:
            raise ValueError(f"daily target must be at least 1, got {self.daily_target}")


def _days_table(ledger: Ledger, period: Period) -> tuple[DayRow, ...]:
    lo, hi = period.start.isoformat(), period.end.isoformat()
    q = ledger.db.execute
    imported = dict(q("SELECT b.batch_date, count(*) FROM cards c JOIN batches b ON b.id = c.batch_id "
                      "WHERE b.batch_date BETWEEN ? AND ? GROUP BY b.batch_date", (lo, hi)).fetchall())
    planned = dict(q("SELECT day, count(DISTINCT nik) FROM events WHERE state = 'planned' AND day BETWEEN ? AND ? "
                     "GROUP BY day", (lo, hi)).fetchall())
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for day, code, n in q(f"SELECT e.day, e.outcome, count(DISTINCT e.nik) FROM events e WHERE e.outcome IS NOT NULL "
                          f"AND {_LIVE} AND e.day BETWEEN ? AND ? GROUP BY e.day, e.outcome", (lo, hi)):
        outcomes[day][code] = n
    rows = []
    for day in period.days:
        key = day.isoformat()
        got = outcomes.get(key, {})
        delivered, cancelled = got.get("DT", 0), got.get("MD", 0)
        failed = sum(got.get(c, 0) for c in _FAILED_CODES)
        n_planned = planned.get(key, 0)
        # An outcome typed for a card planned on another ledger (or before plans were kept) would
        # make the remainder negative: the day's planned count is then at least its outcomes.
        n_planned = max(n_planned, delivered + failed + cancelled)
        rows.append(DayRow(day, imported.get(key, 0), n_planned, delivered, failed, cancelled,
                           n_planned - delivered - failed - cancelled))
    return tuple(rows)


def _backlog(ledger: Ledger, asof: dt.date) -> tuple[BacklogRow, ...]:
    counts = [[0] * len(OPEN_STATES) for _ in AGE_BANDS]
    marks = ",".join("?" * len(OPEN_STATES))
    for batch_date, state, n in ledger.db.execute(
            f"SELECT b.batch_date, c.state, count(*) FROM cards c JOIN batches b ON b.id = c.batch_id "
            f"WHERE c.state IN ({marks}) GROUP BY b.batch_date, c.state", OPEN_STATES):
        age = max(0, (asof - dt.date.fromisoformat(batch_date)).days)
        band = next(k for k, (first, last) in enumerate(AGE_BANDS) if last is None or first <= age <= last)
        counts[band][OPEN_STATES.index(state)] += n
    return tuple(BacklogRow(first, last, tuple(c)) for (first, last), c in zip(AGE_BANDS, counts, strict=True))


def _outcomes(ledger: Ledger, period: Period) -> tuple[OutcomeCount, ...]:
    got = dict(ledger.db.execute(f"SELECT e.outcome, count(*) FROM events e WHERE e.outcome IS NOT NULL AND {_LIVE} "
                                 "AND e.day BETWEEN ? AND ? GROUP BY e.outcome",
                                 (period.start.isoformat(), period.end.isoformat())).fetchall())
    return tuple(OutcomeCount(o.code, got.get(o.code, 0)) for o in OUTCOMES)


def _urgent(ledger: Ledger, asof: dt.date) -> tuple[UrgentCard, ...]:
    marks = ",".join("?" * len(OPEN_STATES))
    rows = ledger.db.execute(
        f"SELECT c.nik, c.desa, c.state, c.attempts, b.batch_date FROM cards c JOIN batches b ON b.id = c.batch_id "
        f"WHERE c.urgent = 1 AND c.state IN ({marks}) ORDER BY b.batch_date, c.nik", OPEN_STATES)
    return tuple(UrgentCard(mask(r["nik"]), r["desa"], r["state"], r["attempts"],
                            max(0, (asof - dt.date.fromisoformat(r["batch_date"])).days)) for r in rows)


def _couriers_and_desa(ledger: Ledger, period: Period) -> tuple[tuple[CourierRow, ...], tuple[DesaRow, ...]]:
    rows = ledger.db.execute(
        "SELECT e.day, e.at, e.outcome, coalesce(e.courier_id, '') AS courier, c.desa "
        "FROM events e JOIN cards c ON c.nik = e.nik "
        f"WHERE e.outcome IS NOT NULL AND {_LIVE} AND e.day BETWEEN ? AND ?",
        (period.start.isoformat(), period.end.isoformat()))
    delivered: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)
    clock: dict[tuple[str, str], list[int]] = defaultdict(list)
    errors: dict[str, list[int]] = defaultdict(list)
    desa_dt: dict[str, int] = defaultdict(int)
    desa_failed: dict[str, int] = defaultdict(int)
    days: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        courier = r["courier"] or "?"
        days[courier].add(r["day"])
        if r["outcome"] == "DT":
            delivered[courier] += 1
            desa_dt[r["desa"]] += 1
        elif r["outcome"] in _FAILED_CODES:
            failed[courier] += 1
            desa_failed[r["desa"]] += 1
        at = clock_s(r["at"])
        if at is not None:
            clock[(courier, r["day"])].append(at)
    for route in route_facts(ledger, period.start, period.end):
        errors[route.courier_id] += [e for s in route.trusted if (e := s.error_s) is not None]
    working: dict[str, int] = defaultdict(int)
    for (courier, _), times in clock.items():
        working[courier] += max(times) - min(times)
    couriers = tuple(CourierRow(c, len(days[c]), delivered[c], failed[c], working[c], len(errors[c]),
                                percentile(errors[c], 0.5) if errors[c] else None,
                                percentile(errors[c], 0.9) if errors[c] else None) for c in sorted(days))
    marks = ",".join("?" * len(OPEN_STATES))
    open_cards = dict(ledger.db.execute(f"SELECT desa, count(*) FROM cards WHERE state IN ({marks}) GROUP BY desa",
                                        OPEN_STATES).fetchall())
    names = sorted(set(open_cards) | set(desa_dt) | set(desa_failed))
    desa = tuple(DesaRow(d, desa_dt[d], desa_failed[d], open_cards.get(d, 0)) for d in names)
    return couriers, desa


def build_report(ledger: Ledger, period: Period, daily_target: int = 500,
                 generated_at: dt.datetime | None = None) -> Report:
    """The period's figures from ``ledger`` (read only; see the module docstring for each one).

    Parameters
    ----------
    ledger
        An open ledger.
    period
        The days covered; the backlog and urgent cards are aged to its last day.
    daily_target
        Cards the office means to hand over per working day (the ``daily_target`` setting).
    generated_at
        When the report is made (default now, in the office's zone, to the second).
    """
    when = generated_at or dt.datetime.now(OFFICE_UTC_OFFSET).replace(microsecond=0)
    couriers, desa = _couriers_and_desa(ledger, period)
    return Report(str(ledger.path), period, when, daily_target, _days_table(ledger, period),
                  _backlog(ledger, period.end), _outcomes(ledger, period), _urgent(ledger, period.end),
                  couriers, desa)
