"""Signing in, the first-run set-up of a new company, and changing one's own password."""
from __future__ import annotations

import socket
import threading
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QHeaderView, QLabel, QLineEdit, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.db import Database
from app.demo import DemoAccount, demo_accounts
from app.errors import DomainError, ValidationFailed
from app.i18n import LANGUAGES, _, set_language
from app.permissions import ROLE_LABELS
from app.remote.client import KnownServers, RemoteClient, normalize_url
from app.remote.errors import FingerprintMismatch, TooManyAttempts, UnknownServer
from app.services import auth
from app.services.auth import SignedIn
from ui.common import error_label, named, show_field_errors

#: the server this desktop signed in to last ("" for its own database), in ui.session.settings_store
LAST_SERVER_KEY = "connect/server"


def last_server() -> str:
    from ui.session import settings_store

    return str(settings_store().value(LAST_SERVER_KEY, "") or "")


def remember_server(url: str) -> None:
    from ui.session import settings_store

    settings_store().setValue(LAST_SERVER_KEY, url)


def _buttons(dialog: QDialog, ok_text: str, ok_name: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    named(ok, ok_name, ok_text).setText(ok_text)
    ok.setDefault(True)
    named(box.button(QDialogButtonBox.StandardButton.Cancel), f"{ok_name}_cancel").setText(_("Cancel"))
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def _leave(client: RemoteClient) -> None:
    """End a session nobody will use (signed in just as Cancel was pressed)."""
    try:
        client.logout()
    except Exception:  # noqa: BLE001 — it ends on the server by itself
        pass
    finally:
        client.close()


def _client_name() -> str:
    """Which computer a session on the server is from (shown to an administrator)."""
    try:
        return socket.gethostname()[:120]
    except OSError:
        return ""


def _password_field(name: str, label: str) -> QLineEdit:
    edit = named(QLineEdit(), name, label)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class LoginDialog(QDialog):
    """User name and password, and where the company's data is: empty "Server" is this computer's
    own database (as a single desktop has always worked); an address signs in to that application
    server, trusting its certificate on the first connection (the fingerprint prompt).

    After ``exec()`` is accepted: ``signed`` (None when a new, empty own database needs its first
    run), and either ``db`` (this computer's database) or ``client`` and ``server`` (signed in to
    the server; no database on this desktop)."""

    def __init__(self, db: Database | None, company: str, parent: QWidget | None = None, *,
                 server: str | None = None, open_local: Callable[[], Database] | None = None,
                 known: KnownServers | None = None) -> None:
        super().__init__(parent)
        named(self, "login_dialog", _("Sign in"))
        self.db = db
        self.open_local = open_local
        self.known = known
        self.signed: SignedIn | None = None
        self.client: RemoteClient | None = None
        self.server: str | None = None
        self._busy = False
        self._cancelled = False
        self.fingerprint_prompt = None
        self.setWindowTitle(_("Sign in — ImportDesk"))
        self.username = named(QLineEdit(), "login_username", _("User name"))
        self.password = _password_field("login_password", _("Password"))
        self.server_edit = named(QLineEdit(last_server() if server is None else server), "login_server",
                                 _("Server"))
        self.server_edit.setPlaceholderText(_("empty: this computer's own database"))
        self.server_edit.setToolTip(_("The address of your company's ImportDesk server, e.g. "
                                      "https://192.168.1.10:8443. Leave it empty to work on this "
                                      "computer's own database."))
        self.error = error_label("login_error")
        title = named(QLabel(f"<b>{company}</b>"), "login_company")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.where = named(QLabel(), "login_database")
        self.where.setStyleSheet("color: #666;")
        self.where.setWordWrap(True)
        self.server_edit.textChanged.connect(self._show_where)
        form = QFormLayout()
        form.addRow(_("User name"), self.username)
        form.addRow(_("Password"), self.password)
        form.addRow(_("Server"), self.server_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.where)
        self.buttons = _buttons(self, _("Sign in"), "login_submit")
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self._show_where()
        # The demo company shows who to sign in as; a real company's dialog never lists anyone.
        try:
            self.accounts = demo_accounts(db) if db is not None else []
        except DomainError:     # the server cannot be reached: signing in will say which, and why
            self.accounts = []
        if self.accounts:
            layout.addWidget(self._demo_table(self.accounts))
            self.setMinimumWidth(640)
        (self.password if self.username.text() else self.username).setFocus()

    def _show_where(self) -> None:
        server = self.server_edit.text().strip()
        database = self.db        # this computer's own database (sign-in comes before any session)
        if server:
            self.where.setText(_("Signs in to the server {server}").format(server=server))
        elif database is not None:
            self.where.setText(database.describe())
        else:
            self.where.setText(_("This computer's own database"))

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

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        if text:    # a long refusal (a certificate's fingerprints) makes the dialog taller, never narrower
            self.layout().activate()
            need = self.layout().totalHeightForWidth(self.width()) if self.layout().hasHeightForWidth() \
                else self.sizeHint().height()
            if need > self.height():
                self.resize(self.width(), need)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        for widget in (self.username, self.password, self.server_edit,
                       self.buttons.button(QDialogButtonBox.StandardButton.Ok)):
            widget.setEnabled(not busy)
        if busy:
            self.where.setText(text)
        else:
            self._show_where()

    def accept(self) -> None:
        if self._busy:
            return
        self._say("")
        server = self.server_edit.text().strip()
        if server:
            try:
                url = normalize_url(server)
            except ValueError:
                self._say(_("“{server}” is not a server address. Type it as the administrator gave "
                            "it, e.g. https://192.168.1.10:8443.").format(server=server))
                self.server_edit.setFocus()
                return
            self._connect(url)
            return
        if self.db is None:
            try:
                self.db = self.open_local() if self.open_local is not None else None
            except Exception as exc:  # noqa: BLE001 — a newer schema, a locked file…
                self._say(_("The database could not be opened:\n{error}").format(error=exc))
                return
            if self.db is None:
                self._say(_("Type the address of your company's server."))
                return
            from app import db as dbmod

            if dbmod.is_empty(self.db):   # a new company on this computer: the first-run set-up
                remember_server("")
                super().accept()
                return
        try:
            self.signed = auth.login(self.db, self.username.text(), self.password.text())
        except DomainError as exc:
            self._refused(exc)
            return
        remember_server("")
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, FingerprintMismatch):
            from ui.dialogs.server import split_fingerprint

            text = str(exc)     # 95 characters without a space each: in two lines, as the prompt shows them
            for value in (exc.params.get("got"), exc.params.get("expected")):
                if value:
                    shown = "\n" + split_fingerprint(value) + "\n"
                    text = text.replace(f"({value})", shown).replace(f"（{value}）", shown).replace(value, shown)
            for stop in (". ", ".", "。", "．"):
                text = text.replace("\n" + stop, stop.strip() + "\n")
            self._say(text.replace("\n ", "\n").replace(" \n", "\n").strip())
        elif isinstance(exc, DomainError):
            self._say(str(exc))
        else:
            self._say(_("Something went wrong and nothing was saved: {error}").format(error=exc))
        if isinstance(exc, (auth.LoginFailed, auth.AccountLocked, auth.AccountDisabled, TooManyAttempts)):
            self.password.clear()
            self.password.setFocus()

    # -- signing in to a server: off the UI thread, the fingerprint asked on the first connection ----
    def _connect(self, url: str) -> None:
        from ui.background import run_in_background

        client = self.client if self.client is not None and self.client.url == url else None
        if client is None:
            client = RemoteClient(url, self.known if self.known is not None else KnownServers(),
                                  client_name=_client_name())
        username, password = self.username.text(), self.password.text()

        def work(_progress: Any) -> tuple[str, Any]:
            try:
                client.connect()
            except UnknownServer as first:       # nothing but a TLS handshake has happened
                return "unknown", first
            return "signed", client.login(username, password)

        def done(outcome: tuple[str, Any]) -> None:
            self._set_busy(False)
            kind, value = outcome
            if self._cancelled:          # Cancel was pressed while connecting: leave again
                if kind == "signed":
                    threading.Thread(target=_leave, args=(client,), daemon=True).start()
                return
            if kind == "unknown":
                self._ask_trust(client, value)
                return
            self.client, self.server, self.signed = client, url, value
            remember_server(url)
            QDialog.accept(self)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            client.close()
            if not self._cancelled:
                self._refused(exc)

        self._set_busy(True, _("Connecting to {server}…").format(server=url))
        run_in_background(self, work, done, on_error=failed, show_progress=False)

    def _ask_trust(self, client: RemoteClient, first: UnknownServer) -> None:
        from ui.dialogs.server import FingerprintDialog

        prompt = FingerprintDialog(client.url, first.identity.fingerprint, self)
        self.fingerprint_prompt = prompt

        def answered(result: int) -> None:
            self.fingerprint_prompt = None
            prompt.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                client.trust(first.identity)    # pinned: connect() now accepts exactly this certificate
                self._connect(client.url)
            else:
                self._say(_("The server was not trusted: nothing was sent to it."))

        prompt.finished.connect(answered)
        prompt.open()

    def reject(self) -> None:
        self._cancelled = True
        if self.client is not None and self.signed is None:
            self.client.close()
        super().reject()

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
    """Changing one's own password: ``caller`` is the Session (or, before the main window, the
    backend signed in) whose ``call("auth.change_own_password", …)`` does it, on this desktop's
    database or on the server. (A Database and an actor, as before, still work.)"""

    def __init__(self, caller: Any, actor=None, forced: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "password_dialog", _("Change password"))
        if isinstance(caller, Database):
            from app.remote.backend import InProcess

            caller = InProcess(caller, actor)
        self.caller = caller
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
            self.caller.call("auth.change_own_password", self.old.text(), self.new.text())
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:      # the server cannot be reached, the session ended and was not renewed
            from ui.common import report_error

            report_error(self, exc)
            return
        super().accept()
