"""The money and statistics screens on a desktop signed in to an application server (a real TLS
server over the test database; the desktop has no database): a top-up recorded and approved by
two accountants, a money book and the statistics exported to Excel (the server builds the
workbook, the desktop writes the file)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import openpyxl
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTableWidget

from app.i18n import _
from app.money import VND, Money
from app.permissions import Role
from app.reports import reader
from app.reports.export import ExportResult
from app.services import ledger, wallets
from tests.factories import make_user
from tests.money_helpers import accounts
from tests.reports.workbooks import same_cell
from tests.ui.test_money_ui import click, money_company, typed, when_shown  # noqa: F401 (fixture)
from tests.ui.test_statistics_ui import business, business_file, figure  # noqa: F401 (fixtures)


def _show(qtbot, widget):
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_an_accountant_records_a_large_top_up_through_the_server_and_a_second_one_approves_it(
        qtbot, money_company, remote_sessions):
    from ui.screens.money_wallets import PaymentDialog, PaymentWindow, WalletWindow

    c = money_company
    db = c["db"]
    make_user(db, Role.ACCOUNTANT, username="ketoan2", full_name="Đỗ Văn Kiên")
    recorder = remote_sessions("ketoan")
    assert recorder.db is None and recorder.remote                  # nothing on this desktop but the server

    window = _show(qtbot, WalletWindow(recorder, c["customer"]))
    assert window.findChild(QTableWidget, "wallet_statement").rowCount() == 0
    seen = {}

    def fill_in(dialog):
        assert "20.000.000" in dialog.findChild(QLabel, "payment_hint").text()   # the limit, read on the server
        typed(qtbot, dialog, "payment_amount", "25.000.000")       # above the 20 million approval limit
        typed(qtbot, dialog, "payment_reference", "VCB 0712 445566")
        click(qtbot, dialog, "payment_submit")
        seen["result"] = dialog.result_value

    done = when_shown(PaymentDialog, fill_in)
    click(qtbot, window, "wallet_topup")
    qtbot.waitUntil(lambda: bool(done), timeout=15000)
    result = seen["result"]
    assert result is not None and result.status == "awaiting_approval" and result.entry_id is None
    pending = window.findChild(QLabel, "wallet_pending")
    assert pending.isVisible() and "VCB 0712 445566" in pending.text() and "25.000.000" in pending.text()
    assert wallets.wallet_view(db, c["care"], c["customer"]).balance == Money(Decimal(0), VND)

    approver = remote_sessions("ketoan2")
    payment = _show(qtbot, PaymentWindow(approver, result.payment_id))
    details = payment.findChild(QLabel, "payment_details").text()
    assert "VCB 0712 445566" in details and "Ngô Thị Phương" in details
    click(qtbot, payment, "payment_approve")
    assert not payment.findChild(QPushButton, "payment_approve").isVisible()
    assert "Đỗ Văn Kiên" in payment.findChild(QLabel, "payment_details").text()
    assert wallets.wallet_view(db, c["care"], c["customer"]).balance == Money(Decimal(25_000_000), VND)

    window.reload()
    statement = window.findChild(QTableWidget, "wallet_statement")
    assert statement.rowCount() == 1
    row = [statement.item(0, col).text() for col in range(statement.columnCount())]
    assert "VCB 0712 445566" in row and "25.000.000" in row[4] and "25.000.000" in row[6]
    assert not window.findChild(QLabel, "wallet_pending").isVisible()


def test_a_manager_exports_the_money_book_through_the_server_and_the_desktop_writes_the_file(
        qtbot, money_company, remote_sessions, tmp_path):
    from ui.screens.money_books import MoneyBookDialog

    c = money_company
    db = c["db"]
    bank = accounts(db)[0]
    for ref, amount in (("VCB-1", "1000000"), ("VCB-2", "250000")):
        wallets.record_payment(db, c["accountant"], "topup", c["customer"], Decimal(amount), ref,
                               date(2026, 11, 23), bank)
    session = remote_sessions("quanly")
    session.switch_role(Role.MANAGER)
    dialog = _show(qtbot, MoneyBookDialog(session))
    table = dialog.findChild(QTableWidget, "book_table")
    assert table.rowCount() == 2 and table.item(1, 10).text().startswith("1.250.000")
    accounts_box = dialog.findChild(QComboBox, "book_account")
    assert accounts_box.count() == 1 + len(ledger.cash_accounts(db, c["accountant"], "vn", active_only=False))

    path = tmp_path / "so-quy-vn.xlsx"
    dialog.export(str(path))
    qtbot.waitUntil(lambda: path.exists(), timeout=20000)
    qtbot.waitUntil(lambda: str(path) in dialog.findChild(QLabel, "book_status").text(), timeout=5000)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    values = [v for row in rows for v in row if v is not None]
    assert "VCB-1" in values and "VCB-2" in values
    closing = next(row[1] for row in rows if row[0] == _("Closing balance"))
    assert same_cell(closing, Money(Decimal(1_250_000), VND), "money_vnd")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_manager_exports_the_statistics_through_the_server_with_the_figures_on_screen(
        qtbot, business, remote_sessions, tmp_path):
    from ui.screens.statistics import StatisticsWindow

    session = remote_sessions("quanly", business)
    session.switch_role(Role.MANAGER)
    window = _show(qtbot, StatisticsWindow(session))
    qtbot.waitUntil(lambda: window.dashboard.board is not None, timeout=30000)
    november = window.dashboard.board.period
    assert (november.start, november.end) == (date(2026, 11, 1), date(2026, 11, 30))   # the server's month
    manager = business_manager(business)
    orders = next(t for t in reader.report_totals(business, manager, "orders.by_status", november)
                  if t.key == "orders")
    assert figure(window, "orders") == str(orders.value)

    path = tmp_path / "thong-ke.xlsx"
    with qtbot.waitSignal(window.exported, timeout=60000) as finished:
        window.export_all(path)
    result = finished.args[0]
    assert isinstance(result, ExportResult) and result.path == path and result.total_rows > 0
    workbook = openpyxl.load_workbook(path)
    assert len(workbook.sheetnames) == len(reader.reports_for(manager))
    sheet = workbook[_("By type and status")]
    totals = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] == _("Orders")}
    assert str(totals[_("Orders")]) == figure(window, "orders")
    revenue = workbook[_(reader.report(manager, "money.revenue").sheet)]
    fees = [row[1] for row in revenue.iter_rows(values_only=True) if row[0] == _("Fees")][-1]
    expected = next(t for t in reader.report_totals(business, manager, "money.revenue", november) if t.key == "fees")
    assert same_cell(fees, expected.value, "money_vnd")
    window.close()


def business_manager(db):
    from app.services.auth import login
    from tests.factories import PASSWORD

    return login(db, "quanly", PASSWORD).actor(Role.MANAGER)


def test_rates_fee_policies_and_a_shop_order_are_recorded_through_the_server(
        qtbot, money_company, remote_sessions):
    from PySide6.QtWidgets import QLineEdit, QSpinBox

    from app.services import fee_policies, rates
    from tests.ui.test_money_ui import _accepted_order
    from ui.screens.money_purchasing import ShopOrdersDialog
    from ui.screens.money_settings import ExchangeRateDialog, FeesDialog

    c = money_company
    db = c["db"]
    manager = remote_sessions("quanly")
    manager.switch_role(Role.MANAGER)
    dialog = _show(qtbot, ExchangeRateDialog(manager))
    typed(qtbot, dialog, "rate_value", "3.500")                  # below the buying rate: refused on the server
    click(qtbot, dialog, "rate_save")
    assert dialog.findChild(QLabel, "rate_value_error").isVisible()
    typed(qtbot, dialog, "rate_value", "3.662,5")
    click(qtbot, dialog, "rate_save")
    assert rates.current_values(db)["selling"] == Decimal("3662.5")
    assert dialog.findChild(QTableWidget, "rates_history").item(0, 1).text() == "3.662,5"

    fees = _show(qtbot, FeesDialog(manager))
    click(qtbot, fees, "policy_copy")
    typed(qtbot, fees, "policy_service_minimum", "15.000")
    typed(qtbot, fees, "policy_name", "Biểu phí tháng 12")
    click(qtbot, fees, "policy_save")
    new = next(p for p in fee_policies.list_policies(db, c["manager"]) if p.version == 2)
    assert new.name == "Biểu phí tháng 12" and new.rules["service_fee"]["minimum_vnd"] == "15000"
    assert fees.policies.current().id == new.id
    assert fees.findChild(QLineEdit, "policy_name").text() == "Biểu phí tháng 12"

    oid = _accepted_order(c)
    before = wallets.wallet_view(db, c["care"], c["customer"]).balance
    shop = _show(qtbot, ShopOrdersDialog(remote_sessions("duc"), oid))
    click(qtbot, shop, "shop_orders_prepare")
    dress = next(i for i in shop.current.items if i.quantity == 2)
    shop.findChild(QSpinBox, f"shop_order_bought_{dress.id}").setValue(1)
    typed(qtbot, shop, "shop_order_platform_no", "2611-889900")
    typed(qtbot, shop, "shop_order_goods", "130,50")
    typed(qtbot, shop, "shop_order_shipping", "8")
    click(qtbot, shop, "shop_order_record")
    # the dress short: 59.90 CNY × the new selling rate 3,662.5 × the 70 % deposit back to the wallet
    assert "153.569" in shop.findChild(QLabel, "shop_order_result").text()
    assert wallets.wallet_view(db, c["care"], c["customer"]).balance - before == Money(Decimal(153569), VND)


def test_cancelling_an_export_through_the_server_drops_its_result_and_writes_no_file(
        qtbot, business, remote_sessions, tmp_path, monkeypatch):
    import threading

    from PySide6.QtWidgets import QProgressDialog

    from app.progress import Cancelled
    from app.remote import views_money
    from ui.screens.statistics import StatisticsWindow

    release, started = threading.Event(), threading.Event()
    real_export = views_money.export_reports

    def slow_export(*args, **kwargs):               # the server still building the workbook
        started.set()
        release.wait(30)
        return real_export(*args, **kwargs)

    monkeypatch.setattr(views_money, "export_reports", slow_export)
    session = remote_sessions("quanly", business)
    session.switch_role(Role.MANAGER)
    window = _show(qtbot, StatisticsWindow(session))
    qtbot.waitUntil(lambda: window.dashboard.board is not None, timeout=30000)
    results = []
    window.exported.connect(results.append)
    path = tmp_path / "thong-ke.xlsx"
    window.export_all(path)
    assert started.wait(20)
    dialog = None

    def progress_shown():
        nonlocal dialog
        dialog = next((d for d in window.findChildren(QProgressDialog, "progress_dialog") if d.isVisible()), None)
        return dialog is not None

    qtbot.waitUntil(progress_shown, timeout=10000)
    next(b for b in dialog.findChildren(QPushButton) if b.text() == _("Cancel")).click()
    # at once, while the server is still at it: the window says so and is free again
    assert len(results) == 1 and isinstance(results[0], Cancelled)
    assert window.findChild(QLabel, "stats_status").text() == _("Export cancelled; nothing was written.")
    assert window.export_all_button.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: window.running_jobs() == [], timeout=30000)
    qtbot.wait(200)
    assert len(results) == 1 and not path.exists() and list(tmp_path.glob("*.part")) == []
    window.close()
