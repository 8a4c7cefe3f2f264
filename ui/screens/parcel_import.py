"""Importing a partner warehouse's tracking list (nhập danh sách mã vận đơn): the desktop reads
the file and sends its bytes; the server reads the columns, previews every row and imports the
whole file or nothing."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError, ValidationFailed
from app.i18n import _, fmt_decimal
from app.import_columns import SHEET_PATTERNS
from app.services.parcel_imports import SCHEMA, ImportPreview
from ui.common import ask_open_path, named, report_error
from ui.screens.warehouse_common import FieldDialog
from ui.screens.work_common import fill_warehouses, warehouse_combo
from ui.session import Session


class ImportDialog(FieldDialog):
    """Nhập danh sách mã vận đơn của kho đối tác: choose the file, see how each of its columns is
    read (map an unrecognised one by hand; remembered for the warehouse), read the row preview,
    import all rows."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        from ui.widgets.column_map import ColumnMapTable, problems_label

        super().__init__(parent)
        named(self, "import_dialog", _("Import a tracking list"))
        self.setWindowTitle(_("Import a partner's tracking list"))
        self.session = session
        self.path: Path | None = None
        self.content = b""
        self.preview_data: ImportPreview | None = None
        self.warehouse = warehouse_combo("import_warehouse")
        fill_warehouses(session, (self.warehouse, "CN"))
        self.file_label = named(QLabel(_("No file chosen")), "import_file")
        choose = named(QPushButton(_("Choose file…")), "import_choose")
        choose.clicked.connect(lambda: self.choose())
        self.problems = problems_label("import_problems")
        self.without_weights = named(QCheckBox(_("Import without weights (the parcels get no weight; billing "
                                                 "waits for a re-weigh)")), "import_without_weights")
        self.without_weights.hide()
        self.without_weights.toggled.connect(lambda _on: self.preview())
        self.columns = ColumnMapTable(SCHEMA, "import")
        self.columns.chosen.connect(self.preview)
        self.table = named(QTableWidget(0, 7), "import_preview", _("Preview"))
        self.table.setHorizontalHeaderLabels([_("Row"), _("Tracking code"), _("Weight (kg)"), _("Size (cm)"),
                                              _("Shop order"), _("What happens"), _("Problems")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = named(QLabel(""), "import_summary")
        self.summary.setWordWrap(True)
        self.import_button = named(QPushButton(_("Import all rows")), "import_run")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run)
        close = named(QPushButton(_("Close")), "import_close")
        close.clicked.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Received into:")))
        top.addWidget(self.warehouse)
        top.addSpacing(16)
        top.addWidget(choose)
        top.addWidget(self.file_label, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.import_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.problems)
        layout.addWidget(self.without_weights)
        layout.addWidget(QLabel(_("How the file's columns are read:")))
        layout.addWidget(self.columns, 1)
        layout.addWidget(self.table, 2)
        layout.addLayout(bottom)
        self.warehouse.currentIndexChanged.connect(lambda _i: self._new_source())
        self.resize(980, 720)

    def _new_source(self) -> None:
        # another file or another partner: choices made for the previous one do not carry over
        self.columns.clear_choices()
        self.without_weights.setChecked(False)
        self.preview()

    def choose(self, path: str | None = None) -> None:
        if path is None:
            path = ask_open_path(self, _("Choose the tracking list"), _("Tracking lists") + f" ({SHEET_PATTERNS})")
        if path:
            try:
                content = Path(path).read_bytes()    # read here; the server gets the bytes
            except OSError as exc:
                report_error(self, exc)
                return
            self.path, self.content = Path(path), content
            self.file_label.setText(str(self.path))
            self._new_source()

    def preview(self) -> None:
        if self.path is None:
            return
        s = self.session
        self.import_button.setEnabled(False)
        try:
            pv = self.preview_data = s.call(
                "parcel_imports.preview", self.warehouse.currentData(), self.path.name, self.content,
                columns=dict(self.columns.choices), without_weights=self.without_weights.isChecked())
        except (ValidationFailed, DomainError) as exc:
            self.table.setRowCount(0)
            self.columns.setRowCount(0)
            self.problems.hide()
            self.without_weights.hide()
            self.summary.setText(str(exc))
            return
        self.columns.show_columns(pv.columns)
        self.problems.setText("\n".join(pv.problems))
        self.problems.setVisible(bool(pv.problems))
        self.without_weights.setVisible(pv.weight_missing)
        actions = {"receive": _("received"), "link": _("received for its shop order"),
                   "ownerless": _("ownerless parcel")}
        self.table.setRowCount(len(pv.rows))
        for row, r in enumerate(pv.rows):
            dims = "×".join(fmt_decimal(d) for d in r.dims) if r.dims else ""
            for col, text in enumerate((str(r.line), r.code or r.raw_code, fmt_decimal(r.weight_kg), dims,
                                        r.shop_order, actions.get(r.action, "") + (f" ({r.order_code})" if r.order_code else ""),
                                        " ".join(r.errors + r.warnings))):
                item = QTableWidgetItem(text)
                if r.errors:
                    item.setBackground(QColor("#ffebee"))
                self.table.setItem(row, col, item)
        if pv.ok:
            counts = {a: sum(1 for r in pv.rows if r.action == a) for a in actions}
            self.summary.setText(_("{n} rows ready: {received} received, {ownerless} ownerless. Nothing is saved "
                                   "until you press Import.").format(n=len(pv.rows),
                                                                     received=counts["receive"] + counts["link"],
                                                                     ownerless=counts["ownerless"]))
        elif pv.problems:
            self.summary.setText(_("Nothing can be imported until the problems at the top are solved."))
        else:
            self.summary.setText(_("{bad} of {n} rows have problems (in red). Correct the file and choose it "
                                   "again: the file is imported whole or not at all.").format(
                bad=pv.error_count, n=len(pv.rows)))
        self.import_button.setEnabled(pv.ok)

    def run(self) -> None:
        from ui.background import run_in_background

        s, name, content, wid = self.session, self.path.name, self.content, self.warehouse.currentData()
        choices, without = dict(self.columns.choices), self.without_weights.isChecked()
        self.import_button.setEnabled(False)

        def done(result) -> None:
            self.import_result = result
            self.summary.setText(_("Imported: {received} received, {ownerless} ownerless, {excess} excess.").format(
                received=result.received, ownerless=result.ownerless, excess=result.excess))

        def failed(exc) -> None:
            self.preview()
            report_error(self, exc)

        run_in_background(self, lambda p: s.call("parcel_imports.import", wid, name, content,
                                                  columns=choices, without_weights=without),
                          done, failed, label=_("Importing…"))


def import_tracking_list(session: Session, parent: QWidget) -> None:
    ImportDialog(session, parent).exec()
