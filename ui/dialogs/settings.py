"""The settings dialog, generated from the declared settings: a tab per group, errors by fields."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QLineEdit, QTabWidget, QVBoxLayout, QWidget)

from app.errors import ValidationFailed
from app.i18n import LANGUAGES, NumberInputError, _, fmt_decimal, parse_decimal
from app.permissions import Perm
from app.settings import SETTINGS, Setting
from ui.common import error_label, named, report_error, show_field_errors
from ui.session import Session


class SettingsDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "settings_dialog", _("Settings"))
        self.setWindowTitle(_("System settings"))
        self.session = session
        self.values = session.call("settings.read_all")
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        tabs = self.tabs = named(QTabWidget(), "settings_tabs")
        groups: dict[str, QFormLayout] = {}
        for key, decl in SETTINGS.items():
            if decl.group not in groups:
                page = QWidget()
                groups[decl.group] = QFormLayout(page)
                tabs.addTab(page, _(decl.group))
            widget = self._editor(decl, self.values[key])
            self.inputs[key] = widget
            self.errors[key] = error_label(f"setting_{key}_error")
            groups[decl.group].addRow(_(decl.label), widget)
            groups[decl.group].addRow("", self.errors[key])
        self.status = named(QLabel(""), "settings_status")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        save = named(box.button(QDialogButtonBox.StandardButton.Save), "settings_save", _("Save"))
        save.setText(_("Save"))
        named(box.button(QDialogButtonBox.StandardButton.Close), "settings_close").setText(_("Close"))
        save.clicked.connect(self.save)
        box.rejected.connect(self.reject)
        readonly = not session.can(Perm.EDIT_SETTINGS)
        save.setEnabled(not readonly)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.status)
        layout.addWidget(box)
        self.resize(640, 480)

    def _editor(self, decl: Setting, value: Any) -> QWidget:
        name = f"setting_{decl.key}"
        if decl.kind is bool:
            w = named(QCheckBox(), name, _(decl.label))
            w.setChecked(bool(value))
            return w
        if decl.choices:
            w = named(QComboBox(), name, _(decl.label))
            for c in decl.choices:
                w.addItem(LANGUAGES[c][0] if c in LANGUAGES else c, c)
            w.setCurrentIndex(max(0, w.findData(value)))
            return w
        w = named(QLineEdit(), name, _(decl.label))
        w.setText(fmt_decimal(value) if isinstance(value, Decimal) else decl.to_text(value))
        return w

    def raw_values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, w in self.inputs.items():
            if isinstance(w, QCheckBox):
                out[key] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[key] = w.currentData()
            else:
                text = w.text()
                if SETTINGS[key].kind is Decimal:
                    try:
                        text = str(parse_decimal(text)) if text.strip() else text
                    except NumberInputError:
                        pass  # the setting's own parser reports it next to the field
                out[key] = text
        return out

    def save(self) -> None:
        raw = self.raw_values()
        changed_only = {k: v for k, v in raw.items() if not _same(SETTINGS[k], v, self.values[k])}
        try:
            changed = self.session.call("settings.update", changed_only)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            self.status.setText(_("Nothing was saved: correct the fields marked in red."))
            first = next(iter(exc.field_errors))
            if first in self.inputs:   # bring the first wrong field into view
                page = self.inputs[first].parentWidget()
                self.tabs.setCurrentWidget(page)
                self.inputs[first].setFocus()
            return
        except Exception as exc:
            report_error(self, exc)
            return
        show_field_errors(self.errors, {})
        self.values.update(changed)
        self.status.setText(_("Saved {n} change(s).").format(n=len(changed)) if changed else _("Nothing changed."))


def _same(decl: Setting, raw: Any, current: Any) -> bool:
    try:
        return decl.parse(raw) == current
    except ValueError:
        return False
