"""A customer's Excel cart → order items, checked row by row before anything is imported.

Customers send their cart as a sheet with a link, variant, quantity, price and note per row
(column titles in Vietnamese, English or Chinese, read by app.import_columns like every other
import). ``preview_cart`` returns every column with what it was read as (or "ignored"), what
keeps the cart from being read (a required column — link, quantity, price — not found comes
first), and every row with its problems; staff map an unrecognised column by hand (remembered
for that customer's next carts), fix or drop bad rows; ``to_items`` refuses while any remain.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from app.bounds import field_label
from app.db import Database
from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _
from app.import_columns import (Column, Field, Schema, Sheet, missing_required,
                                parse_measure, parse_whole_number, read_sheet, understand)
from app.permissions import Actor, Perm, require
from app.services import column_maps
from app.services.orders import ItemInput, parse_price, platform_of
from app.sheets import uncomputed_error

SCHEMA = Schema("cart", (
    Field("link", N_("Product link"), ("link", "link sản phẩm", "đường dẫn", "url", "liên kết", "product link",
                                       "product url", "item link", "link sp", "链接", "商品链接", "网址"),
          required=True),
    Field("variant", N_("Variant"), ("variant", "thuộc tính", "màu/size", "phân loại", "màu sắc/kích thước",
                                     "màu sắc", "mẫu", "options", "option", "sku", "规格", "属性", "颜色/尺码",
                                     "颜色分类")),
    Field("quantity", N_("Quantity"), ("quantity", "qty", "số lượng", "sl", "数量", "件数"), required=True),
    Field("price", N_("Unit price"), ("price", "unit price", "giá", "đơn giá", "giá tệ", "giá web", "单价", "价格"), quantity="money_cny", required=True),
    Field("note", N_("Note"), ("note", "notes", "ghi chú", "comment", "remark", "备注", "留言")),
    Field("title", N_("Title"), ("title", "tên sản phẩm", "sản phẩm", "tên hàng", "product", "product name",
                                 "商品名称", "标题", "名称", "品名")),
    Field("shop", N_("Shop"), ("shop", "tên shop", "cửa hàng", "seller", "store", "店铺", "店铺名称", "卖家")),
))
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
    warnings: list[str] = field(default_factory=list)
    #: fields whose cell held a formula without a value, as that formula (flagged until edited)
    formulas: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class CartPreview:
    file_name: str
    rows: list[CartRow]
    #: every column of the sheet with what it was read as (``Column.field`` None: ignored)
    columns: list[Column] = field(default_factory=list)
    #: what keeps the cart from being read at all, most important first
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and all(r.ok for r in self.rows)


def source_of(customer_id: int | None) -> str:
    """Whose carts these are, for remembered column choices: the customer (carts of a customer
    not chosen yet share one set)."""
    return f"customer:{customer_id}" if customer_id else "customer:-"


def quantity_of(text: str) -> int:
    """A whole number of pieces: "12", "１２", "1,000" / "1.000" (a thousand, not one), "12 cái"
    is refused; ValueError otherwise."""
    value = parse_whole_number(text or "")
    if value != value.to_integral_value():
        raise ValueError(text)
    return int(value)


def check_row(row: CartRow) -> CartRow:
    """(Re)compute a row's problems after reading or after a person edited it."""
    errors: dict[str, str] = {}
    if not re.match(r"^https?://\S+$", row.link.strip(), re.I):
        errors["link"] = _("The link must start with http:// or https://.")
    try:
        qty = quantity_of(row.quantity)
        if not 1 <= qty <= 100000:
            raise ValueError
    except ValueError:
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


def read_cart(path: str | Path, remembered: dict[str, str] | None = None,
              chosen: dict[str, str] | None = None) -> CartPreview:
    """Every column and every non-empty row of the first sheet (CSV also accepted), each row
    with its problems. ``chosen``: columns mapped by hand in this preview ({header key: field,
    or "" to ignore}), winning over ``remembered`` ones and over the headers."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CartUnreadable(why=str(exc)) from None
    return read_cart_content(path.name, content, remembered, chosen)


def read_cart_content(file_name: str, content: bytes, remembered: dict[str, str] | None = None,
                      chosen: dict[str, str] | None = None) -> CartPreview:
    """``read_cart`` of a file's bytes (a desktop read the file and sent them)."""
    name = Path(file_name).name
    try:
        sheet_rows = read_sheet(name, content, MAX_ROWS, SCHEMA)
    except ValidationFailed as exc:
        raise CartUnreadable(why=" ".join(exc.field_errors.values())) from None
    except Exception as exc:  # not a workbook, damaged, locked…
        raise CartUnreadable(why=str(exc)) from None
    sheet = understand(SCHEMA, name, sheet_rows, remembered, column_maps.check_choices(SCHEMA, chosen))
    problems = [_("No “{field}” column was found: choose which column holds it.").format(field=_(f.label))
                for f in missing_required(SCHEMA, sheet.columns)]
    rows = _rows(sheet)
    if len(rows) > MAX_ROWS:
        raise CartUnreadable(why=_("a cart may have at most {n} rows.").format(n=MAX_ROWS))
    if not rows and not problems:
        problems.append(_("The sheet has no item rows under its header."))
    return CartPreview(name, rows if not problems else [], sheet.columns, problems)


def _rows(sheet: Sheet) -> list[CartRow]:
    units = {c.field: c.unit for c in sheet.columns if c.field}
    rows = []
    for sheet_row, values in sheet.records():
        cells = {k: values.get(k, "") for k in SCHEMA.keys}
        if cells["price"]:
            try:  # "59.9 元", "¥59.9": the number, in CNY
                cells["price"] = format(parse_measure(cells["price"], "money_cny", units.get("price")).normalize(), "f")
            except ValueError:
                pass  # left as written: check_row says what is wrong with it
        try:  # "1,000" / "1.000" / "１２": shown as the count it is read as (a thousand, not one)
            cells["quantity"] = str(quantity_of(cells["quantity"])) if cells["quantity"] else ""
        except ValueError:
            pass
        fields = {c.index: c.field for c in sheet.columns if c.field}
        formulas = {fields[j]: f for j, f in sheet_row.formulas.items() if j in fields}
        for key, formula in formulas.items():
            cells[key] = formula              # shown as the formula; check_row flags it until edited
        row = check_row(CartRow(sheet_row.line, **cells, formulas=formulas))
        row.warnings.extend(sheet_row.warnings)
        rows.append(row)
    return rows


def preview_cart(db: Database, actor: Actor, customer_id: int | None, path: str | Path,
                 columns: dict[str, str] | None = None) -> CartPreview:
    """The cart read with the columns remembered for this customer and those mapped by hand now."""
    require(actor, Perm.CREATE_ORDERS)
    with db.read() as s:
        remembered = column_maps.remembered(s, SCHEMA.kind, source_of(customer_id))
    return read_cart(path, remembered, columns)


def preview_cart_content(db: Database, actor: Actor, customer_id: int | None, file_name: str, content: bytes,
                         columns: dict[str, str] | None = None) -> CartPreview:
    """``preview_cart`` of a file's bytes (the desktop reads the file, the server reads the cart)."""
    require(actor, Perm.CREATE_ORDERS)
    with db.read() as s:
        remembered = column_maps.remembered(s, SCHEMA.kind, source_of(customer_id))
    return read_cart_content(file_name, content, remembered, columns)


def remember_columns(db: Database, actor: Actor, customer_id: int | None, columns: dict[str, str]) -> None:
    """Keep the columns mapped by hand for this customer's next carts (when the cart is taken)."""
    require(actor, Perm.CREATE_ORDERS)
    choices = column_maps.check_choices(SCHEMA, columns)
    if not choices:
        return
    with db.transaction() as tx:
        column_maps.remember(tx, actor, SCHEMA, source_of(customer_id), choices)


def to_items(rows: list[CartRow]) -> list[ItemInput]:
    """The rows as order items; refused while any row still has a problem."""
    bad = [r.number for r in rows if not check_row(r).ok]
    if bad:
        raise DomainError(N_("Fix or drop the marked rows first (rows {rows})."),
                          rows=", ".join(str(n) for n in bad[:20]))
    return [ItemInput(shop_name=r.shop, platform=platform_of(r.link), product_url=r.link.strip(),
                      quantity=quantity_of(r.quantity), unit_price_cny=parse_price(r.price),
                      title=r.title, variant=r.variant, note=r.note) for r in rows]
