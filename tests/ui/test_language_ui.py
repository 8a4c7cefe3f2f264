"""One language at a time: what the app stored or named itself reads in the language of the person
looking at it, Qt's own words follow that language, and file dialogs open where people keep files."""
import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (QApplication, QDialogButtonBox, QFileDialog, QLabel, QListWidget,
                               QToolButton)

from app.i18n import fmt_money, set_language, translate
from app.models import Order
from app.permissions import Role
from app.services import orders
from app.services.auth import login
from app.services.scanning import Outcome
from tests.ui.conftest import show_order_tab
from tests.factories import PASSWORD, make_user
from tests.money_helpers import accounts, fund, set_rates


@pytest.fixture
def no_qt_catalog():
    """Qt's catalog is process-wide: take ours out after the test."""
    yield
    from ui import app as ui_app

    if ui_app._qt_translator is not None:
        QApplication.instance().removeTranslator(ui_app._qt_translator)
        ui_app._qt_translator = None


def _order_code(db, oid):
    with db.read() as s:
        return s.get(Order, oid).code


def _confirm(company, index):
    db, oid = company["db"], company["orders"][index]
    with db.read() as s:
        fund(db, s.get(Order, oid).customer_id)
    orders.apply_action(db, company["care"], oid, "submit")
    orders.confirm_order(db, company["manager"], oid, company["care"].user_id, company["ordering"].user_id)
    return _order_code(db, oid)


def test_a_notification_written_in_vietnamese_reads_in_english_after_switching_to_english(
        qtbot, company, no_qt_catalog):
    from ui.app import AppController

    db = company["db"]
    first_code = _confirm(company, 0)          # written while every desktop speaks Vietnamese
    controller = AppController(db)
    controller._open(login(db, "trang", PASSWORD))
    first = controller.window
    # (the controller closes and deletes the first window itself)
    next(a for a in first.findChildren(type(first.export_action)) if a.objectName() == "action_language_en").trigger()
    window = controller.window
    qtbot.addWidget(window)
    try:
        button = window.findChild(QToolButton, "notifications_button")
        qtbot.waitUntil(lambda: button.text() == "Notifications (1)", timeout=5000)
        button.click()
        listing = window.notifications.panel.findChild(QListWidget, "notifications_list")
        assert listing.count() == 1
        assert listing.item(0).text().splitlines()[0] == f"Order {first_code} confirmed"
        # another desktop, still in Vietnamese, confirms a second order: the status bar says it in English
        set_language("vi")
        try:
            second_code = _confirm(company, 1)
        finally:
            set_language("en")
        window.notifications.refresh_count()
        qtbot.waitUntil(lambda: button.text() == "Notifications (2)", timeout=5000)
        assert window.statusBar().currentMessage() == f"New notification: Order {second_code} confirmed"
        window.notifications.panel.reload()
        assert [listing.item(i).text().splitlines()[0] for i in range(listing.count())] == [
            f"Order {second_code} confirmed", f"Order {first_code} confirmed"]
    finally:
        controller.shutdown()


@pytest.mark.parametrize("lang", ["en", "vi", "zh_CN"])
def test_the_scan_banner_names_the_ownerless_shelf_in_the_readers_language(qtbot, sqlite_db, lang):
    from tests.factories import make_warehouses
    from ui.screens.warehouse import ReceiveStation
    from ui.session import Session

    db = sqlite_db
    make_warehouses(db)
    make_user(db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ")
    set_language(lang)
    station = ReceiveStation(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(station)
    station.show()
    panel = station.panel
    qtbot.keyClicks(panel.field, "JT9300000000009")
    qtbot.keyClick(panel.field, Qt.Key.Key_Return)   # as the barcode gun sends it
    assert panel.last.outcome == Outcome.OWNERLESS
    assert panel.shelf.text() == translate("Ownerless shelf", lang) and panel.shelf.text() != "OWNERLESS"
    # whole sentences, each on its line: not "… to be matched. not weighed yet"
    lines = panel.detail.text().splitlines()
    assert lines == [translate("No order expects {code}. Put it on the ownerless shelf; it is in the "
                               "ownerless queue to be matched.", lang).format(code="JT9300000000009"),
                     translate("Not weighed yet.", lang)]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_money_tab_names_the_default_fee_set_in_the_readers_language(qtbot, company, open_main, lang):
    from ui.screens.orders import OrderWindow

    db = company["db"]
    set_rates(db, manager=company["manager"].as_role(Role.MANAGER))
    accounts(db)
    oid = company["orders"][0]
    fund(db, company["customer"], "2000000")
    orders.apply_action(db, company["care"], oid, "submit")     # the default set is made here, in Vietnamese
    set_language(lang)
    main = open_main(db, "trang")
    window = OrderWindow(main.session, oid, main)
    qtbot.addWidget(window)
    window.show()
    show_order_tab(window, "order_tab_money")
    terms = window.findChild(QLabel, "money_terms").text()
    assert terms.endswith(f"{translate('Standard fees', lang)} (v1)"), terms
    assert translate("Standard fees", "vi") not in terms or lang == "vi"


def test_the_default_accounts_read_in_the_readers_language(sqlite_db):
    from app.services import ledger

    with sqlite_db.transaction() as tx:
        ledger.ensure_default_accounts(tx)
    admin = make_user(sqlite_db, Role.ADMIN)
    set_language("zh_CN")
    names = {a.code: a.name for a in ledger.cash_accounts(sqlite_db, admin)}
    assert names["cash_vnd:1"] == translate("Company bank account (VND)", "zh_CN")
    set_language("en")
    assert {a.code: a.name for a in ledger.cash_accounts(sqlite_db, admin)}["cny:1"] == "Alipay (CNY)"


def test_an_export_asks_where_to_save_starting_in_documents(qtbot, company, open_main, monkeypatch):
    from ui.common import documents_dir

    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, filters, *a, **k: (asked.append(start), ("", ""))[1])
    window = open_main(company["db"], "quanly")
    window.export_view()
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    assert documents_dir() == documents
    assert len(asked) == 1 and Path(asked[0]).parent == Path(documents) and asked[0].endswith(".xlsx")
    assert Path(asked[0]).parent != Path(os.getcwd())


def test_every_file_dialog_of_the_app_goes_through_the_one_helper():
    """A new screen calling QFileDialog itself would open in the program's folder again."""
    root = Path(__file__).resolve().parents[2] / "ui"
    direct = [f"{p.relative_to(root)}:{n}" for p in root.rglob("*.py") if p.name != "common.py"
              for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"QFileDialog\.get|DontUseNativeDialog", line)]
    assert direct == []


def test_qt_own_buttons_follow_the_language(qtbot, no_qt_catalog):
    from ui.app import apply_language

    def texts():
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Yes)
        qtbot.addWidget(box)
        return sorted(b.text().replace("&", "") for b in box.buttons())

    apply_language("zh_CN")
    assert "取消" in texts()                    # Qt's own Chinese catalog
    apply_language("vi")
    assert translate("Cancel", "vi") in texts() and translate("Yes", "vi") in texts()   # Qt ships none: ours
    apply_language("en")
    assert texts() == ["Cancel", "Yes"]


def test_money_in_a_stored_notification_is_formatted_for_the_reader():
    from decimal import Decimal

    from app.i18n import Lazy, Message
    from app.money import Money

    stored = Message("Approve {kind} of {amount} for {customer} ({reference})", kind=Lazy("top-up"),
                     amount=Money(Decimal("1500000"), "VND"), customer="Hằng", reference="CK01")
    again = Message.from_json(stored.key, stored.to_json())
    assert again == stored
    assert again.render("en") == "Approve top-up of ₫1,500,000 for Hằng (CK01)"
    assert fmt_money(Money(Decimal("1500000"), "VND"), "vi") in again.render("vi")
