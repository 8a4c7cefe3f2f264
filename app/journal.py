"""The scan station's own journal: scans survive a lost link, a crash and a power cut.

Every scan station (China receiving, packing a shipment, receiving a shipment in Vietnam, a
stocktake) writes every scan to a small SQLite file on its own disk *before* answering it: an id
the station makes (uuid4), the kind of station, the warehouse, the shipment or stocktake it
scans into, the person, code, measurements and the station's time. The file is
in WAL mode with ``synchronous=FULL``, so a scan the person saw answered is on disk even if the
power goes the next instant.

Then the scan is applied to the database (``app.services.station_scans.apply_station_scans``,
exactly once per scan id), in batches: in-process directly, through the application server as
one request per batch (the ``stations.apply_scans`` operation):

- online, with nothing older waiting, on a desktop with its own database: at once, and the
  database's answer is shown, as before;
- through a server (``answer_locally``): from the station's cache at once (a round trip to the
  server is not waited for), the scan sent in the background; a scan the cache cannot answer
  (an alert note waits for it, no cache yet) waits for the server's answer while online;
- otherwise (the link is down, or older scans still wait): the station answers from what it
  knows — a cache of its warehouse's expected parcels (per station kind and shipment or
  stocktake) with their customer, order, shelf and alert notes, refreshed in the background — says it is offline, and a sender thread sends the
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
from app.services.scanning import (NO_MEASUREMENTS, Measurements, Outcome, ScanResult, fmt_kg,
                                   check_measurements, refused)
from app.services.seals import SealCheck, mismatch_reasons, REASON_LABELS, validated
from app.services.station_scans import ExpectedCode, InTransit, SackOnTheWay, StationScanIn
from app.tracking import is_plausible, normalize_code
from app.workflows.parcels import shelf_label

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
CREATE TABLE IF NOT EXISTS cache (
    kind TEXT NOT NULL, target INTEGER NOT NULL, code TEXT NOT NULL,
    customer_code TEXT NOT NULL, order_code TEXT NOT NULL, shelf TEXT NOT NULL,
    destination TEXT NOT NULL, alert TEXT NOT NULL, flag TEXT NOT NULL,
    weight_kg TEXT, weight_limit_kg TEXT,
    PRIMARY KEY (kind, target, code)
);
CREATE TABLE IF NOT EXISTS sacks (
    warehouse_id INTEGER NOT NULL, code TEXT NOT NULL, shipment_id INTEGER NOT NULL,
    seal_no TEXT NOT NULL, gross_weight_kg TEXT, tolerance_kg TEXT, parcel_count INTEGER NOT NULL,
    origin TEXT NOT NULL, needs_seal INTEGER NOT NULL, held INTEGER NOT NULL,
    PRIMARY KEY (warehouse_id, code)
);
"""
_KIND_TARGET = "CREATE INDEX IF NOT EXISTS ix_scans_kind_code ON scans (kind, target_id, code)"

#: how often a station left running forgets old scans and lists (``Journal.prune``; also at start)
PRUNE_EVERY_SECONDS = 6 * 3600

#: one sender at a time per journal file in this process (two station windows share the file)
_SEND_LOCKS: dict[str, threading.Lock] = {}
_SEND_LOCKS_GUARD = threading.Lock()


def _send_lock(path: Path) -> threading.Lock:
    key = str(path.resolve())
    with _SEND_LOCKS_GUARD:
        return _SEND_LOCKS.setdefault(key, threading.Lock())


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
    # through a server: the server cannot be reached, the session ended (a person signs in again),
    # the server failed on its side (logged there): the scans wait, nothing is refused for that
    from app.remote.errors import ConnectionLost, ServerFault, SessionExpired

    if isinstance(exc, (ConnectionLost, ServerFault, SessionExpired)):
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
    target_id: int | None = None
    #: an arrival's seal check (no photo: a photo is added online in the shipment window)
    seal: SealCheck | None = None

    def as_scan(self) -> StationScanIn:
        return StationScanIn(self.scan_id, self.station, self.warehouse_id, self.raw, self.scanned_at,
                             self.measurements, self.kind, self.target_id, self.user_id, self.seal)


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
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(scans)")}
        if "target_id" not in columns:          # a journal written by the first release
            self._conn.execute("ALTER TABLE scans ADD COLUMN target_id INTEGER")
        if "seal_no" not in columns:            # a journal written before sacks were opened offline
            self._conn.execute("ALTER TABLE scans ADD COLUMN seal_no TEXT")
            self._conn.execute("ALTER TABLE scans ADD COLUMN seal_gross_kg TEXT")
            self._conn.execute("ALTER TABLE scans ADD COLUMN seal_intact INTEGER")
        cached = {r[1] for r in self._conn.execute("PRAGMA table_info(cache)")}
        if "weight_kg" not in cached:           # a cache written before it held China weights
            self._conn.execute("ALTER TABLE cache ADD COLUMN weight_kg TEXT")
            self._conn.execute("ALTER TABLE cache ADD COLUMN weight_limit_kg TEXT")
        self._conn.execute(_KIND_TARGET)
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
            kind: str = "receive_cn", target_id: int | None = None, seal: SealCheck | None = None) -> Entry:
        scan_id = str(uuid.uuid4())
        with self._lock:
            self._conn.execute(
                "INSERT INTO scans (scan_id, station, kind, warehouse_id, user_id, raw, code, weight_kg,"
                " length_cm, width_cm, height_cm, scanned_at, local_outcome, local_title, target_id,"
                " seal_no, seal_gross_kg, seal_intact)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (scan_id, self.station, kind, warehouse_id, user_id, raw, code, _s(m.weight_kg),
                 _s(m.length_cm), _s(m.width_cm), _s(m.height_cm), scanned_at.isoformat(),
                 local_outcome, local.title, target_id, seal.seal_no if seal else None,
                 _s(seal.gross_weight_kg) if seal else None, int(seal.intact) if seal else None))
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

    def scanned_before(self, code: str, kind: str = "receive_cn", target_id: int | None = None) -> bool:
        """This station already scanned the code at this kind of station, into the same shipment
        or stocktake (an answer it can give without the database)."""
        with self._lock:
            return self._conn.execute(
                "SELECT 1 FROM scans WHERE kind = ? AND COALESCE(target_id, 0) = ? AND code = ?"
                " AND COALESCE(outcome, local_outcome) NOT IN ('alert', 'wrong', 'refused', 'unchecked')"
                " LIMIT 1", (kind, target_id or 0, code)).fetchone() is not None

    def mark_applied(self, scan_id: str, r: ScanResult, local_shown: bool = True) -> bool:
        """Record the database's answer; True when it goes to the "to review" list."""
        return self.mark_applied_many([(scan_id, r)], local_shown) == 1

    def mark_applied_many(self, answers: list[tuple[str, ScanResult]], local_shown: bool = True) -> int:
        """Record a batch of the database's answers in one write (one sync to disk, so the sender
        keeps the journal free for the next scan); returns how many went to "to review"."""
        reviews = 0
        at = datetime.now(timezone.utc).isoformat()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for scan_id, r in answers:
                    row = self._conn.execute("SELECT local_outcome, local_shown, state FROM scans"
                                             " WHERE scan_id = ?", (scan_id,)).fetchone()
                    if row is None or row["state"] == "applied":
                        continue
                    shown = bool(row["local_shown"]) and local_shown
                    local = row["local_outcome"]
                    review = shown and (r.outcome.value in _NEEDS_A_LOOK if local == UNCHECKED
                                        else r.outcome.value != local)
                    reviews += review
                    self._conn.execute(
                        "UPDATE scans SET state = 'applied', outcome = ?, title = ?, detail = ?, parcel_id = ?,"
                        " applied_at = ?, local_shown = ?, review = ? WHERE scan_id = ?",
                        (r.outcome.value, r.title, r.detail, r.parcel_id, at, int(shown), int(review), scan_id))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return reviews

    def prune(self, keep_days: int = 14) -> int:
        """Forget scans applied more than ``keep_days`` ago (not those still waiting or to review):
        a station scanning 10,000 parcels a shift keeps a small file."""
        from datetime import timedelta

        cutoff = (datetime.now(timezone.utc) - timedelta(days=keep_days)).isoformat()
        with self._lock:
            cur = self._conn.execute("DELETE FROM scans WHERE state = 'applied' AND applied_at < ?"
                                     " AND NOT (review = 1 AND reviewed = 0)", (cutoff,))
            self._forget_old_lists(cutoff)
            return cur.rowcount

    def _forget_old_lists(self, cutoff: str) -> None:
        """Forget the cached list of a shipment or stocktake not fetched since ``cutoff`` (a sack long
        received, a stocktake closed): the file would otherwise keep every manifest it ever held. The
        China list (no target), a sack still on its way here and a list with scans waiting or to
        review stay."""
        stale = [(k, int(t)) for k, t in (
            key.split(":")[1:] for (key,) in self._conn.execute(
                "SELECT key FROM meta WHERE key LIKE 'cache_at:%' AND value < ?", (cutoff,)))
            if t != "0"]
        for kind, target in stale:
            if self._conn.execute("SELECT 1 FROM sacks WHERE shipment_id = ?", (target,)).fetchone():
                continue
            if self._conn.execute("SELECT 1 FROM scans WHERE kind = ? AND target_id = ? AND (state = 'waiting'"
                                  " OR (review = 1 AND reviewed = 0))", (kind, target)).fetchone():
                continue
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM cache WHERE kind = ? AND target = ?", (kind, target))
                self._conn.execute("DELETE FROM meta WHERE key = ?", (f"cache_at:{kind}:{target}",))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

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

    # -- the cache of what the station expects (per kind of station and shipment/stocktake) -------
    def replace_cache(self, kind: str, target_id: int | None, codes: Iterable[ExpectedCode]) -> int:
        target = target_id or 0
        rows = [(kind, target, e.code, e.customer_code, e.order_code, e.shelf, e.destination, e.alert,
                 e.flag, _s(e.weight_kg), _s(e.weight_limit_kg)) for e in codes]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM cache WHERE kind = ? AND target = ?", (kind, target))
                self._conn.executemany("INSERT OR REPLACE INTO cache (kind, target, code, customer_code, order_code,"
                                       " shelf, destination, alert, flag, weight_kg, weight_limit_kg)"
                                       " VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                   (f"cache_at:{kind}:{target}", datetime.now(timezone.utc).isoformat()))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return len(rows)

    def has_cache(self, kind: str, target_id: int | None = None) -> bool:
        with self._lock:
            return self._meta(f"cache_at:{kind}:{target_id or 0}") is not None

    def cached(self, kind: str, target_id: int | None, code: str) -> ExpectedCode | None:
        with self._lock:
            r = self._conn.execute("SELECT code, customer_code, order_code, shelf, destination, alert, flag,"
                                   " weight_kg, weight_limit_kg FROM cache WHERE kind = ? AND target = ?"
                                   " AND code = ?", (kind, target_id or 0, code)).fetchone()
        return ExpectedCode(*r[:7], _dec(r[7]), _dec(r[8])) if r else None

    # -- the sacks on their way to the station's warehouse (opened offline: Station.arrive) ---------
    def replace_sacks(self, warehouse_id: int, sacks: Iterable[InTransit]) -> int:
        rows = [(warehouse_id, t.code, t.id, t.seal_no, _s(t.gross_weight_kg), _s(t.tolerance_kg),
                 t.parcel_count, t.origin, int(t.needs_seal), int(t.held)) for t in sacks]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM sacks WHERE warehouse_id = ?", (warehouse_id,))
                self._conn.executemany("INSERT OR REPLACE INTO sacks VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return len(rows)

    def sack(self, warehouse_id: int, code: str) -> InTransit | None:
        with self._lock:
            r = self._conn.execute("SELECT shipment_id, code, seal_no, gross_weight_kg, tolerance_kg, parcel_count,"
                                   " origin, needs_seal, held FROM sacks WHERE warehouse_id = ? AND code = ?",
                                   (warehouse_id, code)).fetchone()
        return InTransit(r[0], r[1], r[2], _dec(r[3]), _dec(r[4]), r[5], r[6], bool(r[7]), bool(r[8])) if r else None

    def sack_seen(self, warehouse_id: int, code: str, *, held: bool) -> None:
        """The sack was checked here (offline): not asked again; a held one stays out."""
        with self._lock:
            self._conn.execute("UPDATE sacks SET needs_seal = 0, held = ? WHERE warehouse_id = ? AND code = ?",
                               (int(held), warehouse_id, code))

    def manifest(self, target_id: int) -> list[ExpectedCode]:
        """The receive_vn cache of a shipment (its manifest as last fetched), in code order."""
        with self._lock:
            rows = self._conn.execute("SELECT code, customer_code, order_code, shelf, destination, alert, flag,"
                                      " weight_kg, weight_limit_kg FROM cache WHERE kind = 'receive_vn'"
                                      " AND target = ? ORDER BY code", (target_id,)).fetchall()
        return [ExpectedCode(*r[:7], _dec(r[7]), _dec(r[8])) for r in rows]

    # the China receiving station's names (its cache has no target)
    def replace_expected(self, codes: Iterable[ExpectedCode]) -> int:
        return self.replace_cache("receive_cn", None, codes)

    def has_expected_list(self) -> bool:
        return self.has_cache("receive_cn")

    def expected(self, code: str) -> ExpectedCode | None:
        return self.cached("receive_cn", None, code)


def _entry(r: sqlite3.Row) -> Entry:
    m = Measurements(_dec(r["weight_kg"]), _dec(r["length_cm"]), _dec(r["width_cm"]), _dec(r["height_cm"]))
    return Entry(r["seq"], r["scan_id"], r["station"], r["kind"], r["warehouse_id"], r["user_id"], r["raw"],
                 r["code"], m, datetime.fromisoformat(r["scanned_at"]), r["local_outcome"], r["local_title"],
                 r["state"], r["outcome"], r["title"], r["detail"], r["parcel_id"], bool(r["review"]),
                 r["target_id"], _seal(r))


def _seal(r: sqlite3.Row) -> SealCheck | None:
    if r["seal_no"] is None:
        return None
    return SealCheck(r["seal_no"], Decimal(r["seal_gross_kg"]), bool(r["seal_intact"]))


def _failure(code: str, exc: BaseException) -> ScanResult:
    """A refusal that will not change by sending again (not a lost link): shown, kept, reviewed."""
    return ScanResult(Outcome.WRONG, code, _("Refused"), str(exc))


Send = Callable[[list[StationScanIn]], list[ScanResult]]
Cache = Callable[[str, int, "int | None"], Iterable[ExpectedCode]]


class Station:
    """One scan station: journals each scan, answers it, sends the journal in the background.

    ``send(scans)`` applies a batch of journalled scans, in order, and returns their answers
    (``stations.apply_scans``: in-process, or one request to the server); ``cache(kind,
    warehouse_id, target_id)`` returns what the station caches to answer alone. The older
    single-scan ``apply(scan)`` and ``refresh()`` (China receiving) are still taken.

    ``watch(kind, warehouse_id, target_id)`` says what the station scans now (the cache the
    sender refreshes in the background). ``answer_locally``: answer from the cache even while
    online (a desktop working through a server does not wait a round trip per scan).
    """

    #: scans per request (one transaction on the server)
    BATCH = 50

    def __init__(self, journal: Journal, apply: Callable[[StationScanIn], ScanResult] | None = None,
                 refresh: Callable[[], Iterable[ExpectedCode]] | None = None, user_id: int | None = None,
                 backoff: tuple[float, float] = (0.5, 30.0), refresh_every: float = 300.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 send: Send | None = None, cache: Cache | None = None,
                 answer_locally: bool = False,
                 transit: Callable[[int], Iterable[SackOnTheWay]] | None = None) -> None:
        if send is None and apply is None:
            raise TypeError("a station needs send (a batch) or apply (one scan)")
        self.journal, self.apply, self.send = journal, apply, send
        if cache is None and refresh is not None:
            cache = lambda kind, wid, target: refresh()  # noqa: E731  (China receiving only)
        self.cache = cache
        self.user_id, self.backoff, self.refresh_every, self.clock = user_id, backoff, refresh_every, clock
        self.answer_locally = answer_locally
        #: ``transit(warehouse_id)``: the sacks on their way here with their manifests, in one call
        #: (``stations.sacks_on_the_way``)
        self.transit = transit
        self.online = True
        self.last_error = ""
        self.watched: tuple[str, int, int | None] = ("receive_cn", 0, None)
        self._send_lock = _send_lock(journal.path)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refreshed: dict[tuple[str, int, int | None], float] = {}

    @property
    def refresh(self):          # kept for callers that asked whether a station refreshes
        return self.cache

    def watch(self, kind: str, warehouse_id: int | None, target_id: int | None = None) -> None:
        """What the station scans now; its cache is fetched in the background if it is old."""
        watched = (kind, warehouse_id or 0, target_id)
        if watched != self.watched:
            self.watched = watched
            self._wake.set()

    # -- a scan ------------------------------------------------------------------------------------
    def scan(self, warehouse_id: int, raw: str, m: Measurements = NO_MEASUREMENTS, kind: str = "receive_cn",
             target_id: int | None = None) -> ScanResult:
        if not warehouse_id:
            raise DomainError(N_("Choose a warehouse in China to receive into.") if kind == "receive_cn"
                              else N_("Choose the warehouse first."))
        code = normalize_code(raw)
        if not is_plausible(code):
            return refused(raw)                    # nothing to journal: not a parcel
        if not m.empty:
            m = check_measurements(m)              # a typo in the weight is refused at once
        local, local_outcome = self.local_answer(code, kind, target_id, quiet=self.answer_locally and self.online,
                                                 m=m)
        entry = self.journal.add(warehouse_id, self.user_id, raw, code, m, local, local_outcome, self.clock(),
                                 kind, target_id)
        # Online, the database answers (through a server: only what the cache cannot answer). The
        # sender may hold the lock for a moment (its periodic look, a batch): wait for it briefly
        # rather than answer an online scan as if offline. Applying is exactly-once per scan id,
        # so a scan the sender took meanwhile comes back with its answer.
        ask = not self.answer_locally or local_outcome in (Outcome.ALERT.value, UNCHECKED)
        if ask and self.online and not self.journal.waiting_before(entry.seq) \
                and self._send_lock.acquire(timeout=2.0):
            try:
                r = self._apply_one(entry) if not self.journal.waiting_before(entry.seq) else None
            finally:
                self._send_lock.release()
            if r is not None:
                self.journal.mark_applied(entry.scan_id, r, local_shown=False)
                return r
            if self.answer_locally:            # the link dropped just now: say so
                local, _o = self.local_answer(code, kind, target_id, quiet=False, entry=entry, m=m)
        self._wake.set()
        local.facts["scan_id"] = entry.scan_id     # the station finds its parcel once it is sent
        return local

    def _apply_one(self, entry: Entry) -> ScanResult | None:
        got = self._send([entry])
        return got[0] if got else None

    def _send(self, entries: list[Entry]) -> list[ScanResult] | None:
        """The database's answers to ``entries`` in order (fewer when the link dropped after some of
        them: those are kept, the rest wait); None when the link is down."""
        out: list[ScanResult] = []
        try:
            if self.send is not None:
                out = list(self.send([e.as_scan() for e in entries]))
            else:
                for e in entries:
                    try:
                        out.append(self.apply(e.as_scan()))
                    except Exception as exc:
                        if is_link_error(exc):
                            raise
                        out.append(_failure(e.code, exc))
        except Exception as exc:
            if is_link_error(exc):             # checked first: a lost link may be a DomainError
                self.online = False
                self.last_error = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                return out or None
            if len(entries) > 1:               # one scan the batch cannot take: send them one by one
                singles = []
                for e in entries:
                    got = self._send([e])
                    if not got:
                        break
                    singles += got
                return singles or None
            out = [_failure(entries[0].code, exc)]
        self.online = True
        return out

    def local_answer(self, code: str, kind: str = "receive_cn", target_id: int | None = None,
                     quiet: bool = False, entry: Entry | None = None,
                     m: Measurements = NO_MEASUREMENTS) -> tuple[ScanResult, str]:
        """What the station says without the database (the scan is kept and sent later).

        ``quiet``: the link is up (a desktop working through a server answers from its cache and
        sends at once): the words do not say "offline"."""
        queued = "" if quiet else "\n" + _(
            "Offline: the scan is saved on this station and will be sent when the connection returns.")
        facts = {"offline": not quiet, "local": True}

        def title(offline: str, online: str) -> str:
            return online if quiet else offline

        def answer(outcome: Outcome, head: str, detail: str = "", e: ExpectedCode | None = None,
                   shelf: str | None = None, local: str | None = None) -> tuple[ScanResult, str]:
            return (ScanResult(outcome, code, head, (detail + queued).strip(),
                               customer_code=e.customer_code if e else "", order_code=e.order_code if e else "",
                               shelf=(e.shelf if e else "") if shelf is None else shelf,
                               destination=e.destination if e else "", facts=facts),
                    local or outcome.value)

        if self.journal.scanned_before(code, kind, target_id) if entry is None else \
                self._scanned_before_entry(entry):
            return answer(Outcome.ALREADY, title(_("Already scanned at this station (offline)"),
                                                 _("Already scanned at this station")))
        e = self.journal.cached(kind, target_id, code)
        if e is not None and e.alert:
            return answer(Outcome.ALERT, title(_("Stop — read the alert note (offline)"),
                                               _("Stop — read the alert note")), f"• {e.alert}", e)
        if not self.journal.has_cache(kind, target_id):
            return answer(Outcome.EXTRA, _("Saved offline — not checked yet"),
                          _("This station has no list of expected parcels yet. Keep the parcel "
                            "aside until the scan is checked."), local=UNCHECKED)
        who = (f"{e.customer_code} · {e.order_code}" if e.order_code else e.customer_code) if e else ""
        shelf = _("Shelf {shelf}.").format(shelf=shelf_label(e.shelf) or "—") if e else ""
        if kind == "pack":
            return self._local_pack(e, who, shelf, title, answer)
        if kind == "receive_vn":
            if e is None:
                return answer(Outcome.EXTRA, title(_("Extra parcel — not on the manifest (offline)"),
                                                   _("Extra parcel — not on the manifest")),
                              _("Put it aside: it is checked when the scan reaches the server."))
            if e.flag == "done":
                return answer(Outcome.ALREADY, title(_("Already received — {who} (offline)"),
                                                     _("Already received — {who}")).format(who=who), shelf, e)
            who = who or _("ownerless")
            cn, limit, vn = e.weight_kg, e.weight_limit_kg, m.weight_kg
            if cn is not None and limit is not None and vn is not None and abs(vn - cn) > limit:
                # the same rule and words as the database's answer (shipments.receive_scan)
                return answer(Outcome.WEIGHT_WARNING, title(_("Weight differs (offline) — {who}"),
                                                            _("Weight differs — {who}")).format(who=who),
                              shelf + "\n" + _(
                                  "Weighs {vn} kg here but {cn} kg when it left: {diff} kg difference, more "
                                  "than the ±{limit} kg allowed. Check the parcel before shelving it.").format(
                                  vn=fmt_kg(vn), cn=fmt_kg(cn), diff=fmt_kg(abs(vn - cn)), limit=fmt_kg(limit)), e)
            return answer(Outcome.RECEIVED, title(_("Received (offline) — {who}"), _("Received — {who}")).format(
                who=who), shelf, e)
        if kind == "stocktake":
            if e is not None and e.flag == "done":
                return answer(Outcome.ALREADY, title(_("Already counted (offline)"), _("Already counted")), "", e)
            if e is None:
                return answer(Outcome.EXCESS, title(_("Should not be here (offline)"), _("Should not be here")),
                              _("The records do not put it in this warehouse. Put it aside."))
            return answer(Outcome.FOUND, title(_("Found (offline) — {who}"), _("Found — {who}")).format(
                who=who or _("ownerless")), shelf, e)
        # China receiving
        if e is not None:
            return answer(Outcome.RECEIVED, title(_("Received (offline) — {who}"), _("Received — {who}")).format(
                who=who), shelf, e)
        return answer(Outcome.OWNERLESS, title(_("Unknown code — ownerless parcel (offline)"),
                                               _("Unknown code — ownerless parcel")),
                      _("No order expects {code}. Put it on the ownerless shelf.").format(code=code),
                      shelf="OWNERLESS")

    def _scanned_before_entry(self, entry: Entry) -> bool:
        with self.journal._lock:
            return self.journal._conn.execute(
                "SELECT 1 FROM scans WHERE kind = ? AND COALESCE(target_id, 0) = ? AND code = ? AND seq < ?"
                " AND COALESCE(outcome, local_outcome) NOT IN ('alert', 'wrong', 'refused', 'unchecked') LIMIT 1",
                (entry.kind, entry.target_id or 0, entry.code, entry.seq)).fetchone() is not None

    @staticmethod
    def _local_pack(e, who, shelf, title, answer):
        if e is None:
            return answer(Outcome.WRONG, title(_("Unknown parcel here (offline)"), _("Unknown parcel here")),
                          _("This warehouse has not received it. Receive it at the receiving station, then "
                            "pack it."))
        if e.flag == "here":
            return answer(Outcome.ALREADY, title(_("Already in this shipment (offline)"),
                                                 _("Already in this shipment")), shelf, e)
        if e.flag == "elsewhere":
            return answer(Outcome.WRONG, title(_("Already packed in another shipment (offline)"),
                                               _("Already packed in another shipment")),
                          _("Take it out of that shipment first if it must travel in this one."), e)
        if e.flag == "wrong_destination":
            return answer(Outcome.WRONG, title(_("Wrong destination (offline)"), _("Wrong destination")),
                          _("This parcel goes to another warehouse. Put it aside for a shipment to its own "
                            "destination."), e)
        if e.flag == "ownerless":
            return answer(Outcome.WRONG, title(_("Ownerless parcel — match it to an order first (offline)"),
                                               _("Ownerless parcel — match it to an order first")), "", e)
        if e.flag == "unweighed":
            return answer(Outcome.UNWEIGHED, title(_("Packed, but never weighed (offline) — {who}"),
                                                   _("Packed, but never weighed — {who}")).format(who=who),
                          _("Weigh it before the shipment is sealed: its customer is billed by weight."), e)
        return answer(Outcome.PACKED, title(_("Packed (offline) — {who}"), _("Packed — {who}")).format(who=who),
                      "", e)

    # -- sending -----------------------------------------------------------------------------------
    def send_pending(self) -> bool:
        """Send every waiting scan in order, a batch per request; False when the link dropped (the
        rest waits)."""
        with self._send_lock:
            while True:
                batch = self.journal.waiting(self.BATCH)
                if not batch:
                    return True
                got = self._send(batch)
                if got:
                    self.journal.mark_applied_many([(e.scan_id, r) for e, r in zip(batch, got)])
                if got is None or len(got) < len(batch):
                    return False

    def refresh_cache(self, kind: str | None = None, warehouse_id: int | None = None,
                      target_id: int | None = None) -> bool:
        if self.cache is None:
            return True
        if kind is None:
            kind, warehouse_id, target_id = self.watched
        key = (kind, warehouse_id or 0, target_id)
        try:
            if kind == "arrive":
                self._fetch_sacks(warehouse_id or 0)
            else:
                self.journal.replace_cache(kind, target_id, self.cache(kind, warehouse_id or 0, target_id))
        except Exception as exc:
            if is_link_error(exc):
                self.online = False
                self.last_error = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                return False
            if not isinstance(exc, DomainError):
                raise
            # refused (a shipment gone, a right not held): answer without it, ask again later
            self.last_error = str(exc)[:200]
        self.online = True
        self._refreshed[key] = time.monotonic()
        return True

    def _fetch_sacks(self, warehouse_id: int) -> None:
        """The sacks on their way to the warehouse and each one's manifest (the receive_vn cache), so
        a sack opened offline is received offline too."""
        if self.transit is None:
            return
        sacks = list(self.transit(warehouse_id))
        self.journal.replace_sacks(warehouse_id, [s.sack for s in sacks])
        for s in sacks:
            self.journal.replace_cache("receive_vn", s.sack.id, s.manifest)

    # -- a sack opened offline -------------------------------------------------------------------
    def sack(self, warehouse_id: int, raw: str) -> InTransit | None:
        """The sack with this code on its way here, as the station last heard (None: not cached)."""
        return self.journal.sack(warehouse_id, "".join((raw or "").split()).upper())

    def arrive(self, warehouse_id: int, raw: str, seal: SealCheck | None = None, quiet: bool = False) -> ScanResult:
        """A sack's code scanned without the server (its cache of sacks in transit answers): the seal
        and the gross weight are compared by the server's rule (``seals.mismatch_reasons``), the
        arrival is journalled (kind ``arrive``, with the seal check but no photo) and sent in order
        before the parcels scanned from it. ``CHECK_SEAL`` asks for the seal check first; a
        mismatch keeps the sack closed (the claim is opened when the arrival reaches the server).
        ``quiet``: the link is up (a desktop through a server answers from its cache and sends at
        once): the words do not say "offline"."""
        code = "".join((raw or "").split()).upper()
        sack = self.journal.sack(warehouse_id, code)
        facts: dict = {"offline": not quiet, "local": True}
        if sack is None:
            return ScanResult(Outcome.WRONG, code, _("Shipment {code} is not known offline").format(code=code),
                              _("This station has no record of it on its way here. Keep the sack closed "
                                "until the connection returns."), facts=facts)
        facts.update({"shipment_id": sack.id, "shipment": sack.code, "parcels": sack.parcel_count})
        if sack.held:
            return ScanResult(Outcome.WRONG, code, _("Shipment {code} is held: its seal did not match").format(
                code=code), _("A manager must release it (the claim against the carrier stays open)."), facts=facts)
        if sack.needs_seal and seal is None:
            return ScanResult(Outcome.CHECK_SEAL, code, _("Check the seal of {code}").format(code=code),
                              _("Type the number on the seal and weigh the sack before opening it."), facts=facts)
        reasons: list[str] = []
        if sack.needs_seal and seal is not None:
            seal_no, gross = validated(seal)          # a typo is refused at once, nothing journalled
            reasons = mismatch_reasons(sack.seal_no, sack.gross_weight_kg, sack.tolerance_kg, seal_no,
                                       seal.intact, gross)
            seal = SealCheck(seal_no, gross, seal.intact)
        else:
            seal = None
        queued = "" if quiet else "\n" + _(
            "Offline: the scan is saved on this station and will be sent when the connection returns.")
        if reasons:
            what = ", ".join(_(REASON_LABELS[r]) for r in reasons)
            head = _("Do not open {code}: put the sack aside") if quiet else \
                _("Do not open {code}: put the sack aside (offline)")
            detail = _("{reasons}. Its parcels are not received. The arrival is recorded with a claim against "
                       "the carrier; a manager decides whether to receive it.") if quiet else \
                _("{reasons}. Its parcels are not received. The arrival is recorded with a claim against the "
                  "carrier when the connection returns; a manager decides whether to receive it.")
            local = ScanResult(Outcome.WRONG, code, head.format(code=code),
                               detail.format(reasons=what[:1].upper() + what[1:]) + queued,
                               facts={**facts, "held": True})
        else:
            head = _("Receiving shipment {code}") if quiet else _("Receiving shipment {code} (offline)")
            local = ScanResult(Outcome.SHIPMENT, code, head.format(code=code),
                               _("{n} parcels. Scan its parcels now.").format(n=sack.parcel_count) + queued,
                               facts=facts)
        entry = self.journal.add(warehouse_id, self.user_id, raw, code, NO_MEASUREMENTS, local,
                                 local.outcome.value, self.clock(), "arrive", sack.id, seal)
        self.journal.sack_seen(warehouse_id, code, held=bool(reasons))
        self._wake.set()
        local.facts["scan_id"] = entry.scan_id
        return local

    def status(self) -> tuple[bool, int, int]:
        """(believed online, scans waiting, scans to review)."""
        waiting, review = self.journal.counts()
        return self.online, waiting, review

    def start(self) -> None:
        if self._thread is None:
            self.journal.prune()
            self._thread = threading.Thread(target=self._run, name="station-journal-sender", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> threading.Thread | None:
        """Stop the sender; the thread still finishing a call after ``timeout`` (a slow link), or
        None once it has ended."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return thread
        return None

    def wake(self) -> None:
        self._wake.set()

    def _cache_is_old(self) -> bool:
        kind, warehouse_id, target_id = self.watched
        if self.cache is None or (kind not in ("receive_cn", "arrive") and target_id is None):
            return False                        # nothing chosen yet to scan into
        at = self._refreshed.get(self.watched)
        return at is None or time.monotonic() - at >= self.refresh_every

    def _run(self) -> None:
        delay = self.backoff[0]
        pruned = time.monotonic()
        while not self._stop.is_set():
            self._wake.clear()
            ok = True
            try:
                if time.monotonic() - pruned >= PRUNE_EVERY_SECONDS:    # a station left on for weeks
                    self.journal.prune()
                    pruned = time.monotonic()
                # the scans first (they are what the person did), then the cache if it is old
                ok = self.send_pending()
                if ok and self._cache_is_old():
                    ok = self.refresh_cache()
                    if ok:                          # scans made while the cache came in
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
