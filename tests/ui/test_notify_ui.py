"""Tasks, delays and notifications driven like a user: the notification centre live across
desktops, a manager assigning a task, the delayed-orders queue, the shipments calendar, the
outbox and the mail-server dialog."""
from datetime import timedelta

from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QLabel, QLineEdit, QListWidget,
                               QPlainTextEdit, QPushButton, QTableWidget, QToolButton)
from sqlalchemy import select

from app import db as dbmod
from app.i18n import _
from app.live import ChangeWatcher
from app.models import Customer, CustomerMessage, Order, Task
from app.permissions import Role
from app.services import delays, orders, outbox, tasks
from app.services import settings as settings_service
from app.services.notifications import notify_customer
from app.workflows.tasks import TaskKind
from tests.money_helpers import fund
from tests.ui.conftest import errors_on_a_thread, show_order_tab, type_text


def _select_queue(window, name):
    nav = window.findChild(QListWidget, "queue_nav")
    nav.setCurrentRow([q.name for q in window.queues].index(name))
    return window.current_view()


def _trigger(window, name):
    bar = window.queue_actions
    act = next(a for a in bar.actions() if a.objectName() == name)
    assert act.isVisible() and act.isEnabled(), name
    act.trigger()


def _when_modal(handler, delay=100):
    """Run ``handler(dialog)`` on the next modal dialog, as the user would fill it in."""
    def run():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, run)
            return
        handler(dialog)
    QTimer.singleShot(delay, run)


def _confirmed(company, index=0):
    db, oid = company["db"], company["orders"][index]
    with db.read() as s:
        fund(db, s.get(Order, oid).customer_id)     # submitting takes the deposit from the wallet
    orders.apply_action(db, company["care"], oid, "submit")
    orders.confirm_order(db, company["manager"], oid, company["care"].user_id, company["ordering"].user_id)
    return oid


def test_a_notification_from_another_desktop_appears_and_the_count_drops_when_read(qtbot, company, open_main):
    db = company["db"]
    window = open_main(db, "trang")
    button = window.findChild(QToolButton, "notifications_button")
    qtbot.waitUntil(lambda: button.text() == _("Notifications"))
    watcher = ChangeWatcher(db, lambda tables, origin: window.changes_arrived.emit(tables), poll_seconds=0.3)
    watcher.start()
    other = dbmod.Database(db.url.render_as_string(hide_password=False), clock=db.clock)
    try:
        qtbot.wait(500)
        with other.transaction() as tx:        # a manager on another desktop hands Trang a task
            tid = tasks.open_task(tx, company["manager"], TaskKind.OTHER, Role.CARE, "Gọi lại cho chị Hằng").id
        tasks.assign_task(other, company["manager"], tid, company["care"].user_id)
        qtbot.waitUntil(lambda: button.text() == _("Notifications ({n})").format(n=1), timeout=5000)
    finally:
        watcher.stop()
        other.dispose()
    assert "Gọi lại cho chị Hằng" in window.statusBar().currentMessage()   # told without opening anything
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    panel = window.notifications.panel
    assert panel.isVisible()
    listing = panel.findChild(QListWidget, "notifications_list")
    assert listing.count() == 1 and "Gọi lại cho chị Hằng" in listing.item(0).text()
    assert listing.item(0).font().bold()
    listing.setCurrentRow(0)
    qtbot.mouseClick(panel.findChild(QPushButton, "notifications_mark_read"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: button.text() == _("Notifications"))
    assert not listing.item(0).font().bold()
    # A double-click opens what it is about: the task, in its own window.
    listing.itemActivated.emit(listing.item(0))
    from ui.screens.task_window import TaskWindow
    task_window = window._windows[("task", tid)]
    qtbot.addWidget(task_window)
    assert isinstance(task_window, TaskWindow)
    assert task_window.findChild(QLabel, "task_assignee").text() == "Lê Thu Trang"


def test_mark_all_read_and_unread_only(qtbot, company, open_main):
    from app.services.staff_inbox import tell_staff

    db = company["db"]
    with db.transaction() as tx:
        for code in ("DH0000001", "DH0000002", "DH0000003"):
            tell_staff(tx, [company["care"].user_id], "Order {code} confirmed", entity="order",
                       entity_id=company["orders"][0], code=code)
    window = open_main(db, "trang")
    button = window.findChild(QToolButton, "notifications_button")
    qtbot.waitUntil(lambda: button.text().endswith("(3)"))
    window.findChild(type(window.export_action), "action_notifications").trigger()
    panel = window.notifications.panel
    listing = panel.findChild(QListWidget, "notifications_list")
    firsts = [listing.item(i).text().split("\n")[0] for i in range(listing.count())]
    assert len(firsts) == 3 and all(code in line for code, line in zip(("DH0000003", "DH0000002", "DH0000001"), firsts))
    qtbot.mouseClick(panel.findChild(QPushButton, "notifications_mark_all_read"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: button.text() == _("Notifications"))
    panel.findChild(QCheckBox, "notifications_unread_only").setChecked(True)
    assert listing.count() == 0 and panel.findChild(QLabel, "notifications_empty").isVisible()


def test_a_manager_assigns_a_task_and_staff_claim_from_their_roles_queue(qtbot, company, open_main):
    db = company["db"]
    orders.apply_action(db, company["care"], company["orders"][0], "submit")   # collect deposit: care
    with db.transaction() as tx:
        free = tasks.open_task(tx, company["manager"], TaskKind.PLACE_ORDER, Role.ORDERING, "Đặt hàng gấp").id
    manager = open_main(db, "quanly")
    view = _select_queue(manager, "tasks.all_open")
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    row = next(i for i in range(view.model.rowCount()) if view.model.raw_row(i).kind == "take_deposit")
    view.table.selectRow(row)

    def choose(dialog):
        box = dialog.findChild(QComboBox, "task_assign_person")
        box.setCurrentIndex(box.findText("Lê Thu Trang"))
        qtbot.mouseClick(dialog.findChild(QPushButton, "task_assign_submit"), Qt.MouseButton.LeftButton)

    _when_modal(choose)
    _trigger(manager, "task_assign")
    task_id = view.model.row_id(view.table.selectionModel().selectedRows()[0].row())
    assert tasks.get_task(db, company["care"], task_id).assignee_name == "Lê Thu Trang"
    assert view.model.raw_row(view.model.row_of(task_id)).assignee == "Lê Thu Trang"

    buyer = open_main(db, "duc")
    mine = buyer.current_view()
    assert mine.queue.name == "tasks.role"
    qtbot.waitUntil(lambda: mine.model.rowCount() == 1)
    mine.table.selectRow(0)
    _trigger(buyer, "task_claim")
    assert tasks.get_task(db, company["ordering"], free).assignee_name == "Vũ Minh Đức"
    claim = next(a for a in buyer.queue_actions.actions() if a.objectName() == "task_claim")
    assert not claim.isEnabled()                      # already taken
    mine_view = _select_queue(buyer, "tasks.mine")
    qtbot.waitUntil(lambda: mine_view.model.rowCount() == 1)
    mine_view.table.selectRow(0)
    _trigger(buyer, "task_done")
    with db.read() as s:
        assert s.get(Task, free).status == "done"


def test_an_overdue_task_is_in_the_managers_overdue_queue_and_can_get_a_new_due_time(qtbot, company, open_main):
    db, clock = company["db"], company["db"].clock
    with db.transaction() as tx:
        tid = tasks.open_task(tx, company["manager"], TaskKind.OTHER, Role.CARE, "Gọi khách",
                              due_in=timedelta(hours=1)).id
    clock.advance(hours=2)
    tasks.escalate_overdue(db)
    manager = open_main(db, "quanly")
    view = _select_queue(manager, "tasks.escalated")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.flag(0) == "overdue"
    manager.open_record("task", tid)
    window = manager._windows[("task", tid)]
    qtbot.addWidget(window)
    assert _("overdue") in window.findChild(QLabel, "task_due").text()

    def new_due(dialog):
        type_text(qtbot, dialog.findChild(QPlainTextEdit, "task_reschedule_reason"), "Khách hẹn chiều mai")
        dialog.due.setDateTime(dialog.due.dateTime().addDays(2))
        qtbot.mouseClick(dialog.findChild(QPushButton, "task_reschedule_submit"), Qt.MouseButton.LeftButton)

    _when_modal(new_due)
    qtbot.mouseClick(window.findChild(QPushButton, "task_window_reschedule"), Qt.MouseButton.LeftButton)
    assert _("overdue") not in window.findChild(QLabel, "task_due").text()
    manager.refresh_all()
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)


def test_the_delayed_orders_queue_shows_a_delayed_order_highlighted(qtbot, company, open_main):
    from ui.queues import FLAG_BACKGROUND

    db = company["db"]
    oid = _confirmed(company)
    db.clock.advance(days=7, hours=2)
    delays.refresh_delay_flags(db)
    window = open_main(db, "quanly")
    view = _select_queue(window, "orders.delayed")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    with db.read() as s:
        code = s.get(Order, oid).code
    assert view.model.raw_row(0).code == code and view.model.flag(0) == "overdue"
    assert view.model.data(view.model.index(0, 1)) == _("Delayed")
    brush = view.model.data(view.model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert brush.color() == FLAG_BACKGROUND["overdue"]
    # The order window says why, and a new estimate (with its reason) goes to the customer.
    window.open_record("order", oid)
    order = window._windows[("order", oid)]
    qtbot.addWidget(order)
    tab = show_order_tab(order, "order_tab_schedule")
    assert order.findChild(QLabel, "schedule_state").text() == _("Delayed")
    assert order.findChild(QLabel, "schedule_reason").text() == _("The committed shipping date has passed")

    def new_estimate(dialog):
        dialog.deliver_edit.setDateTime(dialog.deliver_edit.dateTime().addDays(3))
        type_text(qtbot, dialog.findChild(QPlainTextEdit, "estimates_reason"), "Shop giao chậm 3 ngày")
        qtbot.mouseClick(dialog.findChild(QPushButton, "estimates_submit"), Qt.MouseButton.LeftButton)

    _when_modal(new_estimate)
    qtbot.mouseClick(tab.findChild(QPushButton, "schedule_change_estimates"), Qt.MouseButton.LeftButton)
    with db.read() as s:
        told = s.scalars(select(CustomerMessage).where(CustomerMessage.event == "order_delayed")).all()
    assert len(told) == 1 and "Shop giao chậm 3 ngày" in told[0].body
    assert order.findChild(QLabel, "schedule_reason").text() == _("The committed delivery date has passed") \
        or order.findChild(QLabel, "schedule_reason").text() == _("The committed shipping date has passed")
    with db.read() as s:
        assert s.get(Order, oid).delay_state == "delayed"


def test_the_calendar_shows_upcoming_shipments_delayed_ones_highlighted(qtbot, company, open_main):
    from ui.screens.delay_schedule import ROW_COLOURS, UpcomingShipmentsWindow, local_tz

    db = company["db"]
    first = _confirmed(company, 0)
    second = _confirmed(company, 1)
    with db.read() as s:
        o = s.get(Order, second)
        ship_by, est_deliver = o.committed_ship_by, o.estimated_deliver_at
    orders.update_estimates(db, company["care"], second, ship_by + timedelta(hours=3), est_deliver, "Shop thiếu hàng")
    window = open_main(db, "quanly")
    window.findChild(type(window.export_action), "action_shipments").trigger()
    cal_window = window.shipments_window
    qtbot.addWidget(cal_window)
    assert isinstance(cal_window, UpcomingShipmentsWindow)
    day = ship_by.astimezone(local_tz()).date()
    from PySide6.QtCore import QDate
    cal_window.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
    qtbot.waitUntil(lambda: day in cal_window.calendar.counts)
    assert cal_window.calendar.counts[day] == delays.DayCount(2, 1, 0)
    table = cal_window.findChild(QTableWidget, "shipments_day_table")
    assert table.rowCount() == 2
    codes = [table.item(r, 0).text() for r in range(2)]
    with db.read() as s:
        assert codes == [s.get(Order, second).code, s.get(Order, first).code]   # delayed first
    assert table.item(0, 0).background().color() == ROW_COLOURS["delayed"]
    assert cal_window.row_flag(0) == "delayed" and cal_window.row_flag(1) is None
    assert "2" in cal_window.findChild(QLabel, "shipments_day_title").text()
    table.cellDoubleClicked.emit(1, 0)
    assert ("order", first) in window._windows
    qtbot.addWidget(window._windows[("order", first)])


def test_care_staff_phone_a_customer_without_email_and_say_so(qtbot, company, open_main):
    db = company["db"]
    with db.transaction() as tx:
        c = tx.get(Customer, company["customer"])
        c.email, c.care_staff_id = "", company["care"].user_id
        notify_customer(tx, c, "order_status", "order", company["orders"][0], code="DH0000001", status="Purchased")
    outbox.send_due(db)                                   # no server, no address: kept for a call
    window = open_main(db, "trang")
    view = _select_queue(window, "outbox.to_phone")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.flag(0) == "overdue" and view.model.raw_row(0).customer_phone == "0912 345 678"
    view.table.selectRow(0)

    def say(dialog):
        dialog.findChild(QPlainTextEdit).setPlainText("Chị Hằng đã biết")
        dialog.accept()

    _when_modal(say)
    _trigger(window, "outbox_phoned")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    with db.read() as s:
        assert s.scalar(select(CustomerMessage.status).where(CustomerMessage.event == "order_status")) == "phoned"


def test_the_mail_server_dialog_keeps_the_password_secret(qtbot, company, open_main):
    from ui.dialogs.settings import SettingsDialog
    from ui.screens.outbox import MailServerDialog

    db = company["db"]
    window = open_main(db, "admin")
    dialog = MailServerDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.findChild(QLineEdit, "mail_host"), "smtp.hangnga.vn")
    type_text(qtbot, dialog.findChild(QLineEdit, "mail_user"), "cskh")
    type_text(qtbot, dialog.findChild(QLineEdit, "mail_password"), "mật khẩu bí mật")
    type_text(qtbot, dialog.findChild(QLineEdit, "mail_sender"), "cskh.hangnga.vn")
    qtbot.mouseClick(dialog.findChild(QPushButton, "mail_save"), Qt.MouseButton.LeftButton)
    assert dialog.findChild(QLabel, "mail.sender_error").isVisible()   # not an address yet
    assert not outbox.smtp_password_is_set(db, company["admin"])       # all or nothing
    dialog.findChild(QLineEdit, "mail_sender").clear()
    type_text(qtbot, dialog.findChild(QLineEdit, "mail_sender"), "cskh@hangnga.vn")
    qtbot.mouseClick(dialog.findChild(QPushButton, "mail_save"), Qt.MouseButton.LeftButton)
    values = settings_service.read_all(db)
    assert (values["mail.smtp_host"], values["mail.sender"]) == ("smtp.hangnga.vn", "cskh@hangnga.vn")
    assert outbox.smtp_password_is_set(db, company["admin"])
    again = MailServerDialog(window.session, window)
    qtbot.addWidget(again)
    assert again.findChild(QLineEdit, "mail_password").text() == ""
    assert again.findChild(QLineEdit, "mail_password").placeholderText() == _("stored — type a new one to replace it")
    settings = SettingsDialog(window.session, window)
    qtbot.addWidget(settings)
    shown = [w.text() for w in settings.findChildren(QLineEdit)]
    assert "mật khẩu bí mật" not in shown and "smtp.hangnga.vn" in shown


def test_the_app_sends_customer_mail_off_the_ui_thread_and_stops_with_its_window(qtbot, company):
    from app.services.auth import login
    from tests.factories import PASSWORD
    from tests.services.test_outbox_smtp import MailServer, configure
    from ui.app import AppController

    db = company["db"]
    server = MailServer().start()
    controller = AppController(db)
    try:
        configure(db, company["admin"], server.port)
        controller._open(login(db, "quanly", PASSWORD))
        window = controller.window
        assert controller.outbox is not None
        with db.transaction() as tx:   # any action that tells the customer something
            notify_customer(tx, tx.get(Customer, company["customer"]), "order_status", "order",
                            company["orders"][0], code="DH0000001", status="Purchased")
        # the UI thread stays free (this loop is it) while the sender delivers
        # (the company's customers were welcomed when they were created: those go out too)
        qtbot.waitUntil(lambda: any("DH0000001" in m["Subject"] for m in server.messages), timeout=10_000)
        (ours,) = [m for m in server.messages if "DH0000001" in m["Subject"]]
        assert ours["To"] == "hang@example.com"
        window.close()
        window.deleteLater()
        qtbot.waitUntil(lambda: controller.outbox is None and controller.watcher is None)
    finally:
        controller.shutdown()
        server.stop()


def test_changes_committed_on_other_threads_reach_the_window_and_stop_with_it(qtbot, company):
    """A worker thread's commit (the outbox sender, an export, a watcher) tells the main window on
    the UI thread; once the window is gone, a late commit is dropped instead of reaching a deleted
    window (which crashed Qt once under load)."""
    import threading

    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.app import AppController

    db = company["db"]
    controller = AppController(db)
    try:
        controller._open(login(db, "quanly", PASSWORD))
        window = controller.window
        seen: list[tuple[frozenset, bool]] = []
        window.changes_arrived.connect(
            lambda tables: seen.append((tables, threading.current_thread() is threading.main_thread())))

        def commit_on_a_thread():
            def work():
                with db.transaction() as tx:
                    tx.get(Customer, company["customer"]).note = "gọi lại"
            t = threading.Thread(target=work)
            t.start()
            t.join()

        commit_on_a_thread()
        qtbot.waitUntil(lambda: any("customers" in tables for tables, _ui in seen))
        assert all(on_ui for _t, on_ui in seen)          # delivered on the UI thread
        arrived = controller.watcher.on_change           # what a watcher thread calls
        window.close()
        window.deleteLater()
        qtbot.waitUntil(lambda: controller.watcher is None)
        seen.clear()
        # a poll answered just as the window went
        failures = errors_on_a_thread(arrived, frozenset({"customers"}), "")
        commit_on_a_thread()
        qtbot.wait(200)
        assert seen == [] and failures == []
    finally:
        controller.shutdown()
