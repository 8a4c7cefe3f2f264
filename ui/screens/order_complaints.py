"""The order window's complaints: the customer's inspection after delivery (kiểm hàng) and the
Complaints tab listing the order's complaints, claims against sellers and inspections, with the
buttons that add them."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QTableWidget, QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _, fmt_datetime, fmt_money
from app.permissions import Perm
from app.services import complaints   # their dataclasses; data comes through session.call
from app.services.complaints import InspectionInput
from app.workflows.complaints import (COMPLAINT_KIND_LABELS, COMPLAINT_STAGE_LABELS, INSPECTION_LABELS,
                                      InspectionResult)
from app.workflows.orders import OrderKind
from ui.common import error_label, named, open_in_main, report_error, show_field_errors
from ui.screens.complaint_common import LinePicker, PhotoPicker, dialog_buttons
from ui.screens.complaints import open_complaint_dialog
from ui.screens.money_common import cell, heading, readonly_table
from ui.session import Session
from ui.widgets.read_when_shown import ReadWhenShown


# -- the customer's inspection after delivery -----------------------------------------------------------------

class InspectionDialog(QDialog):
    """Kiểm hàng: the customer's verdict on what was delivered; a rejection opens a complaint."""

    def __init__(self, session: Session, order_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "inspection_dialog", _("Customer's inspection"))
        self.session, self.order_id = session, order_id
        self.outcome: complaints.InspectionOutcome | None = None
        choices = session.call("complaints.choices", order_id)
        self.setWindowTitle(_("Customer's inspection — {code}").format(code=choices.order_code))
        self.result = named(QComboBox(), "inspection_result", _("Verdict"))
        for code, label in INSPECTION_LABELS.items():
            self.result.addItem(_(label), code)
        self.lines = LinePicker("inspection_lines", choices)
        self.kind = named(QComboBox(), "inspection_kind", _("What is wrong"))
        for code, label in COMPLAINT_KIND_LABELS.items():
            self.kind.addItem(_(label), code)
        self.note = named(QPlainTextEdit(), "inspection_note", _("What the customer said"))
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(80)
        self.photos = PhotoPicker("inspection")
        self.explain = named(QLabel(""), "inspection_explain")
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("background: #f3f6fa; padding: 6px;")
        self.errors = {k: error_label(f"inspection_{k}_error") for k in ("result", "lines", "note", "description")}
        form = QFormLayout()
        form.addRow(_("&Verdict:"), self.result)
        form.addRow(_("What is &wrong:"), self.kind)
        self.box = dialog_buttons("inspection", _("Record inspection"))
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.explain)
        layout.addWidget(QLabel(_("Not accepted (Space ticks the selected row):")))
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.errors["lines"])
        layout.addWidget(QLabel(_("What the customer said:")))
        layout.addWidget(self.note)
        layout.addWidget(self.errors["note"])
        layout.addWidget(self.photos)
        layout.addWidget(self.box)
        self.result.currentIndexChanged.connect(lambda _i: self._explain())
        self._explain()
        self.resize(760, 600)

    def _explain(self) -> None:
        result = self.result.currentData()
        self.explain.setText({
            InspectionResult.ACCEPTED: _("Accepted: the customer confirms receipt and the order is complete "
                                         "(unless a complaint is still open)."),
            InspectionResult.REJECTED: _("Rejected: a complaint opens on the ticked lines, or on the whole order "
                                         "when none is ticked."),
            InspectionResult.REWORK: _("Requires rework: customer care get a task to agree the next step."),
            InspectionResult.PARTLY_ACCEPTED: _("Partly accepted: a complaint opens on the ticked lines."),
        }[result])
        rejecting = result != InspectionResult.ACCEPTED
        self.lines.setEnabled(rejecting)
        self.kind.setEnabled(result in (InspectionResult.REJECTED, InspectionResult.PARTLY_ACCEPTED))
        self.photos.setEnabled(self.kind.isEnabled())

    def submit(self) -> None:
        s = self.session
        result = self.result.currentData()
        data = InspectionInput(self.order_id, result, self.note.toPlainText(),
                               self.lines.chosen() if result != InspectionResult.ACCEPTED else [],
                               self.kind.currentData(), list(self.photos.photos))
        try:
            self.outcome = s.call("complaints.record_inspection", data)
        except ValidationFailed as exc:
            errors = dict(exc.field_errors)
            if "description" in errors:
                errors.setdefault("note", errors["description"])
            errors.setdefault("lines", next((m for k, m in errors.items() if k.startswith("lines.")), ""))
            show_field_errors(self.errors, errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()



# -- the order window: Complaints tab and commands -------------------------------------------------------------

def inspection_dialog(session: Session, order_id: int, parent: QWidget | None) -> bool:
    dialog = InspectionDialog(session, order_id, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    if dialog.outcome and dialog.outcome.complaint_id:
        open_in_main(parent, "complaint", dialog.outcome.complaint_id)
    return True



class OrderComplaintsTab(ReadWhenShown, QWidget):
    """The order window's "Complaints" tab: its complaints, its claims against sellers, the
    customer's inspections, and the buttons that add them."""

    def __init__(self, session: Session, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.order_id, self.kind = session, view.id, view.kind
        self.complaints = readonly_table("order_complaints_table", _("Complaints"), [
            _("Complaint"), _("Status"), _("What is wrong"), _("Found"), _("Opened"), _("By"), _("Description")])
        for col, width in enumerate((100, 160, 110, 230, 130, 140)):
            self.complaints.setColumnWidth(col, width)
        self.complaints.cellDoubleClicked.connect(lambda r, _c: self._open("complaint", self.complaints, r))
        self.claims = readonly_table("order_seller_complaints_table", _("Claims against sellers"), [
            _("Claim"), _("Status"), _("Shop"), _("Claimed"), _("Recovered"), _("After-sale closes")])
        for col, width in enumerate((100, 190, 200, 110, 110)):
            self.claims.setColumnWidth(col, width)
        self.claims.cellDoubleClicked.connect(lambda r, _c: self._open("seller_complaint", self.claims, r))
        self.inspections = named(QLabel(""), "order_inspections")
        self.inspections.setWordWrap(True)
        self.open_button = named(QPushButton(_("&Open complaint…")), "order_complaint_open", _("Open complaint"))
        self.open_button.clicked.connect(self._new_complaint)
        self.inspect_button = named(QPushButton(_("Customer's &inspection…")), "order_inspection",
                                    _("Customer's inspection"))
        self.inspect_button.clicked.connect(self._inspect)
        self.claim_button = named(QPushButton(_("Claim from a &seller…")), "order_seller_complaint",
                                  _("Claim from a seller"))
        self.claim_button.clicked.connect(self._claim)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.inspect_button)
        buttons.addWidget(self.claim_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Complaints (Enter or double-click opens one)")))
        layout.addWidget(self.complaints, 2)
        self.claims_heading = heading(_("Claims against sellers"))
        layout.addWidget(self.claims_heading)
        layout.addWidget(self.claims, 1)
        layout.addWidget(self.inspections)
        layout.addLayout(buttons)
        for table, entity in ((self.complaints, "complaint"), (self.claims, "seller_complaint")):
            QShortcut(QKeySequence(Qt.Key.Key_Return), table, activated=lambda t=table, e=entity:
                      self._open(e, t, t.currentRow()), context=Qt.ShortcutContext.WidgetShortcut)
        self.refresh(view)      # its rows are read when the tab is first shown (ReadWhenShown)

    def refresh(self, view=None) -> None:
        s = self.session
        if view is not None:
            self.order_view = view
        super().refresh(view)
        purchase = self.kind == OrderKind.PURCHASE
        self.claims.setVisible(purchase)
        self.claims_heading.setVisible(purchase)
        self.open_button.setVisible(s.can(Perm.OPEN_COMPLAINTS))
        self.open_button.setEnabled(self.order_view.can_complain)
        self.inspect_button.setVisible(s.can(Perm.RECORD_INSPECTIONS))
        self.inspect_button.setEnabled(self.order_view.can_inspect)
        self.claim_button.setVisible(purchase and s.can(Perm.SELLER_COMPLAINTS))
        self.claim_button.setEnabled(self.order_view.can_claim_from_seller)

    def load(self) -> None:
        """The order's complaints, claims and inspections, in one call."""
        try:
            shown = self.session.call("complaints.of_order", self.order_id)
        except DomainError as exc:
            self._stale = True          # read again when next shown
            report_error(self, exc)
            return
        rows = shown.complaints
        self.complaints.setRowCount(len(rows))
        for r, c in enumerate(rows):
            values = [c.code, _(c.status_label), _(COMPLAINT_KIND_LABELS[c.kind]), _(COMPLAINT_STAGE_LABELS[c.stage]),
                      fmt_datetime(c.opened_at), c.opened_by, c.description]
            for col, value in enumerate(values):
                self.complaints.setItem(r, col, cell(value))
            self.complaints.item(r, 0).setData(Qt.ItemDataRole.UserRole, c.id)
        claims = shown.claims
        self.claims.setRowCount(len(claims))
        for r, c in enumerate(claims):
            values = [c.code, _(c.status_label), c.shop_name, fmt_money(c.claimed_cny),
                      fmt_money(c.recovered_cny) if c.recovered_cny is not None else "", fmt_datetime(c.deadline_at)]
            for col, value in enumerate(values):
                self.claims.setItem(r, col, cell(value, col in (3, 4)))
            self.claims.item(r, 0).setData(Qt.ItemDataRole.UserRole, c.id)
        inspections = shown.inspections
        self.inspections.setText("\n".join(
            _("Inspection {when} by {who}: {result}").format(when=fmt_datetime(i.recorded_at), who=i.recorded_by,
                                                             result=_(INSPECTION_LABELS[i.result]))
            + (f" — {i.note}" if i.note else "") + (f" → {i.complaint_code}" if i.complaint_code else "")
            for i in inspections))
        self.inspections.setVisible(bool(inspections))

    def _open(self, entity: str, table: QTableWidget, row: int) -> None:
        item = table.item(row, 0) if row >= 0 else None
        if item is not None:
            open_in_main(self, entity, item.data(Qt.ItemDataRole.UserRole))

    def _changed(self) -> None:
        w = self.parentWidget()
        while w is not None and not hasattr(w, "reload"):
            w = w.parentWidget()
        if w is not None:
            w.reload()
        else:
            self.refresh()

    def _new_complaint(self) -> None:
        if open_complaint_dialog(self.session, self.order_id, self) is not None:
            self._changed()

    def _inspect(self) -> None:
        if inspection_dialog(self.session, self.order_id, self):
            self._changed()

    def _claim(self) -> None:
        from ui.screens.seller_complaints import seller_complaint_dialog   # loaded when first needed

        if seller_complaint_dialog(self.session, self.order_id, self):
            self._changed()


def _register() -> None:
    from ui.windows.registry import OrderCommand, OrderTab, register_order_command, register_order_tab

    register_order_tab(OrderTab("order_tab_complaints", N_("Complaints"), Perm.VIEW_ORDERS,
                                lambda session, view, parent: OrderComplaintsTab(session, view, parent), order=60))
    register_order_command(OrderCommand(
        "order_inspection", N_("Customer's inspection…"), Perm.RECORD_INSPECTIONS,
        lambda session, view, parent: inspection_dialog(session, view.id, parent),
        lambda view, actor: view.can_inspect))


_register()
