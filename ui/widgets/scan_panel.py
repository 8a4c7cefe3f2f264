"""The scan panel every station uses: a field that keeps the focus all day, an answer banner
(colour, large message, a sound), the facts a forwarder needs, the last scans and counters.

Built for a barcode gun working as a keyboard: it types the code and Enter, in bursts. Each
Enter runs the station's handler at once, on the UI thread (a scan is a few milliseconds), so
answers come in the order codes were scanned; Qt queues the keystrokes meanwhile. Whatever the
handler raises is shown as a refusal in the banner: the station never stops working.
"""
from __future__ import annotations

import sys
import time
import traceback
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QAbstractSpinBox, QApplication, QComboBox, QFrame,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)
from shiboken6 import isValid

from app.errors import DomainError
from app.i18n import _, local_time
from app.paths import resources_dir
from app.services.scanning import Outcome, ScanResult
from app.workflows.parcels import shelf_label
from ui.common import named

#: tone -> (background, text colour) of the answer banner
TONE_COLOURS = {
    "ok": ("#1b5e20", "#ffffff"),
    "again": ("#0d47a1", "#ffffff"),
    "unknown": ("#6a1b9a", "#ffffff"),
    "warn": ("#e65100", "#ffffff"),
    "error": ("#b71c1c", "#ffffff"),
    "alert": ("#ffd600", "#000000"),
    "idle": ("#eceff1", "#37474f"),
}
TONES = ("ok", "again", "unknown", "warn", "error", "alert")
#: sounds that are not a scan's answer (a scan sent to "To review")
EXTRA_SOUNDS = ("review",)
HISTORY_ROWS = 300


class Sounds(QObject):
    """One short WAV per tone (resources/sounds, made by tools/make_sounds.py). A desktop without
    audio, or without QtMultimedia, stays silent: sound must never stop a scan."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._effects: dict[str, object] = {}
        self.last: str | None = None          # the tone asked for last (what a test can check)
        self.enabled = True
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except Exception:                      # no libpulse, no multimedia plugin: silent
            return
        for tone in TONES + EXTRA_SOUNDS:
            path = resources_dir() / "sounds" / f"{tone}.wav"
            try:
                effect = QSoundEffect(self)
                effect.setSource(QUrl.fromLocalFile(str(path)))
                effect.setVolume(0.9)
                self._effects[tone] = effect
            except Exception:
                continue

    @property
    def available(self) -> bool:
        return bool(self._effects)

    def play(self, tone: str) -> None:
        self.last = tone
        effect = self._effects.get(tone)
        if effect is None or not self.enabled:
            return
        try:
            if effect.isPlaying():
                effect.stop()
            effect.play()
        except Exception:
            pass


class ScanPanel(QWidget):
    """``handler(text) -> ScanResult`` runs for each Enter; ``intercept(text) -> ScanResult | None``
    may take the text first (a weight typed by a scale); ``on_acknowledge(result)`` is called when
    the person has read the alert notes that stopped a scan and wants to continue."""

    scanned = Signal(object)

    def __init__(self, handler: Callable[[str], ScanResult],
                 intercept: Callable[[str], ScanResult | None] | None = None,
                 on_acknowledge: Callable[[ScanResult], None] | None = None,
                 placeholder: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "scan_panel", _("Scan panel"))
        self.handler, self.intercept, self.on_acknowledge = handler, intercept, on_acknowledge
        self.last: ScanResult | None = None
        self.counts: dict[str, int] = {}
        self.sounds = Sounds(self)

        self.field = named(QLineEdit(), "scan_field", _("Scan field"))
        self.field.setPlaceholderText(placeholder or _("Scan or type a tracking code, then Enter"))
        big = QFont(self.field.font())
        big.setPointSize(max(big.pointSize(), 10) + 8)
        self.field.setFont(big)
        self.field.setMinimumHeight(48)
        self.field.returnPressed.connect(self._submit)

        self.banner = named(QFrame(), "scan_banner")
        self.banner.setMinimumHeight(150)
        self.title = named(QLabel(_("Ready to scan")), "scan_result_title", _("Scan result"))
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 28px; font-weight: bold;")
        self.detail = named(QLabel(""), "scan_result_detail", _("Details"))
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("font-size: 16px;")
        self.customer = named(QLabel(""), "scan_result_customer", _("Customer code"))
        self.order = named(QLabel(""), "scan_result_order", _("Order"))
        self.shelf = named(QLabel(""), "scan_result_shelf", _("Shelf"))
        for w in (self.customer, self.shelf):
            w.setStyleSheet("font-size: 34px; font-weight: bold;")
        self.order.setStyleSheet("font-size: 20px;")
        self.ack_button = named(QPushButton(_("I have read it — continue (F8)")), "scan_acknowledge")
        self.ack_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.ack_button.clicked.connect(self.acknowledge)
        self.ack_button.hide()
        facts = QHBoxLayout()
        facts.addWidget(self.customer)
        facts.addSpacing(24)
        facts.addWidget(self.order, 1)
        facts.addWidget(self.shelf)
        inside = QVBoxLayout(self.banner)
        inside.addWidget(self.title)
        inside.addWidget(self.detail)
        inside.addLayout(facts)
        inside.addWidget(self.ack_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.counters = named(QLabel(""), "scan_counts", _("Counts"))
        self.timing = named(QLabel(""), "scan_timing")
        self.timing.setStyleSheet("color: #78909c;")
        self.history = named(QTableWidget(0, 4), "scan_history", _("Last scans"))
        self.history.setHorizontalHeaderLabels([_("Time"), _("Code"), _("Result"), _("Details")])
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.history.verticalHeader().hide()
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.history.setColumnWidth(1, 170)
        self.history.setColumnWidth(2, 280)
        bottom = QHBoxLayout()
        bottom.addWidget(self.counters, 1)
        bottom.addWidget(self.timing)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addWidget(self.banner)
        layout.addLayout(bottom)
        layout.addWidget(self.history, 1)
        self._paint("idle")
        QShortcut(QKeySequence(Qt.Key.Key_F8), self, activated=self.acknowledge)
        app = QApplication.instance()
        if app is not None:
            app.focusChanged.connect(self._focus_changed)

    # -- focus: the scan field keeps it ---------------------------------------------------------
    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if not isValid(self) or new is None or not isValid(new) or new is self.field:
            return
        window = self.window()
        if not self.isVisible() or window is None or not (window is new or window.isAncestorOf(new)):
            return
        # a field the person clicked to type in keeps the focus until they finish there
        if isinstance(new, (QLineEdit, QAbstractSpinBox, QComboBox, QPlainTextEdit)):
            return
        QTimer.singleShot(0, self.focus_field)

    def focus_field(self) -> None:
        if isValid(self) and isValid(self.field) and self.isVisible():
            self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.focus_field)

    # -- scanning --------------------------------------------------------------------------------
    def _submit(self) -> None:
        text = self.field.text()
        self.field.clear()
        if not text.strip():
            return
        self.run(text)

    def run(self, text: str) -> ScanResult:
        start = time.perf_counter()
        intercepted = False
        try:
            result = self.intercept(text) if self.intercept else None
            intercepted = result is not None
            if result is None:
                result = self.handler(text)
        except DomainError as exc:
            result = ScanResult(Outcome.WRONG, text.strip()[:60], _("Refused"), str(exc))
        except Exception as exc:  # a bug or a lost connection: say so, keep the station alive
            traceback.print_exc(file=sys.stderr)
            result = ScanResult(Outcome.WRONG, text.strip()[:60], _("Something went wrong — nothing was saved"),
                                str(exc))
        self.show_result(result, (time.perf_counter() - start) * 1000, counted=not intercepted)
        return result

    def show_result(self, r: ScanResult, ms: float | None = None, counted: bool = True) -> None:
        self.last = r
        self._paint(r.tone)
        self.title.setText(r.title)
        self.detail.setText(r.detail)
        self.customer.setText(r.customer_code)
        self.order.setText(r.order_code)
        self.shelf.setText(shelf_label(r.shelf))
        self.ack_button.setVisible(bool(r.alerts) and self.on_acknowledge is not None)
        self.sounds.play(r.tone)
        if counted and r.outcome is not Outcome.SHIPMENT:     # parcels scanned, not weights typed
            self.counts[r.tone] = self.counts.get(r.tone, 0) + 1
        self.counters.setText(self._count_text())
        if ms is not None:
            self.timing.setText(_("answered in {ms} ms").format(ms=f"{ms:.0f}"))
        self._add_history(r)
        self.scanned.emit(r)
        self.focus_field()

    def show_message(self, tone: str, title: str, detail: str = "") -> None:
        """A station's own message in the banner (a weight taken, a shipment chosen…)."""
        self.show_result(ScanResult(Outcome.RECEIVED if tone == "ok" else Outcome.WRONG, "", title, detail),
                         counted=False)

    def _count_text(self) -> str:
        names = {"ok": _("OK"), "again": _("again"), "unknown": _("ownerless"), "warn": _("warnings"),
                 "error": _("refused"), "alert": _("alerts")}
        return " · ".join(f"{names[t]}: {self.counts[t]}" for t in TONES if self.counts.get(t))

    def _add_history(self, r: ScanResult) -> None:
        from app.clock import utcnow

        self.history.insertRow(0)
        bg, fg = TONE_COLOURS[r.tone]
        values = (local_time(utcnow()).strftime("%H:%M:%S"), r.code, r.title, r.detail.replace("\n", " · "))
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            if col == 2:
                from PySide6.QtGui import QColor

                item.setForeground(QColor(bg if r.tone != "alert" else "#8d6e00"))
            self.history.setItem(0, col, item)
        if self.history.rowCount() > HISTORY_ROWS:
            self.history.removeRow(self.history.rowCount() - 1)

    def _paint(self, tone: str) -> None:
        bg, fg = TONE_COLOURS[tone]
        border = "6px solid #b71c1c" if tone == "alert" else "none"
        self.banner.setStyleSheet(f"#scan_banner {{ background: {bg}; border: {border}; border-radius: 6px; }}"
                                  f"#scan_banner QLabel {{ color: {fg}; }}")

    def acknowledge(self) -> None:
        r = self.last
        if r is None or not r.alerts or self.on_acknowledge is None:
            return
        try:
            self.on_acknowledge(r)
        except DomainError as exc:
            self.show_result(ScanResult(Outcome.WRONG, r.code, _("Refused"), str(exc)))
            return
        self.run(r.code)
