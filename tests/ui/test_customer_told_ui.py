"""The customer is told, from the screens a person uses (issue 17), driven by objectName with every
call through the wire format: the administrator reaches the mailbox settings from the outbox's bar;
a customer created in the customer window is welcomed with the ordering-extension link, which the
window copies; the satisfaction and inspection-acceptance reports open in the Statistics window."""
from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QListWidget, QPushButton, QTableView, QTableWidgetItem
from sqlalchemy import select, update

from app.i18n import _
from app.models import Customer, CustomerMessage, Order
from app.permissions import Role
from app.services import complaints, satisfaction
from app.services import settings as settings_service
from tests.factories import make_customer, make_order, make_user
from tests.ui.conftest import type_text
from tests.ui.test_money_ui import click, when_shown


@pytest.fixture
def people(sqlite_db):
    db = sqlite_db
    return {"admin": make_user(db, Role.ADMIN, username="quantri"),
            "care": make_user(db, Role.CARE, username="trang", full_name="Lê Thu Trang"),
            "care2": make_user(db, Role.CARE, username="minhanh", full_name="Đỗ Minh Anh"),
            "manager": make_user(db, Role.MANAGER, username="hung", full_name="Phạm Quốc Hùng")}


def test_the_administrator_opens_the_mailbox_settings_from_the_outbox(qtbot, sqlite_db, people, open_main):
    from ui.screens.customer_mail import MailboxSettingsDialog

    main = open_main(sqlite_db, "quantri")
    nav = main.findChild(QListWidget, "queue_nav")
    nav.setCurrentRow([q.name for q in main.queues].index("outbox.messages"))
    action = next(a for a in main.queue_actions.actions() if a.objectName() == "outbox_mailbox_settings")
    assert action.isVisible() and action.isEnabled()

    def fill(dialog):
        host = dialog.findChild(QLineEdit, "imap_host")
        host.clear()
        type_text(qtbot, host, "imap.hangnga.vn")
        user = dialog.findChild(QLineEdit, "imap_user")
        user.clear()
        type_text(qtbot, user, "cskh@hangnga.vn")
        click(qtbot, dialog, "imap_save")

    done = when_shown(MailboxSettingsDialog, fill)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    with sqlite_db.read() as s:
        assert (settings_service.get(s, "mail.imap_host"), settings_service.get(s, "mail.imap_user")) == (
            "imap.hangnga.vn", "cskh@hangnga.vn")


def test_a_new_customer_is_welcomed_with_the_extension_link_the_customer_window_copies(qtbot, sqlite_db, people,
                                                                                       open_main):
    from ui.screens.customers import CustomerWindow

    link = "https://hangnga.vn/tien-ich-dat-hang"
    settings_service.update_settings(sqlite_db, people["admin"], {"orders.extension_url": link})
    main = open_main(sqlite_db, "trang")
    window = CustomerWindow(main.session, None, main)
    qtbot.addWidget(window)
    window.show()
    type_text(qtbot, window.name, "Nguyễn Thị Hằng")
    type_text(qtbot, window.phone, "0912 345 678")
    type_text(qtbot, window.email, "hang@example.com")
    for column, text in enumerate(("Nguyễn Thị Hằng", "0912 345 678", "12 Hàng Bạc", "Hoàn Kiếm", "Hà Nội")):
        window.addresses.setItem(0, column, QTableWidgetItem(text))
    click(qtbot, window, "customer_save")
    assert window.customer_id is not None, [e.text() for e in window.errors.values() if e.text()]
    with sqlite_db.read() as s:
        welcome = s.scalar(select(CustomerMessage).where(CustomerMessage.customer_id == window.customer_id))
        code = s.get(Customer, window.customer_id).code
    assert welcome.event == "welcome" and link in welcome.body and code in welcome.body

    QGuiApplication.clipboard().clear()
    copy = window.findChild(QPushButton, "customer_copy_extension")
    assert copy.isVisible()
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == link
    assert link in window.status.text()

    settings_service.update_settings(sqlite_db, people["admin"], {"orders.extension_url": ""})
    again = CustomerWindow(main.session, window.customer_id, main)
    qtbot.addWidget(again)
    again.show()
    assert not again.findChild(QPushButton, "customer_copy_extension").isVisible()   # nothing to copy


def _delivered_order(db, people, care):
    cid = make_customer(db, people["care"], care=people[care])
    oid = make_order(db, people["care"], cid)
    with db.transaction() as tx:
        tx.execute(update(Order).where(Order.id == oid).values(status="delivered",
                                                                care_staff_id=people[care].user_id))
    return oid


def test_a_manager_reads_satisfaction_by_care_staff_and_the_acceptance_rate(qtbot, sqlite_db, people, open_main,
                                                                           clock):
    from tests.ui.test_statistics_ui import choose_period, open_statistics

    db = sqlite_db
    happy, unhappy = _delivered_order(db, people, "care"), _delivered_order(db, people, "care2")
    satisfaction.record_rating(db, people["care"], happy, 5, "Rất hài lòng")
    satisfaction.record_rating(db, people["care2"], unhappy, 2, "Giao chậm")
    complaints.record_inspection(db, people["care"], complaints.InspectionInput(happy, "accepted"))
    complaints.record_inspection(db, people["care2"], complaints.InspectionInput(unhappy, "rework", "thiếu 1 kiện"))

    window = open_statistics(qtbot, open_main(db, "hung"))
    today = clock.now().astimezone().date()
    choose_period(qtbot, window, today - timedelta(days=30), today + timedelta(days=1))
    window.tabs.setCurrentWidget(window.reports)
    reports = window.findChild(QListWidget, "stats_report_list")
    table = window.findChild(QTableView, "stats_report_table")

    def first_header():
        model = table.model()
        return model.headerData(0, Qt.Orientation.Horizontal) if model is not None else None

    def open_report(title, first_column):
        titles = [reports.item(i).text() for i in range(reports.count())]
        assert _(title) in titles
        reports.setCurrentRow(titles.index(_(title)))
        qtbot.waitUntil(lambda: first_header() == _(first_column) and table.model().rowCount() > 0, timeout=15000)
        model = table.model()
        return [[str(model.data(model.index(r, c)) or "") for c in range(model.columnCount())]
                for r in range(model.rowCount())]

    by_staff = {row[0]: row for row in open_report("Satisfaction by care staff", "Care staff")}
    assert set(by_staff) == {"Lê Thu Trang", "Đỗ Minh Anh"}
    assert "5" in by_staff["Lê Thu Trang"][2] and "2" in by_staff["Đỗ Minh Anh"][2]     # their average
    (month,) = open_report("Inspection acceptance rate", "Month")
    assert month[1:3] == ["2", "1"] and "50" in month[-1]                                 # 1 of 2 accepted
