"""What the smoke walk needs: the demo company built once, a guard that fails on any traceback or
Qt critical message, modal dialogs that cancel themselves, and a walker that opens every tab and
presses every button that opens a dialog ("…")."""
from __future__ import annotations

import shutil
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import (QAbstractButton, QApplication, QDialog, QFileDialog, QInputDialog,
                               QMessageBox, QTabWidget, QWidget)

import PySide6.QtWidgets as QtWidgets
from shiboken6 import isValid

ELLIPSIS = ("…", "...")
MAX_DEPTH = 2   # a record window (1) and the dialogs its buttons open (2): not their buttons


@dataclass
class Guard:
    """Everything that went wrong while the guard was installed."""

    errors: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)   # a domain error shown: the user's to fix
    dialogs: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)     # what the walk is doing, for the messages
    depth: int = 0
    walker: "Walker | None" = None

    def here(self) -> str:
        return " › ".join(self.where) or "start"

    def fail(self, text: str) -> None:
        self.errors.append(f"[{self.here()}] {text}")


def _exec_class_names() -> list[type]:
    """QDialog and every Qt dialog class that declares its own exec (QMessageBox, QFileDialog…)."""
    out = []
    for name in dir(QtWidgets):
        cls = getattr(QtWidgets, name)
        if isinstance(cls, type) and issubclass(cls, QDialog) and "exec" in cls.__dict__:
            out.append(cls)
    return out


@contextmanager
def guarded(monkeypatch):
    """Install the traceback hook, the Qt message handler and self-cancelling dialogs; the guard's
    walker walks each dialog it cancels (up to MAX_DEPTH)."""
    guard = Guard()
    walker = guard.walker = Walker(guard)

    def hook(kind, value, tb):
        guard.fail("".join(traceback.format_exception(kind, value, tb)))

    def messages(kind, context, text):
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            guard.fail(f"Qt {kind.name}: {text}")

    def fake_exec(self, *args):
        title = f"{type(self).__name__}:{self.objectName()}"
        guard.dialogs.append(title)
        if isinstance(self, QMessageBox):
            text = f"{title} {self.text()}"
            if self.icon() == QMessageBox.Icon.Critical:
                guard.fail(f"error box: {text}")
            elif self.icon() == QMessageBox.Icon.Warning:
                guard.refusals.append(f"[{guard.here()}] {text}")
        guard.where.append(title)
        try:
            self.show()
            QApplication.processEvents()
            if guard.depth < MAX_DEPTH:
                guard.depth += 1
                try:
                    walker.walk(self)
                finally:
                    guard.depth -= 1
        finally:
            guard.where.pop()
            if self.isVisible():
                self.reject()
            QApplication.processEvents()
        return 0   # Rejected; for a message box no button it could compare with

    def static_box(kind: str):
        def box(parent, title, text, *args, **kwargs):
            guard.dialogs.append(f"QMessageBox.{kind}")
            if kind == "critical":
                guard.fail(f"error box: {title}: {text}")
            return QMessageBox.StandardButton.Cancel
        return staticmethod(box)

    old_hook = sys.excepthook
    sys.excepthook = hook
    old_handler = qInstallMessageHandler(messages)
    try:
        with monkeypatch.context() as m:
            for cls in _exec_class_names():
                m.setattr(cls, "exec", fake_exec)
            for kind in ("question", "warning", "information", "critical", "about"):
                m.setattr(QMessageBox, kind, static_box(kind))
            m.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
            m.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
            m.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([], "")))
            m.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
            for kind in ("getText", "getMultiLineText", "getItem"):
                m.setattr(QInputDialog, kind, staticmethod(lambda *a, **k: ("", False)))
            for kind in ("getInt", "getDouble"):
                m.setattr(QInputDialog, kind, staticmethod(lambda *a, **k: (0, False)))
            from PySide6.QtGui import QDesktopServices
            m.setattr(QDesktopServices, "openUrl", staticmethod(lambda *a, **k: True))
            yield guard
    finally:
        qInstallMessageHandler(old_handler)
        sys.excepthook = old_hook


def visible_top_levels() -> set[QWidget]:
    return {w for w in QApplication.topLevelWidgets() if w.isVisible()}


class Walker:
    """Opens every tab of a window and presses every enabled button (or menu entry) whose text
    ends with "…" — the ones that open a dialog — closing whatever window that opened."""

    def __init__(self, guard: Guard | None = None) -> None:
        self.guard = guard

    def walk(self, window: QWidget) -> None:
        QApplication.processEvents()
        self.tabs(window)
        for button in self.dialog_buttons(window):
            if not (isValid(button) and button.isVisible() and button.isEnabled()):
                continue   # an earlier press changed the window
            self.press(button.text(), button.click)
        for button in window.findChildren(QAbstractButton):
            if not isValid(button) or not hasattr(button, "menu"):
                continue
            menu = button.menu()
            if menu is None or not button.isVisible() or not button.isEnabled():
                continue
            menu.aboutToShow.emit()   # menus filled when shown
            for text in [a.text() for a in menu.actions() if a.text().rstrip().endswith(ELLIPSIS)]:
                # an earlier entry may have reloaded the window, which rebuilds its menus
                if not isValid(button) or not button.isVisible() or not button.isEnabled():
                    break
                menu = button.menu()
                menu.aboutToShow.emit()
                act = next((a for a in menu.actions() if a.text() == text), None)
                if act is not None and act.isVisible() and act.isEnabled():
                    self.press(text, act.trigger)

    def tabs(self, window: QWidget) -> None:
        for tabs in window.findChildren(QTabWidget):
            if not tabs.isVisible():
                continue
            for i in range(tabs.count()):
                if tabs.isTabEnabled(i) and tabs.isTabVisible(i):
                    self._note(f"tab {tabs.tabText(i)}")
                    tabs.setCurrentIndex(i)
                    QApplication.processEvents()
                    self._unnote()
            tabs.setCurrentIndex(0)

    @staticmethod
    def dialog_buttons(window: QWidget) -> list[QAbstractButton]:
        return [b for b in window.findChildren(QAbstractButton)
                if b.text().replace("&", "").rstrip().endswith(ELLIPSIS) and b.window() is window]

    def press(self, label: str, do) -> None:
        before = visible_top_levels()
        self._note(label)
        try:
            do()
            QApplication.processEvents()
            for w in visible_top_levels() - before:   # a window it opened (not modal)
                self._note(f"{type(w).__name__}:{w.objectName()}")
                self.tabs(w)
                self._unnote()
                w.close()
            QApplication.processEvents()
        finally:
            self._unnote()

    def _note(self, text: str) -> None:
        if self.guard is not None:
            self.guard.where.append(text)

    def _unnote(self) -> None:
        if self.guard is not None:
            self.guard.where.pop()


def copy_database(template, tmp_path):
    from app import db as dbmod

    path = tmp_path / "demo.db"
    shutil.copyfile(template, path)
    return dbmod.Database(f"sqlite:///{path}")
