"""The scan station's own journal: scans survive a lost link, a crash and a power cut.

A station (China receiving today; packing, Vietnam receiving and stocktake later) writes every
scan to a small SQLite file on its own disk *before* answering it: an id the station makes
(uuid4), the station, warehouse, person, code, measurements and the station's time. The file is
in WAL mode with ``synchronous=FULL``, so a scan the person saw answered is on disk even if the
power goes the next instant.

Then the scan is applied to the database (``app.services.station_scans.apply_station_scan``,
exactly once per scan id):

- online, with nothing older waiting: at once, and the database's answer is shown, as before;
- otherwise (the link is down, or older scans still wait): the station answers from what it
  knows — a cache of the expected codes with their customer, order, shelf and alert notes,
  refreshed in the background while online — says it is offline, and a sender thread sends the
  journal in order when the link returns, backing off while it is down.

When the database's answer differs from the one the station gave offline (received here but
already received at another station, an alert note that arrived meanwhile…), the scan goes to a
"to review" list kept in the journal. No Qt here: the station window polls ``Station.status``.
"""
from __future__ import annotations

import socket
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable

from app.errors import DomainError
from app.i18n import N_, _
from app.services.scanning import (NO_MEASUREMENTS, Measurements, Outcome, ScanResult,
                                   check_measurements, refused)
from app.services.station_scans import ExpectedCode, StationScanIn
from app.tracking import is_plausible, normalize_code

#: the local answer when the station has never had the list of expected codes
UNCHECKED = "unchecked"
#: server outcomes a person must look at when the station could not check the scan itself
_NEEDS_A_LOOK = {Outcome.ALERT.value, Outcome.WRONG.value, Outcome.EXCESS.value,
                 Outcome.OWNERLESS.value, Outcome.REFUSED.value}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scans (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    scan_id TEXT NOT NULL UNIQUE,
    station TEXT NOT NULL,
    kind TEXT NOT NULL,
    warehouse_id INTEGER NOT NULL,
    user_id INTEGER,
    raw TEXT NOT NULL,
    code TEXT NOT NULL,
    weight_kg TEXT, length_cm TEXT, width_cm TEXT, height_cm TEXT,
    scanned_at TEXT NOT NULL,
    local_outcome TEXT NOT NULL,
    local_title TEXT NOT NULL,
    local_shown INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'waiting',
    outcome TEXT, title TEXT, detail TEXT, parcel_id INTEGER, applied_at TEXT,
    review INTEGER NOT NULL DEFAULT 0,
    reviewed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_scans_waiting ON scans (state, seq);
CREATE INDEX IF NOT EXISTS ix_scans_code ON scans (code, seq);
CREATE TABLE IF NOT EXISTS expected (
    code TEXT PRIMARY KEY, customer_code TEXT NOT NULL, order_code TEXT NOT NULL,
    shelf TEXT NOT NULL, destination TEXT NOT NULL, alert TEXT NOT NULL
);
"""


def is_link_error(exc: BaseException) -> bool:
    """The database could not be reached (or dropped the connection): retry later, keep the scan."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    import app.errors

    # (newer builds turn a server that cannot be reached into app.errors.DatabaseUnavailable, a
    # DomainError: it is still a lost link, not a refusal of the scan)
    unavailable = getattr(app.errors, "DatabaseUnavailable", None)
    if unavailable is not None and isinstance(exc, unavailable):
        return True
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, ConnectionError, TimeoutError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _dec(v: str | None) -> Decimal | None:
    return Decimal(v) if v is not None else None


def _s(v: Decimal | None) -> str | None:
    return str(v) if v is not None else None


@dataclass(frozen=True)
class Entry:
    seq: int
    scan_id: str
    station: str
    kind: str
    warehouse_id: int
    user_id: int | None
    raw: str
    code: str
    measurements: Measurements
    scanned_at: datetime
    local_outcome: str
    local_title: str
    state: str
    outcome: str | None
    title: str | None
    detail: str | None
    parcel_id: int | None
    review: bool

    def as_scan(self) -> StationScanIn:
        return StationScanIn(self.scan_id, self.station, self.warehouse_id, self.raw, self.scanned_at,
                             self.measurements, self.kind)


class Journal:
    """The journal file. Safe to use from the UI thread and the sender thread at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")       # an answered scan survives a power cut
        self._conn.executescript(_SCHEMA)
        station = self._meta("station")
        if station is None:
            station = f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:8]}"
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('station', ?)", (station,))
            station = self._meta("station")
        self.station: str = station  # type: ignore[assignment]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- scans ----------------------------------------------------------------------------------
    def add(self, warehouse_id: int, user_id: int | None, raw: str, code: str, m: Measurements,
            local: ScanResult, local_outcome: str, scanned_at: datetime,
            kind: str = "receive_cn") -> Entry:
        scan_id = str(uuid.uuid4())
        with self._lock:
            self._conn.execute(
                "INSERT INTO scans (scan_id, station, kind, warehouse_id, user_id, raw, code, weight_kg,"
                " length_cm, width_cm, height_cm, scanned_at, local_outcome, local_title)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (scan_id, self.station, kind, warehouse_id, user_id, raw, code, _s(m.weight_kg),
                 _s(m.length_cm), _s(m.width_cm), _s(m.height_cm), scanned_at.isoformat(),
                 local_outcome, local.title))
            return self.get(scan_id)

    def get(self, scan_id: str) -> Entry:
        with self._lock:
            row = self._conn.execute("SELECT * FROM scans WHERE scan_id = ?", (scan_id,)).fetchone()
        return _entry(row)

    def entries(self) -> list[Entry]:
        with self._lock:
            return [_entry(r) for r in self._conn.execute("SELECT * FROM scans ORDER BY seq")]

    def waiting(self, limit: int = 50) -> list[Entry]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM scans WHERE state = 'waiting' ORDER BY seq LIMIT ?",
                                      (limit,)).fetchall()
        return [_entry(r) for r in rows]

    def waiting_before(self, seq: int) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM scans WHERE state = 'waiting' AND seq < ? LIMIT 1",
                                      (seq,)).fetchone() is not None

    def scanned_before(self, code: str) -> bool:
        """This station already scanned the code (an answer it can give without the database)."""
        with self._lock:
            return self._conn.execute("SELECT 1 FROM scans WHERE code = ? AND COALESCE(outcome, local_outcome)"
                                      " NOT IN ('alert', 'wrong', 'refused') LIMIT 1", (code,)).fetchone() is not None

    def mark_applied(self, scan_id: str, r: ScanResult, local_shown: bool = True) -> bool:
        """Record the database's answer; True when it goes to the "to review" list."""
        with self._lock:
            row = self._conn.execute("SELECT local_outcome, local_shown, state FROM scans WHERE scan_id = ?",
                                     (scan_id,)).fetchone()
            if row is None or row["state"] == "applied":
                return False
            shown = bool(row["local_shown"]) and local_shown
            local = row["local_outcome"]
            review = shown and (r.outcome.value in _NEEDS_A_LOOK if local == UNCHECKED
                                else r.outcome.value != local)
            self._conn.execute(
                "UPDATE scans SET state = 'applied', outcome = ?, title = ?, detail = ?, parcel_id = ?,"
                " applied_at = ?, local_shown = ?, review = ? WHERE scan_id = ?",
                (r.outcome.value, r.title, r.detail, r.parcel_id, datetime.now(timezone.utc).isoformat(),
                 int(shown), int(review), scan_id))
            return review

    def prune(self, keep_days: int = 14) -> int:
        """Forget scans applied more than ``keep_days`` ago (not those still waiting or to review):
        a station scanning 10,000 parcels a shift keeps a small file."""
        from datetime import timedelta

        cutoff = (datetime.now(timezone.utc) - timedelta(days=keep_days)).isoformat()
        with self._lock:
            cur = self._conn.execute("DELETE FROM scans WHERE state = 'applied' AND applied_at < ?"
                                     " AND NOT (review = 1 AND reviewed = 0)", (cutoff,))
            return cur.rowcount

    def counts(self) -> tuple[int, int]:
        """(scans waiting to be sent, scans to review)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT SUM(state = 'waiting'), SUM(review = 1 AND reviewed = 0) FROM scans").fetchone()
        return int(row[0] or 0), int(row[1] or 0)

    def to_review(self) -> list[Entry]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM scans WHERE review = 1 AND reviewed = 0 ORDER BY seq")
            return [_entry(r) for r in rows]

    def mark_reviewed(self, scan_id: str) -> None:
        with self._lock:
            self._conn.execute("UPDATE scans SET reviewed = 1 WHERE scan_id = ?", (scan_id,))

    # -- the cache of expected codes --------------------------------------------------------------
    def replace_expected(self, codes: Iterable[ExpectedCode]) -> int:
        rows = [(e.code, e.customer_code, e.order_code, e.shelf, e.destination, e.alert) for e in codes]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM expected")
                self._conn.executemany("INSERT OR REPLACE INTO expected VALUES (?,?,?,?,?,?)", rows)
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('expected_at', ?)",
                                   (datetime.now(timezone.utc).isoformat(),))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return len(rows)

    def has_expected_list(self) -> bool:
        with self._lock:
            return self._meta("expected_at") is not None

    def expected(self, code: str) -> ExpectedCode | None:
        with self._lock:
            r = self._conn.execute("SELECT * FROM expected WHERE code = ?", (code,)).fetchone()
        return ExpectedCode(*r) if r else None


def _entry(r: sqlite3.Row) -> Entry:
    m = Measurements(_dec(r["weight_kg"]), _dec(r["length_cm"]), _dec(r["width_cm"]), _dec(r["height_cm"]))
    return Entry(r["seq"], r["scan_id"], r["station"], r["kind"], r["warehouse_id"], r["user_id"], r["raw"],
                 r["code"], m, datetime.fromisoformat(r["scanned_at"]), r["local_outcome"], r["local_title"],
                 r["state"], r["outcome"], r["title"], r["detail"], r["parcel_id"], bool(r["review"]))


def _failure(code: str, exc: BaseException) -> ScanResult:
    """A refusal that will not change by sending again (not a lost link): shown, kept, reviewed."""
    return ScanResult(Outcome.WRONG, code, _("Refused"), str(exc))


class Station:
    """One scan station: journals each scan, answers it, sends the journal in the background.

    ``apply(scan)`` applies one journalled scan to the database (``apply_station_scan`` in-process,
    later a request to the server); ``refresh()`` returns the expected codes to cache.
    """

    def __init__(self, journal: Journal, apply: Callable[[StationScanIn], ScanResult],
                 refresh: Callable[[], Iterable[ExpectedCode]] | None = None, user_id: int | None = None,
                 backoff: tuple[float, float] = (0.5, 30.0), refresh_every: float = 300.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.journal, self.apply, self.refresh = journal, apply, refresh
        self.user_id, self.backoff, self.refresh_every, self.clock = user_id, backoff, refresh_every, clock
        self.online = True
        self.last_error = ""
        self._send_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refreshed_at = 0.0

    # -- a scan ------------------------------------------------------------------------------------
    def scan(self, warehouse_id: int, raw: str, m: Measurements = NO_MEASUREMENTS) -> ScanResult:
        if not warehouse_id:
            raise DomainError(N_("Choose a warehouse in China to receive into."))
        code = normalize_code(raw)
        if not is_plausible(code):
            return refused(raw)                    # nothing to journal: not a parcel
        if not m.empty:
            m = check_measurements(m)              # a typo in the weight is refused at once
        local, local_outcome = self.local_answer(code)
        entry = self.journal.add(warehouse_id, self.user_id, raw, code, m, local, local_outcome, self.clock())
        # Online, the database answers. The sender may hold the lock for a moment (its periodic look,
        # a batch): wait for it briefly rather than answer an online scan as if offline. Applying is
        # exactly-once per scan id, so a scan the sender took meanwhile comes back with its answer.
        if self.online and not self.journal.waiting_before(entry.seq) and self._send_lock.acquire(timeout=2.0):
            try:
                r = self._apply(entry) if not self.journal.waiting_before(entry.seq) else None
            finally:
                self._send_lock.release()
            if r is not None:
                self.journal.mark_applied(entry.scan_id, r, local_shown=False)
                return r
        self._wake.set()
        return local

    def _apply(self, entry: Entry) -> ScanResult | None:
        """The database's answer, or None when the link is down (the scan waits in the journal)."""
        try:
            r = self.apply(entry.as_scan())
        except Exception as exc:
            if is_link_error(exc):             # checked first: a lost link may be a DomainError
                self.online = False
                self.last_error = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                return None
            r = _failure(entry.code, exc)
        self.online = True
        return r

    def local_answer(self, code: str) -> tuple[ScanResult, str]:
        """What the station says without the database (the scan is kept and sent later)."""
        queued = _("Offline: the scan is saved on this station and will be sent when the connection returns.")
        if self.journal.scanned_before(code):
            return ScanResult(Outcome.ALREADY, code, _("Already scanned at this station (offline)"),
                              queued, facts={"offline": True}), Outcome.ALREADY.value
        e = self.journal.expected(code)
        if e is not None and e.alert:
            return ScanResult(Outcome.ALERT, code, _("Stop — read the alert note (offline)"),
                              f"• {e.alert}\n{queued}", customer_code=e.customer_code,
                              order_code=e.order_code, facts={"offline": True}), Outcome.ALERT.value
        if e is not None:
            who = f"{e.customer_code} · {e.order_code}" if e.order_code else e.customer_code
            return ScanResult(Outcome.RECEIVED, code, _("Received (offline) — {who}").format(who=who),
                              _("Shelf {shelf}.").format(shelf=e.shelf or "—") + "\n" + queued, None,
                              e.customer_code, e.order_code, e.shelf, e.destination,
                              facts={"offline": True}), Outcome.RECEIVED.value
        if not self.journal.has_expected_list():
            return ScanResult(Outcome.EXTRA, code, _("Saved offline — not checked yet"),
                              _("This station has no list of expected parcels yet. Keep the parcel "
                                "aside until the scan is checked.") + "\n" + queued,
                              facts={"offline": True}), UNCHECKED
        return ScanResult(Outcome.OWNERLESS, code, _("Unknown code — ownerless parcel (offline)"),
                          _("No order expects {code}. Put it on the ownerless shelf.").format(code=code)
                          + "\n" + queued, shelf="OWNERLESS", facts={"offline": True}), Outcome.OWNERLESS.value

    # -- sending -----------------------------------------------------------------------------------
    def send_pending(self) -> bool:
        """Send every waiting scan in order; False when the link dropped (the rest waits)."""
        with self._send_lock:
            while True:
                batch = self.journal.waiting(50)
                if not batch:
                    return True
                for entry in batch:
                    r = self._apply(entry)
                    if r is None:
                        return False
                    self.journal.mark_applied(entry.scan_id, r)

    def refresh_cache(self) -> bool:
        if self.refresh is None:
            return True
        try:
            self.journal.replace_expected(self.refresh())
        except Exception as exc:
            if is_link_error(exc):
                self.online = False
                self.last_error = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                return False
            raise
        self.online = True
        self._refreshed_at = time.monotonic()
        return True

    def status(self) -> tuple[bool, int, int]:
        """(believed online, scans waiting, scans to review)."""
        waiting, review = self.journal.counts()
        return self.online, waiting, review

    def start(self) -> None:
        if self._thread is None:
            self.journal.prune()
            self._thread = threading.Thread(target=self._run, name="station-journal-sender", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        delay = self.backoff[0]
        while not self._stop.is_set():
            self._wake.clear()
            ok = True
            try:
                if self.refresh is not None and time.monotonic() - self._refreshed_at >= self.refresh_every:
                    ok = self.refresh_cache()
                if ok:
                    ok = self.send_pending()
            except Exception:                       # a bug must not kill the sender
                import traceback

                traceback.print_exc()
                ok = False
            if ok:
                delay = self.backoff[0]
                self._wake.wait(min(self.refresh_every, 5.0))
            else:                                   # link down: back off (new scans just wait)
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
