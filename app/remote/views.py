"""Read models shaped for the wire where the in-process one is not plain data.

A queue page in-process is a list of SQLAlchemy rows, and its flags are computed by the UI with
the queue's ``flag(row, ctx)``. Over the network the server sends the rows as values (every
labelled column of the queue's select, by name) with the flags it computed at its own "now",
and the desktop rebuilds rows that read like the originals (``row.id``, ``row.total``…), so
``Column.text(row)`` and the cell formatting keep working unchanged.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from app.db import Database
from app.permissions import Actor, Perm
from app.queries import paging, reader
from app.queries.paging import PageRequest
from app.services import deliveries, orders


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue: ``fields`` name the values of each row; ``flags`` one per row."""

    fields: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    flags: tuple[str | None, ...]
    last_key: tuple[Any, int] | None
    exhausted: bool

    @property
    def rows(self) -> list[Any]:
        """The rows as objects with one attribute per field (like the in-process rows)."""
        row_type = queue_row_type(self.fields)
        return [row_type(*v) for v in self.values]

    def page(self) -> paging.Page:
        return paging.Page(self.rows, self.last_key, self.exhausted)


@lru_cache(maxsize=256)
def queue_row_type(fields: tuple[str, ...]):
    return namedtuple("QueueRow", fields, rename=True)


def queue_page(db: Database, actor: Actor, name: str, req: PageRequest) -> QueuePage:
    """``app.queries.reader.queue_page`` with the rows as values and the flags computed here."""
    page = reader.queue_page(db, actor, name, req)
    queue = reader.QUEUES[name]
    ctx = reader.context(db, actor)
    fields = tuple(page.rows[0]._fields) if page.rows else ()
    flags = tuple(queue.flag(r, ctx) if queue.flag else None for r in page.rows)
    return QueuePage(fields, tuple(tuple(r) for r in page.rows), flags, page.last_key,
                     page.exhausted)


def queue_counts(db: Database, actor: Actor, names: list[str],
                 req: PageRequest | None = None) -> dict[str, int]:
    """Every named queue's total in one call (the main window's navigation, first paint)."""
    return reader.queue_counts(db, actor, names, req or PageRequest())


def next_request(req: PageRequest, page: QueuePage) -> PageRequest:
    """The request for the page after ``page``."""
    return replace(req, after=page.last_key)


@dataclass(frozen=True)
class OrderWindow:
    """What the order window needs for its first paint, in one call: the order (header, tracker,
    items, files), the item pictures, the chats the actor may read (None where they may not), and
    the couriers carrying its parcels in Vietnam (courier, tracking number, tracking page)."""

    order: orders.OrderView
    images: dict[int, tuple[str, bytes]]
    internal_chat: tuple[orders.MessageView, ...] | None
    customer_chat: tuple[orders.MessageView, ...] | None
    couriers: tuple[tuple[str, str, str], ...] = ()


def order_window(db: Database, actor: Actor, order_id: int) -> OrderWindow:
    view = orders.get_order(db, actor, order_id)
    images = {fid: orders.read_file(db, actor, fid)
              for fid in dict.fromkeys(i.image_file_id for i in view.items if i.image_file_id)}
    internal = (tuple(orders.list_messages(db, actor, order_id, "internal"))
                if actor.can(Perm.CHAT_INTERNAL) else None)
    customer = (tuple(orders.list_messages(db, actor, order_id, "customer"))
                if actor.can(Perm.CHAT_CUSTOMER) else None)
    couriers = tuple(deliveries.order_courier_links(db, actor, order_id))
    return OrderWindow(view, images, internal, customer, couriers)
