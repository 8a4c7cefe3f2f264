"""Money screens driven like a user, by objectName: a shop order with a shortage, a top-up and
the statement, exchange rates, fee policies, VIP levels, discount codes, the order's money tab,
billing, approving a bill, and the money book with its Excel export."""
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QLabel, QLineEdit, QListWidget, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem)

from app.money import VND, Money
from app.permissions import Role
from app.services import billing, fee_policies, orders, purchasing, rates, wallets
from tests.factories import make_user
from tests.money_helpers import accounts, fund, set_rates
from tests.ui.conftest import show_order_tab, type_text


def vnd(n) -> Money:
    return Money.of(str(n), VND)


def click(qtbot, parent, name):
    button = parent.findChild(QPushButton, name)
    assert button is not None, name
    assert button.isVisible() and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def typed(qtbot, parent, name, text):
    edit = parent.findChild(QLineEdit, name)
    assert edit is not None, name
    edit.clear()
    type_text(qtbot, edit, text)
    return edit


def when_shown(cls, act, delay=100):
    """Run ``act(dialog)`` once a modal dialog of ``cls`` is open (it blocks its opener)."""
    done = []

    def attempt():
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, cls) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(50, attempt)
            return
        try:
            act(dialogs[0])
        finally:
            done.append(True)
            if dialogs[0].isVisible():
                dialogs[0].reject()

    QTimer.singleShot(delay, attempt)
    return done


@pytest.fixture
def money_company(company):
    db = company["db"]
    company["accountant"] = make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Ngô Thị Phương")
    manager = company["manager"]
    set_rates(db, manager=manager.as_role(Role.MANAGER))
    accounts(db)
    return company


def _accepted_order(company, amount="2000000"):
    db, care = company["db"], company["care"]
    oid = company["orders"][0]
    fund(db, company["customer"], amount)
    orders.apply_action(db, care, oid, "submit")
    orders.confirm_order(db, company["manager"], oid, care.user_id, company["ordering"].user_id)
    return oid


def test_recording_a_shop_order_with_a_shortage_from_the_order_window_refunds_the_wallet(
        qtbot, money_company, open_main):
    from ui.screens.money_purchasing import ShopOrdersDialog
    from ui.screens.orders import OrderWindow

    c = money_company
    db = c["db"]
    oid = _accepted_order(c)
    before = wallets.wallet_view(db, c["care"], c["customer"]).balance
    main = open_main(db, "duc")
    window = OrderWindow(main.session, oid, main)
    qtbot.addWidget(window)
    window.show()
    action = window.more_menu.findChild(type(window.more_menu.actions()[0]), "order_shop_orders")
    assert action is not None and action.isEnabled()
    seen = {}

    def record(dialog):
        click(qtbot, dialog, "shop_orders_prepare")
        so = dialog.current
        dress = next(i for i in so.items if i.quantity == 2)
        dialog.findChild(QSpinBox, f"shop_order_bought_{dress.id}").setValue(1)   # the shop had one
        typed(qtbot, dialog, "shop_order_platform_no", "2611-889900")
        typed(qtbot, dialog, "shop_order_goods", "130,50")
        typed(qtbot, dialog, "shop_order_shipping", "8")
        seen["summary"] = dialog.findChild(QLabel, "shop_order_summary").text()
        click(qtbot, dialog, "shop_order_record")
        seen["result"] = dialog.findChild(QLabel, "shop_order_result").text()

    done = when_shown(ShopOrdersDialog, record)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert "153.045" in seen["summary"]                         # previewed before recording
    assert "153.045" in seen["result"]
    after = wallets.wallet_view(db, c["care"], c["customer"]).balance
    assert after - before == vnd(153045)                        # 59.90 × 3,650 × 70 %
    assert window.view.status == "purchased"
    assert [(i.quantity, i.quantity_bought) for i in window.view.items] == [(2, 1), (3, 3)]
    show_order_tab(window, "order_tab_money")
    tab = window.findChild(QTableWidget, "money_entries")
    kinds = [tab.item(r, 1).text() for r in range(tab.rowCount())]
    assert len(kinds) == 4                                      # deposit, purchase, shortage, service fee


def test_a_bad_amount_is_shown_next_to_its_field_and_nothing_is_recorded(qtbot, money_company, open_main):
    from ui.screens.money_purchasing import ShopOrdersDialog

    c = money_company
    oid = _accepted_order(c)
    main = open_main(c["db"], "duc")
    dialog = ShopOrdersDialog(main.session, oid, main)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog, "shop_orders_prepare")
    typed(qtbot, dialog, "shop_order_goods", "1.2.3")
    click(qtbot, dialog, "shop_order_record")
    error = dialog.findChild(QLabel, "shop_order_goods_cny_error")
    assert error.isVisible() and "1.2.3" in error.text()
    typed(qtbot, dialog, "shop_order_goods", "190")
    click(qtbot, dialog, "shop_order_record")                   # no seller order number yet
    assert dialog.findChild(QLabel, "shop_order_platform_order_no_error").isVisible()
    assert purchasing.purchasing_view(c["db"], c["ordering"], oid).shop_orders[0].status == "draft"


def test_a_top_up_recorded_from_the_file_menu_shows_in_the_customers_statement(qtbot, money_company, open_main):
    from ui.screens.money_wallets import PaymentDialog, WalletWindow

    c = money_company
    main = open_main(c["db"], "ketoan")
    action = main.findChild(type(main.create_actions[0]), "money_record_topup")
    assert action is not None and action.isVisible()
    seen = {}

    def fill_in(dialog):
        search = dialog.findChild(QLineEdit, "payment_customer_search")
        type_text(qtbot, search, "hang")
        qtbot.keyClick(search, Qt.Key.Key_Return)             # a part of a name: the list opens
        qtbot.keyClick(dialog.findChild(QListWidget, "order_customer_results"), Qt.Key.Key_Return)
        typed(qtbot, dialog, "payment_amount", "1.500.000")
        typed(qtbot, dialog, "payment_reference", "VCB 2611 778899")
        click(qtbot, dialog, "payment_submit")
        seen["accepted"] = dialog.result() == QDialog.DialogCode.Accepted

    done = when_shown(PaymentDialog, fill_in)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["accepted"]
    window = WalletWindow(main.session, c["customer"], main)
    qtbot.addWidget(window)
    window.show()
    table = window.findChild(QTableWidget, "wallet_statement")
    assert table.rowCount() == 1
    row = [table.item(0, col).text() for col in range(table.columnCount())]
    assert "VCB 2611 778899" in row and "1.500.000" in row[4] and "1.500.000" in row[6]
    assert "1.500.000" in window.findChild(QLabel, "wallet_figures").text()


def test_a_top_up_with_a_bad_amount_says_so_next_to_the_field(qtbot, money_company, open_main):
    from ui.screens.money_wallets import PaymentDialog

    c = money_company
    main = open_main(c["db"], "ketoan")
    dialog = PaymentDialog(main.session, "topup", c["customer"], "Nguyễn Thị Hằng", main)
    qtbot.addWidget(dialog)
    dialog.show()
    typed(qtbot, dialog, "payment_amount", "1.500,5")
    typed(qtbot, dialog, "payment_reference", "X1")
    click(qtbot, dialog, "payment_submit")
    error = dialog.findChild(QLabel, "payment_amount_error")
    assert error.isVisible() and dialog.isVisible()
    assert wallets.wallet_view(c["db"], c["care"], c["customer"]).balance == vnd(0)


def test_the_manager_sets_a_rate_and_sees_it_in_the_history(qtbot, money_company, open_main):
    from ui.screens.money_settings import ExchangeRateDialog

    c = money_company
    main = open_main(c["db"], "quanly")
    main.session.switch_role(Role.MANAGER)
    dialog = ExchangeRateDialog(main.session, main)
    qtbot.addWidget(dialog)
    dialog.show()
    typed(qtbot, dialog, "rate_value", "3.500")                  # below the buying rate 3,600
    click(qtbot, dialog, "rate_save")
    assert dialog.findChild(QLabel, "rate_value_error").isVisible()
    typed(qtbot, dialog, "rate_value", "3.662,5")
    click(qtbot, dialog, "rate_save")
    assert not dialog.findChild(QLabel, "rate_value_error").isVisible()
    assert rates.current_values(c["db"])["selling"] == Decimal("3662.5")
    history = dialog.findChild(QTableWidget, "rates_history")
    assert history.item(0, 1).text() == "3.662,5" and "Phạm Quốc Hùng" == history.item(0, 3).text()
    assert "3.662,5" in dialog.findChild(QLabel, "rates_current").text()


def test_a_policy_in_force_is_read_only_and_a_new_version_is_made_by_copying(qtbot, money_company, open_main):
    from ui.screens.money_settings import FeesDialog

    c = money_company
    main = open_main(c["db"], "quanly")
    main.session.switch_role(Role.MANAGER)
    dialog = FeesDialog(main.session, main)
    qtbot.addWidget(dialog)
    dialog.show()
    tab = dialog.policies
    assert not dialog.findChild(QPushButton, "policy_save").isEnabled()
    assert not dialog.findChild(QLineEdit, "policy_service_minimum").isEnabled()
    click(qtbot, dialog, "policy_copy")
    typed(qtbot, dialog, "policy_service_minimum", "abc")
    click(qtbot, dialog, "policy_save")
    assert dialog.findChild(QLabel, "policy_service_error").isVisible()
    typed(qtbot, dialog, "policy_service_minimum", "15.000")
    typed(qtbot, dialog, "policy_insurance", "150")
    click(qtbot, dialog, "policy_save")
    assert dialog.findChild(QLabel, "policy_other_error").isVisible()       # 150 % refused by the service
    typed(qtbot, dialog, "policy_insurance", "2")
    typed(qtbot, dialog, "policy_name", "Biểu phí tháng 12")
    click(qtbot, dialog, "policy_save")
    policies = fee_policies.list_policies(c["db"], c["manager"])
    new = next(p for p in policies if p.version == 2)
    assert new.name == "Biểu phí tháng 12" and new.rules["service_fee"]["minimum_vnd"] == "15000"
    assert new.rules["insurance_percent"] == "2" and new.editable
    assert tab.current().id == new.id


def test_vip_levels_and_discount_codes_are_validated_next_to_their_fields(qtbot, money_company, open_main):
    from ui.screens.money_settings import FeesDialog

    c = money_company
    main = open_main(c["db"], "admin")
    dialog = FeesDialog(main.session, main)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(1)
    typed(qtbot, dialog, "vip_code", "v")
    typed(qtbot, dialog, "vip_deposit_percent", "120")
    click(qtbot, dialog, "vip_save")
    assert dialog.findChild(QLabel, "vip_code_error").isVisible()
    assert dialog.findChild(QLabel, "vip_name_error").isVisible()
    assert dialog.findChild(QLabel, "vip_deposit_percent_error").isVisible()
    typed(qtbot, dialog, "vip_code", "vip2")
    typed(qtbot, dialog, "vip_name", "VIP 2")
    typed(qtbot, dialog, "vip_deposit_percent", "50")
    typed(qtbot, dialog, "vip_min_spend", "200.000.000")
    click(qtbot, dialog, "vip_save")
    assert [(v.code, v.deposit_percent, v.min_spend) for v in fee_policies.list_vip_levels(c["db"], c["admin"])] == [
        ("VIP2", Decimal(50), vnd(200000000))]
    dialog.tabs.setCurrentIndex(2)
    typed(qtbot, dialog, "discount_code", "tet2027")
    click(qtbot, dialog, "discount_save")
    assert dialog.findChild(QLabel, "discount_value_error").isVisible()
    typed(qtbot, dialog, "discount_value", "10")
    click(qtbot, dialog, "discount_save")
    codes = fee_policies.list_discount_codes(c["db"], c["admin"])
    assert [(d.code, d.percent, d.fee_codes) for d in codes] == [("TET2027", Decimal(10), ("purchasing_fee",))]


def test_the_money_tab_explains_each_fee_and_shows_profit_to_managers_only(qtbot, money_company, open_main):
    from ui.screens.orders import OrderWindow

    c = money_company
    oid = _accepted_order(c)
    care_main = open_main(c["db"], "trang")
    window = OrderWindow(care_main.session, oid, care_main)
    qtbot.addWidget(window)
    window.show()
    show_order_tab(window, "order_tab_money")
    fees = window.findChild(QTableWidget, "money_fees")
    rows = [[fees.item(r, c).text() for c in range(4)] for r in range(fees.rowCount())]
    goods, service = rows[0], rows[1]                      # goods first, then each fee in turn
    assert "711.020" in goods[1] and "194,80" in goods[2]
    assert "21.331" in service[1] and "3 %" in service[3] and "711.020" in service[3]
    assert all(r[1] for r in rows)                          # freight and delivery say "pending"
    assert "732.351" in window.findChild(QLabel, "money_totals").text()   # goods + service fee so far
    assert not window.findChild(QLabel, "money_profit").isVisibleTo(window)
    manager_main = open_main(c["db"], "quanly")
    manager_main.session.switch_role(Role.MANAGER)
    mwindow = OrderWindow(manager_main.session, oid, manager_main)
    qtbot.addWidget(mwindow)
    mwindow.show()
    mwindow.tabs.setCurrentWidget(mwindow.findChild(type(mwindow.extra_tabs[0]), "order_tab_money"))
    assert mwindow.findChild(QLabel, "money_profit").isVisible()


def test_a_billing_notice_from_the_money_tab_and_a_supplementary_bill_the_manager_approves(
        qtbot, money_company, open_main):
    from ui.screens.money_bills import BillingNoticeDialog, BillWindow, SupplementaryBillDialog
    from ui.screens.orders import OrderWindow

    c = money_company
    db = c["db"]
    oid = _accepted_order(c, amount="5000000")
    purchasing.prepare_shop_orders(db, c["ordering"], oid)
    so = purchasing.purchasing_view(db, c["ordering"], oid).shop_orders[0]
    purchasing.record_shop_order(db, c["ordering"], so.id, purchasing.ShopOrderInput(
        "TB-1", Decimal("190"), Decimal("0"), Decimal("0"), accounts(db)[1], {i.id: i.quantity for i in so.items}))
    main = open_main(db, "ketoan")
    window = OrderWindow(main.session, oid, main)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(next(t for t in window.extra_tabs if t.objectName() == "order_tab_money"))
    seen = {}

    def bill(dialog):
        table = dialog.findChild(QTableWidget, "billing_packages")
        table.setItem(0, 0, QTableWidgetItem("3,2"))
        for col, v in ((1, "50"), (2, "40"), (3, "30")):
            table.setItem(0, col, QTableWidgetItem(v))
        click(qtbot, dialog, "billing_preview_button")
        preview = dialog.findChild(QTableWidget, "billing_preview")
        seen["fees"] = [preview.item(r, 2).text() for r in range(preview.rowCount())]
        click(qtbot, dialog, "billing_issue")

    done = when_shown(BillingNoticeDialog, bill)
    click(qtbot, window, "money_billing_notice")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert any("50×40×30/6000 = 10 kg" in t for t in seen["fees"])
    assert billing.order_money_view(db, c["accountant"], oid).billed

    def supplement(dialog):
        lines = dialog.findChild(QTableWidget, "supplementary_lines")
        lines.setItem(0, 1, QTableWidgetItem("58.000"))
        dialog.findChild(type(dialog.reason), "supplementary_reason").setPlainText("Cân lại ở Hà Nội: 12 kg")
        click(qtbot, dialog, "supplementary_submit")

    done = when_shown(SupplementaryBillDialog, supplement)
    click(qtbot, window, "money_supplementary")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    bill_id = billing.order_money_view(db, c["accountant"], oid).bills[-1].id
    manager_main = open_main(db, "quanly")
    manager_main.session.switch_role(Role.MANAGER)
    bw = BillWindow(manager_main.session, bill_id, manager_main)
    qtbot.addWidget(bw)
    bw.show()
    charged = billing.order_money_view(db, c["accountant"], oid).charged
    click(qtbot, bw, "bill_approve")
    assert billing.order_money_view(db, c["accountant"], oid).charged == charged + vnd(58000)
    assert not bw.findChild(QPushButton, "bill_approve").isVisible()


def test_the_money_book_shows_running_balances_and_exports_to_excel(qtbot, money_company, open_main, tmp_path):
    from openpyxl import load_workbook

    from ui.screens.money_books import MoneyBookDialog

    c = money_company
    db = c["db"]
    acc = c["accountant"]
    bank = accounts(db)[0]
    for ref, amount in (("VCB-1", "1000000"), ("VCB-2", "250000")):
        wallets.record_payment(db, acc, "topup", c["customer"], Decimal(amount), ref, date(2026, 11, 23), bank)
    main = open_main(db, "ketoan")
    dialog = MoneyBookDialog(main.session, main)
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.findChild(QTableWidget, "book_table")
    assert table.rowCount() == 2
    assert table.item(1, 10).text().startswith("1.250.000")
    assert "1.250.000" in dialog.findChild(QLabel, "book_summary").text()
    path = tmp_path / "so-quy.xlsx"
    dialog.export(str(path))
    qtbot.waitUntil(lambda: path.exists(), timeout=15000)
    ws = load_workbook(path).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "VCB-2" in values and 1250000 in values
    book_box = dialog.findChild(QComboBox, "book_kind")
    book_box.setCurrentIndex(1)                                   # the China book: nothing yet
    assert table.rowCount() == 0
