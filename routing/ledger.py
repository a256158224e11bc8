"""The delivery ledger: every card from the day it is finished until it is handed over.

An embedded SQLite database in WAL mode; every change runs in one transaction, so a crash
leaves either all or none of it. The schema is versioned (``PRAGMA user_version``) and brought
up to date by the migrations below, in order, without losing data.

States of a card (the state machine itself is :func:`routing.outcomes.next_state`)::

    received --plan--> planned --outcome DT--> delivered
                          |  \\--outcome TR/PA/AT/MN--> failed --plan--> planned ...
                          |                               \\-- after max_attempts --> pickup (ambil di kantor)
                          \\--outcome MD (meninggal)--> cancelled

An outcome event stores the outcome's code (``events.outcome``: DT, TR, PA, AT, MN, MD), never its
words, which are only shown. Each outcome keeps where the courier's phone was (``lat``, ``lon``,
``accuracy_m``) and each planned event where the plan put the household, so that deliveries teach the
next plans where households are (:mod:`routing.learning`, :meth:`Ledger.learned_locations`) and the officer is told
when a planned location was far off.

An outcome is a claim checked against the plan (:meth:`Ledger.record_outcomes`): it reports on one
plan day, for a card that a plan recorded for that day had on the courier's route, at a time of that
day. Given again it is a repeat, a conflict (refused, nothing overwritten) or a correction (both
events kept, the replaced one marked ``superseded``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import math
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from routing.errors import InputError, LedgerBusy, where
from routing.files import strip_controls
from routing.geo import LatLon, haversine_m
from routing.households import address_text
from routing.learning import (
    CLUSTER_M,
    DESA_PRECISIONS,
    FAR_FROM_DESA_M,
    WRONG_PLAN_M,
    Cluster,
    FarFix,
    Fix,
    Learned,
    fix_of,
    learn,
    moment,
    plausible,
    screen,
)
from routing.nik import mask
from routing.outcome_rows import FAR_FROM_PLAN_M, OutcomeRow, OutcomeRows, Position, differences, tap_order
from routing.outcomes import BY_CODE, STATES, CardState, next_state, reopened
from routing.plan import Plan
from routing.records import Record, RecordSet

DEFAULT_DB = Path("ektp-ledger.sqlite")
#: A row read from the ledger (``row["column"]``), for the modules that read it with SQL of their own.
Row = sqlite3.Row
DUE_STATES = ("received", "failed")

_CARD_FIELDS = ("nama", "alamat", "rt", "rw", "dusun", "desa", "kecamatan", "no_kk", "lat", "lon", "urgent",
                "telepon", "keterangan")

MIGRATIONS: tuple[str, ...] = (
    # 1: batches, cards, and the event history of every card.
    """
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,
        imported_at TEXT NOT NULL, batch_date TEXT NOT NULL, cards INTEGER NOT NULL);
    CREATE TABLE cards (
        nik TEXT PRIMARY KEY CHECK (length(nik) = 16),
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        state TEXT NOT NULL CHECK (state IN ('received','planned','delivered','failed','pickup','cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        nama TEXT NOT NULL, alamat TEXT, rt TEXT, rw TEXT, dusun TEXT, desa TEXT NOT NULL, kecamatan TEXT,
        no_kk TEXT, lat REAL, lon REAL, urgent INTEGER NOT NULL DEFAULT 0, telepon TEXT, keterangan TEXT,
        row_hash TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY, nik TEXT NOT NULL REFERENCES cards(nik), at TEXT NOT NULL, day TEXT NOT NULL,
        state TEXT NOT NULL, courier_id TEXT, stop_seq INTEGER, reason TEXT, recipient TEXT, attempt INTEGER);
    CREATE INDEX events_nik ON events(nik);
    """,
    # 2: changed rows for known NIKs are kept for the officer, never applied silently.
    """
    CREATE TABLE changes (
        id INTEGER PRIMARY KEY, nik TEXT NOT NULL REFERENCES cards(nik), batch_id INTEGER NOT NULL,
        row INTEGER NOT NULL, fields TEXT NOT NULL, at TEXT NOT NULL);
    CREATE INDEX cards_state ON cards(state);
    """,
    # 3: where things happened. Outcome events keep the courier's phone position and its accuracy
    # (and the courier's note); planned events keep where the plan put the household (``lat``,
    # ``lon``, ``precision``). Outcome files recorded in full are remembered by their contents.
    """
    ALTER TABLE events ADD COLUMN lat REAL CHECK (lat BETWEEN -90 AND 90);
    ALTER TABLE events ADD COLUMN lon REAL CHECK (lon BETWEEN -180 AND 180);
    ALTER TABLE events ADD COLUMN accuracy_m REAL CHECK (accuracy_m >= 0);
    ALTER TABLE events ADD COLUMN precision TEXT;
    ALTER TABLE events ADD COLUMN note TEXT;
    CREATE INDEX events_state ON events(state);
    CREATE TABLE outcome_files (
        id INTEGER PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, recorded_at TEXT NOT NULL,
        day TEXT NOT NULL, rows INTEGER NOT NULL);
    """,
    # 4: outcome events keep the outcome's code (``outcome``), not its words. Releases up to 3 wrote
    # the words (as they were then, listed here for good) into ``reason``; they become codes.
    """
    ALTER TABLE events ADD COLUMN outcome TEXT CHECK (outcome IN ('DT', 'TR', 'PA', 'AT', 'MN', 'MD'));
    UPDATE events SET
        outcome = CASE reason WHEN 'diterima' THEN 'DT' WHEN 'tidak di rumah' THEN 'TR'
                              WHEN 'pindah alamat' THEN 'PA' WHEN 'alamat tidak ditemukan' THEN 'AT'
                              WHEN 'menolak' THEN 'MN' WHEN 'meninggal' THEN 'MD' END,
        reason = NULL
    WHERE state IN ('delivered', 'failed', 'pickup', 'cancelled')
      AND reason IN ('diterima', 'tidak di rumah', 'pindah alamat', 'alamat tidak ditemukan', 'menolak',
                     'meninggal');
    """,
    # 5: what deliveries taught a household, set aside by the officer (``ektp-route forget``): its
    # fixes up to event ``last_event`` teach nothing more; they stay in ``events`` as evidence.
    """
    CREATE TABLE forgotten (
        id INTEGER PRIMARY KEY, household TEXT NOT NULL, last_event INTEGER NOT NULL, at TEXT NOT NULL);
    CREATE INDEX forgotten_household ON forgotten(household);
    """,
    # 6: the plan's clock, to be checked against the field. Planned events keep when the plan has the
    # courier arrive (``planned_s``, seconds after midnight of ``day``), the planned ride into the stop
    # from the one before (``travel_s``, ``distance_m``) and the planned time at the door
    # (``service_s``), and how many cards the stop holds (``stop_cards``).
    """
    ALTER TABLE events ADD COLUMN planned_s INTEGER CHECK (planned_s BETWEEN 0 AND 86400);
    ALTER TABLE events ADD COLUMN travel_s INTEGER CHECK (travel_s >= 0);
    ALTER TABLE events ADD COLUMN distance_m INTEGER CHECK (distance_m >= 0);
    ALTER TABLE events ADD COLUMN service_s INTEGER CHECK (service_s >= 0);
    ALTER TABLE events ADD COLUMN stop_cards INTEGER CHECK (stop_cards >= 1);
    CREATE INDEX events_day ON events(day, state);
    """,
    # 7: plan against fact, and the clock learned from it. Planned events keep the seconds of their
    # ride in on main roads (``travel_main_s``) and which recorded plan they belong to (``plan_id``: two
    # plans of one day both number their stops from 1); each recorded plan keeps its routes' clock
    # (``plan_routes``: start, planned finish, the shift and its break); ``calibrations`` keeps each
    # fitted clock (``ektp-route calibrate``) as JSON, read back through ``routing.calibration``.
    """
    ALTER TABLE events ADD COLUMN travel_main_s INTEGER CHECK (travel_main_s >= 0);
    ALTER TABLE events ADD COLUMN plan_id INTEGER;
    CREATE TABLE plan_routes (
        id INTEGER PRIMARY KEY, plan_id INTEGER NOT NULL, day TEXT NOT NULL, courier_id TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        start_s INTEGER NOT NULL CHECK (start_s BETWEEN 0 AND 86400),
        end_s INTEGER NOT NULL CHECK (end_s BETWEEN 0 AND 86400),
        shift_start_s INTEGER NOT NULL, shift_end_s INTEGER NOT NULL, break_start_s INTEGER, break_end_s INTEGER,
        stops INTEGER NOT NULL CHECK (stops >= 0), distance_m INTEGER NOT NULL CHECK (distance_m >= 0),
        clock TEXT NOT NULL);
    CREATE INDEX plan_routes_day ON plan_routes(day, courier_id);
    CREATE TABLE calibrations (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, first_day TEXT NOT NULL, last_day TEXT NOT NULL,
        fitted TEXT NOT NULL);
    """,
)

def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _row_values(r: Record) -> dict[str, object]:
    return {"nama": r.nama, "alamat": r.alamat, "rt": r.rt, "rw": r.rw, "dusun": r.dusun, "desa": r.desa,
            "kecamatan": r.kecamatan, "no_kk": r.no_kk, "lat": r.point.lat if r.point else None,
            "lon": r.point.lon if r.point else None, "urgent": int(r.urgent), "telepon": r.telepon,
            "keterangan": r.keterangan}


def _hash(values: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    added: int
    unchanged: int
    changed: tuple[str, ...]
    already_imported: bool


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """What recording one outcomes file did.

    Attributes
    ----------
    applied, repeated
        Rows recorded now (corrections included); rows recorded before for that day (the same
        outcome for the same card, or an older tap of the same courier than the one recorded).
    problems
        One line per refused row (file, row, column, value and why).
    taught
        Delivered cards whose position teaches their household's location (:mod:`routing.learning`).
    untaught
        One line per cluster of positions standing for many households, and per delivered position
        too far from the card's desa point: why they teach nothing.
    wrong_plans
        One line per household whose delivered position is more than :data:`WRONG_PLAN_M` from
        where the plan had put it.
    recorded_at
        When the same file (same contents) was recorded in full before; then nothing was done now.
    """

    applied: int
    repeated: int
    problems: tuple[str, ...]
    taught: int = 0
    wrong_plans: tuple[str, ...] = ()
    recorded_at: str = ""
    untaught: tuple[str, ...] = ()


def _record_of(c: sqlite3.Row, row: int) -> Record:
    """A ledger card as a record (row number ``row``)."""
    point = LatLon(c["lat"], c["lon"]) if c["lat"] is not None else None

    def text(name: str) -> str:
        # Cards imported before control characters were removed on reading must not reach a GPX.
        return strip_controls(c[name] or "")

    return Record(row=row, nik=c["nik"], nama=text("nama"), alamat=text("alamat"), rt=text("rt"), rw=text("rw"),
                  dusun=text("dusun"), desa=text("desa"), kecamatan=text("kecamatan"), no_kk=text("no_kk"),
                  point=point, urgent=bool(c["urgent"]), telepon=text("telepon"), keterangan=text("keterangan"))


def ledger_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Seconds to wait for a busy ledger: ``$EKTP_LEDGER_TIMEOUT``, or 30.

    Raises
    ------
    InputError
        When the variable is not a number of seconds from 0 to 86400.
    """
    raw = (os.environ if environ is None else environ).get("EKTP_LEDGER_TIMEOUT", "")
    if not raw.strip():
        return 30.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= 86_400):
        raise InputError(f"EKTP_LEDGER_TIMEOUT={raw[:40]!r}: expected the seconds to wait for a busy ledger, "
                         "from 0 to 86400 (e.g. 30)")
    return value


class Ledger:
    """A connection to the ledger database. Use as a context manager.

    Parameters
    ----------
    path
        The SQLite file (created and migrated when new).
    timeout_s
        How long to wait for another command that holds the database before giving up with
        :class:`~routing.errors.LedgerBusy` (default ``$EKTP_LEDGER_TIMEOUT`` or 30 s).
    schema
        Bring the schema only up to this version (to reproduce an older release's database);
        ``None`` means the newest.
    create
        Create the database when ``path`` does not exist (importing cards). Commands that only read
        or record outcomes pass ``False``, so a mistyped ``--db`` is an error rather than a new,
        empty ledger.

    Raises
    ------
    InputError
        When the folder does not exist, ``path`` is missing and ``create`` is false, ``path`` is
        not a ledger database, or ``$EKTP_LEDGER_TIMEOUT`` is not a number.
    """

    def __init__(self, path: Path, timeout_s: float | None = None, schema: int | None = None,
                 create: bool = True) -> None:
        self.path = Path(path)
        if timeout_s is None:
            timeout_s = ledger_timeout()
        folder = self.path.parent
        if not folder.is_dir():
            raise InputError(f"{self.path}: the folder {folder} does not exist; create it or give another --db")
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a folder, not a ledger database; give the database file with --db")
        if not self.path.exists():
            if not create:
                raise InputError(f"{self.path}: no ledger here; check the --db path, or start one with "
                                 f"`ektp-route import RECORDS --db {self.path}`")
            # SQLite gives the -wal and -shm files the database file's mode: make it private first.
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as exc:
                raise InputError(f"{self.path}: cannot create the ledger database: {exc.strerror or exc}") from None
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise InputError(f"{self.path}: cannot open the ledger database ({exc})") from None
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=FULL")
            self.migrate(schema)
        except sqlite3.OperationalError as exc:
            self._raise(exc)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a ledger database ({exc})") from None
        try:
            self.path.chmod(0o600)
        except PermissionError:
            pass  # another user's ledger, shared on purpose: its owner decides its mode

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def _raise(self, exc: sqlite3.OperationalError) -> None:
        if "locked" in str(exc) or "busy" in str(exc):
            raise LedgerBusy(f"{self.path}: the ledger is in use by another ektp-route command; "
                             "try again when it has finished") from None
        raise InputError(f"{self.path}: {exc}") from None

    def _transaction(self) -> _Tx:
        return _Tx(self)

    @property
    def version(self) -> int:
        """Schema version of the open database."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, upto: int | None = None) -> None:
        """Apply the migrations the database has not had yet, each in its own transaction."""
        target = len(MIGRATIONS) if upto is None else upto
        if self.version > len(MIGRATIONS):
            raise InputError(f"{self.path}: ledger schema {self.version} is newer than this ektp-route "
                             f"({len(MIGRATIONS)}); upgrade ektp-route")
        while self.version < target:
            step = self.version
            with self._transaction():
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {step + 1}")

    # -- import ---------------------------------------------------------------------------------

    def import_batch(self, records: RecordSet, file_bytes: bytes, day: dt.date) -> ImportResult:
        """Add a batch of records in one transaction; a file imported before adds nothing.

        A known NIK whose row differs is reported (and kept in ``changes``), never overwritten.
        """
        digest = hashlib.sha256(file_bytes).hexdigest()
        with self._transaction():
            if self.db.execute("SELECT 1 FROM batches WHERE sha256 = ?", (digest,)).fetchone():
                return ImportResult(0, 0, (), True)
            cur = self.db.execute(
                "INSERT INTO batches(file, sha256, imported_at, batch_date, cards) VALUES (?, ?, ?, ?, ?)",
                (records.path, digest, _now(), day.isoformat(), len(records.records)))
            batch = cur.lastrowid
            added = unchanged = 0
            changed = []
            now = _now()
            for r in records.records:
                values = _row_values(r)
                h = _hash(values)
                known = self.db.execute("SELECT row_hash, state FROM cards WHERE nik = ?", (r.nik,)).fetchone()
                if known is None:
                    self.db.execute(
                        f"INSERT INTO cards(nik, batch_id, state, {', '.join(_CARD_FIELDS)}, row_hash, updated_at) "
                        f"VALUES (?, ?, 'received', {', '.join('?' * len(_CARD_FIELDS))}, ?, ?)",
                        (r.nik, batch, *values.values(), h, now))
                    self.db.execute("INSERT INTO events(nik, at, day, state) VALUES (?, ?, ?, 'received')",
                                    (r.nik, now, day.isoformat()))
                    added += 1
                elif known["row_hash"] == h:
                    unchanged += 1
                else:
                    old = self.db.execute(f"SELECT {', '.join(_CARD_FIELDS)} FROM cards WHERE nik = ?",
                                          (r.nik,)).fetchone()
                    diff = {k: [old[k], v] for k, v in values.items() if old[k] != v}
                    self.db.execute("INSERT INTO changes(nik, batch_id, row, fields, at) VALUES (?, ?, ?, ?, ?)",
                                    (r.nik, batch, r.row, json.dumps(diff, ensure_ascii=False), now))
                    fields = ", ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in diff.items())
                    changed.append(f"{where(records.path, r.row, 'nik', r.nik)}: card already in the ledger "
                                   f"({known['state']}) with other data: {fields}; not overwritten")
            return ImportResult(added, unchanged, tuple(changed), False)

    # -- planning -------------------------------------------------------------------------------

    def due_records(self) -> tuple[list[Record], dict[int, str]]:
        """Cards to plan (new and failed before), urgent first, as records with stable row numbers."""
        rows = self.db.execute(
            "SELECT * FROM cards WHERE state IN ('received', 'failed') ORDER BY urgent DESC, batch_id, nik").fetchall()
        records = [_record_of(c, k) for k, c in enumerate(rows, start=2)]
        return records, {r.row: r.nik for r in records}

    def _fixes(self, where_sql: str = "", params: tuple[object, ...] = ()) -> list[Fix]:
        """Delivered cards' plausible positions (:class:`~routing.learning.Fix`), in time order.

        Each with the desa or dusun point the plan used for the card, when it used one.
        """
        rows = self.db.execute(
            "SELECT c.*, e.id AS event_id, e.lat AS gps_lat, e.lon AS gps_lon, e.accuracy_m AS gps_accuracy, "
            "e.at AS gps_at, e.day AS gps_day, e.courier_id AS gps_courier, p.lat AS plan_lat, p.lon AS plan_lon, "
            "p.precision AS plan_precision FROM events e JOIN cards c ON c.nik = e.nik "
            "LEFT JOIN events p ON p.id = (SELECT max(id) FROM events "
            "                              WHERE nik = e.nik AND state = 'planned' AND id < e.id) "
            "WHERE e.outcome = 'DT' AND e.lat IS NOT NULL AND e.lon IS NOT NULL "
            f"AND coalesce(e.reason, '') != 'superseded' {where_sql} "
            "ORDER BY e.day, e.at, e.id", params)
        fixes = []
        for c in rows:
            point, accuracy = LatLon(c["gps_lat"], c["gps_lon"]), c["gps_accuracy"]
            if not plausible(point, accuracy):
                continue
            was = LatLon(c["plan_lat"], c["plan_lon"]) if c["plan_lat"] is not None else None
            if was is not None and haversine_m(point, was) >= FAR_FROM_PLAN_M:
                continue  # not believed (see _not_believed): kept as evidence, teaches nothing
            day = dt.date.fromisoformat(c["gps_day"])
            planned = (LatLon(c["plan_lat"], c["plan_lon"])
                       if c["plan_lat"] is not None and c["plan_precision"] in DESA_PRECISIONS else None)
            fixes.append(fix_of(_record_of(c, 2), point, accuracy, moment(c["gps_at"], day), day,
                                c["gps_courier"] or "", planned, c["event_id"]))
        return fixes

    def learned_locations(self) -> Learned:
        """Households' locations taught by delivered cards, derived from every fix kept.

        See :func:`routing.learning.learn`; fixes the officer set aside (:meth:`forget`) do not teach.
        """
        forgotten = dict(self.db.execute("SELECT household, max(last_event) FROM forgotten GROUP BY household"))
        return learn(self._fixes(), forgotten)

    def forget(self, kk: str = "", nik: str = "") -> tuple[str, ...]:
        """Set aside what deliveries taught a household, by its KK number or by one of its cards' NIK.

        The household's fixes recorded so far teach nothing more (under its KK number and under
        the addresses of its cards); they stay as evidence, and later deliveries teach again.
        Returns the households and addresses set aside (``kk:NUMBER``, ``addr:KEY``).

        Raises
        ------
        InputError
            When no card has that KK number or NIK.
        """
        if not (kk or nik):
            raise ValueError("forget: give a KK number or a NIK")
        cards: list[sqlite3.Row] = []
        with self._transaction():
            if nik:
                card = self.db.execute("SELECT * FROM cards WHERE nik = ?", (nik,)).fetchone()
                if card is None:
                    raise InputError(f"--nik {mask(nik)}: no such card in the ledger")
                kk = card["no_kk"] or ""
                cards = [card]
            if kk:
                cards = self.db.execute("SELECT * FROM cards WHERE no_kk = ?", (kk,)).fetchall()
                if not cards:
                    raise InputError(f"--kk {kk}: no card of this KK number in the ledger")
            # The household is found by its KK number first, else by its address: forget both.
            keys = sorted(({f"kk:{kk}"} if kk else set()) | {f"addr:{address_text(_record_of(c, 2))}" for c in cards})
            last = self.db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            now = _now()
            self.db.executemany("INSERT INTO forgotten(household, last_event, at) VALUES (?, ?, ?)",
                                [(k, last, now) for k in keys])
        return tuple(keys)

    def record_plan(self, plan: Plan) -> int:
        """Mark planned cards ``planned`` (courier, stop, where the stop was put, and the plan's clock:
        arrival, ride in, time at the door); unassigned ones keep their state, with an event. Each
        route's clock (start, planned finish, shift) is kept in ``plan_routes``."""
        now, day = _now(), plan.date.isoformat()
        clock = json.dumps(plan.meta.get("clock") or {}, sort_keys=True)
        n = 0
        with self._transaction():
            plan_id = int(self.db.execute("SELECT coalesce(max(plan_id), 0) + 1 FROM plan_routes").fetchone()[0])
            for route in plan.routes:
                for v in route.visits:
                    for c in v.cards:
                        # A re-plan of the same day may move a planned card: its new route is
                        # recorded too, and an outcome from either courier's route counts.
                        cur = self.db.execute(
                            "UPDATE cards SET state = 'planned', updated_at = ? "
                            "WHERE nik = ? AND (state IN ('received', 'failed') OR (state = 'planned' AND ? = "
                            "(SELECT day FROM events WHERE nik = cards.nik AND state = 'planned' "
                            "ORDER BY id DESC LIMIT 1)))", (now, c.nik, day))
                        if cur.rowcount:
                            self.db.execute("INSERT INTO events(nik, at, day, state, courier_id, stop_seq, lat, lon, "
                                            "precision, planned_s, travel_s, distance_m, service_s, stop_cards, "
                                            "travel_main_s, plan_id) "
                                            "VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                            (c.nik, now, day, route.courier_id, v.seq, v.point.lat, v.point.lon,
                                             v.precision, v.arrival_s, v.travel_s, v.distance_m, v.service_s,
                                             len(v.cards), v.travel_main_s, plan_id))
                            n += 1
                s = route.shift
                self.db.execute("INSERT INTO plan_routes(plan_id, day, courier_id, recorded_at, start_s, end_s, "
                                "shift_start_s, shift_end_s, break_start_s, break_end_s, stops, distance_m, clock) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (plan_id, day, route.courier_id, now, route.start_s, route.end_s, s.start_s, s.end_s,
                                 s.break_start_s, s.break_end_s, len(route.visits), route.distance_m, clock))
            for u in plan.unassigned:
                self.db.execute("INSERT INTO events(nik, at, day, state, reason) "
                                "SELECT nik, ?, ?, state, ? FROM cards WHERE nik = ?",
                                (now, day, f"unassigned: {u.reason}", u.card.nik))
        return n

    # -- outcomes -------------------------------------------------------------------------------

    def record_outcomes(self, rows: OutcomeRows, day: dt.date, max_attempts: int = 2,
                        sha256: str | None = None, correct: bool = False) -> OutcomeResult:
        """Apply one plan day's outcomes (an outcomes file's rows, parsed) in one transaction.

        Each outcome is kept with its event: the code, recipient, time, the phone's position and
        accuracy (``lat``, ``lon``, ``accuracy_m``), courier and note. What it does to the card is
        :func:`routing.outcomes.next_state`.

        A row counts only for ``day``, the plan day it reports on: its card must have been on a plan
        recorded for that day (on the row's courier's route, when the row names one; a re-plan of
        the day counts too), and its time must be a time of that day. A card's outcome already
        recorded for that day, given again, is a repeat when it says the same (same code, courier
        and recipient, a position within :data:`~routing.outcome_rows.SAME_PLACE_M`); otherwise it is a correction when
        the same courier tapped again later (or ``correct``: the officer's word), and a conflict
        when not. A correction keeps both events; the one it replaces is marked ``superseded``.

        Refused rows and conflicts are one line each, with the rows refused when they were parsed
        (in row order). With ``sha256`` (the file's digest), a file recorded in full for ``day``
        before records nothing (``recorded_at`` says when); a file with refused rows is not
        remembered, so it can be given again once the cause is fixed.

        Every position is kept; what the file's deliveries teach is screened with their couriers'
        other deliveries of the day (:func:`routing.learning.screen`): ``taught`` counts those that
        teach, ``untaught`` says why the others do not (a cluster, a point far from the desa).
        """
        now = _now()
        path = rows.path
        applied = repeated = taught = 0
        problems = [(r.row, r.line) for r in rows.refused]
        wrong: tuple[str, ...] = ()
        untaught: tuple[str, ...] = ()
        delivered: dict[int, int] = {}  # event -> file row, for the file's deliveries with a plausible position
        uploads: set[str] = set()
        far_off: list[str] = []  # deliveries the phone puts impossibly far from their planned point
        with self._transaction():
            if sha256 is not None:
                before = self.db.execute("SELECT recorded_at FROM outcome_files WHERE sha256 = ? AND day = ?",
                                         (sha256, day.isoformat())).fetchone()
                if before is not None:
                    return OutcomeResult(0, 0, (), recorded_at=str(before["recorded_at"]))
            for row in rows.rows:
                verdict = self._check_outcome(row, day, max_attempts, correct)
                if isinstance(verdict, str):
                    if verdict:
                        problems.append((row.row, verdict))
                    else:
                        repeated += 1
                    continue
                card, after, at, prior = verdict
                position = row.position
                self.db.execute("UPDATE cards SET state = ?, attempts = ?, updated_at = ? WHERE nik = ?",
                                (after.state, after.attempts, now, row.nik))
                if prior is not None:
                    self.db.execute("UPDATE events SET reason = 'superseded' WHERE id = ?", (prior,))
                cur = self.db.execute(
                    "INSERT INTO events(nik, at, day, state, outcome, courier_id, recipient, attempt, lat, lon, "
                    "accuracy_m, note, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (row.nik, at, day.isoformat(), after.state, row.outcome.code, row.courier or None,
                     row.recipient or None, after.attempts, position.point.lat if position else None,
                     position.point.lon if position else None, position.accuracy_m if position else None,
                     row.note or None, None if prior is None else f"corrects event {prior}"))
                if row.outcome.code == "DT" and position is not None and plausible(position.point,
                                                                                   position.accuracy_m):
                    line = self._not_believed(path, row.row, row.nik, card["desa"], position)
                    if line:
                        far_off.append(line)
                    else:
                        delivered[int(cur.lastrowid or 0)] = row.row
                        uploads.add(row.courier)
                applied += 1
            if delivered:
                taught, wrong, untaught = self._screen_file(path, day, uploads, delivered)
            untaught += tuple(far_off)
            if sha256 is not None and not problems:
                # OR IGNORE: the same contents recorded for another day stay remembered for that day.
                self.db.execute("INSERT OR IGNORE INTO outcome_files(file, sha256, recorded_at, day, rows) "
                                "VALUES (?, ?, ?, ?, ?)", (str(path), sha256, now, day.isoformat(), len(rows.rows)))
        problems.sort(key=lambda p: p[0])  # stable: a row's lines in the order they were found
        return OutcomeResult(applied, repeated, tuple(line for _, line in problems), taught, wrong,
                             untaught=untaught)

    def _check_outcome(self, row: OutcomeRow, day: dt.date, max_attempts: int, correct: bool
                       ) -> str | tuple[sqlite3.Row, CardState, str, int | None]:
        """What a row does: ``(card, state after, time stored, event corrected or None)``; ``""`` for a
        repeat; or the one line that refuses it."""
        path, nik = row.path, mask(row.nik)
        card = self.db.execute("SELECT * FROM cards WHERE nik = ?", (row.nik,)).fetchone()
        if card is None:
            return f"{where(path, row.row, 'nik', row.nik_text)}: no such card in the ledger"
        at = row.time.on(day) if row.time is not None else day.isoformat()
        if at is None:
            assert row.time is not None
            return (f"{where(path, row.row, 'time', row.time.text)}: not a time of the plan day {day}; "
                    "outcome refused")
        if row.time is not None and row.time.later_than_now(day):
            return (f"{where(path, row.row, 'time', row.time.text)}: later than now; a phone whose clock is ahead "
                    "says so; outcome refused")
        couriers = {c for (c,) in self.db.execute("SELECT courier_id FROM events WHERE nik = ? AND state = 'planned' "
                                                  "AND day = ?", (row.nik, day.isoformat()))}
        if not couriers:
            return (f"{where(path, row.row, 'nik', row.nik_text)}: card {nik} is {card['state']} and was on no plan "
                    f"recorded for {day}; outcome refused")
        if row.courier and row.courier not in couriers:
            return (f"{where(path, row.row, 'courier', row.courier)}: card {nik} was on the route of "
                    f"{', '.join(sorted(c or '?' for c in couriers))} on {day}, not {row.courier}'s; outcome refused")
        prior = self.db.execute("SELECT * FROM events WHERE nik = ? AND day = ? AND outcome IS NOT NULL "
                                "ORDER BY id DESC LIMIT 1", (row.nik, day.isoformat())).fetchone()
        if prior is None:
            after = next_state(card["state"], card["attempts"], row.outcome, max_attempts)
            last_plan = self.db.execute("SELECT day FROM events WHERE nik = ? AND state = 'planned' "
                                        "ORDER BY id DESC LIMIT 1", (row.nik,)).fetchone()
            if after is None or last_plan["day"] != day.isoformat():
                state = card["state"] if after is None else f"planned for {last_plan['day']}"
                return (f"{where(path, row.row, 'outcome', row.outcome_text)}: card {nik} is {state}, not out for "
                        f"delivery on {day}; outcome refused")
            return card, after, at, None
        differs = differences(prior, row)
        if not differs:
            return ""
        # Only the same phone's later tap corrects by itself: a row without a courier (typed) may be
        # anyone's, so it conflicts, and the officer says so with --correct.
        same_courier = bool(prior["courier_id"]) and prior["courier_id"] == row.courier
        newer = tap_order(at, prior["at"])
        if not correct:
            if same_courier and prior["outcome"] != row.outcome.code and newer < 0:
                return ""  # an older tap of the same phone, given after the newer one: nothing new
            if not (same_courier and prior["outcome"] != row.outcome.code and newer > 0):
                return (f"{where(path, row.row, 'outcome', row.outcome_text)}: conflict: card {nik} already has "
                        f"{prior['outcome']} recorded for {day} ({prior['at']}, courier {prior['courier_id'] or '?'})"
                        f"; this row differs in {', '.join(differs)}; nothing overwritten. If this row is right, "
                        "give it with `outcomes --correct`")
        later = self.db.execute("SELECT day FROM events WHERE nik = ? AND id > ? AND (state = 'planned' OR "
                                "outcome IS NOT NULL) ORDER BY id LIMIT 1", (row.nik, prior["id"])).fetchone()
        if later is not None:
            return (f"{where(path, row.row, 'outcome', row.outcome_text)}: card {nik} has been planned again for "
                    f"{later['day']} since its {prior['outcome']} of {day}; correct that day's outcome instead")
        start = reopened(prior["attempt"] if prior["attempt"] is not None else card["attempts"],
                         BY_CODE[prior["outcome"]])
        after = next_state(start.state, start.attempts, row.outcome, max_attempts)
        assert after is not None  # a reopened card is planned
        return card, after, at, int(prior["id"])

    def _screen_file(self, path: Path, day: dt.date, couriers: set[str],
                     delivered: Mapping[int, int]) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
        """What a file's deliveries teach, screened with their couriers' other fixes of the day.

        Returns how many teach, the far-off-plan lines (one a household) and why the others teach nothing.
        """
        fixes = [f for c in sorted(couriers) for f in self._fixes("AND e.day = ? AND coalesce(e.courier_id, '') = ?",
                                                                   (day.isoformat(), c))]
        fixes = [dataclasses.replace(f, row=delivered.get(f.event, 0)) for f in fixes]
        screened = screen(fixes)
        ours = [f for f in screened.teaching if f.row]
        wrong: dict[str, str] = {}
        for f in ours:
            if f.household not in wrong:
                wrong[f.household] = self._wrong_plan(path, f)
        untaught = [_cluster_line(path, c) for c in screened.clusters if any(f.row for f in c.fixes)]
        far: dict[str, str] = {}  # one line a household: its cards at one stop share the position
        for off in screened.far:
            if off.fix.row and off.fix.household not in far:
                far[off.fix.household] = _far_line(path, off)
        untaught += far.values()
        return len(ours), tuple(line for line in wrong.values() if line), tuple(untaught)

    def _planned_point(self, nik: str) -> tuple[LatLon, str] | None:
        """Where the card's latest plan put it, and with what precision (``None`` before plans kept points)."""
        planned = self.db.execute("SELECT lat, lon, precision FROM events WHERE nik = ? AND state = 'planned' "
                                  "ORDER BY id DESC LIMIT 1", (nik,)).fetchone()
        if planned is None or planned["lat"] is None:
            return None
        return LatLon(planned["lat"], planned["lon"]), planned["precision"] or "?"

    def _not_believed(self, path: Path, row_no: int, nik: str, desa: str, at: Position) -> str:
        """A line when the phone says the card was delivered :data:`FAR_FROM_PLAN_M` or more from where
        it was planned (no courier rides that far to one door), else ``""``; such a fix never teaches."""
        planned = self._planned_point(nik)
        if planned is None:
            return ""
        was, precision = planned
        gap = round(haversine_m(was, at.point))
        if gap < FAR_FROM_PLAN_M:
            return ""
        return (f"{where(path, row_no)}: card {mask(nik)} in desa {desa!r} was delivered, the phone says, {gap} m "
                f"from where it was planned ({was}, {precision}), at {at.point}: no courier rides that far to one "
                "door; the position is kept as reported, not believed")

    def _wrong_plan(self, path: Path, at: Fix) -> str:
        """A line for the officer when the plan put the card's household far from where it was delivered."""
        planned = self._planned_point(at.nik)
        if planned is None:
            return ""  # planned before the ledger kept planned points
        was, precision = planned
        gap = round(haversine_m(was, at.point))
        if gap <= WRONG_PLAN_M:
            return ""
        desa = self.db.execute("SELECT desa FROM cards WHERE nik = ?", (at.nik,)).fetchone()["desa"]
        typed = ("; its row's own coordinates still come first: correct them in the records"
                 if precision == "coordinates" else "")
        return (f"{where(path, at.row)}: household of card {mask(at.nik)} in desa {desa!r} was "
                f"planned {gap} m from where it was delivered: planned at {was} ({precision}), delivered at "
                f"{at.point} (GPS \u00b1{at.accuracy_m:.0f} m); its next cards are planned at the delivered "
                f"point{typed}")

    # -- the field's clock ----------------------------------------------------------------------

    def recent_plan_days(self, days: int) -> list[dt.date]:
        """The last ``days`` plan days with at least one outcome recorded, oldest first."""
        rows = self.db.execute("SELECT DISTINCT day FROM events WHERE outcome IS NOT NULL ORDER BY day DESC LIMIT ?",
                               (days,)).fetchall()
        return sorted(dt.date.fromisoformat(r[0]) for r in rows)

    def store_calibration(self, fitted: str, first: dt.date, last: dt.date) -> int:
        """Keep a fitted clock (``routing.calibration.Calibration.to_json``); returns its number."""
        with self._transaction():
            cur = self.db.execute("INSERT INTO calibrations(at, first_day, last_day, fitted) VALUES (?, ?, ?, ?)",
                                  (_now(), first.isoformat(), last.isoformat(), fitted))
        return int(cur.lastrowid or 0)

    def latest_calibration(self) -> tuple[int, str, str] | None:
        """The last clock kept: its number, when it was fitted, and the fitted JSON; ``None`` before any."""
        row = self.db.execute("SELECT id, at, fitted FROM calibrations ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else (int(row["id"]), str(row["at"]), str(row["fitted"]))

    # -- reports --------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Cards per state (every state listed)."""
        got = dict(self.db.execute("SELECT state, count(*) FROM cards GROUP BY state").fetchall())
        return {s: got.get(s, 0) for s in STATES}

    def counts_by_desa(self) -> list[tuple[str, dict[str, int]]]:
        """Cards per state for each desa."""
        table: dict[str, dict[str, int]] = {}
        for desa, state, n in self.db.execute("SELECT desa, state, count(*) FROM cards GROUP BY desa, state"):
            table.setdefault(desa, {s: 0 for s in STATES})[state] = n
        return sorted(table.items())

    def events_on(self, day: dt.date) -> dict[str, int]:
        """Events recorded for ``day``, per state."""
        return dict(self.db.execute("SELECT state, count(*) FROM events WHERE day = ? GROUP BY state",
                                    (day.isoformat(),)).fetchall())

    def export_rows(self) -> Iterator[tuple[object, ...]]:
        """Every card with its state, attempts and last event (its day, then the outcome's words, the
        reason or the state)."""
        rows = self.db.execute(
            "SELECT c.nik, c.nama, c.desa, c.dusun, c.state, c.attempts, c.urgent, b.batch_date, e.day, e.outcome, "
            "e.reason, e.state AS event_state FROM cards c JOIN batches b ON b.id = c.batch_id "
            "LEFT JOIN events e ON e.id = (SELECT max(id) FROM events WHERE nik = c.nik) ORDER BY c.desa, c.nik")
        for r in rows:
            what = BY_CODE[r["outcome"]].words_id if r["outcome"] else r["reason"] or r["event_state"]
            yield (*tuple(r)[:8], f"{r['day']} {what}" if r["day"] is not None else None)

    def integrity(self) -> str:
        """``PRAGMA integrity_check`` result (``ok`` when sound)."""
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])


def _rows_text(rows: list[int]) -> str:
    """Spreadsheet rows as ranges: ``rows 2-31, 35``."""
    runs: list[list[int]] = []
    for r in sorted(set(rows)):
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    text = ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs)
    return f"row{'s' if len(rows) > 1 else ''} {text}"


def _cluster_line(path: Path, c: Cluster) -> str:
    """Why a cluster of positions teaches nothing, naming the file, the courier and the rows."""
    rows = [f.row for f in c.fixes if f.row]
    earlier = len(c.fixes) - len(rows)
    before = f" and {earlier} recorded earlier that day" if earlier else ""
    return (f"{path}: courier {c.courier or '?'}, {_rows_text(rows)}{before}: {len(c.fixes)} deliveries for "
            f"{c.households} households all within {CLUSTER_M} m of {c.point}: one position cannot be "
            "that many doors (a phone stuck on an old fix, or outcomes tapped in one place); none of them "
            "teaches a location")


def _far_line(path: Path, far: FarFix) -> str:
    """Why a delivery far from the card's desa point teaches nothing."""
    f = far.fix
    return (f"{where(path, f.row)}: card {mask(f.nik)} was delivered at {f.point} (GPS \u00b1{f.accuracy_m:.0f} m), "
            f"{far.gap_m} m from its desa point {f.planned} that the plan used: its household cannot live more "
            f"than {FAR_FROM_DESA_M} m away; the position teaches nothing")


class _Tx:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any error; busy maps to LedgerBusy."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def __enter__(self) -> None:
        try:
            self.ledger.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self.ledger._raise(exc)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self.ledger.db.execute("COMMIT")
            except sqlite3.OperationalError as e:
                self.ledger.db.execute("ROLLBACK")
                self.ledger._raise(e)
        else:
            self.ledger.db.execute("ROLLBACK")


@dataclass(frozen=True, slots=True)
class DueCards:
    """What a planning run takes from the ledger: the cards due, what importing today's file said,
    and the household locations deliveries have taught."""

    records: RecordSet
    imported: ImportResult | None
    learned: Learned = dataclasses.field(default_factory=Learned)


def import_and_due(path: Path, incoming: RecordSet | None, file_bytes: bytes, day: dt.date) -> DueCards:
    """Import today's file (if any), then give every card due (new, and failed before) as one record
    set, with the locations learned from deliveries.

    Ledger cards are numbered after the file's rejected rows, so every row number in the plan is
    unique and the plan's every-row-once check holds across both.
    """
    imported = None
    # Only a run that brings today's file may start a ledger: a mistyped --db is not a new, empty one.
    with Ledger(path, create=incoming is not None) as ledger:
        if incoming is not None:
            imported = ledger.import_batch(incoming, file_bytes, day)
        due, _ = ledger.due_records()
        learned = ledger.learned_locations()
    rejected = incoming.rejected if incoming is not None else ()
    base = max((r.row for r in rejected), default=1) - 1
    renumbered = tuple(dataclasses.replace(r, row=r.row + base) for r in due)
    cleaned = incoming.cleaned if incoming is not None else ()
    return DueCards(RecordSet(f"ledger {path}", renumbered, tuple(rejected), cleaned), imported, learned)


@contextlib.contextmanager
def planning_lock(path: Path, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the ledger for one planning run, from reading the cards due to recording the plan.

    Two plans made from the same cards at once would put a card on two couriers' sheets, and
    SQLite's own locks cover single transactions only. A second planner waits here for the first
    (``$EKTP_LEDGER_TIMEOUT`` or 30 s) and then gives up with :class:`LedgerBusy`. The lock is an
    advisory ``flock`` on ``LEDGER.lock``, released by the kernel if the process dies.
    """
    if timeout_s is None:
        timeout_s = ledger_timeout()
    lock_path = Path(f"{path}.lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise InputError(f"{lock_path}: cannot create the ledger's lock file ({exc.strerror})") from None
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LedgerBusy(f"{path}: another `ektp-route plan` is planning from this ledger; "
                                     f"waited {timeout_s:g} s. Run again when it has finished") from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)
