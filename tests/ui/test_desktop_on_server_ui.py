"""End to end: AppController started as `main.py --server URL` — main window through the server,
live updates pushed by it, no timers on the desktop, an ended session renewed with the window open."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton
from sqlalchemy import delete

from app.models import RemoteSession
from app.remote.client import KnownServers, probe
from app.server import tls
from app.server.app import Server
from app.server.run import ServerThread
from tests.factories import PASSWORD


def test_desktop_on_a_server_end_to_end(qtbot, company, tmp_path):
    from app.remote.live import RemoteChangeWatcher
    from ui.app import AppController

    cert, key, _c = tls.ensure_self_signed(tmp_path / "tls")
    thread = ServerThread(Server(company["db"]).app, cert, key).start()
    KnownServers().trust(thread.url, probe(thread.url))
    controller = AppController(None, server=thread.url)

    def drive():
        login = next((w for w in QApplication.topLevelWidgets()
                      if w.objectName() == "login_dialog" and w.isVisible()), None)
        if login is None:
            QTimer.singleShot(30, drive)
            return
        login.findChild(QLineEdit, "login_username").setText("quanly")
        login.findChild(QLineEdit, "login_password").setText(PASSWORD)
        login.findChild(QPushButton, "login_submit").click()

    QTimer.singleShot(0, drive)
    try:
        assert controller.start()
        window = controller.window
        qtbot.addWidget(window)
        assert controller.db is None and window.session.remote
        assert isinstance(controller.watcher, RemoteChangeWatcher)
        assert not controller._timer.isActive() and controller.outbox is None
        qtbot.wait(1500)
        with company["db"].transaction() as tx:
            tx.execute(delete(RemoteSession))
        backend = window.session.backend

        def answer():
            d = backend.dialog
            if d is None or not d.isVisible():
                QTimer.singleShot(20, answer)
                return
            d.findChild(QLineEdit, "reauth_password").setText(PASSWORD)
            d.findChild(QPushButton, "reauth_submit").click()

        QTimer.singleShot(0, answer)
        view = window.session.call("customers.get", company["customer"])
        assert view.name == "Nguyễn Thị Hằng" and window.isVisible()
    finally:
        controller.shutdown()
        thread.stop()
