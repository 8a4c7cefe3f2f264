"""A scan station's link to the database through its journal (app.journal): the status line
("offline — N scans waiting"), the "To review (N)" button and its list, and the alert sound when
a scan answered offline got a different answer from the database.

The journal's sender runs on a plain thread (app.journal.Station); this widget only polls its
counts on the UI thread, twice a second.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.i18n import _, local_time
from app.journal import Journal, Station
from app.paths import user_data_dir
from app.services.scanning import NO_MEASUREMENTS, Measurements, ScanResult
from ui.common import named
from ui.session import Session

#: the sound a scan makes when it goes to "To review" (its own, not a scan's answer)
REVIEW_TONE = "review"


def journal_path(session: Session) -> Path:
    """The journal lives on the station's own disk, in the data folder, one file per database
    (a desktop that opens the demo keeps them apart) and per server."""
    key = session.call("stations.journal_key")
    if session.server:
        key = hashlib.sha1(f"{session.server}|{key}".encode()).hexdigest()[:12]
    return user_data_dir() / f"station-journal-{key}.sqlite3"


class StationLink(QWidget):
    """The journal of one station window: ``scan(...)`` journals and answers a scan.

    Scans are sent through ``session.call("stations.apply_scans", batch)``: in-process on a
    desktop with its own database, one request per batch through a server. Through a server the
    station answers from its cache at once (``answer_locally``). A scan sent later is credited to
    the person signed in when it is sent; the journal keeps who scanned it."""

    def __init__(self, session: Session, warehouse: Callable[[], int | None], sounds=None,
                 parent: QWidget | None = None, poll_ms: int = 500, kind: str = "receive_cn") -> None:
        super().__init__(parent)
        named(self, "journal_link", _("Connection of the station"))
        self.sounds = sounds
        self.journal = Journal(journal_path(session))
        self.station = Station(
            self.journal, send=lambda scans: session.call("stations.apply_scans", scans),
            cache=lambda k, wid, target: session.call("stations.cache", k, wid, target),
            user_id=session.signed.user_id, answer_locally=session.remote,
            transit=lambda wid: session.call("stations.sacks_on_the_way", wid))
        self.station.watch(kind, warehouse(), None)
        self.status = named(QLabel(""), "journal_status", _("Connection"))
        self.review_button = named(QPushButton(""), "journal_review")
        self.review_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.review_button.clicked.connect(self.show_review)
        self.review_button.hide()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.review_button)
        self._reviews_heard = self.journal.counts()[1]
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(poll_ms)
        self.station.start()
        self.refresh()

    def watch(self, kind: str, warehouse_id: int | None, target_id: int | None = None) -> None:
        """What the station scans now (its cache follows in the background)."""
        self.station.watch(kind, warehouse_id, target_id)

    def scan(self, warehouse_id: int, text: str, m: Measurements = NO_MEASUREMENTS, kind: str = "receive_cn",
             target_id: int | None = None) -> ScanResult:
        self.station.watch(kind, warehouse_id, target_id)
        r = self.station.scan(warehouse_id, text, m, kind, target_id)
        self.refresh()
        return r

    def refresh(self) -> None:
        online, waiting, review = self.station.status()
        if not online:
            text = _("Offline — {n} scans waiting").format(n=waiting) if waiting else _("Offline")
            self.status.setStyleSheet("color: #b71c1c; font-weight: bold;")
        elif waiting:
            text = _("Sending — {n} scans waiting").format(n=waiting)
            self.status.setStyleSheet("color: #e65100; font-weight: bold;")
        else:
            text = _("Online — every scan sent")
            self.status.setStyleSheet("color: #1b5e20;")
        self.status.setText(text)
        self.review_button.setText(_("To review ({n})").format(n=review))
        self.review_button.setVisible(review > 0)
        if review > self._reviews_heard and self.sounds is not None:
            self.sounds.play(REVIEW_TONE)
        self._reviews_heard = review

    def show_review(self) -> None:
        ReviewDialog(self.journal, self).exec()
        self.refresh()

    def stop(self) -> None:
        self._timer.stop()
        # Closing the station does not wait for a call in flight on a slow link (the window would
        # freeze): the sender ends after it. Until then this keeps the station, and through it the
        # session its calls use, so their last reference goes here on the UI thread and not on the
        # sender's (a Qt object destroyed on another thread crashes Qt: ui.collector).
        still_sending = self.station.stop(timeout=0.3)
        if still_sending is not None:
            _keep_until_ended(self.station, still_sending)


#: stations whose sender thread is still finishing a call after its window closed
_ending: list[tuple[Station, threading.Thread]] = []


def _keep_until_ended(station: Station, thread: threading.Thread) -> None:
    _ending.append((station, thread))
    if len(_ending) == 1:
        QTimer.singleShot(250, _let_go_of_ended)


def _let_go_of_ended() -> None:
    _ending[:] = [(st, t) for st, t in _ending if t.is_alive()]
    if _ending:
        QTimer.singleShot(250, _let_go_of_ended)


class ReviewDialog(QDialog):
    """The scans answered offline whose database answer differs: what the station said, what the
    database says; "Done" when a person has dealt with them."""

    def __init__(self, journal: Journal, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "journal_review_dialog", _("Scans to review"))
        self.setWindowTitle(_("Scans to review"))
        self.journal = journal
        self.entries = journal.to_review()
        self.table = named(QTableWidget(len(self.entries), 4), "journal_review_table", _("Scans to review"))
        self.table.setHorizontalHeaderLabels([_("Scanned"), _("Code"), _("Answered offline"),
                                              _("The database says")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for i, e in enumerate(self.entries):
            said = f"{e.title or ''}" + (f" — {e.detail.splitlines()[0]}" if e.detail else "")
            for col, value in enumerate((local_time(e.scanned_at).strftime("%H:%M:%S"), e.code,
                                         e.local_title, said)):
                self.table.setItem(i, col, QTableWidgetItem(value))
        buttons = QDialogButtonBox()
        done = named(buttons.addButton(_("Done — all checked"), QDialogButtonBox.ButtonRole.AcceptRole),
                     "journal_review_done")
        done.clicked.connect(self.mark_done)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("These scans were answered while the station was offline; the "
                                  "database answered differently. Check each parcel.")))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(820, 420)

    def mark_done(self) -> None:
        for e in self.entries:
            self.journal.mark_reviewed(e.scan_id)
        self.accept()
