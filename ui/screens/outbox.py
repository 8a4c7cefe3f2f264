"""Outbox screens: one customer message (retry, told by phone) and the mail-server dialog.

The dialog writes the SMTP password to the secrets table and never shows it back: the field
stays empty, saying only whether a password is stored.
"""
from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QInputDialog, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import _, fmt_datetime, fmt_decimal
from app.permissions import Perm
from app.remote.views_work import MAIL_KEYS
from app.services.outbox import OUTBOX_STATUS_LABELS
from ui.background import run_in_background
from ui.common import error_label, named, report_error, show_field_errors
from ui.session import Session
from ui.windows.detail import ActivityTimeline


def retry(session: Session, message_id: int, parent: QWidget) -> bool:
    try:
        session.call("outbox.retry_now", message_id)
    except DomainError as exc:
        report_error(parent, exc)
        return False
    return True


def phoned(session: Session, message_id: int, parent: QWidget) -> bool:
    note, ok = QInputDialog.getMultiLineText(parent, _("Told by phone"),
                                             _("What did the customer say? (optional)"))
    if not ok:
        return False
    try:
        session.call("outbox.mark_phoned", message_id, note)
    except DomainError as exc:
        report_error(parent, exc)
        return False
    return True


class OutboxMessageWindow(QDialog):
    """One message to a customer: to whom, what, whether it went out, and why not."""

    def __init__(self, session: Session, message_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "outbox_message_window", _("Message to a customer"))
        self.session, self.message_id, self.main = session, message_id, parent
        self.status = named(QLabel(""), "outbox_window_status")
        self.status.setStyleSheet("font-weight: bold;")
        self.customer = named(QLabel(""), "outbox_window_customer")
        self.address = named(QLabel(""), "outbox_window_address")
        self.attempts = named(QLabel(""), "outbox_window_attempts")
        self.error = named(QLabel(""), "outbox_window_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        self.subject = named(QLabel(""), "outbox_window_subject")
        self.subject.setWordWrap(True)
        self.body = named(QPlainTextEdit(), "outbox_window_body", _("Message"))
        self.body.setReadOnly(True)
        form = QFormLayout()
        form.addRow(_("Status"), self.status)
        form.addRow(_("Customer"), self.customer)
        form.addRow(_("E-mail"), self.address)
        form.addRow(_("Attempts"), self.attempts)
        form.addRow(_("Last error"), self.error)
        form.addRow(_("Subject"), self.subject)
        self.retry_button = named(QPushButton(_("Retry now")), "outbox_window_retry")
        self.retry_button.clicked.connect(lambda: self._run(retry))
        self.phoned_button = named(QPushButton(_("Told by phone…")), "outbox_window_phoned")
        self.phoned_button.clicked.connect(lambda: self._run(phoned))
        self.order_button = named(QPushButton(""), "outbox_window_open_order")
        self.order_button.clicked.connect(self.open_order)
        close = named(QPushButton(_("Close")), "outbox_window_close")
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        for b in (self.retry_button, self.phoned_button, self.order_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        self.timeline = ActivityTimeline()
        self.timeline.setMaximumHeight(140)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addLayout(row)
        layout.addWidget(self.timeline)
        self.resize(700, 560)
        self.reload()

    def reload(self) -> None:
        s = self.session
        window = s.call("outbox.message_window", self.message_id)
        v = self.view = window.message
        self.setWindowTitle(_("Message {id} to {customer}").format(id=v.id, customer=v.customer_name))
        status = _(OUTBOX_STATUS_LABELS.get(v.status, v.status))
        if v.sent_at is not None:
            status += " · " + fmt_datetime(v.sent_at)
        elif v.retry_at is not None:
            status += " · " + _("next attempt {when}").format(when=fmt_datetime(v.retry_at))
        self.status.setText(status)
        self.customer.setText(f"{v.customer_code} {v.customer_name} · {v.customer_phone or '—'}")
        self.address.setText(v.to_address or _("none"))
        self.attempts.setText(fmt_decimal(v.attempts))
        self.error.setText(v.last_error or "—")
        self.subject.setText(v.subject)
        self.body.setPlainText(v.body)
        can = s.can(Perm.CHAT_CUSTOMER)
        self.retry_button.setEnabled(can and v.can_retry)
        self.phoned_button.setEnabled(can and v.can_phone)
        self.order_button.setVisible(v.entity == "order" and v.entity_id is not None)
        self.order_button.setText(_("Open order {code}").format(code=v.entity_code))
        self.timeline.show_lines(window.history)

    def _run(self, action) -> None:
        if action(self.session, self.message_id, self):
            self.reload()
            if self.main is not None and hasattr(self.main, "refresh_all"):
                self.main.refresh_all()

    def open_order(self) -> None:
        if self.main is not None and self.view.entity_id is not None:
            self.main.open_record("order", self.view.entity_id)


class MailServerDialog(QDialog):
    """Where customer e-mails go out: server, port, user, password (secret), STARTTLS, sender."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "mail_server_dialog", _("Mail server"))
        self.setWindowTitle(_("Mail server for customer e-mails"))
        self.session = session
        server = session.call("outbox.mail_server")
        values = self.values = dict(server.values)
        self.host = named(QLineEdit(values["mail.smtp_host"]), "mail_host", _("SMTP server"))
        self.port = named(QLineEdit(str(values["mail.smtp_port"])), "mail_port", _("SMTP port"))
        self.user = named(QLineEdit(values["mail.smtp_user"]), "mail_user", _("SMTP user name"))
        self.password = named(QLineEdit(), "mail_password", _("SMTP password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.has_password = server.has_password
        self.password.setPlaceholderText(_("stored — type a new one to replace it") if self.has_password
                                         else _("not set"))
        self.forget = named(QCheckBox(_("Remove the stored password")), "mail_forget_password")
        self.forget.setVisible(self.has_password)
        self.starttls = named(QCheckBox(_("Use STARTTLS")), "mail_starttls")
        self.starttls.setChecked(values["mail.smtp_starttls"])
        self.sender = named(QLineEdit(values["mail.sender"]), "mail_sender", _("Sender address"))
        self.errors = {k: error_label(f"{k}_error") for k in MAIL_KEYS}
        form = QFormLayout()
        for label, widget, key in ((_("SMTP server"), self.host, "mail.smtp_host"),
                                   (_("SMTP port"), self.port, "mail.smtp_port"),
                                   (_("SMTP user name"), self.user, "mail.smtp_user"),
                                   (_("SMTP password"), self.password, None),
                                   ("", self.forget, None),
                                   ("", self.starttls, "mail.smtp_starttls"),
                                   (_("Sender address"), self.sender, "mail.sender")):
            form.addRow(label, widget)
            if key:
                form.addRow("", self.errors[key])
        self.test_to = named(QLineEdit(), "mail_test_to", _("Send a test message to"))
        self.test_to.setPlaceholderText(_("your address, to check the settings"))
        self.test_button = named(QPushButton(_("Send test message")), "mail_test_send")
        self.test_button.clicked.connect(self.send_test)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)
        self.status = named(QLabel(""), "mail_status")
        self.status.setWordWrap(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        save = named(box.button(QDialogButtonBox.StandardButton.Save), "mail_save")
        save.setText(_("Save"))
        named(box.button(QDialogButtonBox.StandardButton.Close), "mail_close").setText(_("Close"))
        save.clicked.connect(self.save)
        box.rejected.connect(self.reject)
        editable = session.can(Perm.EDIT_SETTINGS)
        save.setEnabled(editable)
        self.test_button.setEnabled(editable)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Customer e-mails wait in the outbox until this server accepts them.")))
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(self.status)
        layout.addWidget(box)
        self.resize(560, 420)

    def raw(self) -> dict:
        return {"mail.smtp_host": self.host.text().strip(), "mail.smtp_port": self.port.text().strip(),
                "mail.smtp_user": self.user.text().strip(), "mail.smtp_starttls": self.starttls.isChecked(),
                "mail.sender": self.sender.text().strip()}

    def save(self) -> bool:
        from app.settings import SETTINGS

        changed = {}
        for key, raw in self.raw().items():
            try:
                same = SETTINGS[key].parse(raw) == self.values[key]
            except ValueError:
                same = False
            if not same:
                changed[key] = raw
        try:
            done = self.session.call("settings.update", changed) if changed else {}
            password = self.password.text()
            if password or (self.forget.isChecked() and self.has_password):
                self.session.call("outbox.set_smtp_password", "" if self.forget.isChecked() else password)
                self.has_password = bool(password) and not self.forget.isChecked()
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            self.status.setText(_("Nothing was saved: correct the fields marked in red."))
            return False
        except DomainError as exc:
            report_error(self, exc)
            return False
        show_field_errors(self.errors, {})
        self.values.update(done)
        self.password.clear()
        self.forget.setChecked(False)
        self.forget.setVisible(self.has_password)
        self.password.setPlaceholderText(_("stored — type a new one to replace it") if self.has_password
                                         else _("not set"))
        self.status.setText(_("Saved. Waiting messages go out within a minute."))
        return True

    def send_test(self) -> None:
        if not self.save():
            return
        to = self.test_to.text().strip()
        session = self.session
        self.status.setText(_("Sending a test message to {to}…").format(to=to))
        self.test_button.setEnabled(False)

        def done(_result) -> None:
            self.test_button.setEnabled(True)
            self.status.setText(_("The test message was accepted by the server. Check the inbox of {to}.").format(to=to))

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            self.status.setText(str(exc))

        run_in_background(self, lambda p: session.call("outbox.send_test_email", to), done, on_error=failed,
                          show_progress=False)
