"""A customer's Excel cart → order items, checked row by row before anything is imported.

Customers send their cart as a sheet with a link, variant, quantity, price and note per row
(column titles in Vietnamese, English or Chinese). ``read_cart`` returns every row with its
problems; the preview lets staff fix or drop bad rows; ``to_items`` refuses while any remain.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from app.bounds import field_label
from app.errors import DomainError
from app.i18n import N_, _
from app.services.orders import ItemInput, parse_price, platform_of
from app.sheets import Uncomputed, extra_cells_warning, mark_uncomputed, uncomputed_error
from app.text import fold

#: column -> the (folded) titles customers use for it
HEADERS: dict[str, tuple[str, ...]] = {
    "link": ("link", "link san pham", "duong dan", "url", "lien ket", "链接", "商品链接", "product link"),
    "variant": ("variant", "thuoc tinh", "mau/size", "phan loai", "mau sac/kich thuoc", "规格", "属性",
                "颜色/尺码", "options"),
    "quantity": ("quantity", "so luong", "sl", "qty", "数量"),
    "price": ("price", "gia", "don gia", "gia (te)", "gia te", "don gia (cny)", "unit price", "单价", "价格"),
    "note": ("note", "ghi chu", "备注", "comment"),
    "title": ("title", "ten san pham", "san pham", "product", "商品名称", "标题", "名称"),
    "shop": ("shop", "ten shop", "cua hang", "店铺", "seller"),
}
REQUIRED = ("link", "quantity", "price")
MAX_ROWS = 2000


class CartUnreadable(DomainError):
    msgid = N_("The cart could not be read: {why}")


@dataclass
class CartRow:
    number: int                      # the sheet's row number, as the customer sees it
    link: str = ""
    variant: str = ""
    quantity: str = ""
    price: str = ""
    note: str = ""
    title: str = ""
    shop: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    #: what reading the row found doubtful (more cells than titles); shown, does not refuse
    warnings: list[str] = field(default_factory=list)
    #: columns that held a formula without a value, as that formula (flagged until edited)
    formulas: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # openpyxl gives floats for numeric cells; keep the digits the customer typed
        return format(Decimal(str(value)).normalize(), "f")
    return str(value).strip()


def check_row(row: CartRow) -> CartRow:
    """(Re)compute a row's problems after reading or after a person edited it."""
    errors: dict[str, str] = {}
    if not re.match(r"^https?://\S+$", row.link.strip(), re.I):
        errors["link"] = _("The link must start with http:// or https://.")
    try:
        qty = int(Decimal(row.quantity.replace(",", ".").strip()))
        if Decimal(row.quantity.replace(",", ".").strip()) != qty or not 1 <= qty <= 100000:
            raise ValueError
    except Exception:
        errors["quantity"] = _("The quantity is a whole number from 1.")
    try:
        parse_price(row.price)
    except ValueError as exc:
        errors["price"] = str(exc)
    for key, formula in row.formulas.items():
        if getattr(row, key) == formula:
            errors[key] = uncomputed_error(field_label(key), formula)
    row.errors = errors
    return row


def read_cart(path: str | Path) -> list[CartRow]:
    """Every non-empty row of the first sheet (CSV also accepted), each with its problems."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            import csv

            with path.open(newline="", encoding="utf-8-sig") as f:
                table = [list(r) for r in csv.reader(f)]
        else:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                table = [list(r) for _, r in zip(range(MAX_ROWS + 50), ws.iter_rows(values_only=True))]
            finally:
                wb.close()
            table = mark_uncomputed(path, table)
    except Exception as exc:  # not a workbook, damaged, locked…
        raise CartUnreadable(why=str(exc)) from None
    header_at, columns = _find_header(table)
    if header_at is None:
        raise CartUnreadable(why=_("no header row with the columns link, quantity and price was found."))
    rows: list[CartRow] = []
    for offset, values in enumerate(table[header_at + 1:], start=header_at + 2):
        cells = {key: _cell(values[i]) if i < len(values) else "" for key, i in columns.items()}
        if not any(cells.values()):
            continue
        formulas = {key: cells[key] for key, i in columns.items()
                    if i < len(values) and isinstance(values[i], Uncomputed)}
        warning = extra_cells_warning(table[header_at], values)
        rows.append(check_row(CartRow(offset, **cells, warnings=[warning] if warning else [],
                                      formulas=formulas)))
        if len(rows) > MAX_ROWS:
            raise CartUnreadable(why=_("a cart may have at most {n} rows.").format(n=MAX_ROWS))
    if not rows:
        raise CartUnreadable(why=_("the sheet has no item rows under its header."))
    return rows


def _find_header(table: list[list]) -> tuple[int | None, dict[str, int]]:
    for r, values in enumerate(table[:20]):
        found: dict[str, int] = {}
        for i, v in enumerate(values):
            title = fold(_cell(v)).strip(" :*")
            for key, names in HEADERS.items():
                if key not in found and title in names:
                    found[key] = i
        if all(k in found for k in REQUIRED):
            return r, found
    return None, {}


def to_items(rows: list[CartRow]) -> list[ItemInput]:
    """The rows as order items; refused while any row still has a problem."""
    bad = [r.number for r in rows if not check_row(r).ok]
    if bad:
        raise DomainError(N_("Fix or drop the marked rows first (rows {rows})."),
                          rows=", ".join(str(n) for n in bad[:20]))
    return [ItemInput(shop_name=r.shop, platform=platform_of(r.link), product_url=r.link.strip(),
                      quantity=int(Decimal(r.quantity.replace(",", "."))), unit_price_cny=parse_price(r.price),
                      title=r.title, variant=r.variant, note=r.note) for r in rows]
