"""UI tests drive real screens over a real (SQLite) database, by objectName, as a user would."""
import pytest

from app.permissions import Role
from app.services.auth import login
from tests.factories import PASSWORD, make_customer, make_order, make_user, make_warehouses


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path, monkeypatch):
    """Remembered window layout goes to a temporary folder, not the tester's home."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    yield


@pytest.fixture(autouse=True)
def _collect_on_the_ui_thread(qapp):
    """As in the app (ui.collector): while a screen test runs, the garbage collector runs on the UI
    thread only, and is CPython's own again for the service tests that follow in this worker."""
    from ui.collector import collect_on_ui_thread, stop_collecting_on_ui_thread

    collect_on_ui_thread()
    yield
    stop_collecting_on_ui_thread()


@pytest.fixture
def company(sqlite_db):
    """A small company: a manager who is also care staff, an ordering staff, an admin; orders."""
    db = sqlite_db
    make_warehouses(db)
    admin = make_user(db, Role.ADMIN, username="admin", full_name="Trần Quản Trị")
    manager = make_user(db, Role.MANAGER, Role.CARE, username="quanly", full_name="Phạm Quốc Hùng")
    care = make_user(db, Role.CARE, username="trang", full_name="Lê Thu Trang")
    ordering = make_user(db, Role.ORDERING, username="duc", full_name="Vũ Minh Đức")
    cid = make_customer(db, care, name="Nguyễn Thị Hằng", phone="0912 345 678")
    other = make_customer(db, care, name="Trần Văn Đức", phone="0987 654 321")
    orders = [make_order(db, care, cid), make_order(db, care, other), make_order(db, care, cid, "consignment")]
    return {"db": db, "admin": admin, "manager": manager, "care": care, "ordering": ordering,
            "customer": cid, "orders": orders}


@pytest.fixture
def depot(sqlite_db):
    """The warehouses, the staff of tests.services.warehouse_helpers and a China forwarder, wang
    (a test file needing more people defines its own ``depot``)."""
    from tests.services.warehouse_helpers import make_staff

    make_warehouses(sqlite_db)
    st = make_staff(sqlite_db)
    make_user(sqlite_db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ")
    return sqlite_db, st


def errors_on_a_thread(fn, *args) -> list[BaseException]:
    """Call ``fn(*args)`` on a thread of its own, as a watcher or a worker would; what it raised."""
    import threading

    failures: list[BaseException] = []

    def run():
        try:
            fn(*args)
        except BaseException as exc:  # noqa: BLE001 — the test reports it
            failures.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return failures


@pytest.fixture
def open_main(qtbot):
    """Sign in through the service and show the main window for that person."""
    import ui.screens  # noqa: F401
    from ui.main_window import MainWindow
    from ui.session import Session

    windows = []

    def _open(db, username):
        signed = login(db, username, PASSWORD)
        window = MainWindow(Session(db, signed))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    return _open


def type_text(qtbot, widget, text: str) -> None:
    """Type like a person: QTest.keyClicks aborts on non-Latin-1 characters (Vietnamese, Chinese),
    so those arrive as key events carrying their text, as an input method sends them."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ord(ch) < 128:
            qtbot.keyClicks(widget, ch)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


@pytest.fixture
def remote_sessions(sqlite_db, tmp_path):
    """remote_sessions(username, db=None) -> a ui Session signed in to a real application server
    (uvicorn, real TLS, on a loopback port) over ``db`` (default: the test's SQLite database), as a
    desktop started with ``--server`` has: no database on the desktop (``session.db`` is None),
    every ``session.call`` a request to the server. Servers and clients are closed after the test."""
    from app.remote.backend import Remote
    from app.remote.client import KnownServers, RemoteClient, probe
    from app.server import tls
    from app.server.app import Server
    from app.server.run import ServerThread
    from ui.session import Session

    cert, key, _created = tls.ensure_self_signed(tmp_path / "server-tls")
    threads: dict[int, ServerThread] = {}
    clients: list[RemoteClient] = []

    def make(username: str, db=None) -> Session:
        db = db or sqlite_db
        if id(db) not in threads:
            threads[id(db)] = ServerThread(Server(db).app, cert, key).start()
        url = threads[id(db)].url
        known = KnownServers(tmp_path / f"known{len(clients)}.json")
        known.trust(url, probe(url))
        client = RemoteClient(url, known)
        client.connect()
        clients.append(client)
        signed = client.login(username, PASSWORD)
        return Session(None, signed, backend=Remote(client), server=url)

    yield make
    for c in clients:
        c.close()
    for t in threads.values():
        t.stop()


def check_seal_when_asked(seal_no: str, gross: str, intact: bool = True) -> None:
    """Answer the arrival seal check the station asks for when a sack's code is scanned."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QPushButton

    from ui.screens.seals import ArrivalSealDialog

    def go():
        d = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ArrivalSealDialog) and w.isVisible())
        d.findChild(QLineEdit, "arrival_seal_number").setText(seal_no)
        d.findChild(QLineEdit, "arrival_gross_weight").setText(gross)
        d.findChild(QCheckBox, "arrival_seal_intact").setChecked(intact)
        d.findChild(QPushButton, "arrival_seal_save").click()
    QTimer.singleShot(50, go)


def show_order_tab(window, name: str):
    """Click the order window's tab ``name`` (its objectName, e.g. "order_tab_money") as a person
    does: capability tabs read their data when first shown (ui.widgets.read_when_shown)."""
    from PySide6.QtWidgets import QWidget

    if not window.isVisible():
        window.show()
    tab = window.findChild(QWidget, name)
    window.tabs.setCurrentWidget(tab)
    return tab
