"""Small helpers the warehouse screens share: warehouse choosers, station buttons that never take
the focus, printing a PDF (or opening it when there is no printer), one window per station."""
from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPushButton, QWidget

from app.errors import ValidationFailed
from app.i18n import NumberInputError, _, parse_decimal
from ui.common import ask_save_path, named  # noqa: F401  (the stations save through it)
from ui.session import Session


def warehouse_box(session: Session, name: str, country: str | None) -> QComboBox:
    """A chooser of the active warehouses (of one country), the person's own selected."""
    box = named(QComboBox(), name, _("Warehouse"))
    for wid, code, wname, _c in session.call("shipments.warehouses", country):
        box.addItem(f"{code} · {wname}", wid)
    own = box.findData(session.actor.warehouse_id)
    if own >= 0:
        box.setCurrentIndex(own)
    return box


def button(text: str, name: str, slot, shortcut: str | None = None) -> QPushButton:
    """A station button: it never takes the focus from the scan field."""
    b = named(QPushButton(text), name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setAutoDefault(False)             # Enter in the scan field scans; it never presses a button
    b.clicked.connect(lambda _checked=False: slot())   # not clicked's bool as the slot's first argument
    if shortcut:
        b.setShortcut(QKeySequence(shortcut))
    return b


def print_or_open(path: Path, parent: QWidget | None, page_mm: tuple[float, float] | None = None) -> str:
    """Print a PDF on the default printer (rendered by QtPdf); without a printer, open it in the
    PDF viewer so it can be printed from there. Returns what happened, for the status line."""
    try:
        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        if QPrinterInfo.availablePrinters():
            from PySide6.QtCore import QSizeF
            from PySide6.QtGui import QPageSize, QPainter
            from PySide6.QtPdf import QPdfDocument

            doc = QPdfDocument(parent)
            doc.load(str(path))
            printer = QPrinter(QPrinterInfo.defaultPrinter(), QPrinter.PrinterMode.HighResolution)
            if page_mm:
                printer.setPageSize(QPageSize(QSizeF(*page_mm), QPageSize.Unit.Millimeter))
            painter = QPainter(printer)
            for i in range(doc.pageCount()):
                if i:
                    printer.newPage()
                rect = painter.viewport()
                painter.drawImage(rect, doc.render(i, rect.size()))
            painter.end()
            return _("Sent to the printer {name}.").format(name=printer.printerName())
    except Exception:  # a printer driver failing must not lose the label: open it instead
        pass
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
    return _("No printer found: the PDF was opened to print from the viewer.")


def temp_pdf(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix="importdesk-")) / f"{prefix}.pdf"


def keep_window(parent: QWidget | None, key: str, factory):
    """Stations are non-modal and stay open all day: one of each per main window."""
    holder = parent if parent is not None else QWidget()
    stations = holder.__dict__.setdefault("_warehouse_stations", {})
    w = stations.get(key)
    from shiboken6 import isValid

    if w is not None and isValid(w) and w.isVisible():
        w.raise_()
        w.activateWindow()
        return w
    w = factory()
    stations[key] = w
    w.show()
    return w


def parse_kg(text: str, field: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return parse_decimal(text.lower().replace("kg", "").replace("cm", ""))
    except NumberInputError as exc:
        raise ValidationFailed({field: str(exc)}) from None



class FieldDialog(QDialog):
    """A window people type and scan into: Enter finishes the field it was pressed in (a scan, a
    search) and never presses the dialog's default button as well."""

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(self.focusWidget(), QLineEdit):
            event.accept()
            return
        super().keyPressEvent(event)
