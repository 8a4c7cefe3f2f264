"""One order ("đơn hàng") printed to PDF or exported to Excel, from plain values (no ORM here).

The service layer fills an OrderSheet with labels already chosen (kind, status, services) and
the money already computed; this module only lays it out.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.documents.fonts import draw_text_right, text_width
from app.documents.pdf import (MM, Column, code128_size, document_canvas, draw_code128,
                               draw_fields, draw_table, fields_label_width, new_page,
                               section_title)
from app.i18n import _, fmt_money
from app.money import CNY, EXPONENT, Money


@dataclass(frozen=True)
class OrderSheetItem:
    """One product line as bought from a shop ("sản phẩm" of a "shop order")."""

    shop_name: str
    platform: str
    title: str            # as the shop lists it, usually Chinese
    variant: str
    quantity: int
    unit_price_cny: Decimal
    line_total: Money     # CNY
    note: str = ""
    product_url: str = ""


@dataclass(frozen=True)
class OrderSheet:
    code: str
    kind_label: str
    status_label: str
    created_at: datetime | None
    customer_code: str
    customer_name: str
    customer_phone: str
    delivery_address: str
    destination_warehouse: str
    care_staff: str
    ordering_staff: str
    company_name: str
    services: list[str] = field(default_factory=list)
    note: str = ""
    items: list[OrderSheetItem] = field(default_factory=list)
    declared_tracking_codes: list[str] = field(default_factory=list)  # consignment ("ký gửi")
    goods_description: str = ""
    totals: list[tuple[str, Money]] = field(default_factory=list)
    printed_at: datetime | None = None


def order_title(sheet: OrderSheet) -> str:
    return _("Order {code}").format(code=sheet.code)


def _customer(sheet: OrderSheet) -> str:
    return " — ".join(p for p in (sheet.customer_code, sheet.customer_name) if p)


def order_fields(sheet: OrderSheet) -> list[tuple[str, Any]]:
    return [
        (_("Kind"), sheet.kind_label),
        (_("Status"), sheet.status_label),
        (_("Created"), sheet.created_at),
        (_("Care staff"), sheet.care_staff),
        (_("Ordering staff"), sheet.ordering_staff),
        (_("Services"), ", ".join(sheet.services)),
    ]


def customer_fields(sheet: OrderSheet, name_label: str | None = None) -> list[tuple[str, Any]]:
    return [
        (name_label or _("Customer"), _customer(sheet)),
        (_("Phone"), sheet.customer_phone),
        (_("Delivery address"), sheet.delivery_address),
        (_("Destination warehouse"), sheet.destination_warehouse),
        (_("Note"), sheet.note),
    ]


def consignment_fields(sheet: OrderSheet) -> list[tuple[str, Any]]:
    return [
        (_("Declared tracking codes"), ", ".join(sheet.declared_tracking_codes)),
        (_("Goods description"), sheet.goods_description),
    ]


def unit_price(amount: Decimal) -> Money | Decimal:
    """As money when it has at most two decimals; a finer price (¥0.125) is shown as it is
    rather than rounded."""
    exact = amount == amount.quantize(Decimal(1).scaleb(-EXPONENT[CNY]))
    return Money(amount, CNY) if exact else amount


# -- PDF -----------------------------------------------------------------------------------

def write_order_pdf(sheet: OrderSheet, path: str | os.PathLike) -> Path:
    """An A4 order sheet: header, barcode, order and customer blocks, items, totals, page numbers."""
    path = Path(path)
    c = document_canvas(path, sheet.company_name, order_title(sheet), sheet.printed_at)
    left, right = c.left, c.right
    width = right - left
    customer = customer_fields(sheet, name_label=_("Name"))
    # One label column for all three blocks keeps the values in one straight line.
    label_w = fields_label_width(
        [label for label, _v in order_fields(sheet) + customer + consignment_fields(sheet)])
    y = _draw_top_block(c, sheet, c.top, label_w)
    y = section_title(c, left, y, _("Customer"), width)
    y = draw_fields(c, left, y, customer, label_w, width - label_w)
    if sheet.declared_tracking_codes or sheet.goods_description:
        y = section_title(c, left, y, _("Consignment"), width)
        y = draw_fields(c, left, y, consignment_fields(sheet), label_w, width - label_w)
    y = section_title(c, left, y - 4, _("Items"), width)
    y = _draw_items(c, sheet, left, y, width)
    _draw_totals(c, sheet.totals, right, y - 6)
    c.save()
    return path


def _draw_top_block(c, sheet: OrderSheet, y: float, label_w: float) -> float:
    """Order facts on the left, the order code's barcode on the right."""
    bar_w, bar_h = code128_size(sheet.code, 13 * MM, 0.28 * MM)
    draw_code128(c, sheet.code, c.right - bar_w, y - bar_h, 13 * MM, 0.28 * MM)
    fields_w = c.right - c.left - bar_w - 6 * MM
    end = draw_fields(c, c.left, y, order_fields(sheet), label_w, fields_w - label_w)
    return min(end, y - bar_h) - 2


def _item_columns() -> list[Column]:
    return [
        Column("#", align="right", max_lines=1),
        Column(_("Shop"), max_lines=3),
        Column(_("Product"), max_lines=6),
        Column(_("Qty"), align="right", max_lines=1),
        Column(_("Unit price"), align="right", max_lines=1),
        Column(_("Amount"), align="right", max_lines=1),
    ]


def _product_cell(item: OrderSheetItem) -> str:
    lines = [item.title]
    if item.variant:
        lines.append(item.variant)
    if item.note:
        lines.append(_("Note: {note}").format(note=item.note))
    return "\n".join(lines)


def _item_rows(sheet: OrderSheet):
    for n, item in enumerate(sheet.items, start=1):
        shop = "\n".join(p for p in (item.shop_name, item.platform) if p)
        yield (n, shop, _product_cell(item), item.quantity, unit_price(item.unit_price_cny),
               item.line_total)


def _draw_items(c, sheet: OrderSheet, x: float, y: float, width: float) -> float:
    fixed = [8 * MM, 34 * MM, None, 13 * MM, 24 * MM, 26 * MM]
    flexible = width - sum(w for w in fixed if w)
    widths = [w if w else flexible for w in fixed]
    return draw_table(c, x, y, _item_columns(), _item_rows(sheet), widths, 8.5)


def _draw_totals(c, totals: list[tuple[str, Money]], right: float, y: float) -> float:
    size, leading = 9.5, 14
    if not totals:
        return y
    if y - leading * len(totals) < c.bottom:
        y = new_page(c)
    value_w = max(text_width(fmt_money(m), size, bold=True) for _l, m in totals)
    label_right = right - value_w - 8 * MM
    for label, money in totals:
        y -= leading
        draw_text_right(c, label_right, y, label, size)
        draw_text_right(c, right, y, fmt_money(money), size, bold=True)
    return y


# -- Excel ---------------------------------------------------------------------------------

def _xlsx_columns() -> list[tuple[str, str]]:
    return [
        (_("Shop"), "text"), (_("Platform"), "text"), (_("Product"), "text"),
        (_("Variant"), "text"), (_("Quantity"), "int"), (_("Unit price (¥)"), "money_cny"),
        (_("Amount (¥)"), "money_cny"), (_("Note"), "text"), (_("Product link"), "text"),
    ]


def write_order_xlsx(sheet: OrderSheet, path: str | os.PathLike) -> Path:
    """One sheet: the order's fields as label/value rows, then its items (CNY), then totals."""
    from app.documents.xlsx import Workbook

    fields = [(label, value) for label, value in
              order_fields(sheet) + customer_fields(sheet) + consignment_fields(sheet)
              if value not in (None, "")]
    with Workbook(path) as wb:
        sh = wb.sheet(sheet.code, order_title(sheet), sheet.company_name, _xlsx_columns(),
                      fields=fields, freeze=False)
        for item in sheet.items:
            sh.write_row([item.shop_name, item.platform, item.title, item.variant, item.quantity,
                          item.unit_price_cny, item.line_total, item.note, item.product_url])
        # Labels under "Unit price", amounts under "Amount": totals line up with the items.
        sh.write_pairs(sheet.totals, label_col=5)
    return Path(path)
