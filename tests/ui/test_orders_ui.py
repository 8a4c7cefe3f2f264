"""The orders screens driven like a user: create with two items, confirm, the ordering queue."""
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QPushButton,
                               QTabWidget, QTableWidget, QToolButton, QTreeWidget)

from app.i18n import _
from app.money import CNY, Money
from app.services import orders
from tests.money_helpers import fund
from tests.ui.conftest import type_text


def _fill_item(qtbot, table: QTableWidget, row: int, values: dict) -> None:
    from ui.screens.order_editor import ITEM_COLUMNS

    for key, text in values.items():
        col = ITEM_COLUMNS.index(key)
        table.setCurrentCell(row, col)
        table.scrollToItem(table.item(row, col))
        table.editItem(table.item(row, col))
        editor = table.focusWidget()
        assert isinstance(editor, QLineEdit), key
        editor.selectAll()
        type_text(qtbot, editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_care_creates_a_purchase_order_with_two_items_a_manager_confirms_it_and_the_buyer_sees_the_task(
        qtbot, company, open_main):
    from ui.screens.order_editor import OrderEditor
    from ui.screens.orders import OrderWindow

    db = company["db"]
    care_window = open_main(db, "trang")
    editor = OrderEditor(care_window.session, "purchase", parent=care_window)
    qtbot.addWidget(editor)
    editor.show()
    search = editor.findChild(QLineEdit, "order_customer_search")
    type_text(qtbot, search, "hang")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert editor.findChild(QLabel, "order_customer_chosen").text().find("Nguyễn Thị Hằng") < 0   # only listed
    qtbot.keyClick(editor.findChild(QListWidget, "order_customer_results"), Qt.Key.Key_Return)
    assert "Nguyễn Thị Hằng" in editor.findChild(QLabel, "order_customer_chosen").text()
    table = editor.findChild(QTableWidget, "order_items_editor")
    _fill_item(qtbot, table, 0, {"shop_name": "杭州女装旗舰店", "product_url": "https://item.taobao.com/item.htm?id=11",
                                 "title": "女士连衣裙", "variant": "Đỏ / L", "quantity": "2", "unit_price_cny": "59,9"})
    qtbot.mouseClick(editor.findChild(QPushButton, "order_add_item"), Qt.MouseButton.LeftButton)
    _fill_item(qtbot, table, 1, {"shop_name": "义乌小商品", "product_url": "https://detail.1688.com/offer/2.html",
                                 "title": "发夹", "quantity": "10", "unit_price_cny": "0,35"})
    table.cellWidget(1, 1).setCurrentIndex(table.cellWidget(1, 1).findData("1688"))
    saved = []
    editor.saved.connect(saved.append)
    qtbot.mouseClick(editor.findChild(QPushButton, "order_save"), Qt.MouseButton.LeftButton)
    assert saved, editor.findChild(QLabel, "order_errors").text()
    view = orders.get_order(db, company["care"], saved[0])
    assert [(i.title, i.quantity, i.unit_price_cny) for i in view.items] == [
        ("女士连衣裙", 2, Decimal("59.9")), ("发夹", 10, Decimal("0.35"))]
    assert view.goods_cny == Money.of("123.30", CNY)

    window = OrderWindow(care_window.session, saved[0], care_window)
    qtbot.addWidget(window)
    window.show()
    fund(db, company["customer"])        # the wallet pays the deposit when the order is submitted
    act = window.update_menu.findChild(type(window.update_menu.actions()[0]), "action_submit")
    act.trigger()
    assert window.view.status == "deposited"

    manager_window = open_main(db, "quanly")
    manager = OrderWindow(manager_window.session, saved[0], manager_window)
    qtbot.addWidget(manager)
    manager.show()
    assert {a.objectName() for a in manager.update_menu.actions()} == {"action_accept", "action_cancel"}

    def confirm():
        from ui.screens.order_editor import ConfirmOrderDialog
        dialog = next(w for w in manager.findChildren(ConfirmOrderDialog) if w.isVisible())
        care_box = dialog.findChild(QComboBox, "confirm_care_staff")
        care_box.setCurrentIndex(care_box.findText("Lê Thu Trang"))
        buyer_box = dialog.findChild(QComboBox, "confirm_ordering_staff")
        buyer_box.setCurrentIndex(buyer_box.findText("Vũ Minh Đức"))
        qtbot.mouseClick(dialog.findChild(QPushButton, "confirm_submit"), Qt.MouseButton.LeftButton)

    from PySide6.QtCore import QTimer
    QTimer.singleShot(200, confirm)
    manager.update_menu.findChild(type(manager.update_menu.actions()[0]), "action_accept").trigger()
    assert manager.view.status == "accepted"
    assert "Vũ Minh Đức" in manager.findChild(QLabel, "order_people").text()

    buyer_window = open_main(db, "duc")
    view = buyer_window.current_view()
    assert view.queue.name == "tasks.role"
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    row = view.model.raw_row(0)
    assert row.kind == "place_order" and row.assignee == "Vũ Minh Đức" and row.title.startswith(manager.view.code)
    nav = buyer_window.findChild(QListWidget, "queue_nav")
    names = [q.name for q in buyer_window.queues]
    nav.setCurrentRow(names.index("orders.to_buy"))
    to_buy = buyer_window.current_view()
    qtbot.waitUntil(lambda: to_buy.model.rowCount() == 1)
    assert to_buy.model.raw_row(0).code == manager.view.code


def test_a_cart_with_bad_rows_imports_nothing_until_they_are_fixed_or_dropped(qtbot, company, open_main, tmp_path):
    from openpyxl import Workbook
    from ui.screens.order_editor import CartPreviewDialog, OrderEditor

    wb = Workbook()
    ws = wb.active
    ws.append(["Giỏ hàng của chị Hằng"])
    ws.append(["Link sản phẩm", "Thuộc tính", "Số lượng", "Giá", "Ghi chú"])
    ws.append(["https://item.taobao.com/item.htm?id=1", "Đỏ / L", 2, 59.9, "gói quà"])
    ws.append(["item.taobao.com/item.htm?id=2", "Xanh", 1, 30, ""])
    ws.append(["https://detail.1688.com/offer/3.html", "", "ba", 0.35, ""])
    ws.append(["https://detail.tmall.com/item.htm?id=4", "M", 1, 120, ""])
    path = tmp_path / "gio-hang.xlsx"
    wb.save(path)
    window = open_main(company["db"], "trang")
    editor = OrderEditor(window.session, "purchase", customer_id=company["customer"], parent=window)
    qtbot.addWidget(editor)

    from PySide6.QtCore import QTimer
    seen = {}

    def work_the_preview():
        dialog = next(w for w in editor.findChildren(CartPreviewDialog) if w.isVisible())
        ok = dialog.findChild(QPushButton, "cart_import")
        seen["summary_before"] = dialog.findChild(QLabel, "cart_summary").text()
        seen["enabled_before"] = ok.isEnabled()
        table = dialog.findChild(QTableWidget, "cart_table")
        table.item(1, 1).setText("https://item.taobao.com/item.htm?id=2")   # fix the link
        table.setCurrentCell(2, 0)
        qtbot.mouseClick(dialog.findChild(QPushButton, "cart_drop_row"), Qt.MouseButton.LeftButton)
        seen["enabled_after"] = ok.isEnabled()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, work_the_preview)
    assert editor.import_cart_file(str(path))
    assert seen["enabled_before"] is False and "2" in seen["summary_before"] and seen["enabled_after"] is True
    table = editor.findChild(QTableWidget, "order_items_editor")
    assert table.rowCount() == 3
    assert [table.cellWidget(r, 1).currentData() for r in range(3)] == ["taobao", "taobao", "tmall"]
    items, errors = editor._items()
    assert errors == {} and [i.quantity for i in items] == [2, 1, 1]
    assert items[0].unit_price_cny == Decimal("59.9") and items[0].note == "gói quà"


def test_chats_send_with_ctrl_enter_and_keep_their_channel(qtbot, company, open_main):
    from ui.screens.orders import OrderWindow

    window = open_main(company["db"], "trang")
    order = OrderWindow(window.session, company["orders"][0], window)
    qtbot.addWidget(order)
    order.show()
    box = order.findChild(QPlainTextEdit, "chat_internal_input")
    box.setFocus()
    type_text(qtbot, box, "Shop hết màu đỏ, đổi màu đen?")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    internal = order.findChild(QListWidget, "chat_internal_list")
    assert internal.count() == 1 and "Shop hết màu đỏ" in internal.item(0).text()
    assert order.findChild(QListWidget, "chat_customer_list").count() == 0
    assert box.toPlainText() == ""


def test_the_second_desktop_saving_a_stale_order_is_told_who_saved_first_and_keeps_its_typing(
        qtbot, company, open_main, monkeypatch):
    from ui.screens.order_editor import OrderEditor

    db = company["db"]
    mine = open_main(db, "trang")
    editor = OrderEditor(mine.session, "purchase", company["orders"][0], parent=mine)
    qtbot.addWidget(editor)
    editor.show()
    other = orders.get_order(db, company["manager"], company["orders"][0])
    data = orders.OrderInput("purchase", other.customer_id, other.destination_warehouse_id,
                             other.receiving_warehouse_id, items=[orders.ItemInput(
                                 i.shop_name, i.platform, i.product_url, i.quantity, i.unit_price_cny, i.title,
                                 i.variant, i.note, i.id) for i in other.items], note="Giao giờ hành chính")
    orders.update_order(db, company["manager"], other.id, other.version, data)   # another desktop saved
    reported = []
    monkeypatch.setattr("ui.screens.order_editor.report_error", lambda parent, exc: reported.append(str(exc)))
    note = editor.findChild(QPlainTextEdit, "order_note")
    type_text(qtbot, note, "Gọi trước khi giao")
    qtbot.mouseClick(editor.findChild(QPushButton, "order_save"), Qt.MouseButton.LeftButton)
    assert reported and "Phạm Quốc Hùng" in reported[0]
    assert editor.isVisible()                                    # not closed on the user
    assert note.toPlainText() == "Gọi trước khi giao"            # the typing is still there to apply again
    assert orders.get_order(db, company["care"], company["orders"][0]).note == "Giao giờ hành chính"


def test_the_activity_tab_shows_each_status_change_in_words(qtbot, company, open_main):
    from ui.screens.orders import OrderWindow

    db = company["db"]
    orders.apply_action(db, company["care"], company["orders"][0], "submit")
    orders.assign_staff(db, company["manager"], company["orders"][0], company["care"].user_id,
                        company["ordering"].user_id)
    window = open_main(db, "trang")
    order = OrderWindow(window.session, company["orders"][0], window)
    qtbot.addWidget(order)
    timeline = order.findChild(QTreeWidget, "activity_timeline")
    assert timeline.topLevelItemCount() == 0                        # read when its tab is shown
    tabs = order.findChild(QTabWidget, "order_tabs")
    tabs.setCurrentIndex(tabs.indexOf(timeline))                    # the user opens "Activity"
    actions = [timeline.topLevelItem(i).text(2) for i in range(timeline.topLevelItemCount())]
    assert actions == ["Đã tạo mới", "Gửi đơn", "Đã phân công nhân viên"]   # not "created", "submit"…
    changes = [timeline.topLevelItem(i).text(3) for i in range(timeline.topLevelItemCount())]
    assert "Loại: — → Đơn order hộ" in changes[0]                # not "kind: — → purchase"
    assert changes[1] == "Trạng thái: Giỏ hàng (nháp) → Chờ đặt cọc"   # not "status: draft → new"
    assert "Nhân viên đặt hàng: — → Vũ Minh Đức" in changes[2]   # not "ordering_staff_id: — → 5"
    current = order.findChild(QLabel, "tracker_new")
    assert current.accessibleName().endswith(_("Waiting for deposit"))


def test_the_order_window_header_shows_the_delivery_day_the_customer_is_told_in_red_when_late(
        qtbot, company, open_main):
    """Care staff read in the header the day the shipping e-mails tell the customer (the forecast at
    the usual pace), not only the estimate fixed at acceptance; red when it is past the promise."""
    from app.services import delays
    from app.services import settings as settings_service
    from app.services.order_view import get_order
    from app.i18n import fmt_date
    from ui.screens.orders import OrderWindow

    db, oid = company["db"], company["orders"][0]
    settings_service.update_settings(db, company["admin"], {"delays.hours.in_transit": "400"})
    fund(db, company["customer"])
    orders.apply_action(db, company["care"], oid, "submit")
    orders.confirm_order(db, company["manager"], oid, company["care"].user_id, company["ordering"].user_id)
    view = get_order(db, company["care"], oid)
    told = delays.order_schedule(db, company["care"], oid).forecast_deliver_at
    assert fmt_date(told) != fmt_date(view.estimated_deliver_at)   # the two days differ here
    window = open_main(db, "trang")
    order = OrderWindow(window.session, oid, window)
    qtbot.addWidget(order)
    order.show()
    dates = order.findChild(QLabel, "order_dates")
    assert f'<b style="color: #c62828;">{fmt_date(told)}</b>' in dates.text()   # the told day, in red
