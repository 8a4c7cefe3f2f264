"""What the importers (parcel lists, customers' carts) must not read silently from a sheet.

- A formula cell whose result was never stored (a file written by a program, not saved by Excel):
  openpyxl's ``data_only`` read gives ``None``, the same as an empty cell, so a weight or a price
  would vanish without a word. ``mark_uncomputed`` puts the formula text back as ``Uncomputed``
  so the row can be flagged.
- A CSV row with more cells than its header (an unquoted comma inside a value, "59,90"): the values
  after it sit under the wrong titles. ``extra_cells_warning`` says so.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from app.i18n import _

_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


class Uncomputed(str):
    """The text of a formula whose value the file does not hold (reads as that formula)."""


def _has_formulas(source: bytes | Path) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as z:
            return any(_FORMULA_TAG.search(z.read(n)) for n in z.namelist()
                       if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    except (zipfile.BadZipFile, OSError, KeyError):
        return False


def mark_uncomputed(source: bytes | str | Path, rows: list[list[Any]], sheet: int = 0) -> list[list[Any]]:
    """``rows`` (a ``data_only`` read of the sheet, first row first) with each empty cell that
    holds a formula replaced by ``Uncomputed(formula)``. Reads the file again only when it has
    formulas at all."""
    source = source if isinstance(source, bytes) else Path(source)
    if not _has_formulas(source):
        return rows
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True,
                       data_only=False)
    try:
        ws = wb.worksheets[sheet]
        ws.reset_dimensions()            # the stored size may lie, as for the values
        for r, formulas in zip(range(len(rows)), ws.iter_rows(values_only=True)):
            row = rows[r]
            for c, f in enumerate(formulas):
                if c < len(row) and row[c] in (None, "") and isinstance(f, str) and f.startswith("="):
                    row[c] = Uncomputed(f)
    finally:
        wb.close()
    return rows


def uncomputed_error(title: str, formula: str) -> str:
    return _("Column “{column}” holds the formula {formula} but no value: the file was not saved by a "
             "spreadsheet program. Open it in Excel or LibreOffice, save it, and import again.").format(
        column=title, formula=formula[:60])


def extra_cells_warning(header: list[Any], cells: list[Any]) -> str | None:
    """A warning when ``cells`` has filled cells beyond the header's last title."""
    width = max((i + 1 for i, h in enumerate(header) if h not in (None, "") and str(h).strip()), default=0)
    extra = [str(c).strip() for c in cells[width:] if c not in (None, "") and str(c).strip()]
    if not extra:
        return None
    return _("This row has {n} more cell(s) than the header ({cells}): a comma or semicolon inside a "
             "value may have shifted the columns. Check the values.").format(
        n=len(extra), cells=", ".join(f"“{e[:30]}”" for e in extra[:3]))
