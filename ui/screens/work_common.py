"""What the shipment, delivery and import screens share: warehouse choosers filled from one call,
and documents the server builds written or printed here."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QWidget

from app.i18n import _
from ui.common import named
from ui.screens.warehouse_common import print_or_open, temp_pdf
from ui.session import Session


def warehouse_combo(name: str, label: str | None = None) -> QComboBox:
    return named(QComboBox(), name, label or _("Warehouse"))


def fill_warehouses(session: Session, *boxes: tuple[QComboBox, str | None]) -> None:
    """Fill each (combo, country) with the active warehouses of that country (None: all), the
    person's own chosen where it is one of them — every combo from one call."""
    rows = session.call("shipments.warehouses", None)
    own = session.actor.warehouse_id
    for box, country in boxes:
        box.clear()
        for wid, code, name, wcountry in rows:
            if country is None or wcountry == country:
                box.addItem(f"{code} · {name}", wid)
        index = box.findData(own)
        if index >= 0:
            box.setCurrentIndex(index)


def save_bytes(content: bytes, path: str | Path) -> Path:
    """A document the server built, written where the person chose."""
    path = Path(path)
    path.write_bytes(content)
    return path


def print_pdf(content: bytes, name: str, parent: QWidget | None) -> str:
    """Print a PDF the server built (or open it when there is no printer); says what happened."""
    return print_or_open(save_bytes(content, temp_pdf(name)), parent)
