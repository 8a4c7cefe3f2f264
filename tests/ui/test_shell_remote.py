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
    from tests.ui.test_orders_remote_ui import requests_of

    session = remote_sessions("quanly")
    assert session.db is None
    sent = requests_of(session)
    window = _main(qtbot, session)
    # painted from one request (the settings, the first queue's filters and page); the counts
    # and the notification badge follow in the background
    assert sent[0] == "/rpc/shell.open_window" and "/rpc/queues.open" not in sent
    assert set(sent[1:]) <= {"/rpc/queues.counts", "/rpc/notifications.badge"}
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


def test_through_the_server_an_admin_saves_a_setting_and_creates_a_user(qtbot, company, remote_sessions):
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton

    from app.services import settings as settings_service
    from app.services.auth import login
    from tests.factories import PASSWORD
    from tests.ui.conftest import type_text
    from ui.dialogs.settings import SettingsDialog
    from ui.dialogs.users import UsersDialog

    window = _main(qtbot, remote_sessions("admin"))
    dialog = SettingsDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    field = dialog.findChild(QLineEdit, "setting_orders.deposit_percent")
    field.clear()
    type_text(qtbot, field, "120")
    qtbot.mouseClick(dialog.findChild(QPushButton, "settings_save"), Qt.MouseButton.LeftButton)
    error = dialog.findChild(QLabel, "setting_orders.deposit_percent_error")
    assert error.isVisible() and "100" in error.text()        # the server's field error, by its field
    field.clear()
    type_text(qtbot, field, "65,5")
    qtbot.mouseClick(dialog.findChild(QPushButton, "settings_save"), Qt.MouseButton.LeftButton)
    assert settings_service.read_all(company["db"])["orders.deposit_percent"] == Decimal("65.5")
    dialog.close()

    users = UsersDialog(window.session, window)
    qtbot.addWidget(users)
    users.show()
    assert users.list.count() == 4
    qtbot.mouseClick(users.findChild(QPushButton, "users_new"), Qt.MouseButton.LeftButton)
    type_text(qtbot, users.findChild(QLineEdit, "user_username"), "quang")
    type_text(qtbot, users.findChild(QLineEdit, "user_full_name"), "Lý Văn Quang")
    type_text(qtbot, users.findChild(QLineEdit, "user_password"), PASSWORD)
    users.findChild(QCheckBox, "user_role_forwarder_cn").setChecked(True)
    box = users.findChild(QComboBox, "user_home_warehouse")
    box.setCurrentIndex(next(i for i in range(box.count()) if box.itemText(i).startswith("CN-GZ")))
    qtbot.mouseClick(users.findChild(QPushButton, "user_save"), Qt.MouseButton.LeftButton)
    assert users.list.count() == 5
    assert [r.value for r in login(company["db"], "quang", PASSWORD).roles] == ["forwarder_cn"]


def test_export_through_the_server_writes_the_workbook_on_this_desktop(qtbot, company, remote_sessions, tmp_path):
    from openpyxl import load_workbook

    window = _main(qtbot, remote_sessions("quanly"))
    _show(window, "orders.all")
    target = tmp_path / "don-hang.xlsx"
    window.export_view(str(target))
    qtbot.waitUntil(target.exists, timeout=10000)
    qtbot.waitUntil(lambda: str(target) in window.statusBar().currentMessage(), timeout=5000)
    sheet = load_workbook(target).active
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "Phạm Quốc Hùng" in text                 # printed by, in the header, made on the server
    assert text.count("Nguyễn Thị Hằng") == 2 and "Trần Văn Đức" in text
    assert not list(tmp_path.glob("*.part"))


def test_on_a_remote_desktop_the_backups_screen_names_the_server_and_offers_no_button(qtbot, company,
                                                                                       remote_sessions):
    from ui.screens.backup import BackupDialog

    session = remote_sessions("admin")
    window = _main(qtbot, session)
    dialog = BackupDialog(session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=5000)
    assert session.server in dialog.where.text()
    assert not dialog.backup_button.isEnabled()
    assert not dialog.restore_file_button.isEnabled() and not dialog.restore_button.isEnabled()
    assert dialog.table.rowCount() == 0 and dialog.status.text()   # "No backup has been made yet."


def test_a_notification_reaches_a_remote_desktops_badge_and_is_marked_read_there(qtbot, company, remote_sessions):
    from app.services.staff_inbox import tell_staff, unread_count

    db = company["db"]
    with db.transaction() as tx:
        tell_staff(tx, [company["care"].user_id], "Order {code} confirmed", code="DH-0001")
    window = _main(qtbot, remote_sessions("trang"))
    centre = window.notifications
    qtbot.waitUntil(lambda: centre.unread == 1, timeout=5000)
    centre.button.toggle()
    qtbot.waitUntil(lambda: centre.panel.list.count() == 1, timeout=5000)
    assert "DH-0001" in centre.panel.list.item(0).text()
    centre.panel.mark_all_read()
    qtbot.waitUntil(lambda: centre.unread == 0, timeout=5000)
    assert unread_count(db, company["care"]) == 0


def test_cancel_while_the_export_is_written_leaves_no_file(tmp_path):
    from app.progress import CancellableProgress, Cancelled
    from ui.main_window import write_file

    target = tmp_path / "big.xlsx"
    progress = CancellableProgress()
    seen = []

    class Cancelling:
        def update(self, done, total, label=None):
            seen.append(done)
            if done:                      # the person pressed Cancel after the first piece
                progress.cancel()
            progress.update(done, total, label)

    try:
        write_file(str(target), b"x" * (3 << 20), Cancelling(), chunk=1 << 20)
        raise AssertionError("not cancelled")
    except Cancelled:
        pass
    assert seen == [0, 1 << 20]
    assert not target.exists() and not list(tmp_path.iterdir())
    write_file(str(target), b"workbook")
    assert target.read_bytes() == b"workbook"
