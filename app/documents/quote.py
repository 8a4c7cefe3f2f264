"""The quote (báo giá) sent to a customer: items, the selling rate, fees known now, the deposit,
and the time the quote is valid until — laid out from plain values (no ORM here), in the
language active when it is written (the service writes it in the customer's language)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.documents.fonts import draw_text, draw_text_right, text_width, wrap_text
from app.documents.order_sheet import unit_price
from app.documents.pdf import (MM, Column, document_canvas, draw_fields, draw_table, fields_label_width,
                               new_page, section_title)
from app.i18n import _, fmt_datetime, fmt_decimal, fmt_money
from app.money import Money


@dataclass(frozen=True)
class QuoteSheetItem:
    title: str
    variant: str
    quantity: int
    unit_price_cny: Decimal
    line_total: Money


@dataclass(frozen=True)
class QuoteSheet:
    order_code: str
    version: int
    company_name: str
    customer_code: str
    customer_name: str
    customer_phone: str
    selling_rate: Decimal
    valid_until: datetime
    created_at: datetime
    created_by: str
    items: list[QuoteSheetItem] = field(default_factory=list)
    fees: list[tuple[str, Money | None]] = field(default_factory=list)   # label, amount (None: later)
    goods_cny: Money | None = None
    goods_vnd: Money | None = None
    total_vnd: Money | None = None
    deposit_label: str = ""
    deposit_vnd: Money | None = None
    previous_rate: Decimal | None = None
    difference_vnd: Money | None = None


def quote_title(sheet: QuoteSheet) -> str:
    return _("Quote for order {code} (version {version})").format(code=sheet.order_code, version=sheet.version)


def valid_until_line(sheet: QuoteSheet) -> str:
    return _("This quote is valid until {time}.").format(time=fmt_datetime(sheet.valid_until))


def write_quote_pdf(sheet: QuoteSheet, path: str | os.PathLike) -> Path:
    path = Path(path)
    c = document_canvas(path, sheet.company_name, quote_title(sheet), sheet.created_at)
    left, right = c.left, c.right
    width = right - left
    y = c.top
    # the validity first, in bold, where the customer looks first
    for line in wrap_text(valid_until_line(sheet), 12, width, bold=True):
        draw_text(c, left, y - 12, line, 12, bold=True)
        y -= 16
    y -= 4
    fields: list[tuple[str, Any]] = [
        (_("Customer"), " — ".join(p for p in (sheet.customer_code, sheet.customer_name) if p)),
        (_("Phone"), sheet.customer_phone),
        (_("Selling rate"), _("{rate} ₫ per ¥").format(rate=fmt_decimal(sheet.selling_rate))),
        (_("Quoted by"), sheet.created_by),
        (_("Valid until"), fmt_datetime(sheet.valid_until)),
    ]
    if sheet.previous_rate is not None and sheet.difference_vnd is not None:
        fields.append((_("Change from the previous quote"), _(
            "rate {old} → {new} ₫ per ¥; total {difference}").format(
            old=fmt_decimal(sheet.previous_rate), new=fmt_decimal(sheet.selling_rate),
            difference=_signed(sheet.difference_vnd))))
    label_w = fields_label_width([label for label, _v in fields])
    y = draw_fields(c, left, y, fields, label_w, width - label_w)
    y = section_title(c, left, y - 4, _("Items"), width)
    cols = [Column("#", align="right", max_lines=1), Column(_("Product"), max_lines=6),
            Column(_("Qty"), align="right", max_lines=1), Column(_("Unit price"), align="right", max_lines=1),
            Column(_("Amount"), align="right", max_lines=1)]
    fixed = [8 * MM, None, 13 * MM, 24 * MM, 26 * MM]
    flexible = width - sum(w for w in fixed if w)
    rows = [(n, "\n".join(p for p in (i.title, i.variant) if p), i.quantity, unit_price(i.unit_price_cny),
             i.line_total) for n, i in enumerate(sheet.items, start=1)]
    y = draw_table(c, left, y, cols, rows, [w if w else flexible for w in fixed], 8.5)
    totals: list[tuple[str, str]] = []
    if sheet.goods_cny is not None and sheet.goods_vnd is not None:
        totals.append((_("Goods {cny} × {rate}").format(cny=fmt_money(sheet.goods_cny),
                                                       rate=fmt_decimal(sheet.selling_rate)),
                       fmt_money(sheet.goods_vnd)))
    for label, amount in sheet.fees:
        totals.append((label, fmt_money(amount) if amount is not None else _("when the parcels are weighed")))
    if sheet.total_vnd is not None:
        totals.append((_("Total known now"), fmt_money(sheet.total_vnd)))
    if sheet.deposit_vnd is not None:
        totals.append((sheet.deposit_label or _("Deposit"), fmt_money(sheet.deposit_vnd)))
    _draw_totals(c, totals, right, y - 6)
    c.save()
    return path


def _signed(money: Money) -> str:
    return ("+" if money.amount > 0 else "") + fmt_money(money)


def _draw_totals(c, totals: list[tuple[str, str]], right: float, y: float) -> float:
    size, leading = 9.5, 14
    if not totals:
        return y
    if y - leading * (len(totals) + 1) < c.bottom:
        y = new_page(c)
    value_w = max(text_width(v, size, bold=True) for _l, v in totals)
    label_right = right - value_w - 8 * MM
    for label, value in totals:
        y -= leading
        draw_text_right(c, label_right, y, label, size)
        draw_text_right(c, right, y, value, size, bold=True)
    return y
