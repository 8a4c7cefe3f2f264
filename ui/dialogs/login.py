"""Signing in, the first-run set-up of a new company, and changing one's own password."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QHeaderView, QLabel, QLineEdit, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.db import Database
from app.demo import DemoAccount, demo_accounts
from app.errors import DomainError, ValidationFailed
from app.i18n import LANGUAGES, _, set_language
from app.permissions import ROLE_LABELS
from app.services import auth
from app.services.auth import SignedIn
from ui.common import error_label, named, show_field_errors


def _buttons(dialog: QDialog, ok_text: str, ok_name: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    named(ok, ok_name, ok_text).setText(ok_text)
    ok.setDefault(True)
    named(box.button(QDialogButtonBox.StandardButton.Cancel), f"{ok_name}_cancel").setText(_("Cancel"))
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def _password_field(name: str, label: str) -> QLineEdit:
    edit = named(QLineEdit(), name, label)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class LoginDialog(QDialog):
    def __init__(self, db: Database, company: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "login_dialog", _("Sign in"))
        self.db = db
        self.signed: SignedIn | None = None
        self.setWindowTitle(_("Sign in — ImportDesk"))
        self.username = named(QLineEdit(), "login_username", _("User name"))
        self.password = _password_field("login_password", _("Password"))
        self.error = error_label("login_error")
        title = named(QLabel(f"<b>{company}</b>"), "login_company")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        where = named(QLabel(db.describe()), "login_database")
        where.setStyleSheet("color: #666;")
        form = QFormLayout()
        form.addRow(_("User name"), self.username)
        form.addRow(_("Password"), self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(where)
        layout.addWidget(_buttons(self, _("Sign in"), "login_submit"))
        self.setMinimumWidth(380)
        # The demo company shows who to sign in as; a real company's dialog never lists anyone.
        try:
            self.accounts = demo_accounts(db)
        except DomainError:     # the server cannot be reached: signing in will say which, and why
            self.accounts = []
        if self.accounts:
            layout.addWidget(self._demo_table(self.accounts))
            self.setMinimumWidth(640)

    def _demo_table(self, accounts: list[DemoAccount]) -> QWidget:
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 8, 0, 0)
        hint = named(QLabel(_("Demo company: one account per role. Click an account to fill in the form.")),
                     "login_demo_hint")
        hint.setWordWrap(True)
        table = named(QTableWidget(len(accounts), 4), "login_demo_accounts", _("Demo accounts"))
        table.setHorizontalHeaderLabels([_("User name"), _("Full name"), _("Role"), _("Password")])
        for row, account in enumerate(accounts):
            cells = (account.username, account.full_name,
                     ", ".join(_(ROLE_LABELS[r]) for r in account.roles), account.password)
            for col, text in enumerate(cells):
                table.setItem(row, col, QTableWidgetItem(text))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        shown = min(len(accounts), 12)     # every account of the demo without scrolling
        table.setMinimumHeight(table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                               + shown * table.verticalHeader().defaultSectionSize())
        table.cellClicked.connect(lambda row, _col: self._use_account(accounts[row]))
        inner.addWidget(hint)
        inner.addWidget(table)
        return box

    def _use_account(self, account: DemoAccount) -> None:
        self.username.setText(account.username)
        self.password.setText(account.password)
        self.error.hide()

    def accept(self) -> None:
        try:
            self.signed = auth.login(self.db, self.username.text(), self.password.text())
        except DomainError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.password.clear()
            self.password.setFocus()
            return
        super().accept()


class FirstRunDialog(QDialog):
    """A new, empty database: the company's name and its first administrator. No default password."""

    FIELDS = ("company_name", "username", "full_name", "password", "password2", "language")

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "setup_dialog", _("Set up the company"))
        self.db = db
        self.signed: SignedIn | None = None
        self.setWindowTitle(_("Welcome to ImportDesk"))
        intro = QLabel(_("This database is new. Enter your company's name and create the first "
                         "administrator account; you will add your staff after signing in."))
        intro.setWordWrap(True)
        self.company = named(QLineEdit(), "setup_company_name", _("Company name"))
        self.username = named(QLineEdit("admin"), "setup_username", _("User name"))
        self.full_name = named(QLineEdit(), "setup_full_name", _("Full name"))
        self.password = _password_field("setup_password", _("Password"))
        self.password2 = _password_field("setup_password2", _("Repeat the password"))
        self.language = named(QComboBox(), "setup_language", _("Language"))
        for code, (name, _loc) in LANGUAGES.items():
            self.language.addItem(name, code)
        self.errors = {f: error_label(f"setup_{f}_error") for f in self.FIELDS}
        form = QFormLayout()
        for label, widget, key in ((_("Company name"), self.company, "company_name"),
                                   (_("Administrator user name"), self.username, "username"),
                                   (_("Administrator full name"), self.full_name, "full_name"),
                                   (_("Password"), self.password, "password"),
                                   (_("Repeat the password"), self.password2, "password2"),
                                   (_("Language"), self.language, "language")):
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, _("Create the company"), "setup_submit"))
        self.setMinimumWidth(460)

    def accept(self) -> None:
        if self.password.text() != self.password2.text():
            show_field_errors(self.errors, {"password2": _("The two passwords differ.")})
            return
        lang = self.language.currentData()
        try:
            self.signed = auth.first_run_setup(self.db, self.company.text(), self.username.text(),
                                               self.full_name.text(), self.password.text(), lang)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        set_language(lang)
        super().accept()


class ChangePasswordDialog(QDialog):
    def __init__(self, db: Database, actor, forced: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "password_dialog", _("Change password"))
        self.db, self.actor = db, actor
        self.setWindowTitle(_("Change password"))
        self.old = _password_field("password_old", _("Current password"))
        self.new = _password_field("password_new", _("New password"))
        self.new2 = _password_field("password_new2", _("Repeat the new password"))
        self.errors = {k: error_label(f"password_{k}_error") for k in ("old_password", "new_password", "new2")}
        layout = QVBoxLayout(self)
        if forced:
            note = QLabel(_("An administrator set a temporary password for you. Choose your own now."))
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        form.addRow(_("Current password"), self.old)
        form.addRow("", self.errors["old_password"])
        form.addRow(_("New password"), self.new)
        form.addRow("", self.errors["new_password"])
        form.addRow(_("Repeat the new password"), self.new2)
        form.addRow("", self.errors["new2"])
        layout.addLayout(form)
        layout.addWidget(_buttons(self, _("Change password"), "password_submit"))

    def accept(self) -> None:
        if self.new.text() != self.new2.text():
            show_field_errors(self.errors, {"new2": _("The two passwords differ.")})
            return
        try:
            auth.change_own_password(self.db, self.actor, self.old.text(), self.new.text())
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        super().accept()
