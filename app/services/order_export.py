"""An order to PDF or XLSX (seed 000 "export the order"), and a queue's current view to XLSX."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from app.db import Database
from app.fees import SERVICES
from app.i18n import _
from app.permissions import Actor, Perm, require
from app.progress import NullProgress, Progress
from app.queries import reader
from app.queries.paging import PageRequest
from app.queries.queues import QUEUES
from app.services import orders
from app.services import settings as settings_service
from app.workflows.orders import ORDER_KIND_LABELS


def order_sheet(db: Database, actor: Actor, order_id: int):
    from app.documents.order_sheet import OrderSheet, OrderSheetItem

    v = orders.get_order(db, actor, order_id)
    company = settings_service.read_all(db)["company.name"]
    items = [OrderSheetItem(i.shop_name, i.platform, i.title or i.product_url, i.variant, i.quantity,
                            i.unit_price_cny, i.line_total, i.note, i.product_url) for i in v.items]
    return OrderSheet(
        code=v.code, kind_label=_(ORDER_KIND_LABELS[v.kind]), status_label=_(v.status_label),
        created_at=v.created_at, customer_code=v.customer_code, customer_name=v.customer_name,
        customer_phone=v.customer_phone, delivery_address=v.delivery_address,
        destination_warehouse=v.destination_warehouse, care_staff=v.care_staff_name,
        ordering_staff=v.ordering_staff_name, company_name=company,
        services=[_(SERVICES[c].label) for c in v.services if c in SERVICES], note=v.note,
        items=items, declared_tracking_codes=[c for c, _s in v.tracking_codes],
        goods_description=v.goods_description,
        totals=[(_("Goods (CNY)"), v.goods_cny)] if v.items else [],
        printed_at=db.clock.now())


def order_pdf(db: Database, actor: Actor, order_id: int, path: str | Path) -> Path:
    from app.documents.order_sheet import write_order_pdf

    require(actor, Perm.VIEW_ORDERS)
    return write_order_pdf(order_sheet(db, actor, order_id), path)


def order_xlsx(db: Database, actor: Actor, order_id: int, path: str | Path) -> Path:
    from app.documents.order_sheet import write_order_xlsx

    require(actor, Perm.VIEW_ORDERS)
    return write_order_xlsx(order_sheet(db, actor, order_id), path)


#: how each queue column kind is written (money columns get their currency's number format)
_KINDS = {"datetime": "datetime", "date": "date", "int": "int", "decimal": "decimal"}


def _column_kind(column) -> str:
    if column.kind == "money":
        return "money_cny" if "cny" in column.key.lower() else "money_vnd"
    return _KINDS.get(column.kind, "text")


def queue_xlsx(db: Database, actor: Actor, queue_name: str, request: PageRequest, path: str | Path,
               title: str, filters_text: str = "", progress: Progress | None = None) -> int:
    """The queue as the person sees it (search, filters, sort) — every row, streamed."""
    from app.documents.xlsx import Workbook
    from app.i18n import display

    require(actor, Perm.EXPORT_DATA)
    queue = QUEUES[queue_name]
    total = reader.queue_count(db, actor, queue_name, request)
    columns = [(_(c.title), _column_kind(c)) for c in queue.columns]
    n = 0
    with reader.queue_rows(db, actor, queue_name, request) as rows, Workbook(path, progress or NullProgress()) as book:
        sheet = book.sheet(_(queue.title), title, filters_text, columns, total=total)
        for row in rows:
            values: list[Any] = []
            for c in queue.columns:
                v = getattr(row, c.key)
                if c.text is not None:
                    v = c.text(row)
                elif c.kind == "label" and v is not None:
                    v = _((c.labels or {}).get(v, v))
                elif c.kind == "bool":
                    v = display(v)
                values.append(v)
            sheet.write_row(values)
            n += 1
    return n
