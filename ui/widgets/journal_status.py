"""A scan station's link to the database through its journal (app.journal): the status line
("offline — N scans waiting"), the "To review (N)" button and its list, and the alert sound when
a scan answered offline got a different answer from the database.

The journal's sender runs on a plain thread (app.journal.Station); this widget only polls its
counts on the UI thread, twice a second.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.i18n import _, local_time
from app.journal import Journal, Station
from app.paths import user_data_dir
from app.services import station_scans
from app.services.scanning import NO_MEASUREMENTS, Measurements, ScanResult
from ui.common import named
from ui.session import Session


def journal_path(db) -> Path:
    """The journal lives on the station's own disk: next to an embedded SQLite database, else in
    the data folder, one file per database (a desktop that opens the demo keeps them apart)."""
    if db.kind == "sqlite" and db.url.database and db.url.database != ":memory:":
        path = Path(db.url.database)
        return path.with_name(path.stem + ".station-journal.sqlite3")
    key = f"{db.url.host}:{db.url.port}/{db.url.database}".encode()
    return user_data_dir() / f"station-journal-{hashlib.sha1(key).hexdigest()[:10]}.sqlite3"


class StationLink(QWidget):
    """The journal of one station window: ``scan(...)`` journals and answers a scan."""

    def __init__(self, session: Session, warehouse: Callable[[], int | None], sounds=None,
                 parent: QWidget | None = None, poll_ms: int = 500) -> None:
        super().__init__(parent)
        named(self, "journal_link", _("Connection of the station"))
        db, actor = session.db, session.actor
        self.sounds = sounds
        self.journal = Journal(journal_path(db))
        self.station = Station(
            self.journal, lambda scan: station_scans.apply_station_scan(db, actor, scan),
            lambda: station_scans.expected_codes(db, actor, warehouse() or 0), actor.user_id)
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

    def scan(self, warehouse_id: int, text: str, m: Measurements = NO_MEASUREMENTS) -> ScanResult:
        r = self.station.scan(warehouse_id, text, m)
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
            self.sounds.play("alert")
        self._reviews_heard = review

    def show_review(self) -> None:
        ReviewDialog(self.journal, self).exec()
        self.refresh()

    def stop(self) -> None:
        self._timer.stop()
        self.station.stop()


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
