"""The main window of a desktop signed in to an application server (no database on the desktop):
queue counts, the first page of a queue, a record opened; and two desktops through one server,
where one's change appears in the other's main window within 2 s, pushed by the server."""
from __future__ import annotations

import time

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from app.i18n import fmt_decimal
from app.permissions import Role
from app.remote.live import RemoteChangeWatcher
from tests.factories import make_customer, make_user, make_warehouses
from tests.money_helpers import accounts


def _main(qtbot, session):
    import ui.screens  # noqa: F401
    from ui.main_window import MainWindow

    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _nav_text(window, name: str) -> str:
    for i in range(window.nav.count()):
        item = window.nav.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == name:
            return item.text()
    raise AssertionError(f"no queue {name}")


def _show(window, name: str) -> None:
    names = [q.name for q in window.queues]
    window.nav.setCurrentRow(names.index(name))


def test_a_remote_main_window_shows_counts_the_first_page_and_opens_a_record(qtbot, company, remote_sessions):
    session = remote_sessions("quanly")
    assert session.db is None
    window = _main(qtbot, session)
    assert window.findChild(QLabel, "status_database").text().endswith(session.server)
    # the navigation's counts arrive (one call for every queue of the role)
    qtbot.waitUntil(lambda: _nav_text(window, "orders.all").endswith(f"({fmt_decimal(3)})"), timeout=5000)
    _show(window, "orders.all")
    view = window.current_view()
    assert view.model.rowCount() == 3
    codes = {view.model.raw_row(r).code for r in range(3)}
    assert all(code for code in codes)
    assert any("Nguyễn Thị Hằng" in " ".join(view.model.cells(r)) for r in range(3))

    _show(window, "admin.activity")       # its records open in the generic detail window
    view = window.current_view()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=5000)
    window.open_record(view.queue.entity, view.model.row_id(0))
    detail = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "detail_window" and w.isVisible())
    qtbot.addWidget(detail)
    row = view.model.raw_row(0)
    assert detail.findChild(QLabel, "detail_actor_name").text() == row.actor_name
    assert detail.findChild(QLabel, "detail_entity_id").text() == view.model.cells(0)[5]
    detail.close()


def test_a_change_on_one_desktop_appears_on_the_others_main_window_within_two_seconds(qtbot, db, remote_sessions):
    make_warehouses(db)
    make_user(db, Role.MANAGER, username="quanly", full_name="Phạm Quốc Hùng")
    make_user(db, Role.ACCOUNTANT, username="lan", full_name="Ngô Thị Lan")
    care = make_user(db, Role.CARE, username="trang", full_name="Lê Thu Trang")
    cid = make_customer(db, care, name="Nguyễn Thị Hằng", phone="0912 345 678")
    bank, _cny = accounts(db)
    here, there = remote_sessions("lan", db), remote_sessions("quanly", db)
    window = _main(qtbot, there)
    qtbot.waitUntil(lambda: _nav_text(window, "money.vn_book").endswith(f"({fmt_decimal(0)})"), timeout=5000)
    _show(window, "money.vn_book")        # the manager watches the VND cash book
    view = window.current_view()
    assert view.model.rowCount() == 0
    # what helper "connect" wires in ui/app.py for a desktop signed in to a server
    watcher = RemoteChangeWatcher(there.backend.client, lambda tables, origin: window.changes_arrived.emit(tables))
    watcher.start()
    try:
        assert watcher.listening.wait(10)
        time.sleep(0.3)                   # the watcher waits inside its long poll now
        here.call("wallets.record_payment", "topup", cid, Decimal("2500000"), "VCB 0042", db.clock.now().date(), bank)
        recorded = time.monotonic()
        qtbot.waitUntil(lambda: view.model.rowCount() > 0 and not _nav_text(window, "money.vn_book").endswith(
            f"({fmt_decimal(0)})"), timeout=2000)
        assert time.monotonic() - recorded < 2.0
        assert any("VCB 0042" in " ".join(view.model.cells(r)) for r in range(view.model.rowCount()))
    finally:
        watcher.stop()
