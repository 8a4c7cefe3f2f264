"""An order's chats and files: the internal chat and the chat with the customer (its staff lines
go out by e-mail), the files tab.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.db import Database
from app.errors import ValidationFailed
from app.i18n import Message, N_, _
from app.models import OrderFile, OrderMessage
from app.permissions import Actor, Perm, require
from app.services import customer_chat
from app.services import files as file_store
from app.services.activity import now, record
from app.services.notifications import notify_staff
from app.services.order_rows import load_order, order_customer


# -- chats and files --------------------------------------------------------------------------------

@dataclass(frozen=True)
class MessageView:
    id: int
    author_name: str
    from_customer: bool
    body: str
    created_at: datetime
    file_id: int | None
    #: a staff line of the customer chat: the outbox status of its e-mail (pending, sent, failed…)
    delivery: str = ""


def post_message(db: Database, actor: Actor, order_id: int, channel: str, body: str,
                 from_customer: bool = False, attachment: tuple[str, bytes] | None = None) -> int:
    """A line in the internal chat, or in the chat with the customer (written by staff, or
    recorded on the customer's behalf when they answered by phone or Zalo)."""
    if channel not in ("internal", "customer"):
        raise ValueError(channel)
    require(actor, Perm.CHAT_INTERNAL if channel == "internal" else Perm.CHAT_CUSTOMER)
    text = (body or "").strip()
    if not text and attachment is None:
        raise ValidationFailed({"body": _("Write a message first.")})
    if len(text) > 4000:
        raise ValidationFailed({"body": _("A message may have at most 4,000 characters.")})
    with db.transaction() as tx:
        order = load_order(tx, order_id, lock=False)
        file_id = file_store.store(tx, attachment[0], attachment[1]).id if attachment else None
        customer = order_customer(tx, order)
        msg = OrderMessage(order_id=order.id, channel=channel, author_id=actor.user_id,
                           author_name=customer.name if from_customer else actor.name,
                           from_customer=from_customer, body=text, file_id=file_id, created_at=now(tx))
        tx.add(msg)
        tx.flush()
        if channel == "internal":
            notify_staff(tx, [u for u in (order.care_staff_id, order.ordering_staff_id) if u != actor.user_id],
                         Message(N_("New internal message on {code}"), code=order.code), text[:200],
                         "order", order.id)
        elif not from_customer and text:
            customer_chat.queue_chat_line(tx, order, msg)   # the customer reads it by e-mail
        return msg.id


def list_messages(db: Database, actor: Actor, order_id: int, channel: str) -> list[MessageView]:
    require(actor, Perm.CHAT_INTERNAL if channel == "internal" else Perm.CHAT_CUSTOMER)
    with db.read() as s:
        rows = list(s.scalars(select(OrderMessage).where(OrderMessage.order_id == order_id,
                                                         OrderMessage.channel == channel).order_by(OrderMessage.id)))
        sent = customer_chat.delivery_states(s, [m.id for m in rows if not m.from_customer]) \
            if channel == "customer" else {}
        return [MessageView(m.id, m.author_name, m.from_customer, m.body, m.created_at, m.file_id,
                            sent.get(m.id, "")) for m in rows]


def attach_file(db: Database, actor: Actor, order_id: int, name: str, data: bytes, kind: str = "image") -> int:
    """Add a file to the order's files tab (stored once by content hash)."""
    require(actor, Perm.VIEW_ORDERS)
    if kind not in ("image", "report", "inspection", "other"):
        raise ValueError(kind)
    with db.transaction() as tx:
        order = load_order(tx, order_id, lock=False)
        stored = file_store.store(tx, name, data)
        row = OrderFile(order_id=order.id, file_id=stored.id, kind=kind, name=name[:255],
                        uploaded_by_id=actor.user_id, uploaded_at=now(tx))
        tx.add(row)
        tx.flush()
        record(tx, actor, "order", order.id, "file_added", after={"name": name, "kind": kind, "size": stored.size})
        return row.id


def read_file(db: Database, actor: Actor, file_id: int) -> tuple[str, bytes]:
    require(actor, Perm.VIEW_ORDERS)
    return file_store.read(db, file_id)
