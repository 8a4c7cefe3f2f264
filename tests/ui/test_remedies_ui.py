"""Remedies on screen, driven by objectName (every call also through the wire format): care staff
change an order's committed date from the order window with a reason; the plan dialog shows what
the rules suggest and "Use suggestion" fills the plan; the shop order screen says when the shop
is flagged for review; a person chooses e-mail copies of their notices (File → My notices…) and
an administrator does it for them in the user dialog."""
from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateTimeEdit, QLabel, QPlainTextEdit
from sqlalchemy import select

from app.models import ActivityEvent, CustomerMessage, Order, User
from app.permissions import Role
from app.services import complaints
from app.services import settings as settings_service
from tests.factories import make_user
from tests.services.complaint_helpers import delivered, new_codes
from tests.services.warehouse_helpers import make_staff, purchase_order
from tests.ui.conftest import type_text
from tests.ui.test_money_ui import click, when_shown


@pytest.fixture
def world(sqlite_db):
    st = make_staff(sqlite_db)
    st.admin = make_user(sqlite_db, Role.ADMIN, username="quantri")
    with sqlite_db.read() as s:
        st.usernames = {u.id: u.username for u in s.scalars(select(User))}
    return st


def order_window(open_main, db, st, actor, oid):
    main = open_main(db, st.usernames[actor.user_id])
    main.open_record("order", oid)
    window = main._windows.get(("order", oid))
    assert window is not None and window.isVisible()
    return window


def test_care_staff_change_the_committed_date_with_a_reason_and_the_customer_is_told(qtbot, sqlite_db, world,
                                                                                      open_main):
    from ui.screens.remedies import CommittedDateDialog

    db, st = sqlite_db, world
    oid, _so = purchase_order(db, st, new_codes())
    with db.read() as s:
        old = s.get(Order, oid).committed_deliver_by
    window = order_window(open_main, db, st, st.care, oid)
    action = window.more_menu.findChild(QAction, "change_committed_date")
    assert action is not None and action.isEnabled()
    seen = {}

    def change(dialog):
        deliver = dialog.findChild(QDateTimeEdit, "committed_deliver_by")
        deliver.setDateTime(deliver.dateTime().addDays(5))
        click(qtbot, dialog, "committed_submit")                 # no reason yet
        error = dialog.findChild(QLabel, "committed_reason_error")
        seen["refused"] = (dialog.isVisible(), error.isVisible(), error.text())
        type_text(qtbot, dialog.findChild(QPlainTextEdit, "committed_reason"), "Xưởng nghỉ Tết, hàng về chậm")
        click(qtbot, dialog, "committed_submit")
        seen["closed"] = not dialog.isVisible()

    done = when_shown(CommittedDateDialog, change)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    visible, shown, text = seen["refused"]
    assert visible and shown and text
    assert seen["closed"]
    with db.read() as s:
        new = s.get(Order, oid).committed_deliver_by
        ev = s.scalar(select(ActivityEvent).where(ActivityEvent.entity_id == oid, ActivityEvent.action == "committed_dates"))
        msg = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "committed_delivery_changed"))
    assert abs(new - (old + timedelta(days=5))) < timedelta(minutes=1)
    assert ev.note == "Xưởng nghỉ Tết, hàng về chậm" and ev.actor_id == st.care.user_id
    assert msg is not None and "Xưởng nghỉ Tết" in msg.body


def test_a_delivered_order_offers_no_committed_date_change_and_warehouse_staff_see_none(qtbot, sqlite_db, world,
                                                                                         open_main):
    db, st = sqlite_db, world
    oid, _so, _codes = delivered(db, st)
    window = order_window(open_main, db, st, st.care, oid)
    assert window.more_menu.findChild(QAction, "change_committed_date") is None
    oid2, _so = purchase_order(db, st, new_codes())
    window = order_window(open_main, db, st, st.store, oid2)
    assert window.more_menu.findChild(QAction, "change_committed_date") is None


def test_the_plan_dialog_suggests_compensation_and_priority_shipping_and_staff_use_it(qtbot, sqlite_db, world,
                                                                                     open_main):
    from ui.screens.complaints import PlanDialog

    db, st = sqlite_db, world
    oid, _so, _codes = delivered(db, st)
    with db.transaction() as tx:
        at = tx.scalar(select(ActivityEvent.at).where(ActivityEvent.entity_id == oid, ActivityEvent.entity == "order",
                                                      ActivityEvent.action == "deliver"))
        tx.get(Order, oid).committed_deliver_by = at - timedelta(days=8, hours=1)
    with db.read() as s:
        from app.models import OrderItem
        item_id = s.scalar(select(OrderItem.id).where(OrderItem.order_id == oid))
    cid = complaints.open_complaint(db, st.care, complaints.ComplaintInput(
        oid, "late", "Giao chậm 8 ngày", [complaints.LineInput(order_item_id=item_id, quantity=1)]))
    complaints.record_contact(db, st.care, cid, "customer", "Khách phàn nàn giao chậm", "phone")
    main = open_main(db, st.usernames[st.care.user_id])
    view = complaints.get_complaint(db, st.care, cid)
    expected = (view.charged.amount * 6 / 100 / 1000).quantize(Decimal(1)) * 1000   # 8 − 2 days × 1 %
    dialog = PlanDialog(main.session, view, main)
    qtbot.addWidget(dialog)
    dialog.show()
    text = dialog.findChild(QLabel, "plan_suggestion").text()
    assert "8" in text
    compensation = dialog.findChild(QCheckBox, "plan_remedy_compensation")
    priority = dialog.findChild(QCheckBox, "plan_remedy_priority_shipping")
    assert not compensation.isChecked() and not priority.isChecked()
    click(qtbot, dialog, "plan_use_suggestion")
    assert compensation.isChecked() and priority.isChecked()
    assert dialog.amounts["compensation"].value() == expected
    dialog.amounts["compensation"].set_value(expected + 10_000)         # staff change the amount
    box = dialog.findChild(QComboBox, "plan_fault")
    box.setCurrentIndex(box.findData("transport"))
    click(qtbot, dialog, "plan_submit")
    assert not dialog.isVisible()
    plan = complaints.get_complaint(db, st.care, cid).current_plan
    assert {(r.kind, r.amount.amount if r.amount else None) for r in plan.remedies} == {
        ("compensation", expected + 10_000), ("priority_shipping", None)}


def test_the_shop_order_screen_says_the_shop_is_flagged_for_review(qtbot, sqlite_db, world, open_main, clock):
    from ui.screens.money_purchasing import ShopOrdersDialog
    from tests.services.test_remedies import _three_shop_orders

    db, st = sqlite_db, world
    _three_shop_orders(db, st, clock)
    settings_service.update_settings(db, st.admin, {"shops.review_min_orders": "3"})
    oid, _so = purchase_order(db, st, [], shipped=False)        # a fourth (paid, no code yet): 1 of 4 on time
    main = open_main(db, st.usernames[st.ordering.user_id])
    dialog = ShopOrdersDialog(main.session, oid, main)
    qtbot.addWidget(dialog)
    dialog.show()
    banner = dialog.findChild(QLabel, "shop_order_review_flag")
    assert banner.isVisible()
    assert "25" in banner.text() and "10" in banner.text()     # 25 % on time, 1 of 10 pieces short
    settings_service.update_settings(db, st.admin, {"shops.review_on_time_percent": "10",
                                                    "shops.review_short_percent": "50",
                                                    "shops.review_complaints_per_100": "90"})
    dialog.reload()
    assert not banner.isVisible()


def _email_notices(db, uid):
    with db.read() as s:
        return s.get(User, uid).email_notices


def test_a_person_chooses_email_copies_of_their_notices_from_the_file_menu(qtbot, sqlite_db, world, open_main):
    from ui.screens.remedies import MyNoticesDialog

    db, st = sqlite_db, world
    main = open_main(db, st.usernames[st.care.user_id])
    action = main.findChild(QAction, "action_my_notices")
    seen = {}

    def choose(dialog):
        dialog.findChild(QCheckBox, "my_email_notices").setChecked(True)
        click(qtbot, dialog, "my_notices_save")                      # no e-mail address on the user yet
        error = dialog.findChild(QLabel, "my_email_notices_error")
        seen["refused"] = (dialog.isVisible(), error.isVisible())

    done = when_shown(MyNoticesDialog, choose)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["refused"] == (True, True) and not _email_notices(db, st.care.user_id)
    with db.transaction() as tx:
        tx.get(User, st.care.user_id).email = "trang@congty.vn"

    def choose_again(dialog):
        dialog.findChild(QCheckBox, "my_email_notices").setChecked(True)
        click(qtbot, dialog, "my_notices_save")
        seen["closed"] = not dialog.isVisible()

    done = when_shown(MyNoticesDialog, choose_again)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["closed"] and _email_notices(db, st.care.user_id)


def test_an_administrator_sets_email_copies_in_the_user_dialog(qtbot, sqlite_db, world, open_main):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit, QListWidget
    from ui.dialogs.users import UsersDialog

    db, st = sqlite_db, world
    main = open_main(db, "quantri")
    dialog = UsersDialog(main.session, main)
    qtbot.addWidget(dialog)
    dialog.show()
    users = dialog.findChild(QListWidget, "users_list")
    row = next(i for i in range(users.count())
               if users.item(i).data(Qt.ItemDataRole.UserRole).id == st.ordering.user_id)
    users.setCurrentRow(row)
    box = dialog.findChild(QCheckBox, "user_email_notices")
    assert box.isVisible() and not box.isChecked()
    email = dialog.findChild(QLineEdit, "user_email")
    email.clear()
    type_text(qtbot, email, "duc@congty.vn")
    box.setChecked(True)
    click(qtbot, dialog, "user_save")
    assert _email_notices(db, st.ordering.user_id)
    users.setCurrentRow(row)
    assert dialog.findChild(QCheckBox, "user_email_notices").isChecked()


def test_the_customer_window_shows_the_priority_shipping_voucher_the_customer_holds(qtbot, sqlite_db, world,
                                                                                   open_main):
    from app.services import remedies
    from tests.services.test_remedies import _give_voucher
    from ui.screens.customers import CustomerWindow

    db, st = sqlite_db, world
    customer, complaint_order = _give_voucher(db, st)
    (voucher,) = remedies.vouchers_of_customer(db, st.care, customer)
    main = open_main(db, st.usernames[st.care.user_id])
    window = CustomerWindow(main.session, customer, main)
    qtbot.addWidget(window)
    window.show()
    line = window.findChild(QLabel, "customer_priority_vouchers")
    assert line.isVisible() and voucher.complaint_code in line.text()
    other = CustomerWindow(main.session, make_customer_for(db, st), main)
    qtbot.addWidget(other)
    other.show()
    assert not other.findChild(QLabel, "customer_priority_vouchers").isVisible()


def make_customer_for(db, st):
    from tests.factories import make_customer

    return make_customer(db, st.care, name="Trần Văn Bình", phone="0987 654 321", email="binh@example.com")


def test_the_shop_kpi_report_says_which_shops_are_flagged_for_review(qtbot, sqlite_db, world, open_main, clock):
    from datetime import date

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QListWidget, QTableView

    from app.i18n import _
    from tests.services.test_remedies import _three_shop_orders
    from tests.ui.test_statistics_ui import choose_period, open_statistics

    db, st = sqlite_db, world
    _three_shop_orders(db, st, clock)
    settings_service.update_settings(db, st.admin, {"shops.review_min_orders": "3"})
    main = open_main(db, st.usernames[st.manager.user_id])
    window = open_statistics(qtbot, main)
    today = clock.now().date()
    choose_period(qtbot, window, date(today.year, today.month, 1), today)
    window.tabs.setCurrentIndex(1)
    reports = window.findChild(QListWidget, "stats_report_list")
    names = [reports.item(i).text() for i in range(reports.count())]
    reports.setCurrentRow(names.index(_("Shop KPIs")))
    model = window.findChild(QTableView, "stats_report_table").model()
    qtbot.waitUntil(lambda: model.name == "shops.kpis" and model.rowCount() == 1, timeout=15000)
    keys = [c.key for c in model.columns]
    review = model.headerData(keys.index("review"), Qt.Orientation.Horizontal)
    flag = model.data(model.index(0, keys.index("review")))
    assert review == _("Flagged for review")
    assert _("Shipped on time (%)") in flag and "33,3" in flag and "12,5" in flag    # on time, short
    settings_service.update_settings(db, st.admin, {"shops.review_on_time_percent": "30",
                                                    "shops.review_short_percent": "20",
                                                    "shops.review_complaints_per_100": "50"})
    reports.setCurrentRow(0)
    reports.setCurrentRow(names.index(_("Shop KPIs")))
    qtbot.waitUntil(lambda: model.name == "shops.kpis" and model.rowCount() == 1
                    and not model.data(model.index(0, keys.index("review"))), timeout=15000)


def test_the_next_orders_money_tab_explains_the_priority_shipping_voucher_once(qtbot, sqlite_db, world, open_main):
    from PySide6.QtWidgets import QTableWidget

    from app.i18n import _
    from tests.services.test_remedies import _give_voucher
    from tests.services.warehouse_helpers import carried_and_billed
    from tests.ui.conftest import show_order_tab
    from ui.screens.orders import OrderWindow

    db, st = sqlite_db, world
    customer, _complaint_order = _give_voucher(db, st)
    first_code, second_code = new_codes(2)
    first, _so = purchase_order(db, st, [first_code], customer_id=customer)
    carried_and_billed(db, st, first, first_code, "2", "2")
    second, _so = purchase_order(db, st, [second_code], customer_id=customer)
    carried_and_billed(db, st, second, second_code, "2", "2")
    main = open_main(db, st.usernames[st.care.user_id])
    said = _("Priority shipping voucher: sent by the express line, charged at the normal line's price. "
             "{normal}").split("{normal}")[0].strip()

    def freight_explanation(oid):
        window = OrderWindow(main.session, oid, main)
        qtbot.addWidget(window)
        window.show()
        show_order_tab(window, "order_tab_money")
        fees = window.findChild(QTableWidget, "money_fees")
        qtbot.waitUntil(lambda: fees.rowCount() > 0, timeout=10000)
        return " ".join(fees.item(r, 3).text() for r in range(fees.rowCount()) if fees.item(r, 3))

    assert said in freight_explanation(first)             # the order after the complaint takes the voucher
    assert said not in freight_explanation(second)        # and only that one
