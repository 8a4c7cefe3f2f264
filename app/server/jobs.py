"""The timed jobs of a company's data, run by the application server.

A single desktop runs them itself (``ui.app.AppController``: housekeeping every ten minutes,
overdue tasks every minute, the customer outbox on its own thread). A desktop signed in to a
server holds no database, so ``main.py serve`` runs them instead, in one loop on one thread of
the serving process (never in each uvicorn worker):

* ``housekeeping`` — every job of ``app.services.housekeeping`` (carts, lost parcels, shops to
  chase, delay flags, feedback windows, the daily backup…), at start and every ten minutes;
* ``escalate`` — overdue tasks up to the managers, every minute;
* ``outbox`` — the customer e-mails that are due, every ``mail.send_interval_seconds`` and at
  once when a message is queued (a commit touching ``customer_messages``, seen through
  PostgreSQL NOTIFY / SQLite's data_version as the desktops see changes);
* ``mailbox`` — the customers' replies read from the company's IMAP mailbox into the order chats
  (``app.services.mailbox.poll_mailbox``), every ``mail.imap_check_minutes``: a single desktop's
  outbox thread reads it, a desktop signed in to a server has no thread that could.

Several ``serve`` processes may run behind one PostgreSQL: each job runs under a PostgreSQL
advisory lock taken with ``pg_try_advisory_lock`` on a connection of its own, so while one
process runs a job the others skip that round (the jobs are also safe to repeat, as they were
when every desktop ran them). SQLite is served by one process; there the loop runs unguarded.
"""
from __future__ import annotations

import logging
import threading
import time
import zlib
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import text

from app.db import Database

log = logging.getLogger("importdesk.server.jobs")

#: the jobs in the order a round runs them
JOBS = ("housekeeping", "escalate", "outbox", "mailbox")
HOUSEKEEPING_EVERY = 10 * 60.0
ESCALATE_EVERY = 60.0


def lock_key(name: str) -> int:
    """The advisory lock of one job: the same number in every process (a signed 64-bit key)."""
    return zlib.crc32(f"importdesk.job.{name}".encode()) | (0x1D << 32)


@contextmanager
def job_lock(db: Database, name: str) -> Iterator[bool]:
    """Yields True when this process may run job ``name`` now, False while another process runs
    it (PostgreSQL). The lock is held on a connection of its own for as long as the job runs and
    freed when it ends, or by PostgreSQL if this process dies."""
    if db.kind != "postgresql":
        yield True
        return
    key = lock_key(name)
    with db.engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


class ServerJobs:
    """The loop: ``start()`` a daemon thread, ``stop()`` it; ``run_due()`` runs what is due now
    (the thread calls it; tests may too). ``connect`` is the outbox's SMTP connection factory
    (tests give a fake one)."""

    def __init__(self, db: Database, housekeeping_every: float = HOUSEKEEPING_EVERY,
                 escalate_every: float = ESCALATE_EVERY, connect: Callable[..., Any] | None = None,
                 clock: Callable[[], float] = time.monotonic, watch: bool = True) -> None:
        self.db = db
        self.every = {"housekeeping": housekeeping_every, "escalate": escalate_every}
        self.connect = connect
        self.clock = clock
        self.watch = watch
        self._next: dict[str, float] = {}          # job -> when it is due next (clock time)
        self._outbox_woken = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher = None
        self._unsubscribe: Callable[[], None] | None = None
        #: what each job's last run returned (or the error it hit); "skipped" while another ran it
        self.last: dict[str, object] = {}

    # -- the jobs --------------------------------------------------------------------------------------
    def _housekeeping(self) -> object:
        from app.services.housekeeping import run_housekeeping

        return run_housekeeping(self.db)

    def _escalate(self) -> object:
        from app.services.tasks import escalate_overdue

        return escalate_overdue(self.db)

    def _outbox(self) -> object:
        from app.services.outbox import send_due

        return send_due(self.db, self.connect)

    def _mailbox(self) -> object:
        from app.services.mailbox import poll_mailbox

        return poll_mailbox(self.db)

    def _mailbox_interval(self) -> float:
        from app.services import settings as settings_service

        try:
            with self.db.read() as s:
                return 60.0 * float(settings_service.get(s, "mail.imap_check_minutes"))
        except Exception:  # noqa: BLE001 — the database is briefly unreachable: look again soon
            return 300.0

    def _outbox_interval(self) -> float:
        from app.services import settings as settings_service

        try:
            with self.db.read() as s:
                return float(settings_service.get(s, "mail.send_interval_seconds"))
        except Exception:  # noqa: BLE001 — the database is briefly unreachable: look again soon
            return 30.0

    def run_job(self, name: str) -> object:
        """Run one job now under its lock; its result, "skipped" or the exception it raised."""
        work = {"housekeeping": self._housekeeping, "escalate": self._escalate, "outbox": self._outbox,
                "mailbox": self._mailbox}[name]
        try:
            with job_lock(self.db, name) as mine:
                result: object = work() if mine else "skipped"
        except Exception as exc:  # noqa: BLE001 — logged; the next round tries again
            log.exception("server job %s failed", name)
            result = exc
        self.last[name] = result
        return result

    def run_due(self) -> dict[str, object]:
        """Every job whose time has come (all of them on the first call) and the outbox when it was
        woken; what each returned."""
        now = self.clock()
        done: dict[str, object] = {}
        for name in JOBS:
            woken = name == "outbox" and self._outbox_woken
            if woken or now >= self._next.get(name, now):
                if name == "outbox":
                    self._outbox_woken = False    # before sending: a message queued meanwhile wakes it again
                done[name] = self.run_job(name)
                every = self.every.get(name) or (self._mailbox_interval() if name == "mailbox"
                                                 else self._outbox_interval())
                self._next[name] = self.clock() + every
        return done

    def wake_outbox(self) -> None:
        """A customer message was queued: send it now rather than at the next interval."""
        self._outbox_woken = True
        self._wake.set()

    # -- the thread ------------------------------------------------------------------------------------
    def start(self) -> "ServerJobs":
        if self.watch:
            from app.live import ChangeWatcher

            def arrived(tables, _origin) -> None:
                if not tables or "customer_messages" in tables:
                    self.wake_outbox()

            self._watcher = ChangeWatcher(self.db, arrived)
            self._watcher.start()
            self._unsubscribe = self.db.subscribe(arrived)
        self._thread = threading.Thread(target=self._run, name="importdesk-server-jobs", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            wait = 0.0 if self._outbox_woken else \
                max(0.0, min(self._next.values(), default=self.clock() + 1) - self.clock())
            self._wake.wait(min(wait, 60.0))
            self._wake.clear()
