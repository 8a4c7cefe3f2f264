"""A session on the server that ends mid-work (the server's sessions were reset) asks for the
password again — on the UI thread, also for calls made on worker threads — and the very call goes
on: the window stays open with what was typed. Cancel fails the call with the usual message; a
server that cannot be reached says nothing was saved."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QMessageBox, QPushButton, QVBoxLayout, QWidget
from sqlalchemy import delete

from app.models import RemoteSession
from app.permissions import Role
from app.remote.backend import Remote
from app.remote.errors import ConnectionLost, SessionExpired
from app.services import auth, users
from tests.factories import PASSWORD, make_customer, make_user
from ui.reauth import ReauthBackend
from ui.session import Session


def _server_forgets_every_session(db) -> None:
    with db.transaction() as tx:
        tx.execute(delete(RemoteSession))


def _renewing(remote_sessions, username):
    """A Session as AppController makes it for a desktop signed in to a server."""
    plain = remote_sessions(username)
    backend = ReauthBackend(Remote(plain.backend.client), plain.signed)
    return Session(None, plain.signed, backend=backend, server=plain.server), backend


def _answer(backend, qtbot, password=PASSWORD, cancel=False, seen=None):
    """When the dialog opens (its exec() holds this thread), type the password and press a button."""
    def act():
        dialog = backend.dialog
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, act)
            return
        if seen is not None:
            seen.append([w for w in QApplication.topLevelWidgets()
                         if w.objectName() == "reauth_dialog" and w.isVisible()])
        if cancel:
            dialog.findChild(QPushButton, "reauth_cancel").click()
            return
        dialog.findChild(QLineEdit, "reauth_password").setText(password)
        dialog.findChild(QPushButton, "reauth_submit").click()
        if dialog.isVisible():      # a refused password: the message shows, the test answers again
            seen.append(dialog.findChild(QLabel, "reauth_error").text())
            dialog.findChild(QPushButton, "reauth_cancel").click()

    QTimer.singleShot(0, act)


class Screen(QWidget):
    """A screen with typed text that asks the server on a worker thread."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.note = QLineEdit("Khách hẹn thứ Năm")
        QVBoxLayout(self).addWidget(self.note)
        self.results: list = []
        self.errors: list = []

    def look_up(self, cid: int) -> None:
        from ui.background import run_in_background

        run_in_background(self, lambda p: self.session.call("customers.get", cid),
                          lambda view: self.results.append(view.name), on_error=self.errors.append,
                          show_progress=False)


def test_an_ended_session_asks_for_the_password_and_the_same_call_goes_on(qtbot, company, remote_sessions):
    from ui.dialogs.login import ChangePasswordDialog

    session, backend = _renewing(remote_sessions, "trang")
    dialog = ChangePasswordDialog(session)          # a window with typed text, open when it happens
    qtbot.addWidget(dialog)
    dialog.show()
    for name, text in (("password_old", PASSWORD), ("password_new", "Mật khẩu mới 2026"),
                       ("password_new2", "Mật khẩu mới 2026")):
        dialog.findChild(QLineEdit, name).setText(text)
    _server_forgets_every_session(company["db"])     # e.g. the server was reset overnight
    seen: list = []
    _answer(backend, qtbot, seen=seen)
    dialog.findChild(QPushButton, "password_submit").click()
    assert seen and len(seen[0]) == 1 and seen[0][0].findChild(QLabel, "reauth_user").text() == \
        "Lê Thu Trang (trang)"
    assert dialog.result() == QDialog.DialogCode.Accepted     # the change went through after the password
    assert auth.login(company["db"], "trang", "Mật khẩu mới 2026").username == "trang"
    assert session.call("customers.get", company["customer"]).name == "Nguyễn Thị Hằng"


def test_calls_on_worker_threads_ask_once_on_the_ui_thread_and_all_go_on(qtbot, company, remote_sessions):
    session, backend = _renewing(remote_sessions, "trang")
    screen = Screen(session)
    qtbot.addWidget(screen)
    screen.show()
    screen.note.setText("Khách hẹn thứ Năm, gọi lại 9 giờ")
    _server_forgets_every_session(company["db"])
    seen: list = []
    _answer(backend, qtbot, seen=seen)
    for _i in range(3):
        screen.look_up(company["customer"])
    qtbot.waitUntil(lambda: len(screen.results) + len(screen.errors) == 3, timeout=15_000)
    assert screen.results == ["Nguyễn Thị Hằng"] * 3 and screen.errors == []
    assert len(seen) == 1 and len(seen[0]) == 1           # one dialog for the three calls
    assert screen.isVisible() and screen.note.text() == "Khách hẹn thứ Năm, gọi lại 9 giờ"


def test_cancel_fails_the_call_with_the_session_message(qtbot, company, remote_sessions):
    session, backend = _renewing(remote_sessions, "trang")
    screen = Screen(session)
    qtbot.addWidget(screen)
    _server_forgets_every_session(company["db"])
    _answer(backend, qtbot, cancel=True)
    screen.look_up(company["customer"])
    qtbot.waitUntil(lambda: bool(screen.errors), timeout=15_000)
    assert isinstance(screen.errors[0], SessionExpired) and screen.results == []
    assert str(screen.errors[0]) == str(SessionExpired())


def test_a_disabled_user_gets_the_refusal_not_a_password_prompt(qtbot, company, remote_sessions):
    session, backend = _renewing(remote_sessions, "trang")
    admin = company["admin"]
    view = next(u for u in users.list_users(company["db"], admin) if u.username == "trang")
    users.update_user(company["db"], admin, view.id, view.version, view.full_name, ["care"], None,
                      is_active=False)
    screen = Screen(session)
    qtbot.addWidget(screen)
    screen.look_up(company["customer"])
    qtbot.waitUntil(lambda: bool(screen.errors), timeout=15_000)
    assert isinstance(screen.errors[0], auth.AccountDisabled) and backend.dialog is None
    # its session is gone with it; signing in again is refused with the same reason
    seen: list = []
    _answer(backend, qtbot, seen=seen)
    screen.look_up(company["customer"])
    qtbot.waitUntil(lambda: len(screen.errors) == 2, timeout=15_000)
    assert isinstance(screen.errors[1], SessionExpired)
    assert seen[-1] == str(auth.AccountDisabled())


def test_a_server_that_cannot_be_reached_says_nothing_was_saved(qtbot, company, remote_sessions):
    from ui.common import report_error

    session = remote_sessions("trang")
    make_user(company["db"], Role.CARE, username="thu")
    cid = make_customer(company["db"], name="Lý Văn Bình")
    assert session.call("customers.get", cid).name == "Lý Văn Bình"
    client = session.backend.client
    client.close()
    client.url = client.url.rsplit(":", 1)[0] + ":1"          # the link is down: nothing listens there
    client._http = None
    with pytest.raises(ConnectionLost) as caught:
        session.call("customers.get", cid)
    lost = caught.value
    assert type(lost) is ConnectionLost        # never connected: certainly not saved (not ReplyLost)
    shown: list[str] = []

    def read_box():
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(20, read_box)
            return
        shown.append(box.text())
        box.accept()

    QTimer.singleShot(0, read_box)
    report_error(None, lost)
    assert shown == [str(lost)] and client.url in shown[0]
    assert "cannot be reached" in ConnectionLost.msgid and "nothing was saved" in ConnectionLost.msgid


def test_a_refresh_on_the_ui_thread_while_the_dialog_is_open_waits_for_it(qtbot, company, remote_sessions):
    session, backend = _renewing(remote_sessions, "trang")
    screen = Screen(session)
    qtbot.addWidget(screen)
    _server_forgets_every_session(company["db"])
    refreshed: list = []

    def refresh_while_asked():     # e.g. a queue's timer firing while the password is being typed
        if backend.dialog is None or not backend.dialog.isVisible():
            QTimer.singleShot(20, refresh_while_asked)
            return
        QTimer.singleShot(50, lambda: _answer(backend, qtbot))
        refreshed.append(session.call("customers.get", company["customer"]).name)

    QTimer.singleShot(0, refresh_while_asked)
    screen.look_up(company["customer"])
    qtbot.waitUntil(lambda: bool(screen.results) and bool(refreshed), timeout=15_000)
    assert refreshed == ["Nguyễn Thị Hằng"] and screen.results == ["Nguyễn Thị Hằng"] and screen.errors == []
