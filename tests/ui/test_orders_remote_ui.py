"""The order, customer and complaint screens on a desktop signed in to a real application server
(``remote_sessions``: uvicorn, real TLS, no database on the desktop): each opens with the round
trips its first paint needs — one — and does its main action through the server."""
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QPushButton, QTableWidget,
                               QWidget)
from sqlalchemy import select

from app.i18n import _
from app.models import User
from app.permissions import Role
from app.services import complaints, customers, orders
from tests.money_helpers import fund
from tests.ui.conftest import type_text


def requests_of(session) -> list[str]:
    """The operations this desktop sends from now on, one entry per HTTP request to the server."""
    http = session.backend.client._http
    sent: list[str] = []
    hooks = dict(http.event_hooks)
    hooks["request"] = [*hooks.get("request", []), lambda request: sent.append(request.url.path)]
    http.event_hooks = hooks
    return sent


@pytest.fixture
def every_capability():
    """The order window with every capability's tab, as the running app has them once started
    (money, parcels, schedule, quotes, complaints…)."""
    import ui.screens  # noqa: F401 — declares the capability modules
    from ui.windows.registry import order_tabs

    assert {"order_tab_money", "order_tab_parcels", "order_tab_schedule", "order_tab_complaints"} <= \
        {t.name for t in order_tabs()}


def test_the_order_window_paints_from_one_request_posts_a_chat_line_and_takes_its_steps_through_the_server(
        qtbot, company, remote_sessions, every_capability, monkeypatch, tmp_path):
    import ui.screens.orders as order_screens
    from ui.screens.order_editor import ConfirmOrderDialog
    from ui.screens.orders import OrderWindow

    db, oid = company["db"], company["orders"][0]
    session = remote_sessions("trang")
    assert session.db is None
    sent = requests_of(session)
    window = OrderWindow(session, oid)
    qtbot.addWidget(window)
    window.show()
    assert sent == ["/rpc/orders.window"]                    # header, tracker, items, files, chats: one request
    sent.clear()                                             # each capability tab reads when first shown
    window.tabs.setCurrentWidget(window.findChild(QWidget, "order_tab_money"))
    assert sent == ["/rpc/billing.order_money"]
    assert window.findChild(QLabel, "money_terms").text()
    window.tabs.setCurrentIndex(0)
    assert window.findChild(QLabel, "order_code").text() == orders.get_order(db, company["care"], oid).code
    assert window.findChild(QTableWidget, "order_items_table").rowCount() == 2

    chat = window.chat_internal
    type_text(qtbot, chat.input, "Shop hết màu đỏ, hỏi khách")
    qtbot.mouseClick(chat.send_button, Qt.MouseButton.LeftButton)
    assert chat.list.count() == 1 and "Shop hết màu đỏ, hỏi khách" in chat.list.item(0).text()
    assert [m.body for m in orders.list_messages(db, company["care"], oid, "internal")] == ["Shop hết màu đỏ, hỏi khách"]

    picture = tmp_path / "mẫu.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert window.files.add_path(str(picture))               # the desktop reads the file, sends its bytes
    files = window.findChild(QListWidget, "order_files_list")
    assert files.count() == 1 and files.item(0).text().startswith("mẫu.png")
    opened = []
    monkeypatch.setattr(order_screens.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    window.files.open_file(files.item(0))
    assert open(opened[0], "rb").read() == picture.read_bytes()

    target = tmp_path / "don.pdf"
    monkeypatch.setattr(order_screens, "ask_save_path", lambda *a, **k: str(target))
    window.export_pdf()                                      # the server makes the PDF, the desktop saves it
    assert target.read_bytes().startswith(b"%PDF")

    fund(db, company["customer"])
    window.update_menu.findChild(type(window.update_menu.actions()[0]), "action_submit").trigger()
    assert window.view.status == "deposited" == orders.get_order(db, company["care"], oid).status
    window.tabs.setCurrentWidget(window.timeline)            # the history is read when its tab is shown
    assert window.timeline.topLevelItemCount() >= 2

    manager = remote_sessions("quanly")
    manager.switch_role(Role.MANAGER)
    mwindow = OrderWindow(manager, oid)
    qtbot.addWidget(mwindow)
    mwindow.show()

    def confirm():
        dialog = next(w for w in mwindow.findChildren(ConfirmOrderDialog) if w.isVisible())
        care_box = dialog.findChild(QComboBox, "confirm_care_staff")
        care_box.setCurrentIndex(care_box.findText("Lê Thu Trang"))
        buyer_box = dialog.findChild(QComboBox, "confirm_ordering_staff")
        buyer_box.setCurrentIndex(buyer_box.findText("Vũ Minh Đức"))
        qtbot.mouseClick(dialog.findChild(QPushButton, "confirm_submit"), Qt.MouseButton.LeftButton)

    from PySide6.QtCore import QTimer
    QTimer.singleShot(200, confirm)
    mwindow.update_menu.findChild(type(mwindow.update_menu.actions()[0]), "action_accept").trigger()
    assert mwindow.view.status == "accepted"
    assert orders.get_order(db, company["care"], oid).ordering_staff_name == "Vũ Minh Đức"


def test_the_order_editor_opens_from_one_request_and_saves_through_the_server(qtbot, company, remote_sessions):
    from ui.screens.order_editor import OrderEditor

    db, oid = company["db"], company["orders"][0]
    session = remote_sessions("trang")
    sent = requests_of(session)
    editor = OrderEditor(session, "purchase", oid)
    qtbot.addWidget(editor)
    editor.show()
    assert sent == ["/rpc/orders.editor"]                    # the order, warehouses and customer: one request
    assert editor.findChild(QTableWidget, "order_items_editor").rowCount() == 2
    assert editor.findChild(QComboBox, "order_destination").currentData() is not None
    type_text(qtbot, editor.findChild(QPlainTextEdit, "order_note"), "Giao giờ hành chính")
    saved = []
    editor.saved.connect(saved.append)
    qtbot.mouseClick(editor.findChild(QPushButton, "order_save"), Qt.MouseButton.LeftButton)
    assert saved == [oid]
    assert orders.get_order(db, company["care"], oid).note == "Giao giờ hành chính"


def test_the_customer_window_opens_from_one_request_and_saves_an_edit_through_the_server(
        qtbot, company, remote_sessions):
    from ui.screens.customers import CustomerWindow

    db, cid = company["db"], company["customer"]
    session = remote_sessions("trang")
    sent = requests_of(session)
    window = CustomerWindow(session, cid)
    qtbot.addWidget(window)
    window.show()
    assert sent == ["/rpc/customers.window"]                 # customer, VIP levels, care staff, link: one request
    assert window.findChild(QLineEdit, "customer_name").text() == "Nguyễn Thị Hằng"
    care = window.findChild(QComboBox, "customer_care_staff")
    assert care.findText("Lê Thu Trang") >= 0
    email = window.findChild(QLineEdit, "customer_email")
    email.clear()
    type_text(qtbot, email, "hang.nguyen@example.vn")
    qtbot.mouseClick(window.findChild(QPushButton, "customer_save"), Qt.MouseButton.LeftButton)
    assert window.findChild(QLabel, "customer_status").text() == _("Saved.")
    assert customers.get_customer(db, company["care"], cid).email == "hang.nguyen@example.vn"
    assert window.view.email == "hang.nguyen@example.vn"


@pytest.fixture
def world(sqlite_db):
    from tests.services.warehouse_helpers import make_staff

    st = make_staff(sqlite_db)
    with sqlite_db.read() as s:
        st.usernames = {u.id: u.username for u in s.scalars(select(User))}
    return st


def test_the_complaint_window_opens_from_one_request_and_records_a_contact_through_the_server(
        qtbot, sqlite_db, world, remote_sessions):
    from tests.services.complaint_helpers import in_vietnam
    from ui.screens.complaints import ComplaintWindow

    db, st = sqlite_db, world
    oid, _so, _codes = in_vietnam(db, st)
    cid = complaints.open_complaint(db, st.care, complaints.ComplaintInput(
        oid, "other", "Váy rách ở đường may", [], [("rach.png", b"\x89PNG\r\n\x1a\n" + b"3" * 40)]))
    session = remote_sessions(st.usernames[st.care.user_id])
    sent = requests_of(session)
    window = ComplaintWindow(session, cid)
    qtbot.addWidget(window)
    window.show()
    assert sent == ["/rpc/complaints.window"]                # the complaint and its history: one request
    assert window.findChild(QListWidget, "complaint_photos_view").count() == 1
    assert window.timeline.topLevelItemCount() >= 1
    window.tabs.setCurrentIndex(1)                           # Contacts
    type_text(qtbot, window.findChild(QPlainTextEdit, "contact_note"), "Khách đồng ý nhận hoàn tiền")
    combo = window.findChild(QComboBox, "contact_channel")
    combo.setCurrentIndex(combo.findData("zalo"))
    qtbot.mouseClick(window.findChild(QPushButton, "contact_record"), Qt.MouseButton.LeftButton)
    assert window.findChild(QTableWidget, "complaint_contacts").rowCount() == 1
    assert window.view.status == "investigating" == complaints.get_complaint(db, st.care, cid).status
    assert complaints.get_complaint(db, st.care, cid).contacts[0].note == "Khách đồng ý nhận hoàn tiền"


def test_the_order_windows_complaints_tab_is_read_when_it_is_shown(qtbot, sqlite_db, world, remote_sessions,
                                                                    every_capability):
    from tests.services.complaint_helpers import in_vietnam
    from ui.screens.orders import OrderWindow

    db, st = sqlite_db, world
    oid, _so, _codes = in_vietnam(db, st)
    complaints.open_complaint(db, st.care, complaints.ComplaintInput(oid, "late", "Chậm", []))
    session = remote_sessions(st.usernames[st.care.user_id])
    sent = requests_of(session)
    window = OrderWindow(session, oid)
    qtbot.addWidget(window)
    window.show()
    assert sent == ["/rpc/orders.window"]
    tab = next(t for t in window.extra_tabs if t.objectName() == "order_tab_complaints")
    window.tabs.setCurrentWidget(tab)
    assert sent[1:] == ["/rpc/complaints.of_order"]          # complaints, claims, inspections: one request
    table = tab.findChild(QTableWidget, "order_complaints_table")
    assert table.rowCount() == 1 and table.item(0, 0).text().startswith("KN")


def test_a_claim_against_a_seller_counts_down_from_the_servers_clock_and_is_filed_through_the_server(
        qtbot, sqlite_db, world, remote_sessions, clock):
    from app.services import seller_complaints
    from tests.services.complaint_helpers import in_vietnam
    from ui.screens.seller_complaints import SellerComplaintDialog, SellerComplaintWindow

    db, st = sqlite_db, world
    oid, so_id, _codes = in_vietnam(db, st)
    clock.advance(days=23)                  # the server's clock: two days of the 25 left (the desktop's says 25)
    session = remote_sessions(st.usernames[st.ordering.user_id])
    sent = requests_of(session)
    dialog = SellerComplaintDialog(session, oid)
    qtbot.addWidget(dialog)
    assert sent == ["/rpc/seller_complaints.claim_choices"]  # shop orders, complaints, "now": one request
    countdown = dialog.findChild(QLabel, "seller_countdown")
    assert "b26a00" in countdown.styleSheet()                # amber: closing soon, by the server's clock
    sc = seller_complaints.open_seller_complaint(db, st.ordering, seller_complaints.SellerComplaintInput(
        so_id, "defective", "Kho TQ: 1 váy rách", Decimal("45.50")))
    sent.clear()
    window = SellerComplaintWindow(session, sc)
    qtbot.addWidget(window)
    window.show()
    assert sent == ["/rpc/seller_complaints.window"]         # the claim, its history, "now": one request
    assert "b26a00" in window.findChild(QLabel, "seller_window_countdown").styleSheet()
    assert window.act("file", "TB-DISPUTE-778")
    assert window.view.status == "claimed" == seller_complaints.get_seller_complaint(db, st.ordering, sc).status
