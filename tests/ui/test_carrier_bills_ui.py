"""An accountant checks the freight carrier's bill: imports the carrier's file from the toolbar's
"Carriers' bills" screen, sees each line beside our sack (the overweighed one flagged with its
difference), accepts it, and the payable is in the ledger. Every call goes through the wire."""
from decimal import Decimal

import pytest
from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPushButton, QTableWidget
from sqlalchemy import func, select

from app.i18n import _, fmt_money
from app.models import CarrierBill, JournalLine, LedgerAccount
from app.money import VND, Money
from app.permissions import Role
from app.services.carrier_bills import FLAG_LABELS
from tests.factories import PASSWORD, make_user
from tests.services.carrier_helpers import bill_csv, make_sacks


@pytest.fixture(autouse=True)
def _errors_fail_the_test(monkeypatch):
    def raise_it(parent, exc, title=None):
        raise AssertionError(f"error shown to the user: {exc}") from exc
    monkeypatch.setattr("ui.screens.carrier_bills.report_error", raise_it)
    monkeypatch.setattr("ui.widgets.sheet_import.report_error", raise_it)    # the import dialog's flow


def _screen(qtbot, db, username):
    from app.services.auth import login
    from ui.screens.carrier_bills import CarrierBillsDialog
    from ui.session import Session

    screen = CarrierBillsDialog(Session(db, login(db, username, PASSWORD)))
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


@pytest.fixture
def app_fonts(qapp):
    """The fonts the desktop ships and sets (ui.app.install_fonts: DejaVu Sans, wider than the
    test platform's default), put back afterwards."""
    from ui.app import install_fonts

    before = qapp.font()
    install_fonts(qapp)
    yield
    qapp.setFont(before)


def test_import_compare_and_accept_a_carriers_bill(qtbot, sqlite_db, tmp_path, monkeypatch, app_fonts):
    from tests.ui.conftest import type_text

    db = sqlite_db
    sacks = make_sacks(db)
    make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Đặng Thu Hà")
    path = tmp_path / "hung_phat_11.csv"
    path.write_bytes(bill_csv(sacks.a, sacks.b))
    monkeypatch.setattr("ui.widgets.sheet_import.ask_open_path", lambda *a, **k: str(path))
    questions = []
    monkeypatch.setattr("ui.screens.carrier_bills.confirm", lambda parent, text, title=None: questions.append(text) or True)
    screen = _screen(qtbot, db, "ketoan")
    seen = {}

    def drive_import():
        dialog = QApplication.activeModalWidget()
        assert dialog.objectName() == "carrier_import_dialog"
        carrier = dialog.findChild(QComboBox, "carrier_import_carrier")
        type_text(qtbot, carrier.lineEdit(), "Vận tải Hưng Phát")
        type_text(qtbot, dialog.findChild(QLineEdit, "carrier_import_number"), "HD-2026-11")
        qtbot.mouseClick(dialog.findChild(QPushButton, "carrier_import_choose"), Qt.MouseButton.LeftButton)
        run = dialog.findChild(QPushButton, "carrier_import_run")
        qtbot.waitUntil(run.isEnabled)
        preview = dialog.findChild(QTableWidget, "carrier_import_preview")
        seen["preview"] = [preview.item(r, 1).text() for r in range(preview.rowCount())]
        seen["summary"] = dialog.findChild(QLabel, "carrier_import_summary").text()
        qtbot.mouseClick(run, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, drive_import)
    qtbot.mouseClick(screen.findChild(QPushButton, "carrier_bills_import"), Qt.MouseButton.LeftButton)
    assert seen["preview"] == [sacks.a, sacks.b]

    # the comparison: the new bill is chosen, sack B flagged with its differences
    lines = screen.findChild(QTableWidget, "carrier_bills_lines")
    qtbot.waitUntil(lambda: lines.rowCount() == 2)
    headers = [lines.horizontalHeaderItem(c).text() for c in range(lines.columnCount())]
    row_b = {headers[c]: lines.item(1, c).text() for c in range(lines.columnCount())}
    assert row_b[_("Shipment")] == sacks.b and row_b[_("Seal")] == "S-B2"
    assert row_b[_("Difference")] == "+" + fmt_money(Money(Decimal(82900), VND))
    assert _(FLAG_LABELS["weight"]) in row_b[_("Flags")] and _(FLAG_LABELS["price"]) in row_b[_("Flags")]
    row_a = {headers[c]: lines.item(0, c).text() for c in range(lines.columnCount())}
    assert row_a[_("Flags")] == ""
    assert fmt_money(Money(Decimal(621800), VND)) in screen.findChild(QLabel, "carrier_bills_totals").text()
    # the comparison fits the 1366 px screen: no column runs off the side (the flags wrap instead)
    qtbot.waitUntil(lambda: sum(lines.columnWidth(c) for c in range(lines.columnCount()))
                    <= lines.viewport().width())

    accept = screen.findChild(QPushButton, "carrier_bills_accept")
    assert accept.isEnabled()
    screen.grab().save(str(tmp_path / "carrier_bills.png"))
    qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)
    assert questions and fmt_money(Money(Decimal(621800), VND)) in questions[0]
    qtbot.waitUntil(lambda: not accept.isEnabled())
    with db.read() as s:
        assert s.scalar(select(CarrierBill.status)) == "accepted"
        owed = s.scalar(select(func.sum(JournalLine.amount)).join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                        .where(LedgerAccount.code == "freight_payable"))
        assert owed == -(621800 - 532100)     # beyond the cost price booked when the customers are billed
    assert not screen.findChild(QPushButton, "carrier_bills_dispute").isEnabled()


def test_disputing_from_the_screen_opens_the_task(qtbot, sqlite_db):
    from datetime import date

    from app.models import Task
    from app.services import carrier_bills as cb
    from tests.ui.conftest import type_text

    db = sqlite_db
    sacks = make_sacks(db)
    make_user(db, Role.MANAGER, username="quanly", full_name="Phạm Quốc Hùng")
    cb.import_file(db, sacks.st.accountant, cb.BillHeader("Hưng Phát", "HD-9", date(2026, 11, 30)), "hd.csv",
                   bill_csv(sacks.a, sacks.b))
    screen = _screen(qtbot, db, "quanly")
    screen.findChild(QTableWidget, "carrier_bills_list").selectRow(0)
    dispute = screen.findChild(QPushButton, "carrier_bills_dispute")
    qtbot.waitUntil(dispute.isEnabled)
    type_text(qtbot, screen.findChild(QLineEdit, "carrier_bills_reason"), "Bao B cân sai")
    qtbot.mouseClick(dispute, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dispute.isEnabled())
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.kind == "carrier_dispute"))
        assert task is not None and task.role == "accountant"
    assert _("Disputed: {reason}").format(reason="Bao B cân sai") in screen.findChild(QLabel, "carrier_bills_totals").text()
    assert screen.findChild(QLineEdit, "carrier_bills_amount").isEnabled()


def test_the_toolbar_offers_carriers_bills_to_accountants_and_managers():
    import ui.screens  # noqa: F401
    from ui.screens import ACTIONS

    [row] = [a for a in ACTIONS if a[0] == "carrier_bills"]
    from app.permissions import MATRIX

    assert row[2] in MATRIX[Role.ACCOUNTANT] and row[2] in MATRIX[Role.MANAGER]
    assert row[2] not in MATRIX[Role.CARE]


def test_a_bill_typed_in_is_checked_and_compared(qtbot, sqlite_db, monkeypatch):
    from PySide6.QtWidgets import QTableWidgetItem

    from app.i18n import fmt_decimal
    from tests.ui.conftest import type_text

    db = sqlite_db
    sacks = make_sacks(db)
    make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Đặng Thu Hà")
    screen = _screen(qtbot, db, "ketoan")
    seen = {}

    def drive_entry():
        dialog = QApplication.activeModalWidget()
        assert dialog.objectName() == "carrier_entry_dialog"
        type_text(qtbot, dialog.findChild(QComboBox, "carrier_entry_carrier").lineEdit(), "Chành xe Minh Long")
        type_text(qtbot, dialog.findChild(QLineEdit, "carrier_entry_number"), "ML-7")
        table = dialog.findChild(QTableWidget, "carrier_entry_lines")
        for col, text in enumerate((sacks.b, fmt_decimal(Decimal("12.5")), "", "17000", "", "")):
            table.setItem(0, col, QTableWidgetItem(text))
        table.setItem(1, 0, QTableWidgetItem(sacks.a))          # no weight, volume or amount: refused
        save = dialog.findChild(QPushButton, "carrier_entry_save")
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        errors = dialog.findChild(QLabel, "carrier_entry_errors")
        seen["errors"] = errors.text()
        table.setItem(1, 0, QTableWidgetItem(""))
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, drive_entry)
    qtbot.mouseClick(screen.findChild(QPushButton, "carrier_bills_enter"), Qt.MouseButton.LeftButton)
    assert seen["errors"]                                        # the bad row was named, nothing saved then
    lines = screen.findChild(QTableWidget, "carrier_bills_lines")
    qtbot.waitUntil(lambda: lines.rowCount() == 1)
    headers = [lines.horizontalHeaderItem(c).text() for c in range(lines.columnCount())]
    row = {headers[c]: lines.item(0, c).text() for c in range(lines.columnCount())}
    # 12.5 kg × 17,000 = 212,500 against our 10.3 kg at 17,000 = 175,100
    assert row[_("Billed")] == fmt_money(Money(Decimal(212500), VND))
    assert row[_("Difference")] == "+" + fmt_money(Money(Decimal(37400), VND))
    assert _(FLAG_LABELS["weight"]) in row[_("Flags")]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CarrierBill)) == 1


def test_the_screen_works_through_an_application_server(qtbot, sqlite_db, remote_sessions, tmp_path, monkeypatch):
    """A desktop signed in to a server (no database of its own) previews, imports, compares and
    accepts the carrier's bill: bytes, dates, Money and the bill's header all cross the wire."""
    from datetime import date

    from ui.screens.carrier_bills import CarrierBillsDialog

    db = sqlite_db
    sacks = make_sacks(db)
    make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Đặng Thu Hà")
    session = remote_sessions("ketoan")
    assert session.db is None
    from app.services.carrier_bills import BillHeader

    pv = session.call("carrier_bills.preview", "Hưng Phát", "hd.csv", bill_csv(sacks.a, sacks.b), columns={})
    assert pv.ok and [r.flags for r in pv.rows] == [[], ["weight", "price"]]
    bill_id = session.call("carrier_bills.import", BillHeader("Hưng Phát", "HD-1", date(2026, 11, 30)), "hd.csv",
                           bill_csv(sacks.a, sacks.b), columns={})
    monkeypatch.setattr("ui.screens.carrier_bills.confirm", lambda *a, **k: True)
    screen = CarrierBillsDialog(session)
    qtbot.addWidget(screen)
    screen.show()
    screen.findChild(QTableWidget, "carrier_bills_list").selectRow(0)
    lines = screen.findChild(QTableWidget, "carrier_bills_lines")
    qtbot.waitUntil(lambda: lines.rowCount() == 2)
    qtbot.mouseClick(screen.findChild(QPushButton, "carrier_bills_accept"), Qt.MouseButton.LeftButton)
    with db.read() as s:
        bill = s.get(CarrierBill, bill_id)
        assert bill.status == "accepted" and bill.accepted_amount == Money(Decimal(621800), VND)


def test_a_dispute_tasks_subject_opens_its_bill(qtbot, sqlite_db):
    from datetime import date

    from app.services import carrier_bills as cb
    from app.services.auth import login
    from ui.session import Session
    from ui.windows.registry import detail_factory

    db = sqlite_db
    sacks = make_sacks(db)
    make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Đặng Thu Hà")
    cb.import_file(db, sacks.st.accountant, cb.BillHeader("Hưng Phát", "HD-8", date(2026, 11, 30)), "hd.csv",
                   bill_csv(sacks.a, sacks.b))
    second = cb.enter_bill(db, sacks.st.accountant, cb.BillHeader("Minh Long", "ML-9", date(2026, 11, 2)),
                           [cb.BillLineInput(sacks.b, Decimal("10.3"), None, None, None, Money(Decimal(175100), VND))])
    cb.dispute_bill(db, sacks.st.accountant, second, "Sai ngày")
    window = detail_factory("carrier_bill")(Session(db, login(db, "ketoan", PASSWORD)), second, None)
    qtbot.addWidget(window)
    window.show()
    assert "ML-9" in window.findChild(QLabel, "carrier_bills_title").text()
    assert window.findChild(QTableWidget, "carrier_bills_lines").rowCount() == 1
