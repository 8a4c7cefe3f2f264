"""Billing on screen: the billing notice once the parcels are weighed (with a preview of every
fee and how it was computed), a supplementary bill (truy thu), and a bill a manager decides."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QHBoxLayout, QInputDialog, QLabel,
                               QPlainTextEdit, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.fees import DISCOUNTABLE, FEE_LABELS
from app.i18n import NumberInputError, _, fmt_datetime, fmt_decimal, fmt_money, parse_decimal
from app.money import VND, Money
from app.permissions import Perm
from app.remote.views_money import Package
from app.services.billing import BillLineInput
from app.workflows.money import BILL_KIND_LABELS, BILL_LABELS
from ui.common import error_label, named, report_error
from ui.screens.money_common import fill, heading, readonly_table
from ui.session import Session

PACKAGE_COLUMNS = ("actual_kg", "length_cm", "width_cm", "height_cm")


def _cell_number(table: QTableWidget, row: int, col: int, errors: dict[str, str], key: str) -> Decimal | str:
    item = table.item(row, col)
    text = item.text().strip() if item else ""
    if not text:
        return ""
    try:
        return parse_decimal(text)
    except NumberInputError as exc:
        errors[key] = str(exc)
        return ""


class BillingNoticeDialog(QDialog):
    """Enter each parcel's weight and size; preview the fees; issue the billing notice."""

    def __init__(self, session: Session, order_id: int, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "billing_dialog", _("Billing notice"))
        self.setWindowTitle(_("Billing notice — {code}").format(code=code))
        self.session, self.order_id = session, order_id
        self.issued: int | None = None
        self.packages = named(QTableWidget(1, 4), "billing_packages", _("Parcels"))
        self.packages.setHorizontalHeaderLabels([_("Actual weight (kg)"), _("Length (cm)"), _("Width (cm)"),
                                                 _("Height (cm)")])
        for c in range(4):
            self.packages.setColumnWidth(c, 140)
            self.packages.setItem(0, c, QTableWidgetItem(""))
        add = named(QPushButton(_("Add parcel")), "billing_add_parcel")
        add.clicked.connect(self._add_row)
        remove = named(QPushButton(_("Remove parcel")), "billing_remove_parcel")
        remove.clicked.connect(lambda: self.packages.removeRow(self.packages.currentRow())
                               if self.packages.rowCount() > 1 else None)
        self.deliver = named(QCheckBox(_("We deliver it in Vietnam (not picked up at the warehouse)")),
                             "billing_deliver")
        self.deliver.setChecked(True)
        self.error = error_label("billing_packages_error")
        self.preview_table = readonly_table("billing_preview", _("Fees"), [_("Fee"), _("Amount"), _("How it was computed")])
        self.preview_table.setColumnWidth(0, 180)
        self.preview_table.setColumnWidth(1, 120)
        self.total = named(QLabel(""), "billing_total")
        self.total.setStyleSheet("font-weight: bold;")
        preview = named(QPushButton(_("Preview fees")), "billing_preview_button")
        preview.clicked.connect(self.preview)
        self.issue_button = named(QPushButton(_("Issue billing notice")), "billing_issue")
        self.issue_button.clicked.connect(self.issue)
        cancel = named(QPushButton(_("Cancel")), "billing_cancel")
        cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(preview)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.issue_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("One row per parcel as weighed; dimensions are optional (all three or none).")))
        layout.addWidget(self.packages)
        layout.addLayout(row)
        layout.addWidget(self.deliver)
        layout.addWidget(self.error)
        layout.addWidget(self.preview_table, 1)
        layout.addWidget(self.total)
        layout.addLayout(buttons)
        self.resize(900, 560)
        self._prefill()

    def _prefill(self) -> None:
        """Start from the parcels as the warehouse weighed and measured them."""
        try:
            measured = self.session.call("billing.measured_packages", self.order_id)
        except DomainError:
            return
        if not measured:
            return
        self.packages.setRowCount(0)
        for p in measured:
            r = self.packages.rowCount()
            self.packages.insertRow(r)
            for c, value in enumerate((p.actual_kg, p.length_cm, p.width_cm, p.height_cm)):
                text = "" if value == 0 and c else fmt_decimal(value)
                self.packages.setItem(r, c, QTableWidgetItem(text))

    def _add_row(self) -> None:
        r = self.packages.rowCount()
        self.packages.insertRow(r)
        for c in range(4):
            self.packages.setItem(r, c, QTableWidgetItem(""))

    def _inputs(self) -> list[Package] | None:
        errors: dict[str, str] = {}
        out = []
        for r in range(self.packages.rowCount()):
            values = [_cell_number(self.packages, r, c, errors, f"{r}.{k}") for c, k in enumerate(PACKAGE_COLUMNS)]
            if all(v == "" for v in values):
                continue
            out.append(Package(*[v if v != "" else Decimal(0) for v in values]))
        if errors:
            self._show(list(errors.values()))
            return None
        return out

    def _show(self, messages: list[str]) -> None:
        self.error.setText("\n".join(messages))
        self.error.setVisible(bool(messages))

    def preview(self) -> bool:
        packages = self._inputs()
        if packages is None:
            return False
        try:
            q = self.session.call("billing.preview", self.order_id, packages, self.deliver.isChecked())
        except ValidationFailed as exc:
            self._show(list(exc.field_errors.values()))
            return False
        except DomainError as exc:
            report_error(self, exc)
            return False
        self._show([])
        fill(self.preview_table, [[_(l.label), l.amount, l.explanation] for l in q.lines], right={1})
        self.total.setText(_("This notice charges {total}.").format(total=fmt_money(q.fees_vnd)))
        return True

    def issue(self) -> None:
        packages = self._inputs()
        if packages is None:
            return
        try:
            self.issued = self.session.call("billing.issue_notice", self.order_id, packages, self.deliver.isChecked())
        except ValidationFailed as exc:
            self._show(list(exc.field_errors.values()))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


class SupplementaryBillDialog(QDialog):
    """A charge after the billing notice (re-weigh, extra service); a manager approves it."""

    def __init__(self, session: Session, order_id: int, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "supplementary_dialog", _("Supplementary bill"))
        self.setWindowTitle(_("Supplementary bill — {code}").format(code=code))
        self.session, self.order_id = session, order_id
        self.lines = named(QTableWidget(0, 3), "supplementary_lines", _("Charges"))
        self.lines.setHorizontalHeaderLabels([_("Fee"), _("Amount (VND, − to give back)"), _("Note")])
        self.lines.setColumnWidth(0, 220)
        self.lines.setColumnWidth(1, 200)
        self.lines.horizontalHeader().setStretchLastSection(True)
        add = named(QPushButton(_("Add charge")), "supplementary_add")
        add.clicked.connect(self.add_line)
        self.reason = named(QPlainTextEdit(), "supplementary_reason", _("Reason"))
        self.reason.setPlaceholderText(_("What changed — the customer reads it (e.g. re-weighed in Hanoi: 12.4 kg, not 10 kg)"))
        self.reason.setMaximumHeight(70)
        self.error = error_label("supplementary_error")
        submit = named(QPushButton(_("Send for approval")), "supplementary_submit")
        submit.clicked.connect(self.submit)
        cancel = named(QPushButton(_("Cancel")), "supplementary_cancel")
        cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addStretch(1)
        row.addWidget(cancel)
        row.addWidget(submit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.lines, 1)
        layout.addWidget(QLabel(_("Reason")))
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self.resize(760, 420)
        self.add_line()

    def add_line(self) -> None:
        r = self.lines.rowCount()
        self.lines.insertRow(r)
        fee = named(QComboBox(), f"supplementary_fee_{r}", _("Fee"))
        for code in DISCOUNTABLE:
            fee.addItem(_(FEE_LABELS[code]), code)
        self.lines.setCellWidget(r, 0, fee)
        self.lines.setItem(r, 1, QTableWidgetItem(""))
        self.lines.setItem(r, 2, QTableWidgetItem(""))

    def submit(self) -> None:
        errors: dict[str, str] = {}
        lines = []
        for r in range(self.lines.rowCount()):
            amount = _cell_number(self.lines, r, 1, errors, f"lines.{r}")
            if amount == "":
                continue
            note = self.lines.item(r, 2).text() if self.lines.item(r, 2) else ""
            lines.append(BillLineInput(self.lines.cellWidget(r, 0).currentData(), amount, note))
        if errors:
            self.error.setText("\n".join(errors.values()))
            self.error.show()
            return
        try:
            self.session.call("billing.propose_supplementary", self.order_id, lines, self.reason.toPlainText())
        except ValidationFailed as exc:
            self.error.setText("\n".join(exc.field_errors.values()))
            self.error.show()
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


class BillWindow(QDialog):
    """A billing notice or supplementary bill as issued; a manager approves or rejects here."""

    def __init__(self, session: Session, bill_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "bill_window", _("Bill"))
        self.session, self.bill_id = session, bill_id
        self.title = heading("")
        self.head = named(QLabel(""), "bill_details")
        self.head.setWordWrap(True)
        self.lines = readonly_table("bill_lines", _("Charges"), [_("Fee"), _("Amount"), _("How it was computed")])
        self.lines.setColumnWidth(0, 180)
        self.lines.setColumnWidth(1, 120)
        self.approve = named(QPushButton(_("Approve bill")), "bill_approve")
        self.approve.clicked.connect(self._approve)
        self.reject_button = named(QPushButton(_("Reject…")), "bill_reject")
        self.reject_button.clicked.connect(self._reject)
        close = named(QPushButton(_("Close")), "bill_close")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.approve)
        row.addWidget(self.reject_button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.head)
        layout.addWidget(self.lines, 1)
        layout.addLayout(row)
        self.resize(860, 420)
        self.reload()

    def reload(self) -> None:
        b = self.session.call("billing.get_bill", self.bill_id)
        self.setWindowTitle(_("{kind} {n} — {code}").format(kind=_(BILL_KIND_LABELS[b.kind]), n=b.id, code=b.order_code))
        self.title.setText(f"{_(BILL_KIND_LABELS[b.kind])} · {b.order_code} · {b.customer_name} · {fmt_money(b.amount)}")
        text = _("{status} · by {who} at {when}").format(status=_(BILL_LABELS[b.status]), who=b.created_by,
                                                        when=fmt_datetime(b.created_at))
        if b.reason:
            text += "\n" + _("Reason: {reason}").format(reason=b.reason)
        if b.decided_at:
            text += "\n" + _("Decided by {who} at {when}. {note}").format(who=b.decided_by, when=fmt_datetime(b.decided_at),
                                                                         note=b.decision_note)
        self.head.setText(text)
        fill(self.lines, [[_(FEE_LABELS.get(l["code"], l["code"])), Money(Decimal(l["amount"]), VND), l["explanation"]]
                          for l in b.lines], right={1})
        waiting = b.awaiting_decision and self.session.can(Perm.APPROVE_BILLS)
        self.approve.setVisible(waiting)
        self.reject_button.setVisible(waiting)

    def _approve(self) -> None:
        try:
            self.session.call("billing.approve_bill", self.bill_id)
        except DomainError as exc:
            report_error(self, exc)
        self.reload()

    def _reject(self) -> None:
        reason, ok = QInputDialog.getText(self, _("Reject"), _("Why is it rejected?"))
        if not ok:
            return
        try:
            self.session.call("billing.reject_bill", self.bill_id, reason)
        except DomainError as exc:
            report_error(self, exc)
        self.reload()
