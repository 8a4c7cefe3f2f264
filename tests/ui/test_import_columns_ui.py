"""The import preview lists every column of the file with what it is read as; an unknown column
says "ignored" and can be mapped by hand, and the import then carries it (and remembers it)."""
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QTableWidget
from sqlalchemy import select

from app.i18n import _, fmt_decimal
from app.models import Parcel
from app.services import parcel_imports
from tests.services.warehouse_helpers import consignment_order


@pytest.fixture(autouse=True)
def _errors_fail_the_test(monkeypatch):
    def raise_it(parent, exc, title=None):
        raise AssertionError(f"error shown to the user: {exc}") from exc
    monkeypatch.setattr("ui.widgets.sheet_import.report_error", raise_it)   # the import dialogs' flow
    monkeypatch.setattr("ui.screens.order_editor.report_error", raise_it)


def _parcel(db, code):
    with db.read() as s:
        return s.scalar(select(Parcel).where(Parcel.tracking_code == code))


def _dialog(qtbot, db):
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.screens.parcel_import import ImportDialog
    from ui.session import Session

    dialog = ImportDialog(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _column_rows(dialog):
    table = dialog.findChild(QTableWidget, "import_columns")
    return {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}


def test_an_ignored_column_mapped_by_hand_carries_the_weights_and_is_remembered(qtbot, depot, tmp_path):
    from openpyxl import Workbook

    db, st = depot
    consignment_order(db, st, ["SF8800000000001", "SF8800000000002", "SF8800000000003"])
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã vận đơn", "Khối lượng tịnh (gram)", "Kích thước"])
    ws.append(["SF8800000000001", 1500, "40x30x20"])
    ws.append(["SF8800000000002", 800, "20x20x10"])
    path = tmp_path / "doi-tac.xlsx"
    wb.save(path)

    dialog = _dialog(qtbot, db)
    dialog.choose(str(path))
    run = dialog.findChild(QPushButton, "import_run")
    problems = dialog.findChild(QLabel, "import_problems")
    rows = _column_rows(dialog)
    assert rows["Khối lượng tịnh (gram)"] == _("ignored")
    assert rows["Mã vận đơn"] == _("Tracking code") and rows["Kích thước"].startswith(_("Size (L×W×H)"))
    assert problems.isVisible() and problems.text().startswith(_(parcel_imports.NO_WEIGHT))
    assert not run.isEnabled()
    assert dialog.findChild(QCheckBox, "import_without_weights").isVisible()

    combo = dialog.findChild(QComboBox, "import_column_1")
    combo.setCurrentIndex(combo.findData("weight"))
    qtbot.waitUntil(lambda: run.isEnabled())
    assert not problems.isVisible()
    assert _column_rows(dialog)["Khối lượng tịnh (gram)"] == _("{field} (chosen by hand)").format(
        field=_("{field}, converted from {unit}").format(field=_("Weight") + " (kg)", unit="g"))
    preview = dialog.findChild(QTableWidget, "import_preview")
    assert preview.item(0, 2).text() == fmt_decimal(Decimal("1.500"))
    qtbot.mouseClick(run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hasattr(dialog, "import_result"), timeout=10000)
    assert _parcel(db, "SF8800000000001").weight_kg == Decimal("1.500")
    assert _parcel(db, "SF8800000000002").weight_kg == Decimal("0.800")

    # the partner's next file: the column is read as the weight without asking
    ws.delete_rows(2, 2)
    ws.append(["SF8800000000003", 2250, ""])
    wb.save(path)
    again = _dialog(qtbot, db)
    again.choose(str(path))
    assert _column_rows(again)["Khối lượng tịnh (gram)"].endswith(_("{field} (remembered choice)")[-12:])
    assert again.findChild(QPushButton, "import_run").isEnabled()
    assert not again.findChild(QLabel, "import_problems").isVisible()


def test_importing_without_weights_needs_the_box_ticked(qtbot, depot, tmp_path):
    db, st = depot
    consignment_order(db, st, ["SF8810000000001"])
    path = tmp_path / "no-weight.csv"
    path.write_text("快递单号,备注\nSF8810000000001,易碎\n", encoding="utf-8")
    dialog = _dialog(qtbot, db)
    dialog.choose(str(path))
    run = dialog.findChild(QPushButton, "import_run")
    assert not run.isEnabled()
    dialog.findChild(QCheckBox, "import_without_weights").setChecked(True)
    assert run.isEnabled()
    qtbot.mouseClick(run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hasattr(dialog, "import_result"), timeout=10000)
    p = _parcel(db, "SF8810000000001")
    assert p.status == "received_cn" and p.weight_kg is None


def test_a_cart_column_mapped_by_hand_in_the_preview_fills_the_items(qtbot, company, open_main, tmp_path):
    from openpyxl import Workbook
    from PySide6.QtCore import QTimer
    from ui.screens.order_editor import CartPreviewDialog, OrderEditor

    wb = Workbook()
    ws = wb.active
    ws.append(["Link SP", "SL", "Tiền hàng / cái"])
    ws.append(["https://item.taobao.com/item.htm?id=1", 2, 59.9])
    path = tmp_path / "gio.xlsx"
    wb.save(path)
    window = open_main(company["db"], "trang")
    editor = OrderEditor(window.session, "purchase", customer_id=company["customer"], parent=window)
    qtbot.addWidget(editor)
    seen = {}

    def work_the_preview():
        dialog = next(w for w in editor.findChildren(CartPreviewDialog) if w.isVisible())
        ok = dialog.findChild(QPushButton, "cart_import")
        table = dialog.findChild(QTableWidget, "cart_columns")
        seen["read_as"] = {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}
        seen["problems"] = dialog.findChild(QLabel, "cart_problems").text()
        seen["enabled_before"] = ok.isEnabled()
        combo = dialog.findChild(QComboBox, "cart_column_2")
        combo.setCurrentIndex(combo.findData("price"))
        qtbot.waitUntil(lambda: ok.isEnabled())
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, work_the_preview)
    assert editor.import_cart_file(str(path))
    assert seen["read_as"]["Tiền hàng / cái"] == _("ignored") and not seen["enabled_before"]
    assert _("Unit price") in seen["problems"]
    items, errors = editor._items()
    assert errors == {} and items[0].unit_price_cny == Decimal("59.9") and items[0].quantity == 2
