"""Parcel labels (tem kiện hàng): 100 × 75 mm, one per page, for a thermal label printer.

The Code128 barcode carries the parcel's tracking code; the customer code (the shipping mark
the Vietnam warehouse sorts by), the destination warehouse and the shelf are printed large.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from app.documents.fonts import (REGULAR, draw_text, draw_text_centred, draw_text_right, fit_text,
                                 register_fonts, text_width)
from app.documents.pdf import MM, code128_size, draw_code128
from app.i18n import _, fmt_date, fmt_decimal
from app.workflows.parcels import shelf_label

LABEL_WIDTH, LABEL_HEIGHT = 100 * MM, 75 * MM
PAD = 4 * MM


@dataclass(frozen=True)
class Label:
    tracking_code: str
    customer_code: str
    customer_name: str
    order_code: str
    destination: str           # warehouse code, e.g. VN-HN
    destination_name: str
    shelf: str
    weight_kg: Decimal | None
    chargeable_kg: Decimal | None
    dims: str
    received_at: datetime | None
    warehouse: str


def _big(canvas, x: float, y: float, text: str, size: float, width: float) -> None:
    """The largest size up to ``size`` at which text fits the width, bold, left-aligned."""
    while size > 8 and text_width(text, size, bold=True) > width:
        size -= 1
    draw_text(canvas, x, y, fit_text(text, size, width, bold=True), size, bold=True)


def draw_label(canvas, label: Label, company_name: str) -> None:
    w, h = LABEL_WIDTH, LABEL_HEIGHT
    inner = w - 2 * PAD
    canvas.setLineWidth(0.8)
    canvas.rect(1.5 * MM, 1.5 * MM, w - 3 * MM, h - 3 * MM)
    y = h - PAD - 7
    draw_text(canvas, PAD, y, fit_text(company_name, 7, inner * 0.55, bold=True), 7, bold=True)
    draw_text_right(canvas, w - PAD, y, fit_text(
        f"{label.warehouse} · {fmt_date(label.received_at)}" if label.received_at else label.warehouse,
        7, inner * 0.45), 7)
    # destination and customer: what the other end sorts by, big enough to read from a metre
    y -= 22
    dest = label.destination or _("No destination")
    _big(canvas, PAD, y, dest, 20, inner * 0.45)
    draw_text_right(canvas, w - PAD, y + 2, fit_text(label.destination_name, 8, inner * 0.5), 8)
    y -= 26
    _big(canvas, PAD, y, label.customer_code or _("OWNERLESS"), 26, inner * 0.62)
    if label.shelf:
        shelf = fit_text(shelf_label(label.shelf), 14, inner * 0.36, bold=True)
        shelf_w = text_width(shelf, 14, bold=True) + 3 * MM
        canvas.setFillColorRGB(0, 0, 0)
        canvas.rect(w - PAD - shelf_w, y - 3, shelf_w, 19, stroke=0, fill=1)
        canvas.setFillColorRGB(1, 1, 1)
        draw_text_centred(canvas, w - PAD - shelf_w / 2, y + 1, shelf, 14, bold=True)
        canvas.setFillColorRGB(0, 0, 0)
    y -= 11
    who = " · ".join(p for p in (label.order_code, label.customer_name) if p)
    draw_text(canvas, PAD, y, fit_text(who, 8, inner), 8)
    # the barcode of the parcel code, centred, with the code printed under it
    bar_h = 15 * MM
    bar_w_unit = 0.33 * MM
    width, _height = code128_size(label.tracking_code, bar_h, bar_w_unit, 9)
    while width > inner and bar_w_unit > 0.19 * MM:
        bar_w_unit -= 0.02 * MM
        width, _height = code128_size(label.tracking_code, bar_h, bar_w_unit, 9)
    draw_code128(canvas, label.tracking_code, (w - width) / 2, PAD + 9, bar_h, bar_w_unit, 9)
    facts = []
    if label.weight_kg is not None:
        facts.append(_("{kg} kg").format(kg=fmt_decimal(label.weight_kg)))
    if label.dims:
        facts.append(f"{label.dims} cm")
    if label.chargeable_kg is not None and label.chargeable_kg != label.weight_kg:
        facts.append(_("chargeable {kg} kg").format(kg=fmt_decimal(label.chargeable_kg)))
    draw_text_centred(canvas, w / 2, PAD - 1, fit_text("  ·  ".join(facts), 7, inner), 7)


def write_labels_pdf(labels: list[Label], path: str | os.PathLike, company_name: str) -> Path:
    """One label per page, in the order given."""
    from reportlab.pdfgen.canvas import Canvas

    register_fonts()
    path = Path(path)
    c = Canvas(str(path), pagesize=(LABEL_WIDTH, LABEL_HEIGHT), pageCompression=1, initialFontName=REGULAR)
    c.setTitle(_("Parcel labels"))
    c.setAuthor(company_name)
    c.setCreator("ImportDesk")
    for label in labels:
        draw_label(c, label, company_name)
        c.showPage()
    c.save()
    return path
