"""The foundation screens, driven like a user: sign in, switch role, search, open, settings."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QPushButton, QTableView, QCheckBox

from app import db as dbmod
from app.i18n import _
from app.services import settings as settings_service
from app.services.auth import login
from tests.factories import PASSWORD
from tests.ui.conftest import type_text


def _nav_titles(window):
    nav = window.findChild(QListWidget, "queue_nav")
    return [nav.item(i).text() for i in range(nav.count())]


def _select_queue(qtbot, window, title_start):
    nav = window.findChild(QListWidget, "queue_nav")
    for i in range(nav.count()):
        if nav.item(i).text().startswith(title_start):
            nav.setCurrentRow(i)
            return window.current_view()
    raise AssertionError(f"no queue {title_start!r} in {_nav_titles(window)}")


def test_sign_in_dialog_refuses_a_wrong_password_then_lets_the_user_in(qtbot, company):
    from ui.dialogs.login import LoginDialog

    dialog = LoginDialog(company["db"], "Công ty Hằng Nga")
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.findChild(QLineEdit, "login_username"), "trang")
    type_text(qtbot, dialog.findChild(QLineEdit, "login_password"), "sai mật khẩu")
    qtbot.mouseClick(dialog.findChild(QPushButton, "login_submit"), Qt.MouseButton.LeftButton)
    error = dialog.findChild(QLabel, "login_error")
    assert error.isVisible() and error.text() == _("Wrong user name or password.") != "Wrong user name or password."
    assert dialog.findChild(QLineEdit, "login_password").text() == ""
    type_text(qtbot, dialog.findChild(QLineEdit, "login_password"), PASSWORD)
    qtbot.keyClick(dialog.findChild(QLineEdit, "login_password"), Qt.Key.Key_Return)
    assert dialog.signed is not None and dialog.signed.username == "trang"


def test_the_role_switcher_lists_only_held_roles_and_changes_the_queues(qtbot, company, open_main):
    window = open_main(company["db"], "quanly")
    switcher = window.findChild(QComboBox, "role_switcher")
    assert [switcher.itemData(i) for i in range(switcher.count())] == ["manager", "care"]
    manager_queues = _nav_titles(window)
    assert any(t.startswith(_("Orders to confirm")) for t in manager_queues)
    switcher.setCurrentIndex(1)
    care_queues = _nav_titles(window)
    assert care_queues != manager_queues
    assert window.statusBar().findChild(QLabel, "status_role").text().endswith(switcher.currentText())
    assert "SQLite" in window.findChild(QLabel, "status_database").text()


def test_searching_a_queue_without_accents_finds_the_customer_and_enter_opens_it(qtbot, company, open_main):
    window = open_main(company["db"], "trang")
    view = _select_queue(qtbot, window, _nav_titles(window)[[q.name for q in window.queues].index("orders.all")])
    table = view.findChild(QTableView, "queue_table")
    assert view.model.rowCount() == 3
    type_text(qtbot, view.findChild(QLineEdit, "queue_search"), "nguyen thi hang")
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    customers = {view.model.raw_row(i).customer_name for i in range(view.model.rowCount())}
    assert customers == {"Nguyễn Thị Hằng"}
    qtbot.waitUntil(lambda: view.findChild(QLabel, "queue_count").text().startswith("2"))
    table.setFocus()
    table.selectRow(0)
    table.setCurrentIndex(view.model.index(0, 0))
    opened = []
    view.open_requested.connect(lambda entity, rid: opened.append((entity, rid)))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened == [("order", view.model.row_id(0))]


def test_a_double_click_on_a_task_opens_the_task_window_with_its_history(qtbot, company, open_main):
    window = open_main(company["db"], "quanly")
    window.session.switch_role(window.session.signed.roles[1])  # care: tasks of the role
    from app.services import orders as order_service
    order_service.apply_action(company["db"], company["care"], company["orders"][0], "submit")
    window.refresh_all()
    view = window.current_view()
    assert view.queue.name == "tasks.role"
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    window.open_record(view.queue.entity, view.model.row_id(0))
    from ui.screens.task_window import TaskWindow
    detail = next(w for w in window._windows.values() if isinstance(w, TaskWindow))
    qtbot.addWidget(detail)
    assert " — DH" in detail.findChild(QLabel, "task_heading").text()
    from PySide6.QtWidgets import QTreeWidget
    timeline = detail.findChild(QTreeWidget, "activity_timeline")
    assert timeline.topLevelItemCount() == 1 and timeline.topLevelItem(0).text(2) == "Đã tạo nhiệm vụ"



def test_the_activity_log_names_each_action_in_words_not_its_code(qtbot, company, open_main):
    from app.services import orders as order_service

    order_service.apply_action(company["db"], company["care"], company["orders"][0], "submit")
    window = open_main(company["db"], "admin")
    view = _select_queue(qtbot, window, _("Activity log"))
    assert view.queue.name == "admin.activity"
    qtbot.waitUntil(lambda: view.model.rowCount() > 0)
    column = [c.key for c in view.queue.columns].index("action")
    shown = {(row.entity, row.action): view.model.data(view.model.index(r, column))
             for r, row in enumerate(view.model._rows)}
    assert shown[("order", "submit")] == "Gửi đơn"
    assert shown[("order", "created")] == "Đã tạo mới"

def test_a_bad_setting_shows_its_message_and_saves_nothing_then_a_good_one_saves(qtbot, company, open_main):
    from ui.dialogs.settings import SettingsDialog

    window = open_main(company["db"], "admin")
    dialog = SettingsDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    field = dialog.findChild(QLineEdit, "setting_orders.deposit_percent")
    field.clear()
    type_text(qtbot, field, "120")
    qtbot.mouseClick(dialog.findChild(QPushButton, "settings_save"), Qt.MouseButton.LeftButton)
    error = dialog.findChild(QLabel, "setting_orders.deposit_percent_error")
    assert error.isVisible() and "100" in error.text()
    assert settings_service.read_all(company["db"])["orders.deposit_percent"] == 70
    field.clear()
    type_text(qtbot, field, "65,5")
    qtbot.mouseClick(dialog.findChild(QPushButton, "settings_save"), Qt.MouseButton.LeftButton)
    assert not error.isVisible()
    from decimal import Decimal
    assert settings_service.read_all(company["db"])["orders.deposit_percent"] == Decimal("65.5")


def test_first_run_asks_for_the_company_and_creates_the_admin(qtbot, sqlite_db):
    from ui.dialogs.login import FirstRunDialog

    dialog = FirstRunDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.findChild(QLineEdit, "setup_company_name"), "Công ty TNHH Hằng Nga")
    type_text(qtbot, dialog.findChild(QLineEdit, "setup_full_name"), "Trần Thị Hằng")
    type_text(qtbot, dialog.findChild(QLineEdit, "setup_password"), "mật khẩu 2026")
    type_text(qtbot, dialog.findChild(QLineEdit, "setup_password2"), "mật khẩu 2025")
    qtbot.mouseClick(dialog.findChild(QPushButton, "setup_submit"), Qt.MouseButton.LeftButton)
    assert dialog.findChild(QLabel, "setup_password2_error").isVisible()
    assert dbmod.is_empty(sqlite_db)
    dialog.findChild(QLineEdit, "setup_password2").clear()
    type_text(qtbot, dialog.findChild(QLineEdit, "setup_password2"), "mật khẩu 2026")
    qtbot.mouseClick(dialog.findChild(QPushButton, "setup_submit"), Qt.MouseButton.LeftButton)
    assert dialog.signed is not None
    assert login(sqlite_db, "admin", "mật khẩu 2026").roles[0].value == "admin"


def test_an_admin_creates_a_forwarder_with_two_roles_and_a_home_warehouse(qtbot, company, open_main):
    from ui.dialogs.users import UsersDialog

    window = open_main(company["db"], "admin")
    dialog = UsersDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.findChild(QPushButton, "users_new"), Qt.MouseButton.LeftButton)
    type_text(qtbot, dialog.findChild(QLineEdit, "user_username"), "quang")
    type_text(qtbot, dialog.findChild(QLineEdit, "user_full_name"), "Lý Văn Quang")
    type_text(qtbot, dialog.findChild(QLineEdit, "user_password"), "kho quang 1")
    dialog.findChild(QCheckBox, "user_role_forwarder_cn").setChecked(True)
    dialog.findChild(QCheckBox, "user_role_forwarder_vn").setChecked(True)
    box = dialog.findChild(QComboBox, "user_home_warehouse")
    box.setCurrentIndex(next(i for i in range(box.count()) if box.itemText(i).startswith("CN-GZ")))
    qtbot.mouseClick(dialog.findChild(QPushButton, "user_save"), Qt.MouseButton.LeftButton)
    signed = login(company["db"], "quang", "kho quang 1")
    assert {r.value for r in signed.roles} == {"forwarder_cn", "forwarder_vn"}
    assert signed.must_change_password


def test_queue_pages_load_as_the_user_scrolls_not_all_at_once(qtbot, company, open_main):
    from datetime import timedelta

    from app.permissions import Role
    from app.services import tasks
    db = company["db"]
    with db.transaction() as tx:
        for i in range(450):
            tasks.open_task(tx, company["admin"], "other", Role.ORDERING, f"Việc {i}", "order", 1000 + i,
                            due_in=timedelta(days=1))
    window = open_main(db, "duc")
    view = window.current_view()
    assert view.queue.name == "tasks.role"
    assert view.model.rowCount() == 100
    qtbot.waitUntil(lambda: view.findChild(QLabel, "queue_count").text().startswith("450"))
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() >= 200)
    assert view.model.rowCount() < 450


def test_switching_language_rebuilds_the_window_in_that_language_and_remembers_it(qtbot, company):
    from app.i18n import current_language, translate
    from app.services.auth import login as do_login
    from ui.app import AppController

    controller = AppController(company["db"])
    controller._open(do_login(company["db"], "quanly", PASSWORD))
    first = controller.window
    qtbot.addWidget(first)
    title_vi = first.findChild(QListWidget, "queue_nav").item(0).text()
    first.findChild(type(first.findChildren(type(first.export_action))[0]), "action_language_zh_CN").trigger()
    second = controller.window
    qtbot.addWidget(second)
    assert second is not first and current_language() == "zh_CN"
    title_zh = second.findChild(QListWidget, "queue_nav").item(0).text()
    assert title_zh.startswith(translate("Tasks of my role", "zh_CN"))
    assert title_vi.startswith(translate("Tasks of my role", "vi")) and title_zh != title_vi
    assert second.session.role.value == "manager"
    assert do_login(company["db"], "quanly", PASSWORD).language == "zh_CN"
    controller.shutdown()


def test_no_shortcut_of_the_main_window_means_two_things_in_any_role(qtbot, company, open_main):
    """Qt fires neither action of an ambiguous shortcut: the key would simply do nothing."""
    from PySide6.QtGui import QAction, QKeySequence

    from app.permissions import Role
    from tests.factories import make_user

    make_user(company["db"], *Role, username="tatca", full_name="Người Giữ Mọi Vai")
    window = open_main(company["db"], "tatca")
    switcher = window.findChild(QComboBox, "role_switcher")
    assert switcher.count() == len(Role)
    for i in range(switcher.count()):
        switcher.setCurrentIndex(i)
        seen: dict[str, str] = {}
        for act in window.findChildren(QAction):
            if act.shortcut().isEmpty() or not act.isVisible():
                continue
            key = act.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
            assert key not in seen, f"{key}: {seen[key]} and {act.objectName()} ({switcher.currentText()})"
            seen[key] = act.objectName()
        if switcher.itemData(i) == "manager":   # statistics and the shipments calendar, both
            assert seen["Ctrl+Shift+S"] == "open_statistics" and seen["Ctrl+Shift+G"] == "action_shipments"


def test_the_main_window_comes_up_before_the_capability_screens_and_each_action_reaches_its_screen():
    """Start-up does not wait for the order, warehouse, money… screens; every "New …" action
    and every record kind still finds its window (a misspelt name would fail only on click)."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
import sys
import ui.app, ui.main_window, ui.screens
from ui.windows import registry
early = [m for m in registry._CAPABILITIES if m in sys.modules]
assert not early, early
for spec in registry.CREATE_ACTIONS:
    assert callable(spec.runner()), spec.name
for entity in ("order", "customer", "parcel", "shipment", "delivery", "wallet", "bill", "task",
               "complaint", "seller_complaint", "customer_message", "stocktake"):
    assert registry.detail_factory(entity) is not None, entity
assert all(m in sys.modules for m in registry._CAPABILITIES)
print(len(registry.CREATE_ACTIONS), len(registry.order_tabs()), len(registry.order_commands()))
"""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    actions, tabs, commands = map(int, out.stdout.split())
    assert actions >= 17 and tabs >= 4 and commands >= 7
