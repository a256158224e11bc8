"""The delivery ledger: every card from the day it is finished until it is handed over.

An embedded SQLite database in WAL mode; every change runs in one transaction, so a crash
leaves either all or none of it. The schema is versioned (``PRAGMA user_version``) and brought
up to date by the migrations below, in order, without losing data.

States of a card::

    received --plan--> planned --outcome DT--> delivered
                          |  \\--outcome TR/PA/AT/MN--> failed --plan--> planned ...
                          |                               \\-- after max_attempts --> pickup (ambil di kantor)
                          \\--outcome MD (meninggal)--> cancelled
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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from routing.errors import InputError, LedgerBusy, where
from routing.files import strip_controls
from routing.nik import mask
from routing.outcomes import CODES, parse_outcome
from routing.plan import Plan
from routing.records import Record, RecordSet

DEFAULT_DB = Path("ektp-ledger.sqlite")
STATES = ("received", "planned", "delivered", "failed", "pickup", "cancelled")
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
    """Outcomes applied, and the lines that were refused."""

    applied: int
    repeated: int
    problems: tuple[str, ...]


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
        from routing.geo import LatLon

        rows = self.db.execute(
            "SELECT * FROM cards WHERE state IN ('received', 'failed') ORDER BY urgent DESC, batch_id, nik").fetchall()
        records = []
        for k, c in enumerate(rows, start=2):
            point = LatLon(c["lat"], c["lon"]) if c["lat"] is not None else None

            def text(name: str, c: sqlite3.Row = c) -> str:
                # Cards imported before control characters were removed on reading must not reach a GPX.
                return strip_controls(c[name] or "")

            records.append(Record(row=k, nik=c["nik"], nama=text("nama"), alamat=text("alamat"), rt=text("rt"),
                                  rw=text("rw"), dusun=text("dusun"), desa=text("desa"), kecamatan=text("kecamatan"),
                                  no_kk=text("no_kk"), point=point, urgent=bool(c["urgent"]),
                                  telepon=text("telepon"), keterangan=text("keterangan")))
        return records, {r.row: r.nik for r in records}

    def record_plan(self, plan: Plan) -> int:
        """Mark planned cards ``planned`` (courier, stop); unassigned ones keep their state, with an event."""
        now, day = _now(), plan.date.isoformat()
        n = 0
        with self._transaction():
            for route in plan.routes:
                for v in route.visits:
                    for c in v.cards:
                        cur = self.db.execute(
                            "UPDATE cards SET state = 'planned', updated_at = ? "
                            "WHERE nik = ? AND state IN ('received', 'failed')", (now, c.nik))
                        if cur.rowcount:
                            self.db.execute("INSERT INTO events(nik, at, day, state, courier_id, stop_seq) "
                                            "VALUES (?, ?, ?, 'planned', ?, ?)", (c.nik, now, day, route.courier_id, v.seq))
                            n += 1
            for u in plan.unassigned:
                self.db.execute("INSERT INTO events(nik, at, day, state, reason) "
                                "SELECT nik, ?, ?, state, ? FROM cards WHERE nik = ?",
                                (now, day, f"unassigned: {u.reason}", u.card.nik))
        return n

    # -- outcomes -------------------------------------------------------------------------------

    def record_outcomes(self, path: Path, rows: Sequence[dict[str, str]], day: dt.date,
                        max_attempts: int = 2, row_numbers: Sequence[int] | None = None) -> OutcomeResult:
        """Apply the day's outcomes (``nik``, ``outcome``, ``recipient``, ``time``) in one transaction.

        Unknown NIKs and impossible transitions (a card that is not out for delivery) are refused,
        one line each; the same outcome recorded twice counts as already done. ``row_numbers``
        (from :func:`routing.files.read_rows`) are the rows named in those lines; without them rows
        are counted from 2.
        """
        now = _now()
        applied = repeated = 0
        problems = []
        numbers = list(row_numbers) if row_numbers is not None else list(range(2, len(rows) + 2))
        with self._transaction():
            for row_no, row in zip(numbers, rows, strict=True):
                nik = "".join(ch for ch in (row.get("nik") or "") if ch.isdigit())
                raw = (row.get("outcome") or "").strip()
                outcome = parse_outcome(raw)
                if outcome is None:
                    problems.append(f"{where(path, row_no, 'outcome', raw)}: unknown outcome; use one of "
                                    f"{', '.join(CODES)}")
                    continue
                card = self.db.execute("SELECT state, attempts FROM cards WHERE nik = ?", (nik,)).fetchone()
                if card is None:
                    problems.append(f"{where(path, row_no, 'nik', row.get('nik'))}: no such card in the ledger")
                    continue
                new_state, reason, code = outcome.state, outcome.words_id, outcome.code
                recipient = (row.get("recipient") or "").strip()
                if card["state"] != "planned":
                    last = self.db.execute("SELECT reason FROM events WHERE nik = ? ORDER BY id DESC LIMIT 1",
                                           (nik,)).fetchone()
                    if card["state"] in (new_state, "pickup") and last and last["reason"] == reason:
                        repeated += 1
                        continue
                    problems.append(f"{where(path, row_no, 'outcome', raw)}: card {mask(nik)} is "
                                    f"{card['state']}, not out for delivery; outcome refused")
                    continue
                if code == "DT" and not recipient:
                    problems.append(f"{where(path, row_no, 'recipient', '')}: a delivered card needs the "
                                    "recipient's name")
                    continue
                attempt = card["attempts"] + (new_state == "failed")
                if new_state == "failed" and attempt >= max_attempts:
                    new_state = "pickup"
                self.db.execute("UPDATE cards SET state = ?, attempts = ?, updated_at = ? WHERE nik = ?",
                                (new_state, attempt, now, nik))
                self.db.execute("INSERT INTO events(nik, at, day, state, reason, recipient, attempt) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (nik, f"{day.isoformat()}T{(row.get('time') or '').strip() or '00:00'}", day.isoformat(),
                                 new_state, reason, recipient or None, attempt))
                applied += 1
        return OutcomeResult(applied, repeated, tuple(problems))

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

    def export_rows(self) -> Iterable[sqlite3.Row]:
        """Every card with its state, attempts and last event."""
        return self.db.execute(
            "SELECT c.nik, c.nama, c.desa, c.dusun, c.state, c.attempts, c.urgent, b.batch_date, "
            "(SELECT e.day || ' ' || coalesce(e.reason, e.state) FROM events e WHERE e.nik = c.nik "
            " ORDER BY e.id DESC LIMIT 1) AS last_event "
            "FROM cards c JOIN batches b ON b.id = c.batch_id ORDER BY c.desa, c.nik")

    def integrity(self) -> str:
        """``PRAGMA integrity_check`` result (``ok`` when sound)."""
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])


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
    """What a planning run takes from the ledger: the cards due, and what importing today's file said."""

    records: RecordSet
    imported: ImportResult | None


def import_and_due(path: Path, incoming: RecordSet | None, file_bytes: bytes, day: dt.date) -> DueCards:
    """Import today's file (if any), then give every card due (new, and failed before) as one record set.

    Ledger cards are numbered after the file's rejected rows, so every row number in the plan is
    unique and the plan's every-row-once check holds across both.
    """
    imported = None
    # Only a run that brings today's file may start a ledger: a mistyped --db is not a new, empty one.
    with Ledger(path, create=incoming is not None) as ledger:
        if incoming is not None:
            imported = ledger.import_batch(incoming, file_bytes, day)
        due, _ = ledger.due_records()
    rejected = incoming.rejected if incoming is not None else ()
    base = max((r.row for r in rejected), default=1) - 1
    renumbered = tuple(dataclasses.replace(r, row=r.row + base) for r in due)
    cleaned = incoming.cleaned if incoming is not None else ()
    return DueCards(RecordSet(f"ledger {path}", renumbered, tuple(rejected), cleaned), imported)


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
