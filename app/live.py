"""Seeing other desktops' changes: PostgreSQL LISTEN/NOTIFY, or SQLite's data_version.

``ChangeWatcher`` runs a daemon thread and calls ``on_change(tables, origin)`` for every change
committed elsewhere. On PostgreSQL the payload names the tables (see app.db); on SQLite another
process's commit bumps ``PRAGMA data_version`` and we report "everything" (an empty set).
The callback runs in the watcher thread: the UI hands it to the GUI thread with a signal.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from typing import Callable

from app.db import NOTIFY_CHANNEL, Database

log = logging.getLogger(__name__)
OnChange = Callable[[frozenset[str], str], None]


class ChangeWatcher:
    def __init__(self, db: Database, on_change: OnChange, poll_seconds: float = 1.0) -> None:
        self.db = db
        self.on_change = on_change
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: set while PostgreSQL's LISTEN is in place (a cache that trusts this feed checks it)
        self.listening = threading.Event()

    def start(self) -> None:
        target = self._listen_pg if self.db.kind == "postgresql" else self._poll_sqlite
        self._thread = threading.Thread(target=target, name="importdesk-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)

    # -- PostgreSQL ---------------------------------------------------------------------------
    def _listen_pg(self) -> None:
        import psycopg

        dsn = self.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    if not first:      # what was committed while the link was down is unknown
                        self.on_change(frozenset(), "")
                    first = False
                    self.listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5, stop_after=50):
                            self._deliver_pg(note.payload)
            except Exception as exc:  # server restarted or network dropped: retry quietly
                self.listening.clear()
                log.warning("live updates: %s; reconnecting", exc)
                self._stop.wait(2.0)
        self.listening.clear()

    def _deliver_pg(self, payload: str) -> None:
        try:
            data = json.loads(payload)
            origin, tables = data.get("o", ""), frozenset(data.get("t", ()))
        except ValueError:
            origin, tables = "", frozenset()
        if origin != self.db.origin:
            self.on_change(tables, origin)

    # -- SQLite -------------------------------------------------------------------------------
    def _poll_sqlite(self) -> None:
        path = self.db.url.database
        try:
            conn = sqlite3.connect(path, check_same_thread=False, timeout=5)
        except sqlite3.Error as exc:
            log.warning("live updates unavailable: %s", exc)
            return
        try:
            last = conn.execute("PRAGMA data_version").fetchone()[0]
            while not self._stop.wait(self.poll_seconds):
                try:
                    current = conn.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.Error:
                    continue
                if current != last:
                    last = current
                    self.on_change(frozenset(), "")
        finally:
            conn.close()
