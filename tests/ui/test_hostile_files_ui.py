"""The three import dialogs given what Chinese back ends really export — an HTML table saved as
".xls" — and a 60,000-row list: the HTML file is previewed and imported; the big one is read in the
background (the window answers, Cancel drops it) and refused with the row limit, nothing imported."""
from decimal import Decimal

import pytest
from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import QApplication, QLabel, QProgressDialog, QPushButton, QTableWidget
from sqlalchemy import func, select

from app.i18n import _
from app.models import CarrierBill, Parcel
from app.permissions import Role
from app.services import cart_import, parcel_imports
from tests.factories import PASSWORD, make_user
from tests.services.carrier_helpers import make_sacks
from tests.services.warehouse_helpers import consignment_order
from tests.unit.test_hostile_sheet_files import TAOBAO_HTML


@pytest.fixture
def shown(monkeypatch):
    """What the dialogs show in an error box (instead of a modal box in a test)."""
    errors: list[str] = []
    for where in ("ui.widgets.sheet_import", "ui.screens.order_editor", "ui.background"):
        monkeypatch.setattr(f"{where}.report_error", lambda parent, exc, title=None: errors.append(str(exc)),
                            raising=False)
    monkeypatch.setattr("ui.common.report_error", lambda parent, exc, title=None: errors.append(str(exc)))
    return errors


def _session(db, username):
    from app.services.auth import login
    from ui.session import Session

    return Session(db, login(db, username, PASSWORD))


def _parcel_dialog(qtbot, db):
    from ui.screens.parcel_import import ImportDialog

    dialog = ImportDialog(_session(db, "wang"))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _received(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Parcel).where(Parcel.status == "received_cn"))


def test_a_warehouses_html_xls_is_previewed_and_imported(qtbot, depot, tmp_path, shown):
    db, st = depot
    consignment_order(db, st, ["SF7300000000001", "YT7300000000002"])
    path = tmp_path / "发货清单.xls"
    path.write_bytes(TAOBAO_HTML.format(extra="<tr><td>合计</td><td>2.05</td></tr>").encode("gbk"))
    dialog = _parcel_dialog(qtbot, db)
    dialog.choose(str(path))
    preview = dialog.findChild(QTableWidget, "import_preview")
    assert [preview.item(r, 1).text() for r in range(preview.rowCount())] == ["SF7300000000001", "YT7300000000002"]
    run = dialog.findChild(QPushButton, "import_run")
    assert run.isEnabled(), dialog.findChild(QLabel, "import_summary").text()
    qtbot.mouseClick(run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hasattr(dialog, "import_result"), timeout=10000)
    assert _received(db) == 2 and shown == []


def _big_list(tmp_path, rows: int = 60_000):
    path = tmp_path / "60000.csv"
    path.write_text("快递单号,重量\n" + "".join(f"SF{7400000000000 + i},1.5\n" for i in range(rows)), encoding="utf-8")
    return path


def test_a_60000_row_list_is_read_in_the_background_and_refused_with_the_limit(qtbot, depot, tmp_path, shown):
    db, _st = depot
    dialog = _parcel_dialog(qtbot, db)
    summary = dialog.findChild(QLabel, "import_summary")
    dialog.choose(str(_big_list(tmp_path)))
    assert summary.text() == _("Reading the file…")             # the window is not held while it reads
    limit = _("At most {n} rows per file; split it.").format(n=f"{parcel_imports.MAX_ROWS:,}")
    qtbot.waitUntil(lambda: limit in summary.text(), timeout=60000)
    assert not dialog.findChild(QPushButton, "import_run").isEnabled() and _received(db) == 0


def test_cancel_while_a_big_list_is_read_drops_it(qtbot, depot, tmp_path, shown):
    db, _st = depot
    dialog = _parcel_dialog(qtbot, db)
    summary = dialog.findChild(QLabel, "import_summary")
    dialog.choose(str(_big_list(tmp_path)))
    progress = dialog.findChild(QProgressDialog, "progress_dialog")
    cancel = progress.findChild(QPushButton)
    assert cancel.text() == _("Cancel")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: summary.text() == _("Reading the file was cancelled: nothing was imported. Choose the "
                                                 "file again to read it."), timeout=60000)
    assert dialog.findChild(QTableWidget, "import_preview").rowCount() == 0
    assert not dialog.findChild(QPushButton, "import_run").isEnabled() and shown == []


def test_a_carriers_html_xls_bill_is_previewed_and_recorded(qtbot, sqlite_db, tmp_path, shown):
    from tests.ui.conftest import type_text
    from ui.screens.carrier_bills import CarrierBillImportDialog

    db = sqlite_db
    sacks = make_sacks(db)
    make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Đặng Thu Hà")
    path = tmp_path / "账单.xls"
    path.write_bytes((
        '<html><head><meta charset="gb2312"></head><body><table>'
        "<tr><td colspan=6>凭祥物流 11月账单</td></tr>"
        "<tr><th>集包号</th><th>重量(kg)</th><th>体积</th><th>单价</th><th>附加费</th><th>金额</th></tr>"
        f"<tr><td>{sacks.a}</td><td>21.4</td><td>0.12</td><td>17,000</td><td>0</td><td>363,800</td></tr>"
        f"<tr><td>{sacks.b}</td><td>14</td><td></td><td>17,000</td><td>20,000</td><td>258,000</td></tr>"
        "<tr><td>合计</td><td></td><td></td><td></td><td></td><td>621,800</td></tr>"
        "</table></body></html>").encode("gb18030"))
    dialog = CarrierBillImportDialog(_session(db, "ketoan"))
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.fields.carrier.lineEdit(), "凭祥物流")
    type_text(qtbot, dialog.fields.number, "ZD-2026-11")
    dialog.choose(str(path))
    preview = dialog.findChild(QTableWidget, "carrier_import_preview")
    assert [preview.item(r, 1).text() for r in range(preview.rowCount())] == [sacks.a, sacks.b]
    run = dialog.findChild(QPushButton, "carrier_import_run")
    assert run.isEnabled(), dialog.findChild(QLabel, "carrier_import_summary").text()
    dialog.grab().save(str(tmp_path / "carrier_import.png"))
    qtbot.mouseClick(run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.bill_id is not None, timeout=10000)
    with db.read() as s:
        assert s.get(CarrierBill, dialog.bill_id).billed.amount == Decimal(621800)
    assert shown == []


def _editor(qtbot, company, open_main):
    from ui.screens.order_editor import OrderEditor

    window = open_main(company["db"], "trang")
    editor = OrderEditor(window.session, "purchase", customer_id=company["customer"], parent=window)
    qtbot.addWidget(editor)
    return editor


def test_a_customers_html_xls_cart_fills_the_order(qtbot, company, open_main, tmp_path, shown):
    from ui.screens.order_editor import CartPreviewDialog

    path = tmp_path / "购物车.xls"
    path.write_bytes((
        "<table><tr><th>商品链接</th><th>颜色分类</th><th>数量</th><th>单价</th></tr>"
        "<tr><td>https://item.taobao.com/item.htm?id=1</td><td>红色 XL</td><td>1,000</td><td>¥35.50</td></tr>"
        "<tr><td>https://detail.1688.com/offer/2.html</td><td></td><td>１２</td><td>12.5元</td></tr>"
        "<tr><td>合计</td><td></td><td>1012</td><td></td></tr></table>").encode("utf-8"))
    editor = _editor(qtbot, company, open_main)

    def take_it():
        dialog = next(w for w in editor.findChildren(CartPreviewDialog) if w.isVisible())
        ok = dialog.findChild(QPushButton, "cart_import")
        assert ok.isEnabled(), dialog.findChild(QLabel, "cart_summary").text()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, take_it)
    assert editor.import_cart_file(str(path))
    items, errors = editor._items()
    assert errors == {} and [(i.quantity, i.unit_price_cny, i.variant) for i in items] == [
        (1000, Decimal("35.50"), "红色 XL"), (12, Decimal("12.5"), "")]
    assert shown == []


def test_a_60000_row_cart_is_read_in_the_background_and_refused_with_the_limit(qtbot, company, open_main,
                                                                                tmp_path, shown):
    path = tmp_path / "cart.csv"
    path.write_text("Link,Số lượng,Đơn giá\n" + "".join(f"https://item.taobao.com/item.htm?id={i},1,2\n"
                                                          for i in range(60_000)), encoding="utf-8")
    editor = _editor(qtbot, company, open_main)
    assert editor.import_cart_file(str(path)) is False        # returns at once: the file is read meanwhile
    qtbot.waitUntil(lambda: bool(shown), timeout=60000)
    assert shown == [str(cart_import.CartUnreadable(why=_("a cart may have at most {n} rows.").format(
        n=cart_import.MAX_ROWS)))]
    assert QApplication.activeModalWidget() is None
