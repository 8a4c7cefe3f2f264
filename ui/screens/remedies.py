"""Remedies that fit (issue 17), on screen — every call through ``session.call``:

* the order window's "Change committed date…" (``change_committed_date``): new date(s) and a
  reason the customer will read;
* the complaint plan dialog's "Suggested" box: what the rules in settings propose (refund,
  compensation, priority shipping on the next order) and why; "Use suggestion" ticks and fills
  the plan, which staff may still change (hooked in by ``ui.screens.complaints.PlanDialog``);
* the shop order screen's review banner: a shop whose KPIs fall under the thresholds in settings
  says so, with which KPI and its value (hooked in by ``ui.screens.money_purchasing``);
* "E-mail me my notices too": the user admin dialog's check box and the File menu's own choice.
"""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (QCheckBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _, fmt_datetime, fmt_money
from app.permissions import Perm
from app.workflows.complaints import MONEY_REMEDIES, REMEDY_LABELS
from ui.common import error_label, named, report_error, show_field_errors
from ui.session import Session



# -- committed dates ----------------------------------------------------------------------------------

class CommittedDateDialog(QDialog):
    """New committed shipping and delivery dates, and the reason the customer is told."""

    def __init__(self, session: Session, order_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "committed_dialog", _("Change committed date"))
        self.session, self.order_id = session, order_id
        self.dates = session.call("remedies.committed_dates", order_id)
        self.setWindowTitle(_("Change committed date — {code}").format(code=self.dates.order_code))
        self.ship = self._edit("committed_ship_by", _("Ship from China by"), self.dates.ship_by)
        self.deliver = self._edit("committed_deliver_by", _("Deliver by"), self.dates.deliver_by)
        self.reason = named(QPlainTextEdit(), "committed_reason", _("Reason"))
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(_("The customer will read this reason."))
        self.reason.setMaximumHeight(90)
        self.errors = {k: error_label(f"committed_{k}_error") for k in ("ship_by", "deliver_by", "reason")}
        now_text = _("Now: ship by {ship}, deliver by {deliver}.").format(
            ship=fmt_datetime(self.dates.ship_by) if self.dates.ship_by else "—",
            deliver=fmt_datetime(self.dates.deliver_by) if self.dates.deliver_by else "—")
        self.current = named(QLabel(now_text), "committed_current")
        form = QFormLayout()
        form.addRow(self.current)
        form.addRow(_("&Ship from China by:"), self.ship)
        form.addRow("", self.errors["ship_by"])
        form.addRow(_("&Deliver by:"), self.deliver)
        form.addRow("", self.errors["deliver_by"])
        form.addRow(_("&Reason:"), self.reason)
        form.addRow("", self.errors["reason"])
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = named(box.button(QDialogButtonBox.StandardButton.Ok), "committed_submit")
        ok.setText(_("Save and tell the customer"))
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "committed_cancel").setText(_("Cancel"))
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(box)
        self.resize(520, 300)
        self.deliver.setFocus()

    @staticmethod
    def _edit(name: str, label: str, value: datetime | None) -> QDateTimeEdit:
        w = named(QDateTimeEdit(), name, label)
        w.setCalendarPopup(True)
        w.setDisplayFormat("dd/MM/yyyy HH:mm")
        w.setDateTime(QDateTime(value.astimezone()) if value else QDateTime.currentDateTime())
        w.setEnabled(value is not None)
        return w

    def _value(self, edit: QDateTimeEdit, old: datetime | None) -> datetime | None:
        if old is None:
            return None
        value = edit.dateTime().toPython().astimezone()
        return None if abs((value - old).total_seconds()) < 60 else value   # untouched: unchanged

    def submit(self) -> None:
        ship = self._value(self.ship, self.dates.ship_by)
        deliver = self._value(self.deliver, self.dates.deliver_by)
        try:
            self.session.call("remedies.change_committed_dates", self.order_id, ship, deliver,
                              self.reason.toPlainText())
        except ValidationFailed as exc:
            show_field_errors(self.errors, dict(exc.field_errors))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


def change_committed_date(session: Session, view, parent: QWidget | None) -> bool:
    return CommittedDateDialog(session, view.id, parent).exec() == QDialog.DialogCode.Accepted


def has_committed_dates(view, actor) -> bool:
    return view.can_change_committed_dates and (view.committed_ship_by is not None or view.committed_deliver_by is not None)


# -- the plan dialog's suggestion ------------------------------------------------------------------------

def suggestion_text(s) -> str:
    parts = []
    for r in s.remedies:
        label = _(REMEDY_LABELS.get(r.kind, r.kind))
        parts.append(f"{label}: {fmt_money(r.amount)}" if r.amount is not None else label)
    head = _("Suggested: {remedies}").format(remedies="; ".join(parts)) if parts else _("No remedy suggested.")
    return head + "\n" + "\n".join("• " + line for line in s.reasons)


def add_plan_suggestion(dialog) -> None:
    """Hook for ``PlanDialog``: a box with what the rules propose and "Use suggestion", which
    ticks the suggested remedies and fills their amounts (staff may change them afterwards)."""
    try:
        suggestion = dialog.session.call("remedies.suggest_for_complaint", dialog.view.id)
    except DomainError:      # e.g. a role that may not handle complaints: no suggestion
        return
    box = named(QGroupBox(_("Suggested by the rules in settings")), "plan_suggestion_box")
    label = named(QLabel(suggestion_text(suggestion)), "plan_suggestion")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    use = named(QPushButton(_("&Use suggestion")), "plan_use_suggestion")
    use.setEnabled(bool(suggestion.remedies))

    def apply() -> None:
        for r in suggestion.remedies:
            check = dialog.checks.get(r.kind)
            if check is None or not check.isEnabled():
                continue
            check.setChecked(True)
            if r.kind in MONEY_REMEDIES and r.kind in dialog.amounts and r.amount is not None:
                dialog.amounts[r.kind].set_value(r.amount.amount)

    use.clicked.connect(apply)
    row = QHBoxLayout(box)
    row.addWidget(label, 1)
    row.addWidget(use, 0, Qt.AlignmentFlag.AlignTop)
    layout = dialog.layout()
    layout.insertWidget(max(0, layout.indexOf(dialog.hint)), box)
    dialog.suggestion = suggestion


# -- the shop order screen's review banner ----------------------------------------------------------------

class ShopReviewBanner(QLabel):
    """Shown above a shop order whose shop is flagged for review; hidden otherwise."""

    def __init__(self, session: Session) -> None:
        super().__init__("")
        named(self, "shop_order_review_flag", _("Shop flagged for review"))
        self.session = session
        self.setWordWrap(True)
        self.setStyleSheet("background: #fff4e5; color: #8a4b00; border: 1px solid #f0b36b; padding: 6px;")
        self.hide()

    def show_shop_order(self, shop_order_id: int | None) -> None:
        self.review = None
        if shop_order_id is None:
            self.hide()
            return
        try:
            self.review = self.session.call("remedies.shop_order_review", shop_order_id)
        except DomainError:
            self.hide()
            return
        self.setText("⚠ " + self.review.text())
        self.setVisible(self.review.flagged)


# -- the customer window's vouchers -----------------------------------------------------------------------

class VoucherLine(QLabel):
    """"Priority shipping on the next order" vouchers the customer holds, and the last one used."""

    def __init__(self, session: Session) -> None:
        super().__init__("")
        named(self, "customer_priority_vouchers", _("Priority shipping vouchers"))
        self.session = session
        self.setWordWrap(True)
        self.hide()

    def show_customer(self, customer_id: int, vouchers=None) -> None:
        """``vouchers`` when the window's first paint brought them, else read them."""
        if vouchers is None:
            try:
                vouchers = self.session.call("remedies.vouchers_of_customer", customer_id)
            except DomainError:
                self.hide()
                return
        held = [v for v in vouchers if not v.used_order_code]
        used = [v for v in vouchers if v.used_order_code]
        parts = []
        if held:
            parts.append(_("Holds {n} priority shipping voucher(s) for the next order (from {complaints}).").format(
                n=len(held), complaints=", ".join(v.complaint_code for v in held if v.complaint_code) or "—"))
        if used:
            parts.append(_("Last used on order {code}, {when}.").format(code=used[-1].used_order_code,
                                                                       when=fmt_datetime(used[-1].used_at)))
        self.setText(" ".join(parts))
        self.setVisible(bool(parts))


# -- e-mail copies of notices ---------------------------------------------------------------------------

class EmailNoticesBox(QCheckBox):
    """The user admin dialog's "E-mail notices too" for the selected user (saved with the user)."""

    def __init__(self, session: Session) -> None:
        super().__init__(_("Also send notices by e-mail"))
        named(self, "user_email_notices", _("Also send notices by e-mail"))
        self.session = session

    def load(self, user_id: int | None) -> None:
        self.setChecked(bool(user_id) and self.session.call("remedies.email_notices", user_id))

    def save(self, user_id: int) -> bool:
        """After the user is saved; False (with the reason shown) if it cannot be kept."""
        try:
            self.session.call("remedies.set_email_notices", user_id, self.isChecked())
        except DomainError as exc:
            report_error(self.window(), exc)
            return False
        return True


class MyNoticesDialog(QDialog):
    """A person's own choice: an e-mail as well as the in-app notice."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "my_notices_dialog", _("My notices"))
        self.setWindowTitle(_("My notices"))
        self.session = session
        self.box = named(QCheckBox(_("Also send my notices to my e-mail address")), "my_email_notices")
        self.box.setChecked(session.call("remedies.email_notices", session.signed.user_id))
        self.error = error_label("my_email_notices_error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(buttons.button(QDialogButtonBox.StandardButton.Ok), "my_notices_save").setText(_("Save"))
        named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "my_notices_cancel").setText(_("Cancel"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Notices about your orders, tasks and complaints always show in the app.")))
        layout.addWidget(self.box)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        try:
            self.session.call("remedies.set_email_notices", self.session.signed.user_id, self.box.isChecked())
        except ValidationFailed as exc:
            show_field_errors({"email": self.error}, dict(exc.field_errors))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


def open_my_notices(session: Session, parent: QWidget | None = None) -> None:
    MyNoticesDialog(session, parent).exec()


def _register() -> None:
    from ui.windows.registry import OrderCommand, register_order_command

    register_order_command(OrderCommand(
        "change_committed_date", N_("Change committed date…"), Perm.EDIT_ORDERS, change_committed_date,
        has_committed_dates))


_register()
