"""Dialogs of a desktop that works through an application server: trusting its certificate on the
first connection, and signing in again when the session has ended."""
from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from app.errors import DomainError
from app.i18n import _
from app.services.auth import SignedIn
from ui.common import error_label, named


def split_fingerprint(fingerprint: str) -> str:
    """The 32 pairs in two lines of 16, easier to compare with what the server printed."""
    pairs = fingerprint.split(":")
    if len(pairs) <= 16:
        return fingerprint
    return ":".join(pairs[:16]) + ":\n" + ":".join(pairs[16:])


class FingerprintDialog(QDialog):
    """First connection to a server: its address and certificate fingerprint; Trust or Cancel."""

    def __init__(self, server: str, fingerprint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "fingerprint_dialog", _("Trust this server?"))
        self.setWindowTitle(_("Trust this server?"))
        intro = QLabel(_("This computer has not connected to this server before. Compare the "
                         "fingerprint below with the one the server printed when it started "
                         "(ask your administrator). Trust it only if they are the same."))
        intro.setWordWrap(True)
        address = named(QLabel(server), "fingerprint_server")
        address.setFont(_bold())
        shown = named(QLabel(split_fingerprint(fingerprint)), "fingerprint_value",
                      _("Certificate fingerprint (SHA-256)"))
        shown.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        shown.setTextInteractionFlags(shown.textInteractionFlags() | _selectable())
        form = QFormLayout()
        form.addRow(_("Server"), address)
        form.addRow(_("Fingerprint (SHA-256)"), shown)
        note = QLabel(_("If they differ, someone may be between this computer and the server: "
                        "press Cancel and tell the administrator."))
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        box = QDialogButtonBox()
        trust = named(box.addButton(_("Trust"), QDialogButtonBox.ButtonRole.AcceptRole), "fingerprint_trust")
        cancel = named(box.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole), "fingerprint_cancel")
        cancel.setDefault(True)      # Enter alone never trusts a certificate
        trust.setAutoDefault(False)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(box)
        self.setMinimumWidth(560)


class ReauthDialog(QDialog):
    """The session on the server has ended (the server was reset, it expired, an administrator
    ended it): the same person types their password again and the action goes on."""

    def __init__(self, full_name: str, username: str, server: str,
                 sign_in: Callable[[str], SignedIn], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "reauth_dialog", _("Sign in again"))
        self.setWindowTitle(_("Sign in again — ImportDesk"))
        self.sign_in = sign_in
        self.signed: SignedIn | None = None
        intro = QLabel(_("Your session on the server {server} has ended. Type your password to go on "
                         "where you were; your open windows and what you typed are kept.").format(server=server))
        intro.setWordWrap(True)
        who = named(QLabel(f"{full_name} ({username})"), "reauth_user")
        who.setFont(_bold())
        self.password = named(QLineEdit(), "reauth_password", _("Password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = error_label("reauth_error")
        form = QFormLayout()
        form.addRow(_("User"), who)
        form.addRow(_("Password"), self.password)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = named(box.button(QDialogButtonBox.StandardButton.Ok), "reauth_submit", _("Sign in"))
        ok.setText(_("Sign in"))
        ok.setDefault(True)
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "reauth_cancel").setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(box)
        self.setMinimumWidth(460)
        self.password.setFocus()

    def accept(self) -> None:
        try:
            self.signed = self.sign_in(self.password.text())
        except DomainError as exc:      # a wrong password, a locked or disabled account, no server
            self.error.setText(str(exc))
            self.error.show()
            self.password.clear()
            self.password.setFocus()
            return
        super().accept()


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def _selectable():
    from PySide6.QtCore import Qt

    return Qt.TextInteractionFlag.TextSelectableByMouse
