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
