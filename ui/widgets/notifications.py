"""The notification centre: an unread count in the main toolbar and a panel of notifications.

Live across desktops: the main window hears which tables changed (PostgreSQL NOTIFY, SQLite's
data_version, or the server's push on a desktop signed in to one); a change to staff_notifications refreshes the count, and the list if it shows.
The count is read in the background; a minute's timer covers a dropped listener.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDockWidget, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QToolButton, QVBoxLayout,
                               QWidget)

from app.i18n import _, fmt_datetime, fmt_decimal
from app.services.staff_inbox import NotificationView
from ui.background import run_in_background
from ui.common import named, report_error

PAGE = 50
_ID, _ENTITY, _ENTITY_ID, _UNREAD = (Qt.ItemDataRole.UserRole + i for i in range(4))


class NotificationPanel(QDockWidget):
    """Newest first; bold ones are unread. Double-click (or Enter) opens what it is about."""

    def __init__(self, centre: "NotificationCentre") -> None:
        super().__init__(_("Notifications"), centre.main)
        named(self, "notifications_panel", _("Notifications"))
        self.centre, self.session = centre, centre.main.session
        self.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea)
        self.list = named(QListWidget(), "notifications_list", _("Notifications"))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemActivated.connect(self.open_item)
        self.unread_only = named(QCheckBox(_("Unread only")), "notifications_unread_only")
        self.unread_only.toggled.connect(lambda _c: self.reload())
        self.mark_read_button = named(QPushButton(_("Mark read")), "notifications_mark_read")
        self.mark_read_button.setToolTip(_("Mark the selected notifications read"))
        self.mark_read_button.clicked.connect(self.mark_selected_read)
        self.mark_all_button = named(QPushButton(_("Mark all read")), "notifications_mark_all_read")
        self.mark_all_button.clicked.connect(self.mark_all_read)
        self.more_button = named(QPushButton(_("Older…")), "notifications_more")
        self.more_button.clicked.connect(self.load_more)
        self.empty = named(QLabel(_("No notifications.")), "notifications_empty")
        self.empty.setStyleSheet("color: #666;")
        top = QHBoxLayout()
        top.addWidget(self.unread_only)
        top.addStretch(1)
        top.addWidget(self.mark_read_button)
        top.addWidget(self.mark_all_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.more_button)
        self.setWidget(body)
        self.setMinimumWidth(340)
        self._last_id: int | None = None
        self.visibilityChanged.connect(lambda shown: shown and self.reload())

    # -- loading ---------------------------------------------------------------------------------
    def reload(self) -> None:
        selected = {i.data(_ID) for i in self.list.selectedItems()}
        self.list.clear()
        self._last_id = None
        self._append(self._page(None), selected)

    def load_more(self) -> None:
        self._append(self._page(self._last_id), set())

    def _page(self, before_id: int | None) -> list[NotificationView]:
        try:
            return self.session.call("notifications.inbox", self.unread_only.isChecked(), before_id, PAGE)
        except Exception as exc:  # the server is unreachable: say so, keep the window usable
            self.empty.setText(_("Could not read the notifications: {error}").format(error=exc))
            self.empty.show()
            return []

    def _append(self, rows: list[NotificationView], selected: set[int]) -> None:
        for n in rows:
            body = n.body if len(n.body) <= 90 else n.body[:89].rstrip() + "…"
            item = QListWidgetItem(n.title + "\n" + fmt_datetime(n.created_at) + (f" · {body}" if body else ""))
            item.setData(_ID, n.id)
            item.setData(_ENTITY, n.entity)
            item.setData(_ENTITY_ID, n.entity_id)
            item.setData(_UNREAD, n.unread)
            font = QFont(self.list.font())
            font.setBold(n.unread)
            item.setFont(font)
            item.setToolTip("\n".join(p for p in (n.title, n.body, _("Double-click to open") if n.entity else "") if p))
            self.list.addItem(item)
            item.setSelected(n.id in selected)
            self._last_id = n.id
        self.more_button.setEnabled(len(rows) == PAGE)
        empty = self.list.count() == 0
        if empty:
            self.empty.setText(_("No unread notifications.") if self.unread_only.isChecked()
                               else _("No notifications."))
        self.empty.setVisible(empty)

    # -- what the person does ----------------------------------------------------------------------
    def open_item(self, item: QListWidgetItem) -> None:
        if item.data(_UNREAD):
            self._mark([item.data(_ID)])
        entity, entity_id = item.data(_ENTITY), item.data(_ENTITY_ID)
        if entity and entity_id is not None:
            self.centre.main.open_record(entity, int(entity_id))

    def mark_selected_read(self) -> None:
        self._mark([i.data(_ID) for i in self.list.selectedItems() if i.data(_UNREAD)])

    def mark_all_read(self) -> None:
        try:
            self.session.call("notifications.mark_all_read")
        except Exception as exc:
            report_error(self, exc)
        self._after_marking()

    def _mark(self, ids: list[int]) -> None:
        if not ids:
            return
        try:
            self.session.call("notifications.mark_read", ids)
        except Exception as exc:
            report_error(self, exc)
        self._after_marking()

    def _after_marking(self) -> None:
        self.reload()
        self.centre.refresh_count()


class NotificationCentre(QObject):
    """Owns the toolbar button and the panel, and keeps both current."""

    def __init__(self, main) -> None:
        super().__init__(main)
        self.main = main
        self.unread = -1
        self.button = named(QToolButton(), "notifications_button", _("Notifications"))
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.panel = NotificationPanel(self)
        main.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
        self.panel.hide()
        self.button.toggled.connect(self.panel.setVisible)
        self.panel.visibilityChanged.connect(self._panel_shown)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._changed)
        main.changes_arrived.connect(self._maybe_changed)
        self._poll = QTimer(self, interval=60_000)
        self._poll.timeout.connect(self.refresh_count)
        self._poll.start()
        self._show_count(0, None)
        self.refresh_count()

    def _panel_shown(self, shown: bool) -> None:
        self.button.blockSignals(True)
        self.button.setChecked(shown)
        self.button.blockSignals(False)

    def _maybe_changed(self, tables: frozenset) -> None:
        if not tables or "staff_notifications" in tables:
            self._debounce.start()

    def _changed(self) -> None:
        self.refresh_count()
        if self.panel.isVisible():
            self.panel.reload()

    def refresh_count(self) -> None:
        session = self.main.session

        def read(_progress):
            badge = session.call("notifications.badge")   # the count and the newest title, one call
            return badge.unread, badge.newest_title

        run_in_background(self.button, read, lambda result: self._show_count(*result),
                          on_error=lambda exc: self.button.setToolTip(
                              _("Could not read the notifications: {error}").format(error=exc)),
                          show_progress=False)

    def _show_count(self, n: int, newest: str | None) -> None:
        if self.unread >= 0 and n > self.unread and newest:
            self.main.statusBar().showMessage(_("New notification: {title}").format(title=newest), 10_000)
        self.unread = n
        if n:
            self.button.setText(_("Notifications ({n})").format(n=fmt_decimal(n)))
            self.button.setStyleSheet("QToolButton { color: #b3261e; font-weight: bold; }")
        else:
            self.button.setText(_("Notifications"))
            self.button.setStyleSheet("")
        self.button.setToolTip(_("{n} unread — show or hide the notifications (F9)").format(n=fmt_decimal(n)))
        self.button.setAccessibleName(_("Notifications: {n} unread").format(n=fmt_decimal(n)))
