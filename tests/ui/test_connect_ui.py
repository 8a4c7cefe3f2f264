"""A desktop signing in to the company's server from the sign-in dialog, against a real server
(uvicorn, real TLS, a loopback port) over the test's database: the fingerprint asked once and
pinned, a changed certificate or another version refused before anything is sent, the
errors said in the dialog; and the forced password change through the server."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPushButton
from sqlalchemy import func, select

from app import __version__
from app.i18n import _
from app.models import RemoteLoginFailure, RemoteSession
from app.permissions import Role
from app.remote.client import KnownServers, ServerIdentity
from app.server import tls
from app.server.app import Server
from app.server.run import ServerThread
from app.services import auth, users
from tests.factories import PASSWORD, make_customer, make_user


@pytest.fixture
def office(sqlite_db, tmp_path):
    """The company's server: its address, certificate fingerprint and database."""
    cert, key, _created = tls.ensure_self_signed(tmp_path / "server-tls")
    thread = ServerThread(Server(sqlite_db).app, cert, key).start()
    make_user(sqlite_db, Role.CARE, username="trang", full_name="Lê Thu Trang")
    yield {"url": thread.url, "fingerprint": tls.fingerprint_of_file(cert), "db": sqlite_db, "tmp": tmp_path}
    thread.stop()


def _dialog(qtbot, office, server=None, known_name="known.json"):
    from ui.dialogs.login import LoginDialog

    dialog = LoginDialog(None, "ImportDesk", server=server, known=KnownServers(office["tmp"] / known_name))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(dialog, username="trang", password=PASSWORD):
    dialog.findChild(QLineEdit, "login_username").setText(username)
    dialog.findChild(QLineEdit, "login_password").setText(password)
    dialog.findChild(QPushButton, "login_submit").click()


def _error(dialog) -> str:
    label = dialog.findChild(QLabel, "login_error")
    return label.text() if label.isVisible() else ""


def _count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_first_connection_shows_the_fingerprint_and_trusting_it_pins_the_server(qtbot, office):
    from ui.app import AppController
    from ui.session import settings_store

    dialog = _dialog(qtbot, office, server=office["url"])
    assert dialog.findChild(QLineEdit, "login_server").text() == office["url"]
    _fill(dialog)
    qtbot.waitUntil(lambda: dialog.fingerprint_prompt is not None and dialog.fingerprint_prompt.isVisible())
    prompt = dialog.fingerprint_prompt
    assert prompt.objectName() == "fingerprint_dialog"
    assert prompt.findChild(QLabel, "fingerprint_server").text() == office["url"]
    assert prompt.findChild(QLabel, "fingerprint_value").text().replace("\n", "") == office["fingerprint"]
    assert _count(office["db"], RemoteSession) == 0            # nothing sent before the user trusts it
    prompt.findChild(QPushButton, "fingerprint_trust").click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert dialog.signed.username == "trang" and dialog.server == office["url"] and dialog.db is None
    pinned = json.loads((office["tmp"] / "known.json").read_text())
    assert pinned[office["url"]]["fingerprint"] == office["fingerprint"]
    assert settings_store().value("connect/server") == office["url"]
    # the desktop works through the server: no database here, every call a request
    controller = AppController(None)
    controller.client = dialog.client
    session = controller.make_session(dialog.signed)
    cid = make_customer(office["db"], name="Nguyễn Thị Hằng")
    assert session.db is None and session.remote and session.call("customers.get", cid).name == "Nguyễn Thị Hằng"
    controller.start_timers()                     # the server runs housekeeping and the outbox
    assert not controller._timer.isActive() and not controller._minute_timer.isActive()
    assert controller.outbox is None
    controller.shutdown()

    # the next start: the remembered server in the field, no question asked
    again = _dialog(qtbot, office)
    assert again.findChild(QLineEdit, "login_server").text() == office["url"]
    _fill(again)
    qtbot.waitUntil(lambda: again.result() == QDialog.DialogCode.Accepted)
    assert again.fingerprint_prompt is None and again.signed.username == "trang"
    again.client.close()


def test_cancelling_the_fingerprint_trusts_nothing_and_sends_nothing(qtbot, office):
    dialog = _dialog(qtbot, office, server=office["url"])
    _fill(dialog)
    qtbot.waitUntil(lambda: dialog.fingerprint_prompt is not None and dialog.fingerprint_prompt.isVisible())
    dialog.fingerprint_prompt.findChild(QPushButton, "fingerprint_cancel").click()
    qtbot.waitUntil(lambda: _("The server was not trusted: nothing was sent to it.") in _error(dialog))
    assert dialog.isVisible() and dialog.signed is None
    assert not (office["tmp"] / "known.json").exists()
    assert _count(office["db"], RemoteSession) == 0 and _count(office["db"], RemoteLoginFailure) == 0


def test_a_server_presenting_another_certificate_is_refused_before_the_password_is_sent(qtbot, office):
    other_cert, _key, _c = tls.ensure_self_signed(office["tmp"] / "someone-else")
    pem = other_cert.read_text()
    KnownServers(office["tmp"] / "known.json").trust(office["url"], ServerIdentity(tls.fingerprint_of_file(other_cert), pem))
    dialog = _dialog(qtbot, office, server=office["url"])
    _fill(dialog, password="wrong password, would be counted if sent")
    qtbot.waitUntil(lambda: bool(_error(dialog)))
    text = _error(dialog)
    assert "another certificate" in text or "chứng chỉ" in text
    assert office["fingerprint"] in text.replace("\n", "") and dialog.fingerprint_prompt is None
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert _count(office["db"], RemoteLoginFailure) == 0 and _count(office["db"], RemoteSession) == 0
    assert dialog.findChild(QLineEdit, "login_password").isEnabled()


def test_another_version_is_refused_with_what_to_install(qtbot, office, monkeypatch):
    KnownServers(office["tmp"] / "known.json").trust(office["url"], _identity_of(office))
    monkeypatch.setattr("app.remote.client.__version__", "0.0.1")     # an older desktop
    dialog = _dialog(qtbot, office, server=office["url"])
    _fill(dialog)
    qtbot.waitUntil(lambda: bool(_error(dialog)))
    assert "0.0.1" in _error(dialog) and __version__ in _error(dialog)
    assert _count(office["db"], RemoteSession) == 0


def _identity_of(office) -> ServerIdentity:
    from app.remote.client import probe

    return probe(office["url"])


def test_an_unreachable_server_or_a_wrong_address_is_said_in_the_dialog(qtbot, office):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    dialog = _dialog(qtbot, office, server=f"127.0.0.1:{closed}")
    _fill(dialog)
    qtbot.waitUntil(lambda: bool(_error(dialog)))
    assert f"https://127.0.0.1:{closed}" in _error(dialog)
    assert dialog.isVisible() and dialog.findChild(QLineEdit, "login_password").text() == PASSWORD  # kept
    dialog.findChild(QLineEdit, "login_server").setText("ftp://kho")
    dialog.findChild(QPushButton, "login_submit").click()
    assert "ftp://kho" in _error(dialog)


def test_a_wrong_password_on_the_server_is_refused_in_the_dialog(qtbot, office):
    KnownServers(office["tmp"] / "known.json").trust(office["url"], _identity_of(office))
    dialog = _dialog(qtbot, office, server=office["url"])
    _fill(dialog, password="sai mật khẩu")
    qtbot.waitUntil(lambda: bool(_error(dialog)))
    assert _error(dialog) == str(auth.LoginFailed())
    assert dialog.findChild(QLineEdit, "login_password").text() == ""
    assert _count(office["db"], RemoteLoginFailure) == 1     # counted by the server's rate limit


def test_a_temporary_password_is_changed_through_the_server(qtbot, office, remote_sessions):
    from ui.dialogs.login import ChangePasswordDialog

    db = office["db"]
    admin = make_user(db, Role.ADMIN)
    mai = make_user(db, Role.CARE, username="mai")
    users.reset_password(db, admin, mai.user_id, PASSWORD)
    session = remote_sessions("mai")
    assert session.signed.must_change_password and session.db is None
    dialog = ChangePasswordDialog(session, forced=True)
    qtbot.addWidget(dialog)
    dialog.findChild(QLineEdit, "password_old").setText(PASSWORD)
    dialog.findChild(QLineEdit, "password_new").setText("Mật khẩu riêng 2026")
    dialog.findChild(QLineEdit, "password_new2").setText("Mật khẩu riêng 2026")
    dialog.findChild(QPushButton, "password_submit").click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    signed = auth.login(db, "mai", "Mật khẩu riêng 2026")
    assert not signed.must_change_password


def test_a_desktop_started_with_server_signs_in_and_changes_a_temporary_password_there(qtbot, office):
    """AppController as `main.py --server URL` makes it: no database; the sign-in dialog with the
    server filled in; a temporary password is changed through the server before the main window."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import AppController

    db = office["db"]
    admin = make_user(db, Role.ADMIN)
    mai = make_user(db, Role.CARE, username="mai", full_name="Đỗ Thị Mai")
    users.reset_password(db, admin, mai.user_id, PASSWORD)
    KnownServers().trust(office["url"], _identity_of(office))       # trusted on an earlier start
    controller = AppController(None, server=office["url"])
    steps: list[str] = []

    def visible(name):
        return next((w for w in QApplication.topLevelWidgets() if w.objectName() == name and w.isVisible()), None)

    def drive():
        login = visible("login_dialog")
        forced = visible("password_dialog")
        if forced is not None:
            steps.append("password")
            forced.findChild(QLineEdit, "password_old").setText(PASSWORD)
            forced.findChild(QLineEdit, "password_new").setText("Mai tự đặt 2026")
            forced.findChild(QLineEdit, "password_new2").setText("Mai tự đặt 2026")
            forced.findChild(QPushButton, "password_submit").click()
            return
        if login is not None and "login" not in steps:
            steps.append("login")
            assert login.findChild(QLineEdit, "login_server").text() == office["url"]
            _fill(login, "mai")
        QTimer.singleShot(30, drive)

    QTimer.singleShot(0, drive)
    signed = controller.ask_sign_in()
    assert steps == ["login", "password"]
    assert signed.username == "mai" and controller.db is None and controller.remote
    assert auth.login(db, "mai", "Mai tự đặt 2026").must_change_password is False
    session = controller.make_session(signed)
    assert session.db is None and session.server == office["url"]
    controller.shutdown()


def test_cancel_while_connecting_leaves_no_session_behind(qtbot, office):
    from ui.background import running_jobs

    KnownServers(office["tmp"] / "known.json").trust(office["url"], _identity_of(office))
    dialog = _dialog(qtbot, office, server=office["url"])
    _fill(dialog)                       # the sign-in runs on a worker thread…
    dialog.reject()                     # …and the person gives up before it answers
    qtbot.waitUntil(lambda: running_jobs() == 0, timeout=10_000)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.signed is None
    qtbot.waitUntil(lambda: _count(office["db"], RemoteSession) == 0, timeout=10_000)
