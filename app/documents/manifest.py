"""A shipment's manifest (bảng kê bao hàng, 集包清单): PDF to travel with the sack, XLSX for the
partner and the customs broker. Laid out from a ShipmentView (plain values, no ORM)."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from app.documents.fonts import draw_text, draw_text_right
from app.documents.pdf import (MM, Column, code128_size, document_canvas, draw_code128, draw_fields,
                               draw_table, fields_label_width, new_page, section_title)
from app.i18n import _, fmt_decimal


def manifest_title(view) -> str:
    return _("Shipment manifest {code}").format(code=view.code)


def _fields(view) -> list[tuple[str, Any]]:
    return [
        (_("Route"), f"{view.origin} {view.origin_name} → {view.destination} {view.destination_name}"),
        (_("Kind"), _(view.direction_label)),
        (_("Status"), _(view.status_label)),
        (_("Parcels"), view.parcel_count),
        (_("Net weight (kg)"), view.net_weight_kg),
        (_("Gross weight (kg)"), view.gross_weight_kg),
        (_("Seal number"), view.seal_no),
        (_("Transport"), view.transport),
        (_("Sealed"), view.sealed_at),
        (_("Departed"), view.departed_at),
        (_("Note"), view.note),
    ]


def _columns(arrived: bool) -> list[Column]:
    cols = [Column("#", align="right", max_lines=1), Column(_("Tracking code"), max_lines=1),
            Column(_("Customer"), max_lines=2), Column(_("Order"), max_lines=1),
            Column(_("Weight (kg)"), align="right", max_lines=1), Column(_("Size (cm)"), max_lines=1),
            Column(_("Chargeable (kg)"), align="right", max_lines=1)]
    if arrived:
        cols.append(Column(_("On arrival"), max_lines=2))
    return cols


def _arrival(line) -> str:
    if line.extra:
        return _("extra") + (f" · {fmt_decimal(line.vn_weight_kg)} kg" if line.vn_weight_kg is not None else "")
    if line.missing:
        return _("missing")
    if line.received_at is None:
        return ""
    text = _("received")
    if line.vn_weight_kg is not None:
        text += f" · {fmt_decimal(line.vn_weight_kg)} kg"
    if line.weight_warning:
        text += " ⚠"
    return text


def write_manifest_pdf(view, path: str | os.PathLike, company_name: str,
                       printed_at: datetime | None = None) -> Path:
    path = Path(path)
    c = document_canvas(path, company_name, manifest_title(view), printed_at)
    left, right = c.left, c.right
    width = right - left
    bar_w, bar_h = code128_size(view.code, 14 * MM, 0.35 * MM, 9)
    draw_code128(c, view.code, right - bar_w, c.top - bar_h, 14 * MM, 0.35 * MM, 9)
    label_w = fields_label_width([label for label, _v in _fields(view)])
    y = draw_fields(c, left, c.top, _fields(view), label_w, width - label_w - bar_w - 6 * MM)
    y = min(y, c.top - bar_h) - 4
    y = section_title(c, left, y, _("Parcels"), width)
    arrived = view.arrived_at is not None
    rows = [(n, ln.tracking_code, f"{ln.customer_code} {ln.customer_name}".strip(), ln.order_code,
             ln.weight_kg, ln.dims, ln.chargeable_kg) + ((_arrival(ln),) if arrived else ())
            for n, ln in enumerate(view.lines, start=1)]
    fixed = [7 * MM, 33 * MM, None, 22 * MM, 15 * MM, 19 * MM, 22 * MM] + ([27 * MM] if arrived else [])
    flexible = width - sum(w for w in fixed if w)
    y = draw_table(c, left, y, _columns(arrived), rows, [w or flexible for w in fixed], 8)
    total_kg = sum((ln.weight_kg for ln in view.lines if ln.weight_kg is not None), start=0)
    if y - 80 < c.bottom:
        y = new_page(c)
    y -= 14
    draw_text_right(c, right, y, _("{n} parcels · {kg} kg").format(n=len(view.lines), kg=fmt_decimal(total_kg)),
                    9.5, bold=True)
    y -= 40
    third = width / 3
    for i, who in enumerate((_("Packed by"), _("Driver"), _("Received by"))):
        x = left + i * third
        draw_text(c, x, y, who, 9, bold=True)
        c.setLineWidth(0.5)
        c.line(x, y - 36, x + third - 8 * MM, y - 36)
        draw_text(c, x, y - 46, _("(signature, full name)"), 7.5)
    c.save()
    return path


def write_manifest_xlsx(view, path: str | os.PathLike, company_name: str) -> Path:
    from app.documents.xlsx import Workbook

    fields = [(label, value) for label, value in _fields(view) if value not in (None, "")]
    columns = [(_("Tracking code"), "text"), (_("Customer code"), "text"), (_("Customer"), "text"),
               (_("Order"), "text"), (_("Weight (kg)"), "decimal"), (_("Size (cm)"), "text"),
               (_("Chargeable (kg)"), "decimal"), (_("Received"), "datetime"),
               (_("Weight on arrival (kg)"), "decimal"), (_("On arrival"), "text")]
    with Workbook(path) as wb:
        sh = wb.sheet(view.code, manifest_title(view), company_name, columns, fields=fields)
        for ln in view.lines:
            sh.write_row([ln.tracking_code, ln.customer_code, ln.customer_name, ln.order_code, ln.weight_kg,
                          ln.dims, ln.chargeable_kg, ln.received_at, ln.vn_weight_kg, _arrival(ln)])
        total = sum((ln.weight_kg for ln in view.lines if ln.weight_kg is not None), start=0)
        sh.write_pairs([(_("Parcels"), len(view.lines)), (_("Net weight (kg)"), total)], label_col=3)
    return Path(path)
