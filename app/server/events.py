"""What the server pushes to its desktops: the changes committed to the database.

``ChangeHub`` collects every committed change this server process can see, numbered in the order
it saw them, and wakes the desktops' long polls (``GET /events``, see ``app.remote.live``):

- the commits made by this process (``Database.subscribe``: the exact tables written);
- on PostgreSQL, every other process's commits through ``LISTEN`` (``app.live.ChangeWatcher``,
  which skips this process's own NOTIFY echoes): other ``serve`` processes behind the same
  database, admin commands, housekeeping. Each server process listens for itself, so several of
  them need nothing shared but PostgreSQL;
- on SQLite, other processes' commits by ``PRAGMA data_version`` (polled twice a second); this
  process's own commits are read off right after they commit so they are not reported twice.

It starts with the first poll (a server nobody polls listens to nothing) and keeps the last
``HISTORY`` changes, so a desktop between two polls misses nothing. The sequence numbers belong to
this process (``epoch``): a cursor from another process asks for a reset.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import uuid
from collections import deque

from app.db import Database
from app.remote.live import Change, ChangeBatch

log = logging.getLogger("importdesk.server.events")

#: changes kept for desktops between two polls
HISTORY = 1000
#: bookkeeping of the server itself, not company data: no desktop needs to refresh for it
QUIET_TABLES = frozenset({"remote_sessions", "remote_login_failures"})


class ChangeHub:
    def __init__(self, db: Database, sqlite_poll_seconds: float = 0.5) -> None:
        self.db = db
        self.epoch = uuid.uuid4().hex[:12]
        self.sqlite_poll_seconds = sqlite_poll_seconds
        self._seq = 0
        self._history: deque[tuple[int, Change]] = deque(maxlen=HISTORY)
        self._lock = threading.Lock()
        self._started = False
        self._stop = threading.Event()
        self._watcher = None
        self._unsubscribe = None
        self._thread: threading.Thread | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._sqlite_version: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future] = set()
        #: told of every change published (app.queries.count_cache), if any
        self.count_cache = None

    def listening(self) -> bool:
        """Every commit, this process's and others', reaches ``publish`` now."""
        if not self._started or self._stop.is_set():
            return False
        if self._watcher is not None:
            return self._watcher.listening.is_set()
        return True     # SQLite: own commits at once, other processes' by the poller

    # -- listening ------------------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        self._unsubscribe = self.db.subscribe(self._own_commit)
        if self.db.kind == "postgresql":
            from app.live import ChangeWatcher

            self._watcher = ChangeWatcher(self.db, self.publish)
            self._watcher.start()
        elif self.db.url.database and self.db.url.database != ":memory:":
            try:
                self._sqlite = sqlite3.connect(self.db.url.database, check_same_thread=False, timeout=5)
                self._sqlite_version = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error as exc:
                log.warning("other processes' changes will not be seen: %s", exc)
                self._sqlite = None
            else:
                self._thread = threading.Thread(target=self._poll_sqlite, name="importdesk-events",
                                                daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Stop listening and answer the polls waiting now (the server is stopping)."""
        self._stop.set()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._wake)
            except RuntimeError:
                pass
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        if self._thread is not None:
            self._thread.join(timeout=3)
            self._thread = None
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    def _own_commit(self, tables: frozenset[str], origin: str) -> None:
        if self._sqlite is not None:
            # this commit bumped data_version for the poller too: read it off now, so the poller
            # reports only other processes' commits (one landing in the same instant is folded in)
            with self._lock:
                try:
                    self._sqlite_version = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.Error:
                    pass
        self.publish(tables, origin)

    def _poll_sqlite(self) -> None:
        while not self._stop.wait(self.sqlite_poll_seconds):
            with self._lock:
                conn = self._sqlite
                if conn is None:
                    return
                try:
                    current = conn.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.Error:
                    continue
                changed = current != self._sqlite_version
                self._sqlite_version = current
            if changed:
                self.publish(frozenset(), "")

    def publish(self, tables: frozenset[str], origin: str) -> None:
        """Record one committed change and wake the polls waiting (any thread)."""
        if tables and tables <= QUIET_TABLES:
            return
        if self.count_cache is not None:
            self.count_cache.changed(tables)
        with self._lock:
            self._seq += 1
            self._history.append((self._seq, Change(tuple(sorted(str(t) for t in tables - QUIET_TABLES)), str(origin))))
            loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._wake)
            except RuntimeError:   # the loop closed meanwhile (server stopping)
                pass

    def _wake(self) -> None:
        for fut in list(self._waiters):
            if not fut.done():
                fut.set_result(None)

    # -- answering ------------------------------------------------------------------------------------
    def cursor(self) -> str:
        with self._lock:
            return f"{self.epoch}:{self._seq}"

    def since(self, after: str | None) -> ChangeBatch:
        """The changes after ``after`` (a cursor this hub gave); ``reset`` if it cannot tell."""
        with self._lock:
            now = f"{self.epoch}:{self._seq}"
            if after is None:
                return ChangeBatch(now, ())
            epoch, _sep, seq_text = after.partition(":")
            try:
                seq = int(seq_text)
            except ValueError:
                return ChangeBatch(now, (), reset=True)
            if epoch != self.epoch or seq > self._seq:
                return ChangeBatch(now, (), reset=True)
            if seq == self._seq:
                return ChangeBatch(now, ())
            oldest = self._history[0][0] if self._history else self._seq + 1
            if seq + 1 < oldest:
                return ChangeBatch(now, (), reset=True)
            return ChangeBatch(now, tuple(c for n, c in self._history if n > seq))

    async def wait(self, after: str | None, timeout: float, gone=None) -> ChangeBatch:
        """``since(after)`` as soon as it has something to say, at the latest after ``timeout``;
        ``gone()``: an awaitable that finishes when the desktop hangs up (stop waiting then)."""
        self.start()
        self._loop = asyncio.get_running_loop()
        batch = self.since(after)
        if after is None or batch.changes or batch.reset or self._stop.is_set():
            return batch
        fut = self._loop.create_future()
        self._waiters.add(fut)
        try:
            batch = self.since(after)   # a change that landed while the future was being set up
            if batch.changes or batch.reset:
                return batch
            watch = asyncio.ensure_future(gone()) if gone is not None else None
            try:
                await asyncio.wait([fut] + ([watch] if watch else []), timeout=timeout,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                if watch is not None:
                    watch.cancel()
        finally:
            self._waiters.discard(fut)
        return self.since(after)
