"""The background mail worker of a desktop: sends the outbox's due messages every few seconds
(at once when woken) and reads the customers' replies from the mailbox on its own timer.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from app.db import Database
from app.services import settings as settings_service
from app.services.mailbox import poll_mailbox
from app.services.outbox import Connect, SendReport, send_due

log = logging.getLogger("app.services.outbox")


# -- the worker -----------------------------------------------------------------------------------------------

class OutboxWorker:
    """Runs ``send_due`` on a daemon thread every few seconds, and at once when woken (a new
    message was queued). Never touches the UI; failures are logged and retried."""

    def __init__(self, db: Database, connect: Connect | None = None,
                 on_report: Callable[[SendReport], None] | None = None) -> None:
        self.db, self.connect, self.on_report = db, connect, on_report
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="importdesk-outbox", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        next_mail_check = 0.0
        while not self._stop.is_set():
            # cleared before looking, never after waiting: a message queued while this round
            # sends (or between the wait's end and a clear) must not wait a whole interval
            self._wake.clear()
            interval = 30.0
            try:
                with self.db.read() as s:
                    interval = float(settings_service.get(s, "mail.send_interval_seconds"))
                report = send_due(self.db, self.connect)
                if self.on_report is not None:
                    self.on_report(report)
            except Exception:  # noqa: BLE001 — the database may be briefly unreachable; try later
                log.exception("outbox: sending failed; will try again")
            if time.monotonic() >= next_mail_check:
                next_mail_check = time.monotonic() + self._check_mail()
            self._wake.wait(interval)

    def _check_mail(self) -> float:
        """The customers' replies (app.services.mailbox), every mail.imap_check_minutes; returns
        the seconds until the next look."""
        minutes = 5
        try:
            with self.db.read() as s:
                minutes = settings_service.get(s, "mail.imap_check_minutes")
            poll_mailbox(self.db)
        except Exception:  # noqa: BLE001 — the mailbox or the database may be away; try next time
            log.exception("mailbox: reading failed; will try again")
        return minutes * 60.0
