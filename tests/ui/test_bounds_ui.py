"""Limits the database keeps, shown where a person types: a bank reference longer than its column
is refused next to its field (it used to be cut silently), and a message for a field a dialog has
no label for is not dropped."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from sqlalchemy import func, select

from app.models import Payment
from app.permissions import Role
from tests.factories import make_user
from tests.money_helpers import accounts
from tests.ui.conftest import type_text


def test_a_bank_reference_longer_than_80_characters_is_refused_next_to_its_field(qtbot, company, open_main):
    from ui.screens.money_wallets import PaymentDialog

    db = company["db"]
    make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Ngô Thị Phương")
    accounts(db)
    main = open_main(db, "ketoan")
    dialog = PaymentDialog(main.session, "topup", company["customer"], "Nguyễn Thị Hằng", main)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.findChild(QLineEdit, "payment_amount"), "500000")
    type_text(qtbot, dialog.findChild(QLineEdit, "payment_reference"), "FT26112" + "7" * 100)
    qtbot.mouseClick(dialog.findChild(QPushButton, "payment_submit"), Qt.MouseButton.LeftButton)
    error = dialog.findChild(QLabel, "payment_bank_reference_error")
    assert error.isVisible() and "80" in error.text()
    assert dialog.isVisible()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_message_for_a_field_without_a_label_shows_under_the_first_one(qtbot):
    from ui.common import error_label, show_field_errors

    labels = {"name": error_label("x_name_error"), "phone": error_label("x_phone_error")}
    for label in labels.values():
        qtbot.addWidget(label)
    show_field_errors(labels, {"phone": "Phone: at most 40 characters.",
                               "note": "Note: at most 2000 characters."})
    assert labels["name"].text() == "Note: at most 2000 characters."
    assert labels["phone"].text() == "Phone: at most 40 characters."
    show_field_errors(labels, {"phone": "Phone: at most 40 characters."})
    assert labels["name"].text() == ""


def test_signing_in_while_the_server_is_unreachable_says_which_server_in_the_dialog(qtbot):
    import socket

    from app.db import Database
    from ui.dialogs.login import LoginDialog

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = Database(f"postgresql+psycopg://importdesk@127.0.0.1:{port}/congty")
    try:
        dialog = LoginDialog(db, "Công ty TNHH Hằng Nga")
        qtbot.addWidget(dialog)
        dialog.show()
        type_text(qtbot, dialog.findChild(QLineEdit, "login_username"), "trang")
        type_text(qtbot, dialog.findChild(QLineEdit, "login_password"), "mật khẩu 2026")
        qtbot.mouseClick(dialog.findChild(QPushButton, "login_submit"), Qt.MouseButton.LeftButton)
        error = dialog.findChild(QLabel, "login_error")
        assert error.isVisible() and f"127.0.0.1:{port}/congty" in error.text()
        assert dialog.isVisible() and dialog.signed is None
    finally:
        db.dispose()
