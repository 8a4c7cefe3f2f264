"""Money goes to the customer the user chose, in the amount the user meant: the customer picker
never chooses on its own, the amount field groups as it is typed and its messages are true."""
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QPushButton

from app.i18n import set_language
from app.money import VND, Money
from app.permissions import Role
from app.services import wallets
from tests.factories import make_customer, make_user
from tests.money_helpers import accounts
from tests.ui.conftest import type_text


@pytest.fixture
def payment(qtbot, company, open_main):
    db = company["db"]
    make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Ngô Thị Phương")
    accounts(db)
    company["trang"] = make_customer(db, company["care"], name="Nguyễn Văn Trang", phone="0903 111 222")
    company["tran"] = make_customer(db, company["care"], name="Trần Thị Mai", phone="0904 333 444")
    main = open_main(db, "ketoan")
    from ui.screens.money_wallets import PaymentDialog

    dialog = PaymentDialog(main.session, "topup", parent=main)
    qtbot.addWidget(dialog)
    dialog.show()
    company["dialog"] = dialog
    return company


def _balance(company, cid) -> Money:
    return wallets.wallet_view(company["db"], company["care"], cid).balance


def test_enter_on_a_name_fragment_lists_the_matches_and_chooses_nobody(qtbot, payment):
    dialog = payment["dialog"]
    search = dialog.findChild(QLineEdit, "payment_customer_search")
    type_text(qtbot, dialog.findChild(QLineEdit, "payment_amount"), "5000000")
    type_text(qtbot, dialog.findChild(QLineEdit, "payment_reference"), "FT2611")
    type_text(qtbot, search, "tran")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    results = dialog.findChild(QListWidget, "order_customer_results")
    names = [results.item(i).text() for i in range(results.count())]
    assert any("Nguyễn Văn Trang" in n for n in names) and any("Trần Thị Mai" in n for n in names)
    assert dialog.picker.customer_id is None and dialog.isVisible()      # Enter neither chose nor saved
    qtbot.mouseClick(dialog.findChild(QPushButton, "payment_submit"), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.findChild(QLabel, "payment_customer_id_error").isVisible()
    assert _balance(payment, payment["trang"]).is_zero() and _balance(payment, payment["tran"]).is_zero()


def test_the_chosen_customer_is_shown_with_code_phone_and_balance_then_gets_the_money(qtbot, payment):
    dialog = payment["dialog"]
    search = dialog.findChild(QLineEdit, "payment_customer_search")
    type_text(qtbot, search, "tran")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    results = dialog.findChild(QListWidget, "order_customer_results")
    row = next(i for i in range(results.count()) if "Trần Thị Mai" in results.item(i).text())
    results.setCurrentRow(row)
    qtbot.keyClick(results, Qt.Key.Key_Return)
    card = dialog.findChild(QLabel, "payment_customer_chosen").text().replace("\xa0", " ")
    assert "Trần Thị Mai" in card and "0904 333 444" in card and f"KH{payment['tran']:06d}" in card
    assert "0 ₫" in card                                                # the wallet as it is now
    type_text(qtbot, dialog.findChild(QLineEdit, "payment_amount"), "5000000")
    assert "5.000.000" in dialog.findChild(QLabel, "payment_wallet").text()   # what it will hold
    type_text(qtbot, dialog.findChild(QLineEdit, "payment_reference"), "FT2611")
    qtbot.mouseClick(dialog.findChild(QPushButton, "payment_submit"), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert _balance(payment, payment["tran"]) == Money(Decimal(5_000_000), VND)
    assert _balance(payment, payment["trang"]).is_zero()


def test_typing_after_a_choice_drops_it(qtbot, payment):
    dialog = payment["dialog"]
    search = dialog.findChild(QLineEdit, "payment_customer_search")
    type_text(qtbot, search, f"KH{payment['trang']:06d}")
    qtbot.keyClick(search, Qt.Key.Key_Return)                           # a whole code names one customer
    assert dialog.picker.customer_id == payment["trang"]
    type_text(qtbot, search, "x")
    assert dialog.picker.customer_id is None
    assert "Trang" not in dialog.findChild(QLabel, "payment_customer_chosen").text()


def test_the_amount_is_grouped_as_typed_and_its_message_is_true_while_shown(qtbot, payment):
    dialog = payment["dialog"]
    amount = dialog.findChild(QLineEdit, "payment_amount")
    error = dialog.findChild(QLabel, "payment_amount_error")
    qtbot.mouseClick(dialog.findChild(QPushButton, "payment_submit"), Qt.MouseButton.LeftButton)
    assert error.isVisible()                                             # empty: say so on save
    type_text(qtbot, amount, "5000000")
    assert amount.text() == "5.000.000"
    assert not error.isVisible()                                         # the message went with the mistake
    amount.clear()
    type_text(qtbot, amount, "1,5")                                      # đồng have no decimals
    assert error.isVisible() and "1,5" == amount.text()
    qtbot.keyClick(amount, Qt.Key.Key_Backspace)
    qtbot.keyClick(amount, Qt.Key.Key_Backspace)
    assert amount.text() == "1" and not error.isVisible()


@pytest.mark.parametrize("lang, typed, shown, value", [
    ("vi", "1234567", "1.234.567", Decimal(1234567)),
    ("en", "1234567", "1,234,567", Decimal(1234567)),
    ("zh_CN", "1234567", "1,234,567", Decimal(1234567)),
    ("vi", "1.500.000", "1.500.000", Decimal(1500000)),        # marks typed by habit are fine
    ("vi", "89,5", "89,5", Decimal("89.5")),
    ("en", "89.5", "89.5", Decimal("89.5")),
])
def test_amounts_read_in_the_users_language(qtbot, lang, typed, shown, value):
    from ui.widgets.amount_edit import AmountEdit

    set_language(lang)
    try:
        edit = AmountEdit("x", "x", currency="CNY")
        qtbot.addWidget(edit)
        edit.show()
        type_text(qtbot, edit, typed)
        assert edit.text() == shown and edit.value() == value and edit.problem() == ""
        edit.editingFinished.emit()
        assert edit.value() == value
    finally:
        set_language("vi")


def test_a_dot_in_vietnamese_is_not_read_as_a_thousand(qtbot):
    from ui.widgets.amount_edit import AmountEdit

    edit = AmountEdit("x", "x", currency="VND")
    qtbot.addWidget(edit)
    type_text(qtbot, edit, "1.5")
    assert edit.value() is None and edit.problem()                      # not 15, not 1.5 đồng


def test_backspace_over_a_group_mark_removes_the_digit_before_it(qtbot):
    from ui.widgets.amount_edit import AmountEdit

    edit = AmountEdit("x", "x", currency="VND")
    qtbot.addWidget(edit)
    type_text(qtbot, edit, "5000")
    assert edit.text() == "5.000"
    edit.setCursorPosition(2)                                            # just after the mark
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.text() == "0"                                            # 5.000 less its 5 is 000, read as 0


def test_a_delivery_customer_is_never_taken_from_the_first_match(qtbot, company, open_main):
    from ui.screens.delivery_screens import NewDeliveryDialog

    db = company["db"]
    make_user(db, Role.WAREHOUSE_VN, username="kho", full_name="Đỗ Văn Kho")
    window = open_main(db, "kho")
    dialog = NewDeliveryDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.search, "nguyen")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.customer_id is None
