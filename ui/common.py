"""Small helpers every screen uses: names for tests and screen readers, errors shown kindly."""
from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from app.errors import DomainError, ValidationFailed
from app.i18n import _

W = TypeVar("W", bound=QWidget)


def open_in_main(widget: QWidget, entity: str, entity_id: int) -> None:
    """Open a record through the main window, which keeps track of open windows."""
    w = widget
    while w is not None and not hasattr(w, "open_record"):
        w = w.parentWidget()
    if w is not None:
        w.open_record(entity, entity_id)


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Open a window at the size it was designed for, but never beyond the screen's free area
    (less a title bar): on a 1366×768 laptop an 800 px tall window hid its bottom buttons."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    free = screen.availableGeometry() if screen is not None else None
    if free is not None:
        width, height = min(width, free.width() - 16), min(height, free.height() - 48)
    window.resize(width, height)


def named(widget: W, name: str, accessible: str | None = None) -> W:
    """Give a widget the objectName tests find it by and the accessibleName screen readers read."""
    widget.setObjectName(name)
    widget.setAccessibleName(accessible or name.replace("_", " "))
    return widget


def error_label(name: str) -> QLabel:
    label = named(QLabel(), name)
    label.setStyleSheet("color: #b3261e;")
    label.setWordWrap(True)
    label.hide()
    return label


def show_field_errors(labels: dict[str, QLabel], errors: dict[str, str]) -> None:
    """Put each message next to its field; clear the others."""
    for key, label in labels.items():
        message = errors.get(key, "")
        label.setText(message)
        label.setVisible(bool(message))


def report_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> None:
    """A domain error is the user's to fix: show its message. Anything else is ours: say so."""
    if isinstance(exc, (DomainError, ValidationFailed)):
        text = str(exc)
        icon = QMessageBox.Icon.Warning
    else:
        text = _("Something went wrong and nothing was saved: {error}").format(error=exc)
        icon = QMessageBox.Icon.Critical
    box = QMessageBox(icon, title or _("ImportDesk"), text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("error_box")
    box.button(QMessageBox.StandardButton.Ok).setText(_("OK"))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


def confirm(parent: QWidget | None, text: str, title: str | None = None) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title or _("ImportDesk"), text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setObjectName("confirm_box")
    box.button(QMessageBox.StandardButton.Yes).setText(_("Yes"))
    box.button(QMessageBox.StandardButton.No).setText(_("No"))
    return box.exec() == QMessageBox.StandardButton.Yes
