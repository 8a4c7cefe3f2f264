"""The packing slip / delivery note (phiếu xuất kho kiêm phiếu giao hàng), as seed 002 has it:
page one goes inside the box (what is delivered, to whom, COD, signatures), the following
page(s) carry one label per box ("Box 2 of 3") to stick on each box; a signed copy comes back.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from app.documents.fonts import (draw_text, draw_text_centred, draw_text_right, fit_text, register_fonts,
                                 text_width, wrap_text)
from app.documents.pdf import (MM, PAGE_HEIGHT, PAGE_WIDTH, Column, code128_size, document_canvas,
                               draw_code128, draw_fields, draw_table, fields_label_width, new_page,
                               section_title)
from app.i18n import _, fmt_decimal, fmt_money


def note_title(view) -> str:
    return _("Delivery note {code}").format(code=view.code)


def _customer(view) -> list[tuple[str, Any]]:
    return [
        (_("Customer"), f"{view.customer_code} — {view.customer_name}"),
        (_("Recipient"), view.recipient),
        (_("Phone"), view.phone),
        (_("Address"), view.address),
    ]


def _delivery(view) -> list[tuple[str, Any]]:
    return [
        (_("From"), f"{view.warehouse} {view.warehouse_name}"),
        (_("Delivery by"), _(view.method_label) + (f" · {view.courier}" if view.courier else "")),
        (_("Courier tracking"), view.courier_tracking),
        (_("Boxes"), view.box_count or len(view.boxes())),
        (_("Slip issued"), view.slip_issued_at),
        (_("Note"), view.note),
    ]


def write_delivery_note_pdf(view, path: str | os.PathLike, company_name: str,
                            printed_at: datetime | None = None) -> Path:
    path = Path(path)
    c = document_canvas(path, company_name, note_title(view), printed_at, numbered=False)
    _page_one(c, view)
    c.showPage()
    _box_labels(c, view, company_name)
    c.save()
    return path


def _page_one(c, view) -> None:
    left, right = c.left, c.right
    width = right - left
    bar_w, bar_h = code128_size(view.code, 13 * MM, 0.33 * MM, 9)
    draw_code128(c, view.code, right - bar_w, c.top - bar_h, 13 * MM, 0.33 * MM, 9)
    pairs = _customer(view) + _delivery(view)
    label_w = fields_label_width([label for label, _v in pairs])
    y = draw_fields(c, left, c.top, _customer(view), label_w, width - label_w - bar_w - 6 * MM)
    y = min(y, c.top - bar_h) - 2
    y = draw_fields(c, left, y, _delivery(view), label_w, width - label_w)
    y = section_title(c, left, y - 2, _("Parcels"), width)
    rows = [(n, ln.tracking_code, ln.order_code, ln.box_no, ln.weight_kg)
            for n, ln in enumerate(view.lines, start=1)]
    cols = [Column("#", align="right", max_lines=1), Column(_("Tracking code"), max_lines=1),
            Column(_("Order"), max_lines=1), Column(_("Box"), align="right", max_lines=1),
            Column(_("Weight (kg)"), align="right", max_lines=1)]
    fixed = [10 * MM, None, 40 * MM, 18 * MM, 28 * MM]
    flexible = width - sum(w for w in fixed if w)
    y = draw_table(c, left, y, cols, rows, [w or flexible for w in fixed], 9)
    if y - 150 < c.bottom:
        y = new_page(c)
    y -= 16
    lines = [(_("Parcels"), str(len(view.lines))),
             (_("Total weight"), _("{kg} kg").format(kg=fmt_decimal(view.total_weight_kg))),
             (_("Delivery fee"), fmt_money(view.delivery_fee)),
             (_("To collect (COD)"), fmt_money(view.cod))]
    value_w = max(text_width(v, 10, bold=True) for _l, v in lines)
    for label, value in lines:
        draw_text_right(c, right - value_w - 6 * MM, y, label, 10)
        draw_text_right(c, right, y, value, 10, bold=True)
        y -= 15
    y -= 22
    half = width / 2
    for i, (who, hint) in enumerate(((_("Warehouse"), _("(signature, full name)")),
                                     (_("Received in good order by"), _("(signature, full name, date)")))):
        x = left + i * half
        draw_text(c, x, y, who, 9.5, bold=True)
        draw_text(c, x, y - 12, hint, 7.5)
        c.setLineWidth(0.5)
        c.line(x, y - 56, x + half - 12 * MM, y - 56)
    y -= 78
    for line in wrap_text(_("Place this page inside the box. Stick one label of the next page on each box. "
                            "Keep a signed copy of this page: it is the proof of delivery."), 8, width):
        draw_text(c, left, y, line, 8)
        y -= 10


def _box_labels(c, view, company_name: str) -> None:
    """Four A6 labels per A4 page (cut along the lines), one per box."""
    register_fonts()
    boxes = view.boxes() or [1]
    total = len(boxes)
    w, h = PAGE_WIDTH / 2, PAGE_HEIGHT / 2
    for i, box in enumerate(boxes):
        slot = i % 4
        if i and slot == 0:
            c.showPage()
        if slot == 0:
            c.setDash(3, 3)
            c.setLineWidth(0.3)
            c.line(w, 0, w, PAGE_HEIGHT)
            c.line(0, h, PAGE_WIDTH, h)
            c.setDash()
        x0 = (slot % 2) * w
        y0 = PAGE_HEIGHT - (slot // 2 + 1) * h
        _box_label(c, view, company_name, x0, y0, w, h, box, i + 1, total)


def _box_label(c, view, company_name: str, x0: float, y0: float, w: float, h: float, box: int,
               n: int, total: int) -> None:
    pad = 9 * MM
    inner = w - 2 * pad
    top = y0 + h - pad
    draw_text(c, x0 + pad, top - 8, fit_text(company_name, 8, inner, bold=True), 8, bold=True)
    draw_text_centred(c, x0 + w / 2, top - 48, _("Box {n} of {total}").format(n=n, total=total), 30, bold=True)
    bar_w, bar_h = code128_size(view.code, 14 * MM, 0.4 * MM, 9)
    draw_code128(c, view.code, x0 + (w - bar_w) / 2, top - 70 - bar_h, 14 * MM, 0.4 * MM, 9)
    y = top - 70 - bar_h - 22
    draw_text(c, x0 + pad, y, fit_text(view.customer_code, 22, inner, bold=True), 22, bold=True)
    y -= 16
    for text, size, bold in ((view.recipient, 11, True), (view.phone, 11, False)):
        draw_text(c, x0 + pad, y, fit_text(text, size, inner, bold), size, bold)
        y -= size + 4
    for line in wrap_text(view.address, 10, inner, max_lines=3):
        draw_text(c, x0 + pad, y, line, 10)
        y -= 13
    y -= 6
    codes = [ln.tracking_code for ln in view.lines if ln.box_no == box]
    draw_text(c, x0 + pad, y, _("In this box: {n} parcels").format(n=len(codes)), 8.5, bold=True)
    y -= 11
    for line in wrap_text(", ".join(codes), 8, inner, max_lines=4):
        draw_text(c, x0 + pad, y, line, 8)
        y -= 10
    if view.cod.amount:
        draw_text_right(c, x0 + w - pad, y0 + pad, _("COD {amount}").format(amount=fmt_money(view.cod)), 11, bold=True)
    draw_text(c, x0 + pad, y0 + pad, f"{view.code} · {view.warehouse}", 8)

