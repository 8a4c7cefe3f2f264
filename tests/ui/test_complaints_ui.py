"""Complaint screens driven like a user, by objectName: care staff open a complaint from the
order's Complaints tab, record a contact and propose a plan; a manager approves it; care staff
carry it out. A claim against a seller from the shop order, with its countdown, and the money
recovered; the customer's inspection opening a complaint."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QPushButton,
                               QSpinBox, QTableWidget, QTabWidget, QWidget)
from sqlalchemy import select

from app.models import User
from app.money import VND, Money
from app.services import complaints, seller_complaints
from tests.services.complaint_helpers import delivered, in_vietnam, order_money, wallet_of
from tests.services.warehouse_helpers import make_staff
from tests.ui.conftest import type_text
from tests.ui.test_money_ui import click, typed, when_shown


@pytest.fixture
def world(sqlite_db):
    st = make_staff(sqlite_db)
    with sqlite_db.read() as s:
        st.usernames = {u.id: u.username for u in s.scalars(select(User))}
    return st


def sign_in(open_main, db, st, actor):
    return open_main(db, st.usernames[actor.user_id])


def choose(combo: QComboBox, data) -> None:
    combo.setCurrentIndex(combo.findData(data))
    assert combo.currentData() == data


def opened(main, entity, entity_id):
    window = main._windows.get((entity, entity_id))
    assert window is not None and window.isVisible(), (entity, entity_id)
    return window


def test_a_complaint_opened_planned_approved_and_carried_out_through_the_screens(qtbot, sqlite_db, world, open_main):
    from ui.screens.complaints import OpenComplaintDialog, PlanDialog
    from ui.screens.orders import OrderWindow

    db, st = sqlite_db, world
    oid, _so, _codes = in_vietnam(db, st)
    cust = order_money(db, oid).customer_id
    wallet, owed = wallet_of(db, cust), order_money(db, oid).balance_due
    care_main = sign_in(open_main, db, st, st.care)
    care_main.open_record("order", oid)
    order_window: OrderWindow = opened(care_main, "order", oid)
    tabs = order_window.findChild(QTabWidget, "order_tabs")
    tab = order_window.findChild(QWidget, "order_tab_complaints")
    tabs.setCurrentWidget(tab)
    seen = {}

    def fill_complaint(dialog):
        choose(dialog.findChild(QComboBox, "complaint_kind"), "damaged")
        lines = dialog.findChild(QTableWidget, "complaint_lines")
        lines.setFocus()
        lines.setCurrentCell(0, 1)
        qtbot.keyClick(lines, Qt.Key.Key_Space)                  # tick the dress
        dialog.findChild(QSpinBox, "complaint_lines_pieces_0").setValue(1)
        type_text(qtbot, dialog.findChild(QPlainTextEdit, "complaint_description"), "Váy rách ở đường may")
        dialog.photos.add("rach.png", b"\x89PNG\r\n\x1a\n" + b"3" * 40)
        click(qtbot, dialog, "complaint_open_submit")
        seen["id"] = dialog.complaint_id

    done = when_shown(OpenComplaintDialog, fill_complaint)
    click(qtbot, tab, "order_complaint_open")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    cid = seen["id"]
    assert cid is not None
    table = tab.findChild(QTableWidget, "order_complaints_table")
    assert table.rowCount() == 1 and table.item(0, 0).text() == f"KN{cid:07d}"

    window = opened(care_main, "complaint", cid)
    assert window.findChild(QTableWidget, "complaint_lines_view").rowCount() == 1
    assert window.findChild(QListWidget, "complaint_photos_view").count() == 1
    window.tabs.setCurrentIndex(1)                                   # Contacts
    type_text(qtbot, window.findChild(QPlainTextEdit, "contact_note"), "Khách đồng ý nhận hoàn tiền")
    choose(window.findChild(QComboBox, "contact_channel"), "zalo")
    click(qtbot, window, "contact_record")
    assert window.findChild(QTableWidget, "complaint_contacts").rowCount() == 1
    assert window.view.status == "investigating"

    def fill_plan(dialog):
        choose(dialog.findChild(QComboBox, "plan_fault"), "shop")
        check = dialog.findChild(QCheckBox, "plan_remedy_refund")
        check.setChecked(True)
        typed(qtbot, dialog, "plan_amount_refund", "abc")
        click(qtbot, dialog, "plan_submit")
        seen["error"] = dialog.findChild(QLabel, "plan_amount_refund_error").text()
        typed(qtbot, dialog, "plan_amount_refund", "150.000")
        click(qtbot, dialog, "plan_submit")

    done = when_shown(PlanDialog, fill_plan)
    window.tabs.setCurrentIndex(2)
    click(qtbot, window, "complaint_propose")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["error"]
    assert window.view.status == "proposed"
    assert not window.findChild(QPushButton, "complaint_approve").isVisible()     # care cannot approve
    assert window.findChild(QTableWidget, "complaint_plan_view").item(0, 1).text() == "150.000\xa0₫"

    manager_main = sign_in(open_main, db, st, st.manager)
    names = [q.name for q in manager_main.queues]
    manager_main.nav.setCurrentRow(names.index("complaints.to_approve"))
    manager_main.open_record("complaint", cid)
    approval = opened(manager_main, "complaint", cid)
    assert approval.tabs.currentIndex() == 2
    click(qtbot, approval, "complaint_approve")
    assert approval.findChild(QLabel, "complaint_status").text() and approval.view.status == "approved"

    window.reload()                        # F5: the care staff's window shows the manager's decision
    execute = window.findChild(QPushButton, "complaint_execute")
    assert execute.isVisible()
    click(qtbot, window, "complaint_execute")
    assert window.view.status == "closed"
    assert window.findChild(QLabel, "complaint_result").text()
    assert window.findChild(QTableWidget, "complaint_plan_view").item(0, 2).text()   # the entry it made
    refund = Money.of("150000", VND)
    assert wallet_of(db, cust) == wallet + (refund - owed)
    assert not execute.isVisible()


def test_a_claim_against_the_seller_from_the_shop_order_counts_down_and_books_the_money(
        qtbot, sqlite_db, world, open_main, clock):
    from ui.screens.seller_complaints import RecoveryDialog, SellerComplaintDialog
    from ui.screens.money_purchasing import ShopOrdersDialog

    db, st = sqlite_db, world
    oid, so_id, _codes = in_vietnam(db, st)
    clock.advance(days=23)                                       # two days of the 25 left
    main = sign_in(open_main, db, st, st.ordering)
    shop_orders = ShopOrdersDialog(main.session, oid, main)
    qtbot.addWidget(shop_orders)
    shop_orders.show()
    seen = {}

    def fill(dialog):
        seen["countdown"] = dialog.findChild(QLabel, "seller_countdown").text()
        seen["style"] = dialog.findChild(QLabel, "seller_countdown").styleSheet()
        choose(dialog.findChild(QComboBox, "seller_reason"), "defective")
        type_text(qtbot, dialog.findChild(QPlainTextEdit, "seller_description"), "Kho TQ: 1 váy rách")
        typed(qtbot, dialog, "seller_claimed", "45,50")
        click(qtbot, dialog, "seller_submit")
        seen["id"] = dialog.seller_complaint_id

    done = when_shown(SellerComplaintDialog, fill)
    click(qtbot, shop_orders, "shop_order_claim")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert "2" in seen["countdown"] and "b26a00" in seen["style"]        # amber: closing soon
    sc = seen["id"]
    shop_orders.close()
    window = opened(main, "seller_complaint", sc)
    assert "2" in window.findChild(QLabel, "seller_window_countdown").text()
    assert window.act("file", "TB-DISPUTE-778")
    assert window.view.status == "claimed"

    def recover(dialog):
        typed(qtbot, dialog, "recovery_amount", "30")
        click(qtbot, dialog, "recovery_submit")

    done = when_shown(RecoveryDialog, recover)
    click(qtbot, window, "seller_recover")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    v = seller_complaints.get_seller_complaint(db, st.ordering, sc)
    assert v.status == "recovered" and v.recovered_cny == Money.of("30", "CNY")
    assert not window.findChild(QPushButton, "seller_recover").isVisible()


def test_a_rejecting_inspection_opens_a_complaint_window(qtbot, sqlite_db, world, open_main):
    from ui.screens.order_complaints import InspectionDialog

    db, st = sqlite_db, world
    oid, _so, _codes = delivered(db, st)
    main = sign_in(open_main, db, st, st.care)
    main.open_record("order", oid)
    order_window = opened(main, "order", oid)
    action = order_window.more_menu.findChild(type(order_window.more_menu.actions()[0]), "order_inspection")
    assert action is not None and action.isEnabled()

    def fill(dialog):
        choose(dialog.findChild(QComboBox, "inspection_result"), "rejected")
        type_text(qtbot, dialog.findChild(QPlainTextEdit, "inspection_note"), "Hàng không đúng mẫu")
        choose(dialog.findChild(QComboBox, "inspection_kind"), "wrong_item")
        click(qtbot, dialog, "inspection_submit")

    done = when_shown(InspectionDialog, fill)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    (c,) = complaints.complaints_of_order(db, st.care, oid)
    window = opened(main, "complaint", c.id)
    assert window.view.kind == "wrong_item" and window.view.stage == "after_receipt"
    assert "Hàng không đúng mẫu" in window.findChild(QLabel, "complaint_description_view").text()


def _unnamed(root) -> list[str]:
    """Interactive widgets under ``root`` without an objectName or an accessibleName (Qt's own
    parts of a widget — a combo box's list, a spin box's editor, headers, scroll bars — aside)."""
    from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QHeaderView,
                                   QScrollBar, QTabBar)

    interactive = (QAbstractButton, QLineEdit, QComboBox, QPlainTextEdit, QAbstractSpinBox, QAbstractItemView,
                   QTabWidget)
    inner = (QComboBox, QAbstractSpinBox, QTabBar, QHeaderView, QScrollBar)
    out = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, interactive) or isinstance(w, (QHeaderView, QScrollBar)):
            continue
        parent, internal = w.parentWidget(), False
        while parent is not None and parent is not root:
            internal = internal or isinstance(parent, inner)
            parent = parent.parentWidget()
        if internal or w.objectName().startswith("qt_"):
            continue
        if not w.objectName() or not w.accessibleName():
            out.append(f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}")
    return out


def test_every_interactive_widget_of_the_complaint_screens_has_a_name(qtbot, sqlite_db, world, open_main):
    from ui.screens.complaints import ComplaintWindow, OpenComplaintDialog, PlanDialog
    from ui.screens.order_complaints import InspectionDialog, OrderComplaintsTab
    from ui.screens.seller_complaints import RecoveryDialog, SellerComplaintDialog, SellerComplaintWindow
    from app.services import orders

    db, st = sqlite_db, world
    oid, so_id, _codes = in_vietnam(db, st)
    done, _so2, _c2 = delivered(db, st)
    cid = complaints.open_complaint(db, st.care, complaints.ComplaintInput(oid, "late", "Chậm", []))
    sc = seller_complaints.open_seller_complaint(db, st.ordering, seller_complaints.SellerComplaintInput(
        so_id, "defective", "Rách", "10.00"))
    main = sign_in(open_main, db, st, st.manager)
    s = main.session
    screens = [OpenComplaintDialog(s, oid), ComplaintWindow(s, cid), PlanDialog(s, complaints.get_complaint(db, s.actor, cid)),
               InspectionDialog(s, done), SellerComplaintDialog(s, oid), SellerComplaintWindow(s, sc),
               RecoveryDialog(s, seller_complaints.get_seller_complaint(db, s.actor, sc)),
               OrderComplaintsTab(s, orders.get_order(db, s.actor, oid))]
    for screen in screens:
        qtbot.addWidget(screen)
        assert _unnamed(screen) == [], type(screen).__name__
