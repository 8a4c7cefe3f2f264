"""Reading exported workbooks back as a person's spreadsheet would show them, to compare with the
figures the screens show."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from app.i18n import local_time
from app.money import Money

HEADER_ROW = 4   # title, subtitle, blank, header (1-based)


@dataclass
class SheetData:
    name: str
    title: str
    subtitle: str
    header: list[str]
    rows: list[tuple]
    totals: dict[str, Any] = field(default_factory=dict)
    ws: Any = None


def read_workbook(path: Path) -> dict[str, SheetData]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        values = [tuple(r) for r in ws.iter_rows(values_only=True)]
        header = [h for h in values[HEADER_ROW - 1] if h is not None]
        data, i = [], HEADER_ROW
        while i < len(values) and any(v is not None for v in values[i]):
            data.append(tuple(values[i][:len(header)]))
            i += 1
        totals = {row[0]: row[1] for row in values[i:] if row and row[0] is not None}
        out[ws.title] = SheetData(ws.title, values[0][0], values[1][0], header, data, totals, ws)
    return out


def same_cell(cell: Any, value: Any, kind: str) -> bool:
    """Does the cell read back hold ``value`` (as the screen shows it) to the last digit?"""
    if value is None or value == "":
        return cell is None
    if cell is None:
        return False
    if kind in ("money_vnd", "money_cny"):
        amount = value.amount if isinstance(value, Money) else Decimal(value)
        return Decimal(repr(cell)).quantize(amount) == amount
    if kind == "percent":
        return (Decimal(repr(cell)) * 100).quantize(value) == value
    if kind == "decimal":
        return Decimal(repr(cell)).quantize(value) == value
    if kind == "int":
        return cell == value
    if kind == "date":
        return isinstance(cell, datetime) and cell.date() == value
    if kind == "datetime":
        shown = local_time(value).replace(tzinfo=None)
        return isinstance(cell, datetime) and abs((cell - shown).total_seconds()) < 1
    return cell == value


def same_row(cells: tuple, values: tuple, kinds: list[str]) -> bool:
    return len(cells) == len(values) and all(same_cell(c, v, k) for c, v, k in zip(cells, values, kinds))


def excel_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value
