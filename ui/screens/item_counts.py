"""Counting the goods in the Vietnam warehouse (kiểm đếm): the order window's "Count the goods…"
command opens a dialog with one row per item — ordered, bought, and spin boxes for the pieces
received good, damaged and wrong. Saving fills the items' "received" column; differences open a
task for the order's care staff (see app.services.item_counts)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QPlainTextEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _, fmt_decimal
from app.permissions import Perm
from app.services.item_counts import CountOutcome, ItemCount
from ui.common import error_label, named, report_error, show_field_errors
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
                           "or any damaged or wrong piece, gives the order's customer care a task to "
                           "follow up."))
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


def _register() -> None:
    from ui.windows.registry import OrderCommand, register_order_command

    register_order_command(OrderCommand(
        "order_count_goods", N_("Count the goods…"), Perm.COUNT_GOODS,
        lambda session, view, parent: count_goods_dialog(session, view.id, parent), countable))


_register()
