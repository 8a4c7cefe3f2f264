"""Care staff mark an item as not counted piece by piece (tally exemption, seed 004) in the order
editor; the order keeps it, shows it, and the fee engine leaves it out of the tally fee."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTableWidget

from app.services import orders


def test_an_item_marked_no_tally_is_saved_and_shown(qtbot, company, open_main):
    from ui.screens.order_editor import ITEM_COLUMNS, OrderEditor
    from ui.screens.orders import OrderWindow

    db, oid = company["db"], company["orders"][0]
    window = open_main(db, "trang")
    editor = OrderEditor(window.session, "purchase", oid, parent=window)
    qtbot.addWidget(editor)
    editor.show()
    table = editor.findChild(QTableWidget, "order_items_editor")
    box = table.item(0, ITEM_COLUMNS.index("tally_exempt"))
    assert box.checkState() == Qt.CheckState.Unchecked
    box.setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(editor.findChild(QPushButton, "order_save"), Qt.MouseButton.LeftButton)
    items = orders.get_order(db, company["care"], oid).items
    assert [i.tally_exempt for i in items] == [True, False]
    view = OrderWindow(window.session, oid, window)
    qtbot.addWidget(view)
    shown = view.findChild(QTableWidget, "order_items_table")
    assert "không kiểm đếm" in shown.item(0, 9).text().lower()
    again = OrderEditor(window.session, "purchase", oid, parent=window)
    qtbot.addWidget(again)
    assert again.findChild(QTableWidget, "order_items_editor").item(
        0, ITEM_COLUMNS.index("tally_exempt")).checkState() == Qt.CheckState.Checked


def test_no_tally_ticked_in_the_editor_leaves_the_item_out_of_the_tally_fee_in_the_money_tab(qtbot, company,
                                                                                           open_main):
    """Only the tick changes (nothing else in the form): the fee engine sees it."""
    from PySide6.QtWidgets import QTableWidget

    from tests.factories import item, make_order
    from tests.ui.conftest import show_order_tab
    from ui.screens.order_editor import ITEM_COLUMNS, OrderEditor
    from ui.screens.orders import OrderWindow

    db = company["db"]
    oid = make_order(db, company["care"], company["customer"], items=[item("女士连衣裙", 4, "59.90"),
                                                                      item("男士T恤", 3, "25.00")],
                     services=["inspection"])
    main = open_main(db, "trang")

    def tally_row():
        window = OrderWindow(main.session, oid, main)
        qtbot.addWidget(window)
        window.show()
        show_order_tab(window, "order_tab_money")
        fees = window.findChild(QTableWidget, "money_fees")
        row = next(r for r in range(fees.rowCount()) if "kiểm đếm" in fees.item(r, 0).text().lower())
        return fees.item(row, 1).text(), fees.item(row, 3).text()

    amount, explanation = tally_row()
    assert amount.replace(".", "").startswith("24500") and "miễn kiểm" not in explanation     # 7 × 3 500 ₫
    editor = OrderEditor(main.session, "purchase", oid, parent=main)
    qtbot.addWidget(editor)
    editor.show()
    table = editor.findChild(QTableWidget, "order_items_editor")
    table.item(1, ITEM_COLUMNS.index("tally_exempt")).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(editor.findChild(QPushButton, "order_save"), Qt.MouseButton.LeftButton)
    amount, explanation = tally_row()
    assert amount.replace(".", "").startswith("20000")                                     # 4 × 5 000 ₫
    assert "3 sản phẩm miễn kiểm không tính" in explanation
