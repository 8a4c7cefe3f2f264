"""Small helpers every screen uses: names for tests and screen readers, errors shown kindly."""
from __future__ import annotations

import os
from typing import TypeVar

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QWidget

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


def show_field_errors(labels: dict[str, QLabel], errors: dict[str, str], stray: bool = True) -> None:
    """Put each message next to its field; clear the others. A message for a field the dialog has
    no label for (a column's limit the safety net in app.bounds refused, "Note: at most …") goes
    under the first label, so a refused save never looks like nothing happened; ``stray=False``
    when the dialog shows those itself."""
    shown = {errors[k] for k in labels if errors.get(k)}
    extra: list[str] = []
    for key, message in (errors.items() if stray else ()):
        if message and key not in labels and message not in shown and message not in extra:
            extra.append(message)
    for i, (key, label) in enumerate(labels.items()):
        message = "\n".join(([errors[key]] if errors.get(key) else []) + (extra if i == 0 else []))
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


# -- files: every save and open dialog of the app goes through these ---------------------------------
# The platform's own dialog (Qt's only where the platform has none), in the person's Documents
# folder: a program's folder is neither where people keep files nor, installed, writable.

_last_folder: dict[str, str] = {}


def documents_dir() -> str:
    """The person's Documents folder (their home folder where the platform names none)."""
    path = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return path or os.path.expanduser("~")


def _start_folder(kind: str) -> str:
    folder = _last_folder.get(kind)
    return folder if folder and os.path.isdir(folder) else documents_dir()


def _remember(kind: str, path: str) -> None:
    if path:
        _last_folder[kind] = os.path.dirname(path)


def ask_save_path(parent: QWidget | None, title: str, suggested_name: str, filters: str) -> str | None:
    """Where to save an export: starts in Documents with the suggested file name."""
    name = os.path.basename(suggested_name.replace("/", "-").replace("\\", "-"))
    path, _f = QFileDialog.getSaveFileName(parent, title, os.path.join(documents_dir(), name), filters)
    return path or None


def ask_open_path(parent: QWidget | None, title: str, filters: str, start: str | None = None) -> str | None:
    """One file to read: starts in ``start`` when the screen knows where its files are (the backup
    folder), else where the person last opened one this session, else Documents."""
    path, _f = QFileDialog.getOpenFileName(parent, title, start or _start_folder("open"), filters)
    _remember("open", path)
    return path or None


def ask_open_paths(parent: QWidget | None, title: str, filters: str) -> list[str]:
    paths, _f = QFileDialog.getOpenFileNames(parent, title, _start_folder("open"), filters)
    if paths:
        _remember("open", paths[0])
    return list(paths)
