"""The customer chat by e-mail on the desktop: each staff line says whether its e-mail went out,
"Check mail now" and "Record rating…" in the order window's More menu, and the "Customers'
e-mails…" window with the mail that named no order (file it on an order, or dismiss it).

Every call goes through ``session.call`` (operations declared in app.remote.decl.chat)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QInputDialog,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSplitter,
                               QTextBrowser, QVBoxLayout, QWidget)

from app.errors import ValidationFailed
from app.i18n import N_, _, fmt_datetime
from app.permissions import Perm
from app.services.mailbox import MAILBOX_KEYS
from app.services.satisfaction import RATING_SOURCE_LABELS, SCORE_LABELS
from ui.background import run_in_background
from ui.common import error_label, named, report_error, show_field_errors
from ui.session import Session

#: how a staff line of the customer chat reads, by the state of its e-mail
DELIVERY_LABELS = {
    "pending": N_("e-mail waiting to be sent"),
    "sending": N_("e-mail being sent"),
    "sent": N_("e-mail sent"),
    "failed": N_("e-mail refused by the mail server"),
    "no_email": N_("no e-mail address: phone the customer"),
    "phoned": N_("told by phone"),
}


def delivery_note(line: Any) -> str:
    """" · e-mail sent" after the author of a staff line of the customer chat, else ""."""
    label = DELIVERY_LABELS.get(getattr(line, "delivery", ""))
    return f" · {_(label)}" if label else ""


def _result_text(result: Any) -> str:
    if result.error:
        return _("The mailbox could not be read to the end: {error}").format(error=result.error)
    if not result.imported:
        return _("No new e-mail.")
    return _("{n} new e-mails: {threaded} put into order chats, {unmatched} without an order.").format(
        n=result.imported, threaded=result.threaded, unmatched=result.unmatched)


# -- the order window's More menu ------------------------------------------------------------------------

def check_mail_from_order(session: Session, view: Any, parent: QWidget) -> bool:
    """Read the mailbox now; the order window reloads its chats when done."""
    def done(result: Any) -> None:
        parent.setToolTip("")
        if hasattr(parent, "reload"):
            parent.reload()
        if result.error:
            report_error(parent, RuntimeError(_result_text(result)))

    run_in_background(parent, lambda p: session.call("chat.check_mail_now"), done,
                      on_error=lambda exc: report_error(parent, exc), label=_("Checking mail…"))
    return False


class RatingDialog(QDialog):
    """What the customer said on the phone: 1 to 5, and their words."""

    def __init__(self, session: Session, order_id: int, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.order_id = session, order_id
        self.setObjectName("rating_dialog")
        self.setWindowTitle(_("Customer's rating of order {code}").format(code=code))
        self.score = named(QComboBox(), "rating_score", _("Rating"))
        for score in (5, 4, 3, 2, 1):
            self.score.addItem(f"{score} – {_(SCORE_LABELS[score])}", score)
        self.comment = named(QLineEdit(), "rating_comment", _("What the customer said"))
        self.comment.setPlaceholderText(_("What the customer said (optional)"))
        self.current = named(QLabel(), "rating_current")
        self.error = named(QLabel(), "rating_error")
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(_("Rating:"), self.score)
        form.addRow(_("Comment:"), self.comment)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        named(buttons.button(QDialogButtonBox.StandardButton.Save), "rating_save")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        rating = session.call("chat.order_rating", order_id)
        if rating is None:
            self.current.setText(_("Not rated yet."))
        else:
            self.current.setText(_("Rated {score} ({source}, {when}).").format(
                score=rating.score, source=_(RATING_SOURCE_LABELS.get(rating.source, rating.source)),
                when=fmt_datetime(rating.recorded_at)))
            self.score.setCurrentIndex(self.score.findData(rating.score))

    def save(self) -> None:
        try:
            self.session.call("chat.record_rating", self.order_id, int(self.score.currentData()),
                              self.comment.text())
        except Exception as exc:  # noqa: BLE001 — shown to the user
            report_error(self, exc)
            return
        self.accept()


def record_rating(session: Session, view: Any, parent: QWidget) -> bool:
    return RatingDialog(session, view.id, view.code, parent).exec() == QDialog.DialogCode.Accepted


# -- the mail that named no order ----------------------------------------------------------------------

class MailboxWindow(QDialog):
    """Customers' e-mails that the app could not put into an order's chat."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("mailbox_window")
        self.setWindowTitle(_("Customers' e-mails"))
        self.resize(980, 600)
        self.check_button = named(QPushButton(_("Check mail now")), "mail_check_now")
        self.check_button.clicked.connect(self.check_now)
        self.status = named(QLabel(), "mail_status")
        self.list = named(QListWidget(), "mail_unmatched_list", _("E-mails without an order"))
        self.list.currentItemChanged.connect(self._show)
        self.body = named(QTextBrowser(), "mail_body", _("The e-mail"))
        self.file_button = named(QPushButton(_("Put into an order's chat…")), "mail_file_on_order")
        self.file_button.clicked.connect(self.file_on_order)
        self.dismiss_button = named(QPushButton(_("Not about an order")), "mail_dismiss")
        self.dismiss_button.clicked.connect(self.dismiss)
        top = QHBoxLayout()
        top.addWidget(self.check_button)
        top.addWidget(self.status, 1)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(self.body)
        split.setSizes([380, 600])
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.file_button)
        actions.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("E-mails from the mailbox that name no order of their sender. Put each into the "
                                  "right order's chat, or mark it as not about an order.")))
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(actions)
        self.load()

    def load(self) -> None:
        self.list.clear()
        for m in self.session.call("chat.unmatched_mail"):
            sender = f"{m.from_name} <{m.from_address}>" if m.from_name else m.from_address
            item = QListWidgetItem(f"{fmt_datetime(m.sent_at or m.imported_at)} · {sender}\n{m.subject}")
            item.setData(Qt.ItemDataRole.UserRole, m)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.body.setPlainText(_("No e-mail is waiting."))
        self._enable()

    def _enable(self) -> None:
        chosen = self.list.currentItem() is not None
        self.file_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)

    def _show(self, item: QListWidgetItem | None, _previous=None) -> None:
        self._enable()
        if item is None:
            return
        m = item.data(Qt.ItemDataRole.UserRole)
        self.body.setPlainText(f"{_('From:')} {m.from_name} <{m.from_address}>\n{_('Subject:')} {m.subject}\n\n{m.body}")

    def _chosen(self) -> Any:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def check_now(self) -> None:
        self.check_button.setEnabled(False)
        self.status.setText(_("Checking mail…"))

        def done(result: Any) -> None:
            self.check_button.setEnabled(True)
            self.status.setText(_result_text(result))
            self.load()

        def failed(exc: BaseException) -> None:
            self.check_button.setEnabled(True)
            self.status.setText("")
            report_error(self, exc)

        run_in_background(self, lambda p: self.session.call("chat.check_mail_now"), done, on_error=failed,
                          show_progress=False)

    def file_on_order(self, code: str | None = None) -> bool:
        m = self._chosen()
        if m is None:
            return False
        if not code:
            code, ok = QInputDialog.getText(self, _("Put into an order's chat"), _("Order code:"))
            if not ok:
                return False
        try:
            self.session.call("chat.file_mail_on_order", m.id, code)
        except Exception as exc:  # noqa: BLE001 — shown to the user
            report_error(self, exc)
            return False
        self.load()
        return True

    def dismiss(self) -> None:
        m = self._chosen()
        if m is None:
            return
        try:
            self.session.call("chat.dismiss_mail", m.id)
        except Exception as exc:  # noqa: BLE001 — shown to the user
            report_error(self, exc)
            return
        self.load()


class MailboxSettingsDialog(QDialog):
    """Where the customers' replies arrive: the IMAP server, its encryption, user, password (a
    secret: never shown), folder, and how often the app looks."""

    SECURITY = (("ssl", N_("SSL/TLS (port 993)")), ("starttls", N_("STARTTLS (port 143)")),
                ("none", N_("None (only inside the office network)")))

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        named(self, "mailbox_settings_dialog", _("Mailbox for replies"))
        self.setWindowTitle(_("Mailbox for the customers' replies"))
        v = session.call("chat.mailbox_settings")
        self.password_set = v.password_set
        self.host = named(QLineEdit(v.host), "imap_host", _("IMAP server"))
        self.port = named(QLineEdit(str(v.port)), "imap_port", _("IMAP port"))
        self.security = named(QComboBox(), "imap_security", _("Encryption"))
        for value, label in self.SECURITY:
            self.security.addItem(_(label), value)
        self.security.setCurrentIndex(max(self.security.findData(v.security), 0))
        self.user = named(QLineEdit(v.user), "imap_user", _("IMAP user name"))
        self.password = named(QLineEdit(), "imap_password", _("IMAP password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("stored — type a new one to replace it") if v.password_set
                                         else _("not set"))
        self.forget = named(QCheckBox(_("Remove the stored password")), "imap_forget_password")
        self.forget.setVisible(v.password_set)
        self.folder = named(QLineEdit(v.folder), "imap_folder", _("Folder"))
        self.minutes = named(QLineEdit(str(v.check_minutes)), "imap_check_minutes", _("Check every (minutes)"))
        self.errors = {k: error_label(f"{k}_error") for k in MAILBOX_KEYS}
        form = QFormLayout()
        for label, widget, key in ((_("IMAP server"), self.host, "mail.imap_host"),
                                   (_("IMAP port"), self.port, "mail.imap_port"),
                                   (_("Encryption"), self.security, "mail.imap_security"),
                                   (_("IMAP user name"), self.user, "mail.imap_user"),
                                   (_("IMAP password"), self.password, None),
                                   ("", self.forget, None),
                                   (_("Folder"), self.folder, "mail.imap_folder"),
                                   (_("Check every (minutes)"), self.minutes, "mail.imap_check_minutes")):
            form.addRow(label, widget)
            if key:
                form.addRow("", self.errors[key])
        self.status = named(QLabel(""), "imap_status")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        save = named(buttons.button(QDialogButtonBox.StandardButton.Save), "imap_save")
        save.setText(_("Save"))
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "imap_close").setText(_("Close"))
        save.clicked.connect(self.save)
        save.setEnabled(session.can(Perm.EDIT_SETTINGS))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Customers answer the e-mails the app sends; the app reads their replies "
                                  "from this mailbox into the orders' chats.")))
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def save(self) -> bool:
        try:
            self.session.call("chat.save_mailbox_settings", self.host.text().strip(), self.port.text().strip(),
                              self.security.currentData(), self.user.text().strip(), self.folder.text().strip(),
                              self.minutes.text().strip(), self.password.text(), self.forget.isChecked())
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            self.status.setText(_("Nothing was saved: correct the fields marked in red."))
            return False
        except Exception as exc:  # noqa: BLE001 — shown to the user
            report_error(self, exc)
            return False
        show_field_errors(self.errors, {})
        self.password_set = (self.password_set or bool(self.password.text())) and not self.forget.isChecked()
        self.password.clear()
        self.forget.setChecked(False)
        self.forget.setVisible(self.password_set)
        self.password.setPlaceholderText(_("stored — type a new one to replace it") if self.password_set
                                         else _("not set"))
        self.status.setText(_("Saved. Use \"Check mail now\" to try the mailbox."))
        return True


def open_mailbox(session: Session, parent: QWidget | None) -> None:
    """The "Customers' e-mails…" action."""
    window = MailboxWindow(session, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()


def _register() -> None:
    from ui.windows.registry import OrderCommand, register_order_command

    register_order_command(OrderCommand("check_mail", N_("Check mail now"), Perm.CHAT_CUSTOMER,
                                        check_mail_from_order))
    register_order_command(OrderCommand(
        "record_rating", N_("Record rating…"), Perm.CHAT_CUSTOMER, record_rating,
        lambda view, actor: view.can_rate))


_register()
