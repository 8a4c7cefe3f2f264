"""What the complaint screens share: the photo picker and viewer, the item/parcel picker, the
dialogs' button box."""
from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QDialogButtonBox, QHBoxLayout, QListWidget, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app.i18n import _, fmt_decimal
from app.services import complaints   # their dataclasses; data comes through session.call
from app.services.complaints import LineInput
from ui.common import ask_open_paths, named, report_error
from ui.screens.money_common import cell


PHOTO_PATTERN = " (*.png *.jpg *.jpeg *.gif *.webp)"


def photo_filter() -> str:
    """The file dialog's filter: "Images" in the reader's language, then the patterns (the
    label and the patterns as one msgid was never found in the catalog, so it stayed English)."""
    return _("Images") + PHOTO_PATTERN


def dialog_buttons(prefix: str, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    named(box.button(QDialogButtonBox.StandardButton.Ok), f"{prefix}_submit", ok_text).setText(ok_text)
    named(box.button(QDialogButtonBox.StandardButton.Cancel), f"{prefix}_cancel", _("Cancel")).setText(_("Cancel"))
    return box


def show_photo(mime_data: tuple[str, bytes], name: str) -> None:
    _mime, data = mime_data
    path = Path(tempfile.mkdtemp(prefix="importdesk-")) / name
    path.write_bytes(data)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class PhotoPicker(QWidget):
    """Photos chosen before they are saved: a list, "Add photos…" (Ctrl+Shift+A) and "Remove"."""

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photos: list[tuple[str, bytes]] = []
        self.list = named(QListWidget(), f"{prefix}_photos", _("Photos"))
        self.list.setMaximumHeight(72)
        self.add_button = named(QPushButton(_("Add &photos…")), f"{prefix}_add_photos", _("Add photos"))
        self.add_button.clicked.connect(self.choose)
        self.remove_button = named(QPushButton(_("Remove photo")), f"{prefix}_remove_photo", _("Remove photo"))
        self.remove_button.clicked.connect(self.remove)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def choose(self) -> None:
        paths = ask_open_paths(self, _("Add photos"), photo_filter())
        for p in paths:
            self.add_path(p)

    def add_path(self, path: str) -> None:
        try:
            self.add(Path(path).name, Path(path).read_bytes())
        except OSError as exc:
            report_error(self, exc)

    def add(self, name: str, data: bytes) -> None:
        self.photos.append((name, data))
        self.list.addItem(f"{name} · {fmt_decimal(len(data) // 1024 or 1)} KB")

    def remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.photos):
            del self.photos[row]
            self.list.takeItem(row)


class LinePicker(QTableWidget):
    """The order's items (with how many pieces) and parcels, each ticked (Space) or not."""

    def __init__(self, name: str, choices: complaints.ComplaintChoices, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        named(self, name, _("Items and parcels concerned"))
        self.setHorizontalHeaderLabels([_("Concerned"), _("Item or parcel"), _("Shop / status"), _("Pieces")])
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.rows: list[tuple[str, int, QSpinBox | None]] = []
        entries = [("item", i.id, i.label, i.shop_name, i.quantity) for i in choices.items] + \
                  [("parcel", p.id, p.tracking_code, _(p.status_label), None) for p in choices.parcels]
        self.setRowCount(len(entries))
        for r, (kind, ident, label, detail, qty) in enumerate(entries):
            check = QTableWidgetItem(_("Item") if kind == "item" else _("Parcel"))
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            check.setCheckState(Qt.CheckState.Unchecked)
            self.setItem(r, 0, check)
            self.setItem(r, 1, cell(label))
            self.setItem(r, 2, cell(detail))
            spin = None
            if qty is not None:
                spin = named(QSpinBox(), f"{name}_pieces_{r}", _("Pieces of {item}").format(item=label))
                spin.setRange(1, qty)
                spin.setValue(qty)
                spin.setSuffix(" / " + fmt_decimal(qty))
                self.setCellWidget(r, 3, spin)
            self.rows.append((kind, ident, spin))
        self.setColumnWidth(0, 110)
        self.setColumnWidth(1, 330)
        self.setColumnWidth(2, 170)
        self.horizontalHeader().setStretchLastSection(True)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and self.currentRow() >= 0:
            self.toggle(self.currentRow())
            return
        super().keyPressEvent(event)

    def toggle(self, row: int, on: bool | None = None) -> None:
        item = self.item(row, 0)
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Checked if (not checked if on is None else on) else Qt.CheckState.Unchecked)

    def chosen(self) -> list[LineInput]:
        out = []
        for r, (kind, ident, spin) in enumerate(self.rows):
            if self.item(r, 0).checkState() != Qt.CheckState.Checked:
                continue
            if kind == "item":
                out.append(LineInput(order_item_id=ident, quantity=spin.value()))
            else:
                out.append(LineInput(parcel_id=ident))
        return out
