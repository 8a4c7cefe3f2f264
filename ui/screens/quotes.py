"""Quotes in the order window: the "Quotes" tab (every version with its status, the difference a
re-quote made, "Send quote…", "Re-quote…", "Customer accepted", "Customer refused…", "Save PDF…")
and the "Send quote…" command of the window's "More" menu. Data only through ``session.call``
(operations declared in app.remote.decl.quotes)."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QInputDialog,
                               QLabel, QPushButton, QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _, fmt_datetime, fmt_decimal, fmt_money
from app.permissions import Perm
from ui.common import ask_save_path, error_label, named, report_error, show_field_errors
from ui.screens.money_common import cell, heading, readonly_table
from ui.session import Session
from ui.widgets.read_when_shown import ReadWhenShown

#: order statuses whose rate is not fixed yet (the service decides; this only hides the command)


def _signed(money) -> str:
    if money is None:
        return "—"
    return ("+" if money.amount > 0 else "") + fmt_money(money)


class SendQuoteDialog(QDialog):
    """Choose how long the quote holds its rate (default from the settings), then send it: the
    customer gets the e-mail; the PDF can be saved from the Quotes tab."""

    def __init__(self, session: Session, order_id: int, order_code: str, default_until: datetime,
                 requote: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.order_id, self.requote = session, order_id, requote
        self.result_view = None
        self.setObjectName("quote_dialog")
        self.setWindowTitle((_("Re-quote order {code} at today's rate") if requote
                             else _("Send a quote for order {code}")).format(code=order_code))
        self.until = named(QDateTimeEdit(), "quote_valid_until", _("Valid until"))
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.until.setDateTime(QDateTime(default_until.astimezone()))
        self.until_error = error_label("quote_valid_until_error")
        explain = QLabel(_("The customer is sent the items, the selling rate of now, the fees known now and the "
                           "deposit. A deposit received before this time keeps the rate; after it, the order is "
                           "quoted again and waits for the customer's answer.") if not requote else
                         _("The order is quoted at today's rate; the customer is told the difference and nothing "
                           "is bought until you record their answer."))
        explain.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Valid until:"), self.until)
        form.addRow("", self.until_error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Re-quote") if requote else _("Send"))
        named(ok, "quote_send_ok", ok.text())
        named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "quote_send_cancel", _("Cancel"))
        buttons.accepted.connect(self.send)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(480, 200)

    def valid_until(self) -> datetime:
        return self.until.dateTime().toPython().astimezone().astimezone(timezone.utc)

    def send(self) -> None:
        try:
            self.result_view = self.session.call("quotes.requote" if self.requote else "quotes.send",
                                                 self.order_id, self.valid_until())
        except ValidationFailed as exc:
            show_field_errors({"valid_until": self.until_error}, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


class OrderQuotesTab(ReadWhenShown, QWidget):
    """The order's quote versions, newest first, and what care staff do with them (read when first
    shown: ui.widgets.read_when_shown)."""

    HEADERS = (N_("Version"), N_("Status"), N_("Rate (₫ per ¥)"), N_("Total known now"), N_("Difference"),
               N_("Deposit"), N_("Valid until"), N_("Quoted by"), N_("Answer"))

    def __init__(self, session: Session, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.order_id, self.order_code = session, view.id, view.code
        self.panel = None
        self.table = readonly_table("quotes_versions", _("Quote versions"), [_(h) for h in self.HEADERS])
        header = self.table.horizontalHeader()
        for col, width in enumerate((70, 190, 110, 130, 110, 120, 140, 140)):
            # never narrower than its heading ("Phiên bản" was cut at 70 px)
            self.table.setColumnWidth(col, max(width, header.sectionSizeHint(col)))
        self.summary = named(QLabel(""), "quotes_summary")
        self.summary.setWordWrap(True)
        self.send_button = named(QPushButton(_("&Send quote…")), "send_quote", _("Send quote"))
        self.requote_button = named(QPushButton(_("&Re-quote…")), "quote_requote", _("Re-quote"))
        self.accept_button = named(QPushButton(_("Customer &accepted")), "quote_accepted", _("Customer accepted"))
        self.refuse_button = named(QPushButton(_("Customer re&fused…")), "quote_refused", _("Customer refused"))
        self.pdf_button = named(QPushButton(_("Save &PDF…")), "quote_save_pdf", _("Save PDF"))
        self.send_button.clicked.connect(lambda: self._quote(False))
        self.requote_button.clicked.connect(lambda: self._quote(True))
        self.accept_button.clicked.connect(self._accepted)
        self.refuse_button.clicked.connect(self._refused)
        self.pdf_button.clicked.connect(self._save_pdf)
        buttons = QHBoxLayout()
        for b in (self.send_button, self.requote_button, self.accept_button, self.refuse_button, self.pdf_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Quotes")))
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh(view)

    def load(self) -> None:
        try:
            p = self.panel = self.session.call("quotes.panel", self.order_id)
        except DomainError as exc:
            self._stale = True      # not read: read again when next shown
            report_error(self, exc)
            return
        self.table.setRowCount(len(p.versions))
        for r, q in enumerate(p.versions):
            answer = " · ".join(x for x in (q.decided_by, fmt_datetime(q.decided_at) if q.decided_at else "", q.note) if x)
            status = q.status_label + (" — " + _("expired") if q.expired and q.answerable else "")
            values = [str(q.version), status, fmt_decimal(q.selling_rate), fmt_money(q.total_vnd),
                      _signed(q.difference_vnd), fmt_money(q.deposit_vnd), fmt_datetime(q.valid_until),
                      q.created_by, answer]
            for col, value in enumerate(values):
                self.table.setItem(r, col, cell(value, col in (2, 3, 4, 5)))
        if p.versions:
            self.table.selectRow(0)
        self.summary.setText(self._summary(p))
        may = self.session.can(Perm.EDIT_ORDERS)
        last = p.versions[0] if p.versions else None
        open_ = last is not None and last.answerable
        self.send_button.setEnabled(may and p.can_quote)
        self.requote_button.setEnabled(may and p.can_quote and last is not None)
        self.accept_button.setEnabled(may and open_ and not last.expired)
        self.refuse_button.setEnabled(may and open_)
        self.pdf_button.setEnabled(last is not None)
        tip = p.why_not if not p.can_quote else ""
        self.send_button.setToolTip(tip)
        self.requote_button.setToolTip(tip)

    def _summary(self, p) -> str:
        if not p.versions:
            return p.why_not or _("No quote sent yet. A quote holds the selling rate of now until the time you "
                                  "choose.")
        q = p.versions[0]
        if q.awaiting and q.previous_rate is not None and q.difference_vnd is not None:
            return _("Version {version} waits for the customer: the rate went from {old} to {new} ₫ per ¥, the total "
                     "changed by {difference}. Nothing is bought until you record their answer.").format(
                version=q.version, old=fmt_decimal(q.previous_rate), new=fmt_decimal(q.selling_rate),
                difference=_signed(q.difference_vnd))
        if q.answerable and not q.awaiting and not q.expired:   # sent, still holding its rate
            return _("Version {version} holds {rate} ₫ per ¥ until {time}.").format(
                version=q.version, rate=fmt_decimal(q.selling_rate), time=fmt_datetime(q.valid_until))
        return _("Latest version {version}: {status}.").format(version=q.version, status=q.status_label)

    def _latest(self):
        return self.panel.versions[0] if self.panel and self.panel.versions else None

    def _changed(self) -> None:
        window = self.window()
        if hasattr(window, "reload") and window is not self:
            try:
                window.reload()          # the order window: the order's status may have moved
            except DomainError as exc:
                report_error(self, exc)
        self.load()

    def _quote(self, requote: bool) -> None:
        if self.panel is None:
            return
        dialog = SendQuoteDialog(self.session, self.order_id, self.order_code, self.panel.default_valid_until,
                                 requote, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._changed()

    def _accepted(self) -> None:
        q = self._latest()
        if q is None:
            return
        try:
            self.session.call("quotes.accepted", q.id)
        except DomainError as exc:
            report_error(self, exc)
            return
        self._changed()

    def _refused(self) -> None:
        q = self._latest()
        if q is None:
            return
        reason, ok = QInputDialog.getText(self, _("Customer refused"), _("What did the customer say? (optional)"))
        if not ok:
            return
        try:
            self.session.call("quotes.refused", q.id, reason)
        except DomainError as exc:
            report_error(self, exc)
            return
        self._changed()

    def _save_pdf(self) -> None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        versions = self.panel.versions if self.panel else ()
        if not versions:
            return
        q = versions[rows[0].row()] if rows else versions[0]
        path = ask_save_path(self, _("Save the quote"), f"{self.order_code}-v{q.version}.pdf", _("PDF (*.pdf)"))
        if not path:
            return
        try:
            data = self.session.call("quotes.pdf", q.id)
        except DomainError as exc:
            report_error(self, exc)
            return
        with open(path, "wb") as f:
            f.write(data)


# -- registration ------------------------------------------------------------------------------

def _quotes_tab(session: Session, view, parent: QWidget | None = None) -> QWidget:
    return OrderQuotesTab(session, view, parent)


def _send_quote_command(session: Session, view, parent: QWidget | None = None) -> bool:
    panel = session.call("quotes.panel", view.id)
    if not panel.can_quote:
        raise DomainError(panel.why_not)
    dialog = SendQuoteDialog(session, view.id, view.code, panel.default_valid_until, False, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted


def _quotable(view, actor) -> bool:
    return view.can_quote


def _register() -> None:
    from ui.windows.registry import OrderCommand, OrderTab, register_order_command, register_order_tab

    register_order_tab(OrderTab("order_tab_quotes", N_("Quotes"), Perm.VIEW_ORDERS, _quotes_tab, order=25))
    register_order_command(OrderCommand("order_send_quote", N_("Send quote…"), Perm.EDIT_ORDERS,
                                        _send_quote_command, _quotable))


_register()
