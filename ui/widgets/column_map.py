"""The columns of an imported file, each with what it was read as — or "ignored" — and a combo to
map it by hand; shared by every import preview (tracking lists, carts…)."""
from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem

from app.i18n import _
from app.import_columns import CANONICAL, IGNORE, Column, Schema, understood
from ui.common import named

IGNORED = QColor("#fff4e5")


def problems_label(name: str) -> QLabel:
    """The red line at the top of a preview saying what keeps the file from being imported."""
    label = named(QLabel(""), name)
    label.setStyleSheet("color: #b3261e; font-weight: bold;")
    label.setWordWrap(True)
    label.hide()
    return label


class ColumnMapTable(QTableWidget):
    """One row per column of the file: its header, its first value, what it is read as, and a
    combo to choose the field by hand. ``choices`` are the hand-made choices ({header key:
    field key or "" for ignore}); ``chosen`` is emitted after each one."""

    chosen = Signal()

    def __init__(self, schema: Schema, prefix: str, parent=None) -> None:
        super().__init__(0, 4, parent)
        named(self, f"{prefix}_columns", _("Columns of the file"))
        self.schema, self.prefix = schema, prefix
        self.choices: dict[str, str] = {}
        self.setHorizontalHeaderLabels([_("Column in the file"), _("First value"), _("Read as"), _("Map to")])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def clear_choices(self) -> None:
        self.choices = {}

    def show_columns(self, columns: list[Column]) -> None:
        self.setRowCount(len(columns))
        for r, col in enumerate(columns):
            texts = (col.header or _("(no header, column {n})").format(n=col.index + 1), col.sample,
                     understood(self.schema, col))
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if col.ignored:
                    item.setBackground(QBrush(IGNORED))
                self.setItem(r, c, item)
            combo = named(QComboBox(), f"{self.prefix}_column_{col.index}",
                          _("Map column {name}").format(name=col.header or col.index + 1))
            combo.addItem(_("(ignore this column)"), IGNORE)
            for f in self.schema.fields:
                label = _(f.label) + (f" ({CANONICAL[f.quantity]})" if f.quantity else "")
                combo.addItem(label, f.key)
            combo.setCurrentIndex(max(0, combo.findData(col.field if col.field else IGNORE)))
            combo.currentIndexChanged.connect(lambda _i, key=col.key, box=combo: self._choose(key, box))
            self.setCellWidget(r, 3, combo)

    def _choose(self, key: str, box: QComboBox) -> None:
        self.choices[key] = box.currentData()
        # later: the preview rebuilds this table, and so the combo whose signal this is
        QTimer.singleShot(0, self.chosen.emit)
