"""Importing a partner warehouse's tracking list (nhập danh sách mã vận đơn): the desktop reads
the file and sends its bytes; the server reads the columns, previews every row and imports the
whole file or nothing (the flow is ui.widgets.sheet_import's, shared with the carriers' bills)."""
from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.i18n import _, fmt_decimal
from app.services.parcel_imports import SCHEMA, ImportPreview
from ui.common import named
from ui.screens.work_common import fill_warehouses, warehouse_combo
from ui.session import Session
from ui.widgets.sheet_import import SheetImportDialog


def _actions() -> dict[str, str]:
    return {"receive": _("received"), "link": _("received for its shop order"), "ownerless": _("ownerless parcel")}


class ImportDialog(SheetImportDialog):
    """Nhập danh sách mã vận đơn của kho đối tác: choose the file, see how each of its columns is
    read (map an unrecognised one by hand; remembered for the warehouse), read the row preview,
    import all rows."""

    preview_data: ImportPreview | None

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, SCHEMA, "import", run_label=_("Import all rows"),
                         file_title=_("Choose the tracking list"), file_kind=_("Tracking lists"), parent=parent)
        named(self, "import_dialog", _("Import a tracking list"))
        self.setWindowTitle(_("Import a partner's tracking list"))
        self.warehouse = warehouse_combo("import_warehouse")
        fill_warehouses(session, (self.warehouse, "CN"))
        self.without_weights = named(QCheckBox(_("Import without weights (the parcels get no weight; billing "
                                                 "waits for a re-weigh)")), "import_without_weights")
        self.without_weights.hide()
        self.without_weights.toggled.connect(lambda _on: self.preview())
        self.table = named(QTableWidget(0, 7), "import_preview", _("Preview"))
        self.table.setHorizontalHeaderLabels([_("Row"), _("Tracking code"), _("Weight (kg)"), _("Size (cm)"),
                                              _("Shop order"), _("What happens"), _("Problems")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Received into:")))
        top.addWidget(self.warehouse)
        top.addSpacing(16)
        top.addWidget(self.choose_button)
        top.addWidget(self.file_label, 1)
        self.lay_out(top, self.without_weights)
        self.warehouse.currentIndexChanged.connect(lambda _i: self._new_source())
        self.resize(980, 720)

    def _new_source(self) -> None:
        # another file or another partner: choices made for the previous one do not carry over
        self.columns.clear_choices()
        self.without_weights.setChecked(False)
        self.preview()

    def preview_call(self, name: str, content: bytes) -> tuple[str, tuple, dict]:
        return ("parcel_imports.preview", (self.warehouse.currentData(), name, content),
                {"columns": dict(self.columns.choices), "without_weights": self.without_weights.isChecked()})

    def preview_failed(self) -> None:
        self.without_weights.hide()

    def show_rows(self, pv: ImportPreview) -> None:
        self.without_weights.setVisible(pv.weight_missing)
        actions = _actions()
        self.table.setRowCount(len(pv.rows))
        for row, r in enumerate(pv.rows):
            dims = "×".join(fmt_decimal(d) for d in r.dims) if r.dims else ""
            for col, text in enumerate((str(r.line), r.code or r.raw_code, fmt_decimal(r.weight_kg), dims,
                                        r.shop_order, actions.get(r.action, "") + (f" ({r.order_code})" if r.order_code else ""),
                                        " ".join(r.errors + r.warnings))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)           # a long problem is cut in its cell
                if r.errors:
                    item.setBackground(QColor("#ffebee"))
                self.table.setItem(row, col, item)
        for col in range(self.table.columnCount() - 1):     # whole codes and titles; the problems take the rest
            self.table.resizeColumnToContents(col)

    def ready_text(self, pv: ImportPreview) -> str:
        counts = {a: sum(1 for r in pv.rows if r.action == a) for a in _actions()}
        return _("{n} rows ready: {received} received, {ownerless} ownerless. Nothing is saved "
                 "until you press Import.").format(n=len(pv.rows), received=counts["receive"] + counts["link"],
                                                   ownerless=counts["ownerless"])

    def import_call(self, name: str, content: bytes) -> tuple[str, tuple, dict]:
        return ("parcel_imports.import", (self.warehouse.currentData(), name, content),
                {"columns": dict(self.columns.choices), "without_weights": self.without_weights.isChecked()})

    def imported(self, result) -> None:
        self.import_result = result
        self.summary.setText(_("Imported: {received} received, {ownerless} ownerless, {excess} excess.").format(
            received=result.received, ownerless=result.ownerless, excess=result.excess))


def import_tracking_list(session: Session, parent: QWidget) -> None:
    ImportDialog(session, parent).exec()
