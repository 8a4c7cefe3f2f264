"""Table cells as people read them: money, numbers and dates per locale, labels translated."""
from __future__ import annotations

from typing import Any

from app.i18n import _, display, fmt_date, fmt_datetime, fmt_decimal, fmt_money
from app.queries.paging import Column


def cell_text(column: Column, value: Any) -> str:
    if value is None:
        return ""
    kind = column.kind
    if kind == "label":
        labels = column.labels or {}
        return _(labels.get(value, value)) if value in labels else str(value)
    if kind == "money":
        return fmt_money(value)
    if kind == "datetime":
        return fmt_datetime(value)
    if kind == "date":
        return fmt_date(value)
    if kind in ("int", "decimal"):
        return fmt_decimal(value)
    if kind == "bool":
        return _("Yes") if value else _("No")
    return display(value)


def row_cell_text(column: Column, row: Any) -> str:
    """The text of ``column`` for a queue row."""
    return column.text(row) if column.text is not None else cell_text(column, getattr(row, column.key))


NUMERIC_KINDS = {"money", "int", "decimal"}
