"""The demo company's sign-in dialog lists its accounts; a real company's lists nobody."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QTableWidget

from app.demo import create_demo_company
from app.i18n import _
from app.permissions import ROLE_LABELS


def test_the_demo_sign_in_dialog_lists_every_account_with_its_role_and_a_click_signs_in(qtbot, sqlite_db):
    from ui.dialogs.login import LoginDialog

    accounts = create_demo_company(sqlite_db)
    dialog = LoginDialog(sqlite_db, "Công ty TNHH Vận chuyển Hằng Nga (demo)")
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.findChild(QTableWidget, "login_demo_accounts")
    assert table is not None and table.isVisible()
    shown = [tuple(table.item(row, col).text() for col in range(4)) for row in range(table.rowCount())]
    assert shown == [(a.username, a.full_name, ", ".join(_(ROLE_LABELS[r]) for r in a.roles), a.password)
                     for a in accounts]
    assert ("quanly", "Phạm Quốc Hùng", f"{_(ROLE_LABELS['manager'])}, {_(ROLE_LABELS['care'])}") == shown[1][:3]
    assert shown[7][2] == _(ROLE_LABELS["forwarder_vn"]) != ROLE_LABELS["forwarder_vn"]   # in Vietnamese
    # clicking the Vietnam forwarder's row fills the form; signing in takes that person in
    row = [r[0] for r in shown].index("khovn")
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.findChild(QLineEdit, "login_username").text() == "khovn"
    assert dialog.findChild(QLineEdit, "login_password").text() == accounts[row].password
    qtbot.mouseClick(dialog.findChild(QPushButton, "login_submit"), Qt.MouseButton.LeftButton)
    assert dialog.signed is not None and dialog.signed.username == "khovn"


def test_a_real_company_sign_in_dialog_lists_no_accounts(qtbot, company):
    from ui.dialogs.login import LoginDialog

    dialog = LoginDialog(company["db"], "Công ty Hằng Nga")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.findChild(QTableWidget, "login_demo_accounts") is None
    assert dialog.findChild(QLineEdit, "login_username").text() == ""
