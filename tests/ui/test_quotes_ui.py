"""Care staff quote an order from the order window, through a real application server: "Send
quote…" with its validity, the versions list, "Re-quote…", "Customer accepted", "Customer
refused…" and the PDF — found by objectName, as a user would."""
from datetime import timedelta

import pytest
from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDateTimeEdit, QLabel, QPushButton, QTableWidget

from app.i18n import _, fmt_decimal
from app.permissions import Role
from app.services import orders, quotes
from tests.factories import make_user
from tests.money_helpers import fund, set_rates


@pytest.fixture
def quotes_tab_only(monkeypatch):
    """The order window with its Quotes tab (the money and parcels tabs of other areas still read
    ``session.db``, which a desktop signed in to a server does not have)."""
    from ui.windows import registry

    every = registry.order_tabs
    monkeypatch.setattr(registry, "order_tabs", lambda: [t for t in every() if t.name == "order_tab_quotes"])


def _answer_dialog(qtbot, valid_until=None):
    """When the quote dialog opens: set its validity (if given) and press its OK button."""
    def act():
        dialog = QApplication.activeModalWidget()
        assert dialog is not None and dialog.objectName() == "quote_dialog"
        if valid_until is not None:
            dialog.findChild(QDateTimeEdit, "quote_valid_until").setDateTime(QDateTime(valid_until.astimezone()))
        qtbot.mouseClick(dialog.findChild(QPushButton, "quote_send_ok"), Qt.MouseButton.LeftButton)
    QTimer.singleShot(0, act)


def _open(qtbot, session, oid):
    from ui.screens.orders import OrderWindow

    window = OrderWindow(session, oid)
    qtbot.addWidget(window)
    window.show()
    tab = window.findChild(QTableWidget, "quotes_versions").parentWidget()
    window.tabs.setCurrentWidget(tab)
    return window, tab


def _statuses(tab):
    table = tab.findChild(QTableWidget, "quotes_versions")
    return [table.item(r, 1).text() for r in range(table.rowCount())]


def test_a_quote_sent_expires_is_requoted_and_the_customers_yes_takes_the_deposit(
        qtbot, company, remote_sessions, quotes_tab_only, clock, tmp_path, monkeypatch):
    import ui.screens.quotes as quote_screens

    db, oid, care = company["db"], company["orders"][0], company["care"]
    set_rates(db, "3650", "3600", make_user(db, Role.MANAGER))
    session = remote_sessions("trang")
    assert session.db is None
    window, tab = _open(qtbot, session, oid)
    send = tab.findChild(QPushButton, "send_quote")
    assert send.isEnabled() and not tab.findChild(QPushButton, "quote_accepted").isEnabled()
    assert "order_send_quote" in [a.objectName() for a in window.more_menu.actions()]   # also under "More"

    _answer_dialog(qtbot, clock.now() + timedelta(hours=2))
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    assert _statuses(tab) == [_("Sent, valid")]
    [sent] = quotes.quotes_panel(db, care, oid).versions
    assert sent.valid_until == clock.now() + timedelta(hours=2) and sent.selling_rate == 3650

    target = tmp_path / "bao-gia.pdf"
    monkeypatch.setattr(quote_screens, "ask_save_path", lambda *a, **k: str(target))
    qtbot.mouseClick(tab.findChild(QPushButton, "quote_save_pdf"), Qt.MouseButton.LeftButton)
    assert target.read_bytes().startswith(b"%PDF")          # made on the server, saved by the desktop

    clock.advance(hours=3)                                   # the quote expired, the rate rose
    set_rates(db, "3700", "3650", make_user(db, Role.MANAGER))
    fund(db, company["customer"])
    assert orders.apply_action(db, care, oid, "submit") == "new"   # quoted again, nothing taken
    window.reload()
    assert _statuses(tab) == [_("Waiting for the customer"), _("Expired")]
    summary = tab.findChild(QLabel, "quotes_summary").text()
    assert fmt_decimal(3650) in summary and fmt_decimal(3700) in summary
    accept = tab.findChild(QPushButton, "quote_accepted")
    assert accept.isEnabled()
    qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)
    assert window.view.status == "deposited" == orders.get_order(db, care, oid).status
    assert _statuses(tab)[0] == _("Deposit taken at this rate")
    assert not tab.findChild(QPushButton, "send_quote").isEnabled()
    assert "order_send_quote" not in [a.objectName() for a in window.more_menu.actions()]


def test_a_requote_the_customer_refuses_stops_there(qtbot, company, remote_sessions, quotes_tab_only, clock,
                                                    monkeypatch):
    import ui.screens.quotes as quote_screens

    db, oid, care = company["db"], company["orders"][1], company["care"]
    set_rates(db, "3650", "3600", make_user(db, Role.MANAGER))
    quotes.send_quote(db, care, oid, clock.now() + timedelta(hours=1))
    clock.advance(hours=2)
    session = remote_sessions("trang")
    window, tab = _open(qtbot, session, oid)
    assert _statuses(tab) == [_("Sent, valid") + " — " + _("expired")]
    assert not tab.findChild(QPushButton, "quote_accepted").isEnabled()   # an expired quote is not accepted

    _answer_dialog(qtbot)                                     # the default validity from the settings
    qtbot.mouseClick(tab.findChild(QPushButton, "quote_requote"), Qt.MouseButton.LeftButton)
    assert _statuses(tab) == [_("Waiting for the customer"), _("Expired")]
    monkeypatch.setattr(quote_screens.QInputDialog, "getText", lambda *a, **k: ("Khách chê tỷ giá cao", True))
    qtbot.mouseClick(tab.findChild(QPushButton, "quote_refused"), Qt.MouseButton.LeftButton)
    assert _statuses(tab)[0] == _("Customer refused")
    table = tab.findChild(QTableWidget, "quotes_versions")
    assert "Khách chê tỷ giá cao" in table.item(0, 8).text()
    assert not tab.findChild(QPushButton, "quote_accepted").isEnabled()
    assert quotes.quotes_panel(db, care, oid).versions[0].status == "refused"
    assert orders.get_order(db, care, oid).status == "draft"
