"""Small pieces the money screens share: amount fields read strictly, right-aligned cells,
error labels per field, and a read-only table filler."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QLineEdit, QTableWidget,
                               QTableWidgetItem, QWidget)

from app.i18n import NumberInputError, _, display, parse_decimal
from app.money import Money
from ui.common import error_label, named
from ui.widgets.amount_edit import AmountEdit

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def amount_edit(name: str, accessible: str, value: Decimal | Money | None = None,
                placeholder: str = "", currency: str | None = None) -> AmountEdit:
    """An amount or number field grouped as it is typed; read it with ``read_decimal`` (or its
    ``value()``/``check()`` with an error label attached for live messages)."""
    if isinstance(value, Money):
        currency = currency or value.currency
    w = AmountEdit(name, accessible, currency=currency, placeholder=placeholder)
    if value is not None:
        w.set_value(value.amount if isinstance(value, Money) else value)
    return w


def read_decimal(edit: QLineEdit, errors: dict[str, str], key: str, empty: Decimal | None = Decimal(0)) -> Decimal | None:
    """What the user typed, parsed strictly in their language (1.234.567,5 in Vietnamese);
    an unreadable number goes to ``errors[key]`` instead of being guessed."""
    text = edit.text().strip()
    if not text:
        if empty is None:
            errors[key] = _("Enter a number.")
        return empty
    try:
        return parse_decimal(text)
    except NumberInputError as exc:
        errors[key] = str(exc)
        return None


def errors_for(prefix: str, keys: Iterable[str]) -> dict[str, QLabel]:
    return {k: error_label(f"{prefix}_{k.replace('.', '_')}_error") for k in keys}


def cell(value: Any, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem("" if value is None else (value if isinstance(value, str) else display(value)))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if right:
        item.setTextAlignment(RIGHT)
    return item


def readonly_table(name: str, accessible: str, headers: list[str], stretch_last: bool = True) -> QTableWidget:
    t = named(QTableWidget(0, len(headers)), name, accessible)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setStretchLastSection(stretch_last)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return t


def fill(table: QTableWidget, rows: list[list[Any]], right: set[int] = frozenset()) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            table.setItem(r, c, cell(v, c in right))


def bold(label: QLabel) -> QLabel:
    label.setStyleSheet("font-weight: bold;")
    return label


def heading(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setStyleSheet("font-size: 15px; font-weight: bold;")
    return label


def call_reporting(session: Any, progress: Any, op: str, *args: Any, **kwargs: Any) -> Any:
    """``session.call`` from a background job whose progress dialog should follow the work: run
    in-process, the operation reports to ``progress`` (``app.progress.current_progress``); through
    a server the dialog just waits. Cancel stops the work in-process; through a server it drops
    the result when it arrives (raises ``Cancelled`` instead of returning it)."""
    from app.progress import Cancelled, reporting_to

    with reporting_to(progress):
        result = session.call(op, *args, **kwargs)
    if getattr(progress, "cancelled", False):
        raise Cancelled()
    return result


def utc_offset_minutes() -> int:
    """This computer's offset from UTC now, in minutes (its days are the books' days)."""
    from datetime import datetime

    offset = datetime.now().astimezone().utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def write_file(path: str, data: bytes) -> None:
    """Write what the server built to ``path``, replacing it only once whole."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".part", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
