"""A desktop signed in to a server whose session ends (the server's sessions were reset, the session
expired, an administrator ended it) asks for the password again and goes on with the very call.

``ReauthBackend`` wraps ``app.remote.backend.Remote``: a call that raises ``SessionExpired`` opens
the modal "Sign in again" dialog (password only, same person) on the UI thread — from a worker
thread (``ui.background``) it asks the UI thread and waits — and after a good password runs the
same call again. Open windows stay open and what was typed stays typed, because nothing is closed:
the call simply returns later. Cancel: the call raises ``SessionExpired`` and the screen shows its
message as any other refusal. Several calls ending at once ask once.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QEventLoop, QObject, QThread, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from shiboken6 import isValid

from app.permissions import Role
from app.remote.backend import Remote
from app.remote.errors import SessionExpired
from app.services.auth import SignedIn


class ReauthBackend(QObject):
    _asked = Signal(object)

    def __init__(self, remote: Remote, signed: SignedIn,
                 parent_window: Callable[[], QWidget | None] | None = None) -> None:
        super().__init__()          # made on the UI thread, so its slot runs there
        self.remote = remote
        self.client = remote.client
        self.signed = signed
        # the main window (AppController gives it); not "the active window", which may be a dialog
        # about to close, taking this one with it
        self.parent_window = parent_window or (lambda: None)
        self._generation = 0        # one more after each renewed session
        self._asking = False
        self._waiting: list[tuple[int, threading.Event, list[bool]]] = []
        self._closed = False
        #: the dialog while it is open (tests and screenshots find it here too)
        self.dialog: QDialog | None = None
        self._asked.connect(self._on_asked, Qt.ConnectionType.QueuedConnection)

    # -- the Backend interface --------------------------------------------------------------------
    def switch_role(self, role: Role) -> None:
        if role not in self.signed.roles:
            raise ValueError(f"the signed-in user does not hold the role {role}")
        self.client.role = role

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        while True:
            generation = self._generation
            try:
                return self.remote.call(op, *args, **kwargs)
            except SessionExpired:
                if not self._renewed(generation):
                    raise

    def close(self) -> None:
        """The desktop signs out or quits: a worker still waiting for a password gives up."""
        self._closed = True
        for _gen, event, box in self._waiting:
            box.append(False)
            event.set()
        self._waiting.clear()

    # -- renewing the session ---------------------------------------------------------------------
    def _renewed(self, generation: int) -> bool:
        """True when the session was renewed since the call began (by this password or another
        call's), so the call runs again."""
        if self._closed:
            return False
        if generation != self._generation:
            return True
        app = QApplication.instance()
        if app is None or QThread.currentThread() is app.thread():
            if self._asking:        # a call made on the UI thread while the dialog is open (a
                return self._wait_for_dialog()   # timer's refresh): it waits for the answer too
            return self._ask(generation)
        event, box = threading.Event(), []
        self._asked.emit((generation, event, box))
        while not event.wait(0.25):
            if self._closed:
                return False
        return bool(box and box[0])

    def _wait_for_dialog(self) -> bool:
        dialog = self.dialog
        if dialog is None:
            return False
        if dialog.isVisible():
            loop = QEventLoop()
            dialog.finished.connect(loop.quit)
            loop.exec()             # the dialog's answer ends this loop, then the dialog's own
        return dialog.result() == QDialog.DialogCode.Accepted

    @Slot(object)
    def _on_asked(self, request: tuple[int, threading.Event, list[bool]]) -> None:
        generation, event, box = request
        if self._closed or generation != self._generation:
            box.append(not self._closed)
            event.set()
        elif self._asking:
            self._waiting.append(request)
        else:
            box.append(self._ask(generation))
            event.set()

    def _ask(self, generation: int) -> bool:
        from ui.dialogs.server import ReauthDialog

        self._asking = True
        try:
            parent = self.parent_window()
            dialog = ReauthDialog(self.signed.full_name, self.signed.username, self.client.url,
                                  lambda password: self.client.login(self.signed.username, password),
                                  parent if parent is not None and isValid(parent) else None)
            dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
            self.dialog = dialog
            ok = dialog.exec() == QDialog.DialogCode.Accepted
            if ok:
                self._generation += 1
            self.dialog = None
            if isValid(dialog):
                dialog.deleteLater()
        finally:
            self._asking = False
        waiting, self._waiting = self._waiting, []
        for gen, event, box in waiting:
            box.append(gen != self._generation)
            event.set()
        return ok
