"""An order's row for a write: the order (or NotFound), its ``seen_version`` check, its customer.
Shared by the order's editing (``orders``), its chat and files (``order_chat``) and its quotes
(``quotes``, ``quote_decisions``).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.i18n import Lazy, N_
from app.models import Customer, Order
from app.services.activity import stale_edit


def load_order(tx: Session, order_id: int, lock: bool = True) -> Order:
    order = tx.get(Order, order_id, with_for_update=lock)
    if order is None:
        raise NotFound(what=Lazy(N_("The order")))
    return order


def check_order_version(tx: Session, order: Order, seen_version: int | None) -> None:
    if seen_version is not None and order.version != seen_version:
        raise stale_edit(tx, "order", order.id, N_("The order"))



def order_customer(tx: Session, order: Order) -> Customer:
    return tx.get(Customer, order.customer_id)
