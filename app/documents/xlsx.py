"""Streaming Excel export: one title/subtitle/header layout for every report sheet, on xlsxwriter.

xlsxwriter's constant_memory mode keeps memory flat (23 MB for 1 M rows, measured) but writes each
row once, in order; so a sheet is filled top to bottom and nothing goes back to an earlier row.
The workbook is written to a hidden file beside the target and moved into place only when
complete: a failed or cancelled export leaves neither a partial file nor a clobbered old one.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

from app.errors import DomainError
from app.i18n import N_, _, current_language, display, local_time
from app.money import CNY, VND, CurrencyMismatch, Money
from app.progress import Progress

KINDS = ("text", "int", "decimal", "money_vnd", "money_cny", "date", "datetime", "bool", "percent")
MONEY_KINDS = {"money_vnd": VND, "money_cny": CNY}
MAX_ROWS = 1_048_576  # an Excel sheet's hard limit
MAX_TEXT = 32_767     # characters Excel keeps in one cell
PROGRESS_EVERY = 500
WIDTH_SAMPLE_ROWS = 1_000  # widths from the first rows: measuring a million cells costs seconds

NUMBER_FORMATS = {
    "int": "#,##0",
    "decimal": "#,##0.00##",
    "money_vnd": '#,##0 "₫"',
    "money_cny": '#,##0.00 "¥"',
    "percent": "0.00%",
}
#: four-digit years, in the order each language reads dates (as app.i18n.DATE_PATTERNS)
DATE_FORMATS = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd", "zh_CN": "yyyy/mm/dd"}
DATETIME_FORMATS = {"vi": "dd/mm/yyyy hh:mm", "en": "yyyy-mm-dd hh:mm", "zh_CN": "yyyy/mm/dd hh:mm"}


class TooManyRows(DomainError):
    msgid = N_("An Excel sheet holds at most {limit} rows; narrow the filters and export again.")


class FileInUse(DomainError):
    msgid = N_("Cannot write {path}: the file is open in another program or the folder is "
               "read-only. Close it and try again.")


@dataclass
class _Formats:
    title: Any
    subtitle: Any
    header: Any
    header_right: Any
    label: Any
    by_kind: dict[str, Any] = field(default_factory=dict)


def _new_formats(book) -> _Formats:
    lang = current_language()
    by_kind = {kind: book.add_format({"num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()}
    by_kind["date"] = book.add_format({"num_format": DATE_FORMATS.get(lang, "yyyy-mm-dd")})
    by_kind["datetime"] = book.add_format({"num_format": DATETIME_FORMATS.get(lang, "yyyy-mm-dd hh:mm")})
    header = {"bold": True, "bg_color": "#E8EEF4", "bottom": 1, "text_wrap": True, "valign": "top"}
    return _Formats(
        title=book.add_format({"bold": True, "font_size": 14}),
        subtitle=book.add_format({"italic": True, "font_color": "#555555"}),
        header=book.add_format(header),
        header_right=book.add_format({**header, "align": "right"}),
        label=book.add_format({"bold": True}),
        by_kind=by_kind,
    )


def _sheet_name(name: str, taken: set[str]) -> str:
    """Excel refuses []:*?/\\ in sheet names, more than 31 characters, and duplicates (any case)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _excel_time(value: datetime) -> datetime:
    """Excel has no time zones: show the wall-clock time of this computer (naive means UTC,
    the app's convention, as in app.i18n.local_time)."""
    return local_time(value).replace(tzinfo=None)


def _infer_kind(value: Any) -> str:
    if isinstance(value, Money):
        return "money_vnd" if value.currency == VND else "money_cny"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, int):
        return "int"
    if isinstance(value, (Decimal, float)):
        return "decimal"
    return "text"


def _shown_width(text: str) -> int:
    # Chinese characters take about two columns' width in Excel.
    return len(text) + sum(1 for ch in text if ord(ch) >= 0x2E80)


class Sheet:
    """One report sheet: title, subtitle, blank, header (frozen), data rows, then optional pairs."""

    def __init__(self, book: "Workbook", ws, title: str, subtitle: str,
                 columns: Sequence[tuple[str, str]], fields: Iterable[tuple[str, Any]] = (),
                 total: int | None = None, freeze: bool = True) -> None:
        for header, kind in columns:
            if kind not in KINDS:
                raise ValueError(f"unknown column kind {kind!r} for {header!r}")
        self._book, self._ws, self._fmt = book, ws, book._formats
        self.title, self.columns, self.total = title, list(columns), total
        self._widths = [_shown_width(h) for h, _k in self.columns]
        self._row = 0
        self.rows_written = 0
        self._finished = False
        self._write_text_row([title], self._fmt.title)
        self._write_text_row([subtitle or ""], self._fmt.subtitle)
        self._row += 1
        for label, value in fields:
            self._write_pair(0, label, value)
        if fields:
            self._row += 1
        self.header_row = self._row
        for col, (header, kind) in enumerate(self.columns):
            numeric = kind in NUMBER_FORMATS  # headers sit over their numbers' side
            self._ws.write_string(self._row, col, header,
                                  self._fmt.header_right if numeric else self._fmt.header)
        self._row += 1
        if freeze:
            ws.freeze_panes(self.header_row + 1, 0)
        ws.repeat_rows(self.header_row)
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        self._data_end = self.header_row

    # -- writing ---------------------------------------------------------------------------
    def _write_text_row(self, texts: Sequence[str], fmt) -> None:
        for col, text in enumerate(texts):
            if text:
                self._ws.write_string(self._row, col, str(text)[:MAX_TEXT], fmt)
        self._row += 1

    def _write_pair(self, col: int, label: str, value: Any, kind: str | None = None) -> None:
        self._ws.write_string(self._row, col, label, self._fmt.label)
        self._widths_note(col, label)
        kind = kind or _infer_kind(value)
        shown = self._write_cell(col + 1, value, kind)
        if shown and kind != "text":
            # Text spills into the empty cells beside it; a number or date too wide shows "###".
            self._widths_note(col + 1, shown)
        self._row += 1

    def _widths_note(self, col: int, text: str) -> None:
        if col < len(self._widths):
            self._widths[col] = max(self._widths[col], _shown_width(text))

    def _write_cell(self, col: int, value: Any, kind: str) -> str | None:
        """Write one value as the column's kind wants it; return the text a user would see
        (for column widths), or None for an empty cell."""
        ws, row, fmt = self._ws, self._row, self._fmt.by_kind
        if value is None or value == "":
            return None
        if isinstance(value, str):
            # Always a string cell: a customer note starting with "=" must not become a formula.
            ws.write_string(row, col, value[:MAX_TEXT])
            return value
        if kind == "text":
            text = display(value)[:MAX_TEXT]
            ws.write_string(row, col, text)
            return text
        if kind == "bool":
            text = _("Yes") if value else _("No")
            ws.write_string(row, col, text)
            return text
        if kind in MONEY_KINDS:
            return self._write_money(col, value, kind)
        if kind in ("date", "datetime"):
            if not isinstance(value, date):
                raise TypeError(f"{kind} column needs a date or datetime, got {type(value).__name__}")
            if isinstance(value, datetime):
                value = _excel_time(value)
                if kind == "date":
                    value = value.date()
            ws.write_datetime(row, col, value, fmt[kind])
            return "00/00/0000 00:00" if kind == "datetime" else "00/00/0000"
        if isinstance(value, Money):
            raise TypeError("Money belongs in a money_vnd or money_cny column")
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
            raise TypeError(f"{kind} column needs a number, got {type(value).__name__}")
        number = value / 100 if kind == "percent" else value
        ws.write_number(row, col, number, fmt[kind])
        return f"{value:,}" + ("%" if kind == "percent" else "")

    def _write_money(self, col: int, value: Any, kind: str) -> str:
        currency = MONEY_KINDS[kind]
        if isinstance(value, Money):
            if value.currency != currency:
                raise CurrencyMismatch(f"{value.currency} amount in a {currency} column")
            amount = value.amount
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            amount = value
        else:
            raise TypeError(f"money column needs Money or Decimal, got {type(value).__name__}")
        self._ws.write_number(self._row, col, amount, self._fmt.by_kind[kind])
        return f"{amount:,} ₫"

    def write_row(self, values: Sequence[Any]) -> None:
        """Append one data row; values line up with the columns (None leaves a cell empty)."""
        if self._finished:
            raise RuntimeError("this sheet is finished; rows cannot be added after totals")
        if len(values) > len(self.columns):
            raise ValueError(f"{len(values)} values for {len(self.columns)} columns")
        if self._row >= MAX_ROWS:
            raise TooManyRows(limit=MAX_ROWS)
        measure = self.rows_written < WIDTH_SAMPLE_ROWS
        for col, (value, (_header, kind)) in enumerate(zip(values, self.columns)):
            shown = self._write_cell(col, value, kind)
            if measure and shown:
                self._widths_note(col, shown)
        self._row += 1
        self._data_end = self._row - 1
        self.rows_written += 1
        if self.rows_written % PROGRESS_EVERY == 0:
            self._book._report(self.rows_written, self.total, self.title)

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.write_row(values)

    def write_pairs(self, pairs: Iterable[tuple[str, Any] | tuple[str, Any, str]], label_col: int = 0) -> None:
        """After the data: a blank row, then label/value rows (totals), outside the filter range.
        A pair may name its kind as a third element (a percentage is a Decimal like any other)."""
        self._close_table()
        self._row += 1
        for label, value, *kind in pairs:
            if kind and kind[0] not in KINDS:
                raise ValueError(f"unknown kind {kind[0]!r} for {label!r}")
            self._write_pair(label_col, label, value, kind[0] if kind else None)
        # the table's widths were set when it closed: widen the two columns the totals use so a
        # label ("Net profit per order") is not cut by the value beside it
        self._set_widths(label_col, label_col + 1)

    # -- finishing -------------------------------------------------------------------------
    def _close_table(self) -> None:
        if self._finished:
            return
        self._finished = True
        last_col = max(len(self.columns) - 1, 0)
        self._ws.autofilter(self.header_row, 0, self._data_end, last_col)
        self._set_widths(*range(len(self._widths)))
        self._book._report(self.rows_written, self.total, self.title)

    def _set_widths(self, *cols: int) -> None:
        for col in cols:
            if col < len(self._widths):
                self._ws.set_column(col, col, min(max(self._widths[col] + 2, 6), 60))

    def finish(self) -> None:
        self._close_table()


class Workbook:
    """``with Workbook(path, progress) as wb: sh = wb.sheet(...); sh.write_row(...)``.

    Leaving the block normally writes the file; leaving it by an exception (including
    app.progress.Cancelled) discards everything and re-raises.
    """

    def __init__(self, path: str | os.PathLike, progress: Progress | None = None) -> None:
        import xlsxwriter

        self.path = Path(path)
        self.progress = progress
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=".xlsx.part",
                                   dir=self.path.parent or ".")
        os.close(fd)
        self._tmp = Path(tmp)
        self._book = xlsxwriter.Workbook(str(self._tmp), {
            "constant_memory": True,
            "default_date_format": DATE_FORMATS.get(current_language(), "yyyy-mm-dd"),
            "strings_to_formulas": False,
            "strings_to_urls": False,
        })
        self._formats = _new_formats(self._book)
        self._names: set[str] = set()
        self._sheets: list[Sheet] = []
        self._done = False

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _report(self, done: int, total: int | None, label: str) -> None:
        if self.progress is not None:
            self.progress.update(done, total, label)

    def sheet(self, name: str, title: str, subtitle: str, columns: Sequence[tuple[str, str]],
              *, fields: Iterable[tuple[str, Any]] = (), total: int | None = None,
              freeze: bool = True) -> Sheet:
        """A new sheet; ``fields`` are label/value rows between the subtitle and the header
        (e.g. an order's customer), ``total`` the expected row count for progress."""
        ws = self._book.add_worksheet(_sheet_name(name, self._names))
        sh = Sheet(self, ws, title, subtitle, columns, list(fields), total, freeze)
        self._sheets.append(sh)
        return sh

    def close(self) -> Path:
        """Finish every sheet and move the file into place."""
        if self._done:
            return self.path
        try:
            for sh in self._sheets:
                sh.finish()
            if not self._sheets:
                self._book.add_worksheet()
            self._book.close()
            self._done = True
            os.replace(self._tmp, self.path)
        except PermissionError as exc:
            self.abort()
            raise FileInUse(path=str(self.path)) from exc
        except BaseException:
            self.abort()
            raise
        return self.path

    def abort(self) -> None:
        """Drop the export: close and delete xlsxwriter's row files and our partial file.
        Assembling the zip just to delete it would keep a user who pressed Cancel waiting."""
        self._done = True
        self._book.fileclosed = True
        for ws in self._book.worksheets():
            fh = getattr(ws, "row_data_fh", None)
            if fh is not None and not fh.closed:
                fh.close()
            name = getattr(ws, "row_data_filename", None)
            if name:
                Path(name).unlink(missing_ok=True)
        self._tmp.unlink(missing_ok=True)
