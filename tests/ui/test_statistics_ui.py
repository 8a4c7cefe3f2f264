"""The Statistics window driven like a manager would: open it from the main window, choose a period
and see the figures change, read a report page by page, export with progress, cancel, export all."""
from __future__ import annotations

import shutil
import time
from datetime import date

import openpyxl
import pytest
from PySide6.QtCharts import QBarCategoryAxis, QChartView
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QListWidget, QProgressDialog, QPushButton, QTableView, QTableWidget

from app import db as dbmod
from app.clock import FixedClock
from app.i18n import _
from app.permissions import Role
from app.progress import Cancelled
from app.reports import Period, reader
from app.reports.export import ExportResult
from tests.reports.business import END, generate
from tests.reports.workbooks import same_cell
from ui.screens.statistics import cell_text


@pytest.fixture(scope="module")
def business_file(tmp_path_factory, sqlite_template):
    path = tmp_path_factory.mktemp("ui-business") / "business.db"
    shutil.copyfile(sqlite_template, path)
    database = dbmod.Database(f"sqlite:///{path}", clock=FixedClock())
    generate(database)
    with database.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def business(business_file, tmp_path):
    path = tmp_path / "company.db"
    shutil.copyfile(business_file, path)
    database = dbmod.Database(f"sqlite:///{path}", clock=FixedClock(END))
    yield database
    database.dispose()


def open_statistics(qtbot, main_window, role: Role | None = Role.MANAGER):
    """The Statistics window as its toolbar action opens it (in ``role``; None: the role signed in)."""
    from ui.screens.statistics import StatisticsWindow

    if role is not None:
        main_window.role_box.setCurrentIndex(main_window.role_box.findData(role.value))
    action = next(a for a in main_window.create_actions if a.objectName() == "open_statistics")
    assert action.isVisible()
    action.trigger()
    window = main_window._statistics_window
    assert isinstance(window, StatisticsWindow)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.dashboard.board is not None, timeout=15000)
    return window


def choose_period(qtbot, window, start: date, end: date) -> None:
    """Type both dates, then wait until the dashboard shows that period (the edits are debounced,
    so a report chosen before then would be read again when the debounce fires)."""
    window.findChild(QDateEdit, "stats_from").setDate(QDate(start.year, start.month, start.day))
    window.findChild(QDateEdit, "stats_to").setDate(QDate(end.year, end.month, end.day))
    qtbot.waitUntil(lambda: (window.dashboard.board.period.start, window.dashboard.board.period.end) == (start, end),
                    timeout=15000)


def figure(window, key: str) -> str:
    return window.findChild(QLabel, f"stats_figure_{key}").text()


def shown_total(db, actor, report, key, period, **params) -> str:
    total = next(t for t in reader.report_totals(db, actor, report, period, params) if t.key == key)
    return cell_text(total.kind, total.value) or "—"


def test_a_manager_chooses_a_period_and_the_figures_and_charts_follow(qtbot, business, open_main, tmp_path):
    main = open_main(business, "quanly")
    window = open_statistics(qtbot, main)
    actor = window.session.actor
    november = Period.this_month(END)
    for key, report, total in (("orders", "orders.by_status", "orders"), ("goods_cny", "orders.by_status", "goods_cny"),
                               ("received", "orders.received", "orders"), ("delayed", "orders.delayed", "delayed"),
                               ("confirm_avg", "staff.kpi", "confirm_avg"), ("fees", "money.revenue", "fees"),
                               ("fee_freight", "money.revenue", "fee_freight"),
                               ("net_profit", "money.net_profit", "net_profit"),
                               ("profit_per_order", "money.net_profit", "per_order"),
                               ("fx_margin", "money.revenue", "fx_margin"),
                               ("freight_cost", "money.revenue", "freight_cost")):
        assert figure(window, key) == shown_total(business, actor, report, total, november)
    assert figure(window, "net_profit").endswith("₫") and figure(window, "net_profit") != "0 ₫"
    november_orders = figure(window, "orders")
    profit = window.findChild(QChartView, "stats_chart_profit").chart()
    months = next(a for a in profit.axes() if isinstance(a, QBarCategoryAxis)).categories()
    assert months == ["11/2026"]
    profit_table = window.findChild(QTableWidget, "stats_table_profit")
    assert profit_table.rowCount() == 1 and profit_table.item(0, 1).text() == figure(window, "received")

    # the volumes chart has a bar per day of November, with Vietnamese dates; its table too
    volumes = window.findChild(QChartView, "stats_chart_volumes").chart()
    days = next(a for a in volumes.axes() if isinstance(a, QBarCategoryAxis)).categories()
    assert len(days) == 30 and days[0] == "01/11" and days[-1] == "30/11"
    assert window.findChild(QTableWidget, "stats_table_volumes").rowCount() == 30
    funnel = window.findChild(QChartView, "stats_chart_funnel").chart()
    steps = next(a for a in funnel.axes() if isinstance(a, QBarCategoryAxis)).categories()
    assert _("Submitted") in steps and steps[0] == _("Received")    # the first step drawn on top
    assert "Đã" in " ".join(steps)                                  # in Vietnamese

    board = window.dashboard.board
    choice = window.findChild(QComboBox, "stats_period")
    choice.setCurrentIndex(choice.findData("last_month"))
    qtbot.waitUntil(lambda: window.dashboard.board is not board, timeout=15000)
    october = Period.last_month(END)
    assert figure(window, "orders") == shown_total(business, actor, "orders.by_status", "orders", october)
    assert figure(window, "orders") != november_orders
    assert window.findChild(QDateEdit, "stats_from").date() == QDate(2026, 10, 1)
    assert window.findChild(QTableWidget, "stats_table_volumes").rowCount() == 31

    board = window.dashboard.board
    window.findChild(QDateEdit, "stats_from").setDate(QDate(2026, 10, 15))
    window.findChild(QDateEdit, "stats_to").setDate(QDate(2026, 11, 14))
    qtbot.waitUntil(lambda: window.dashboard.board is not board and window.dashboard.board.period.end == date(2026, 11, 14),
                    timeout=15000)
    assert choice.currentData() == "custom"
    custom = Period(date(2026, 10, 15), date(2026, 11, 14))
    assert figure(window, "orders") == shown_total(business, actor, "orders.by_status", "orders", custom)

    window.findChild(QDateEdit, "stats_to").setDate(QDate(2026, 10, 1))       # before "from"
    qtbot.waitUntil(lambda: bool(window.findChild(QLabel, "stats_period_error").text()))

    picture = tmp_path / "dashboard.png"
    assert window.dashboard.widget().grab().save(str(picture))
    image = window.dashboard.widget().grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 37)}
    assert image.height() > 900 and len(colours) > 8                # charts drawn, not a blank page


def test_the_statistics_entry_is_only_for_managers_and_accountants(qtbot, business, open_main):
    for username in ("trang", "duc", "xiaoming", "lan"):
        main = open_main(business, username)
        action = next(a for a in main.create_actions if a.objectName() == "open_statistics")
        assert not action.isVisible()
    main = open_main(business, "quanly")
    main.role_box.setCurrentIndex(main.role_box.findData(Role.CARE.value))
    assert not next(a for a in main.create_actions if a.objectName() == "open_statistics").isVisible()


def test_an_accountant_reads_the_china_money_book_and_exports_it(qtbot, business, open_main, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from app.services import ledger

    window = open_statistics(qtbot, open_main(business, "ketoan"), role=None)
    assert figure(window, "debts") != "—"
    choose_period(qtbot, window, date(2026, 10, 1), date(2026, 11, 30))
    window.tabs.setCurrentIndex(1)
    reports = window.findChild(QListWidget, "stats_report_list")
    names = [reports.item(i).text() for i in range(reports.count())]
    assert _("Net profit per order") in names and _("Commissions of forwarders") in names
    reports.setCurrentRow(names.index(_("China money book")))
    model = window.findChild(QTableView, "stats_report_table").model()
    qtbot.waitUntil(lambda: model.name == "money.book_cn", timeout=15000)
    actor = window.session.actor
    whole = Period(date(2026, 10, 1), date(2026, 11, 30))
    book = ledger.book_lines(business, actor, "cn", None, whole.start_utc, whole.end_utc, limit=model.page_size)
    balance = [c.key for c in model.columns].index("balance")
    assert [model.data(model.index(i, balance)) for i in range(len(book))] == [cell_text("money_cny", l.balance)
                                                                               for l in book]
    summary = ledger.book_summary(business, actor, "cn", None, whole.start_utc, whole.end_utc)
    totals = window.findChild(QLabel, "stats_report_totals").text()
    assert f"{_('Closing balance')}: {cell_text('money_cny', summary.closing)}" in totals

    account = window.findChild(QComboBox, "stats_param_account")
    alipay = next(a for a in ledger.cash_accounts(business, actor, "cn") if a.code == "cny:1")
    account.setCurrentIndex(account.findData(str(alipay.id)))
    qtbot.waitUntil(lambda: model.params.get("account") == str(alipay.id), timeout=15000)
    column = [c.key for c in model.columns].index("account_name")
    assert {model.data(model.index(i, column)) for i in range(model.rowCount())} == {alipay.name}

    path = tmp_path / "so-quy-tq.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "Excel (*.xlsx)"))
    with qtbot.waitSignal(window.exported, timeout=60000) as finished:
        window.findChild(QPushButton, "stats_export").click()
    assert isinstance(finished.args[0], ExportResult)
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == _("China money book")
    assert alipay.name in sheet["A2"].value                          # the account chosen, on the sheet
    closing = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] == _("Closing balance")}
    assert same_cell(closing[_("Closing balance")], alipay.balance, "money_cny")


def test_a_report_is_read_page_by_page_and_filtered(qtbot, business, open_main):
    from app.services.settings import update_settings
    from tests.factories import make_user

    update_settings(business, make_user(business, Role.ADMIN), {"ui.page_size": "20"})
    main = open_main(business, "quanly")
    window = open_statistics(qtbot, main)
    choose_period(qtbot, window, date(2026, 10, 1), date(2026, 11, 30))
    tabs = window.tabs
    tabs.setCurrentIndex(1)
    reports = window.findChild(QListWidget, "stats_report_list")
    names = [reports.item(i).text() for i in range(reports.count())]
    assert _("Order register") in names and _("Staff KPIs") in names
    reports.setCurrentRow(names.index(_("Order register")))
    table = window.findChild(QTableView, "stats_report_table")
    model = table.model()
    qtbot.waitUntil(lambda: model.name == "orders.list" and model.period.start == date(2026, 10, 1)
                    and model.rowCount() == 20, timeout=15000)
    total = reader.report_count(business, window.session.actor, "orders.list",
                                Period(date(2026, 10, 1), date(2026, 11, 30)))
    assert total == 60
    count = window.findChild(QLabel, "stats_report_count")
    assert count.text() == _("{shown} of {total} rows").format(shown=20, total=60)
    for shown in (40, 60):                                           # a page more each time the end shows
        table.scrollToBottom()
        qtbot.waitUntil(lambda n=shown: model.rowCount() == n, timeout=15000)
        assert count.text() == _("{shown} of {total} rows").format(shown=shown, total=60)
    codes = [model.rows[i][0] for i in range(60)]
    assert len(set(codes)) == 60                                     # no page read twice
    assert _("Orders") + ": 60" in window.findChild(QLabel, "stats_report_totals").text()

    kind = window.findChild(QComboBox, "stats_param_kind")
    kind.setCurrentIndex(kind.findData("consignment"))
    qtbot.waitUntil(lambda: model.params.get("kind") == "consignment", timeout=15000)
    assert model.rowCount() > 0 and {model.rows[i][1] for i in range(model.rowCount())} == {_("Consignment order")}


def test_an_export_shows_progress_keeps_the_window_alive_can_be_cancelled_and_export_all_works(
        qtbot, business, open_main, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from app.demo import generate_bulk

    generate_bulk(business, 20000)                                   # two years of orders
    main = open_main(business, "quanly")
    window = open_statistics(qtbot, main)
    choose_period(qtbot, window, date(2024, 11, 1), date(2026, 11, 30))
    window.tabs.setCurrentIndex(1)
    reports = window.findChild(QListWidget, "stats_report_list")
    reports.setCurrentRow([reports.item(i).text() for i in range(reports.count())].index(_("Order register")))
    model = window.findChild(QTableView, "stats_report_table").model()
    qtbot.waitUntil(lambda: model.name == "orders.list" and model.period.start == date(2024, 11, 1)
                    and not model.loading and model.rowCount() > 0, timeout=20000)

    folder = tmp_path / "exports"
    folder.mkdir()
    chosen = {"path": folder / "so-don-hang.xlsx"}
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen["path"]), "Excel (*.xlsx)"))
    ticks: list[float] = []
    heartbeat = QTimer(window, interval=50)
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
    heartbeat.start()
    export_button = window.findChild(QPushButton, "stats_export")

    def exporting_dialog():
        return next((d for d in window.findChildren(QProgressDialog, "progress_dialog")
                     if d.isVisible() and d.value() > 0), None)

    with qtbot.waitSignal(window.exported, timeout=60000) as finished:
        export_button.click()
        assert not export_button.isEnabled()
        qtbot.waitUntil(lambda: exporting_dialog() is not None, timeout=20000)   # rows being written
        dialog = exporting_dialog()
        assert dialog.maximum() > 20000 and dialog.value() < dialog.maximum()
        qtbot.wait(500)                                              # the window lives while rows are written
        assert dialog.isVisible() and dialog.value() < dialog.maximum()
        cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == _("Cancel"))
        cancel.click()
    heartbeat.stop()
    assert isinstance(finished.args[0], Cancelled)
    assert window.findChild(QLabel, "stats_status").text() == _("Export cancelled; nothing was written.")
    assert list(folder.iterdir()) == []                               # not even a partial file
    assert export_button.isEnabled()
    # the window kept responding: its timer ticked all through the export (a frozen window ticks
    # once, after the export). How smooth it stays is a speed figure, not this test's business: a
    # loaded 2-core CI machine stretched single gaps to 1.5 s (benchmarks measure responsiveness)
    assert len(ticks) > 5

    window.tabs.setCurrentIndex(0)
    choice = window.findChild(QComboBox, "stats_period")
    board = window.dashboard.board
    choice.setCurrentIndex(choice.findData("this_month"))
    qtbot.waitUntil(lambda: window.dashboard.board is not board
                    and window.dashboard.board.period.start == date(2026, 11, 1), timeout=15000)
    chosen["path"] = folder / "thong-ke.xlsx"
    with qtbot.waitSignal(window.exported, timeout=60000) as finished:
        window.findChild(QPushButton, "stats_export_all").click()
    result = finished.args[0]
    assert isinstance(result, ExportResult) and chosen["path"].exists()
    wb = openpyxl.load_workbook(chosen["path"])
    assert len(wb.sheetnames) == len(reader.reports_for(window.session.actor))
    sheet = wb[_("By type and status")]
    totals = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] == _("Orders")}
    assert str(totals[_("Orders")]) == figure(window, "orders")
    status = window.findChild(QLabel, "stats_status").text()
    assert status == _("Exported {n} rows to {path}").format(n=f"{result.total_rows:,}".replace(",", "."),
                                                              path=str(chosen["path"]))

    # closing the window in the middle of an export cancels it: no file, nothing left running
    chosen["path"] = folder / "dong-cua-so.xlsx"
    window.findChild(QDateEdit, "stats_from").setDate(QDate(2024, 11, 1))
    qtbot.waitUntil(lambda: window.dashboard.board.period.start == date(2024, 11, 1), timeout=15000)
    window.tabs.setCurrentIndex(1)
    export_button.click()
    qtbot.waitUntil(lambda: exporting_dialog() is not None, timeout=20000)
    window.close()
    assert window.running_jobs() == []
    assert not chosen["path"].exists()
    assert sorted(p.name for p in folder.iterdir()) == ["thong-ke.xlsx"]


def test_an_admin_sets_the_commission_rates_in_the_settings_dialog(qtbot, company, open_main):
    from decimal import Decimal

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit, QTabWidget

    from app.services import settings as settings_service
    from tests.ui.conftest import type_text
    from ui.dialogs.settings import SettingsDialog

    window = open_main(company["db"], "admin")
    dialog = SettingsDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    tabs = dialog.findChild(QTabWidget, "settings_tabs")
    assert _("Commissions") in [tabs.tabText(i) for i in range(tabs.count())]
    care = dialog.findChild(QLineEdit, "setting_commission.care_percent")
    per_kg = dialog.findChild(QLineEdit, "setting_commission.forwarder_cn_vnd_per_kg")
    care.clear()
    type_text(qtbot, care, "1,255")
    qtbot.mouseClick(dialog.findChild(QPushButton, "settings_save"), Qt.MouseButton.LeftButton)
    error = dialog.findChild(QLabel, "setting_commission.care_percent_error")
    assert error.isVisible() and error.text() == _("At most two decimals, e.g. 1.25.")
    assert settings_service.read_all(company["db"])["commission.care_percent"] == Decimal("1.00")
    care.clear()
    type_text(qtbot, care, "2,5")
    per_kg.clear()
    type_text(qtbot, per_kg, "450")
    qtbot.mouseClick(dialog.findChild(QPushButton, "settings_save"), Qt.MouseButton.LeftButton)
    assert not error.isVisible()
    saved = settings_service.read_all(company["db"])
    assert saved["commission.care_percent"] == Decimal("2.5") and saved["commission.forwarder_cn_vnd_per_kg"] == 450


def test_ordering_staff_open_the_shop_kpis_without_the_dashboard(qtbot, business, open_main):
    main = open_main(business, "duc")
    assert not next(a for a in main.create_actions if a.objectName() == "open_statistics").isVisible()
    action = next(a for a in main.create_actions if a.objectName() == "open_shop_kpis")
    assert action.isVisible()
    action.trigger()
    window = main._statistics_window
    qtbot.addWidget(window)
    reports = window.findChild(QListWidget, "stats_report_list")
    assert [reports.item(i).text() for i in range(reports.count())] == [_("Shop KPIs")]
    assert not window.tabs.isTabVisible(0) and window.tabs.currentWidget() is window.reports
    assert not window.findChild(QPushButton, "stats_export_all").isVisible()
    table = window.findChild(QTableView, "stats_report_table")
    qtbot.waitUntil(lambda: table.model() is not None and table.model().rowCount() > 0, timeout=15000)
    headers = [table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(table.model().columnCount())]
    assert _("Shipped on time (%)") in headers and _("Items short (%)") in headers
    for username in ("xiaoming", "lan"):
        assert not next(a for a in open_main(business, username).create_actions
                        if a.objectName() == "open_shop_kpis").isVisible()
