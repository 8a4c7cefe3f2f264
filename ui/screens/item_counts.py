"""Counting the goods in the Vietnam warehouse (kiểm đếm): the order window's "Count the goods…"
command opens a dialog with one row per item — ordered, bought, and spin boxes for the pieces
received good, damaged and wrong. Saving fills the items' "received" column; differences propose
a complaint to the order's care staff (a task, see app.services.item_counts), which they open in
one action — "Open the proposed complaint…" in the order window or the task window — with its
kind, items, pieces and description filled in from the count."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QPlainTextEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _, fmt_decimal
from app.permissions import Perm
from app.workflows.orders import OrderKind
from app.services.item_counts import NO_PROPOSAL, CountOutcome, ItemCount
from ui.common import error_label, named, open_in_main, report_error, show_field_errors
from ui.screens.complaints import OpenComplaintDialog
from ui.session import Session

FIELDS = ("received", "damaged", "wrong")


class CountGoodsDialog(QDialog):
    """One row per item: what was ordered and bought, and what the warehouse counted."""

    def __init__(self, session: Session, order_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "count_goods_dialog", _("Count the goods"))
        self.session, self.order_id = session, order_id
        self.outcome: CountOutcome | None = None
        self.sheet = session.call("orders.count_sheet", order_id)
        self.setWindowTitle(_("Count the goods — {code}").format(code=self.sheet.order_code))
        self.table = named(QTableWidget(len(self.sheet.rows), 6), "count_table", _("Items"))
        self.table.setHorizontalHeaderLabels([_("Item"), _("Ordered"), _("Bought"), _("Received"),
                                              _("Damaged"), _("Wrong item")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.spins: list[dict[str, QSpinBox]] = []
        for r, row in enumerate(self.sheet.rows):
            title = " · ".join(x for x in (row.title, row.variant) if x)
            cell = QTableWidgetItem(title)
            cell.setToolTip(row.shop_name)
            self.table.setItem(r, 0, cell)
            for c, n in ((1, row.quantity), (2, row.quantity_bought)):
                num = QTableWidgetItem("—" if n is None else fmt_decimal(n))
                num.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, num)
            spins = {}
            labels = {"received": _("Received"), "damaged": _("Damaged"), "wrong": _("Wrong item")}
            for c, name in enumerate(FIELDS, start=3):
                spin = named(QSpinBox(), f"count_{name}_{r}", f"{labels[name]}: {title[:40]}")
                spin.setRange(0, row.expected)
                spin.setValue(min(getattr(row, name), row.expected))
                spin.setAlignment(Qt.AlignmentFlag.AlignRight)
                self.table.setCellWidget(r, c, spin)
                spins[name] = spin
            self.spins.append(spins)
        self.all_arrived = named(QPushButton(_("&All arrived")), "count_all_arrived",
                                 _("Every piece bought arrived in good condition"))
        self.all_arrived.clicked.connect(self.fill_all_arrived)
        self.note = named(QPlainTextEdit(), "count_note", _("Note"))
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(70)
        self.errors = {"counts": error_label("count_counts_error"), "note": error_label("count_note_error")}
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = named(box.button(QDialogButtonBox.StandardButton.Ok), "count_submit", _("Record count"))
        ok.setText(_("Record count"))
        cancel = named(box.button(QDialogButtonBox.StandardButton.Cancel), "count_cancel", _("Cancel"))
        cancel.setText(_("Cancel"))
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        explain = QLabel(_("Count every piece of the order's parcels. Fewer good pieces than were bought, "
                           "or any damaged or wrong piece, proposes a complaint to the order's customer "
                           "care, with a task to follow it up."))
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.table, 1)
        tools = QHBoxLayout()
        tools.addWidget(self.all_arrived)
        tools.addStretch(1)
        layout.addLayout(tools)
        layout.addWidget(self.errors["counts"])
        layout.addWidget(QLabel(_("Note:")))
        layout.addWidget(self.note)
        layout.addWidget(self.errors["note"])
        layout.addWidget(box)
        self.resize(820, 440)

    def fill_all_arrived(self) -> None:
        for row, spins in zip(self.sheet.rows, self.spins):
            spins["received"].setValue(row.expected)
            spins["damaged"].setValue(0)
            spins["wrong"].setValue(0)

    def counts(self) -> list[ItemCount]:
        return [ItemCount(row.item_id, *(spins[f].value() for f in FIELDS))
                for row, spins in zip(self.sheet.rows, self.spins)]

    def submit(self) -> None:
        s = self.session
        try:
            self.outcome = s.call("orders.record_item_counts", self.order_id, self.counts(), self.note.toPlainText())
        except ValidationFailed as exc:
            show_field_errors(self.errors, dict(exc.field_errors))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


def count_goods_dialog(session: Session, order_id: int, parent: QWidget | None) -> bool:
    return CountGoodsDialog(session, order_id, parent).exec() == QDialog.DialogCode.Accepted


def countable(view, actor) -> bool:
    """A purchase order with at least one parcel in (or past) a Vietnam warehouse."""
    return view.has_goods_in_vietnam


class ProposedComplaintDialog(OpenComplaintDialog):
    """"Open a complaint", filled in from the count: the kind with the most pieces, the items
    with a difference ticked with their pieces, what was found. Anything may be changed first;
    opening it closes the count's task."""

    open_operation = "orders.open_count_complaint"

    def __init__(self, session: Session, form, parent: QWidget | None = None) -> None:
        proposal = form.proposal
        super().__init__(session, proposal.order_id, parent, choices=form.choices)
        named(self, "count_complaint_dialog", _("Open the proposed complaint"))
        self.setWindowTitle(_("Complaint proposed by the count — {code}").format(code=proposal.order_code))
        self.kind.setCurrentIndex(max(0, self.kind.findData(proposal.kind)))
        pieces = {line.item_id: line.pieces for line in proposal.lines}
        for row, (kind, ident, spin) in enumerate(self.lines.rows):
            if kind == "item" and ident in pieces:
                self.lines.toggle(row, True)
                if spin is not None:
                    spin.setValue(min(pieces[ident], spin.maximum()))
        self.description.setPlainText(proposal.description)
        banner = named(QLabel(_("Proposed from the goods counted in the Vietnam warehouse. Check it with the "
                                "customer and change anything before opening it.")), "count_complaint_banner")
        banner.setWordWrap(True)
        banner.setStyleSheet("background: #fff4e5; padding: 6px;")
        self.layout().insertWidget(0, banner)


def open_proposed_complaint(session: Session, order_id: int, parent: QWidget | None) -> int | None:
    """Care staff open the complaint the count proposes (one action); the complaint window follows."""
    try:
        form = session.call("orders.count_complaint_form", order_id)
    except DomainError as exc:
        report_error(parent, exc)
        return None
    if form.proposal is None:
        report_error(parent, DomainError(NO_PROPOSAL, code=form.choices.order_code))
        return None
    dialog = ProposedComplaintDialog(session, form, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.complaint_id is not None:
        open_in_main(parent, "complaint", dialog.complaint_id)
        return dialog.complaint_id
    return None


class TallyExemptionDialog(QDialog):
    """Which items are not counted piece by piece (no tally fee for them): ordering staff decide it
    while they process the order, care staff too, until the billing notice fixes the fee."""

    def __init__(self, session: Session, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "tally_dialog", _("Tally exemption"))
        self.setWindowTitle(_("Tally exemption — {code}").format(code=view.code))
        self.session, self.view = session, view
        self.table = named(QTableWidget(len(view.items), 3), "tally_items", _("Items"))
        self.table.setHorizontalHeaderLabels([_("No tally"), _("Item"), _("Qty")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)   # the header's words show
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        for r, it in enumerate(view.items):
            box = QTableWidgetItem("")
            box.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            box.setCheckState(Qt.CheckState.Checked if it.tally_exempt else Qt.CheckState.Unchecked)
            box.setData(Qt.ItemDataRole.UserRole, it.id)
            self.table.setItem(r, 0, box)
            self.table.setItem(r, 1, QTableWidgetItem(" · ".join(x for x in (it.title or it.product_url, it.variant)
                                                                  if x)))
            qty = QTableWidgetItem(fmt_decimal(it.quantity if it.quantity_bought is None else it.quantity_bought))
            qty.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 2, qty)
        explain = QLabel(_("Ticked items are not counted piece by piece at the Vietnam warehouse: they are left "
                           "out of the tally fee. It can change until the order is billed."))
        explain.setWordWrap(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "tally_submit", _("Save")).setText(_("Save"))
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "tally_cancel", _("Cancel")).setText(_("Cancel"))
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        self.resize(640, 360)

    def exempt(self) -> list[int]:
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.table.rowCount())
                if self.table.item(r, 0).checkState() == Qt.CheckState.Checked]

    def submit(self) -> None:
        try:
            self.session.call("orders.set_tally_exemptions", self.view.id, self.exempt(),
                              seen_version=self.view.version)
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


def tally_exemption_dialog(session: Session, view, parent: QWidget | None) -> bool:
    return TallyExemptionDialog(session, view, parent).exec() == QDialog.DialogCode.Accepted


def _may_set_tally(view, actor) -> bool:
    return view.kind == OrderKind.PURCHASE and view.can_edit and bool(view.items) and (
        actor.can(Perm.EDIT_ORDERS) or actor.can(Perm.PURCHASE))


def _register() -> None:
    from ui.windows.registry import OrderCommand, register_order_command

    register_order_command(OrderCommand(
        "order_count_goods", N_("Count the goods…"), Perm.COUNT_GOODS,
        lambda session, view, parent: count_goods_dialog(session, view.id, parent), countable))
    register_order_command(OrderCommand(
        "order_count_complaint", N_("Open the proposed complaint…"), Perm.OPEN_COMPLAINTS,
        lambda session, view, parent: open_proposed_complaint(session, view.id, parent) is not None,
        lambda view, actor: view.has_count_differences and view.can_complain))
    register_order_command(OrderCommand(
        "order_tally_exemption", N_("Tally exemption…"), Perm.VIEW_ORDERS,
        lambda session, view, parent: tally_exemption_dialog(session, view, parent), _may_set_tally))


_register()
