"""The chat with the customer by e-mail (trò chuyện với khách qua e-mail).

A staff line in an order's "customer" chat is queued in the customer outbox (sent with the same
retries and back-off as every customer message) with the order code in the subject, e.g.
"[DH0000123] …", so the customer's reply names the order. ``app.services.mailbox`` reads the
replies back; this module files them: into the order's customer chat, marked as from the
customer, with the order's care staff told — or, when a mail names no order it can be trusted
with, into the list of unmatched mail that staff file by hand or dismiss.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _
from app.models import ChatMail, Customer, CustomerMessage, InboundMail, Order, OrderMessage
from app.permissions import Actor, Perm, Role, require
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer, notify_staff, staff_ids_with_role
from app.services.outbox import CUSTOMER_EVENT_LABELS, answered_message_ids
from app.services.transitions import move
from app.text import clean
from app.workflows.messages import INBOUND_MAIL_FLOW, MailStatus

CUSTOMER_TEMPLATES.setdefault("chat_message", (
    N_("[{code}] A message about your order"),
    N_("Dear {name},\n\n{text}\n\n{author}\n{company}\n\n"
       "To answer, reply to this e-mail and keep [{code}] in the subject.")))
CUSTOMER_EVENT_LABELS.setdefault("chat_message", N_("Message in the order chat"))

#: an order code as the app makes them (DH… purchase, KG… consignment), anywhere in a subject
ORDER_CODE = re.compile(r"\b((?:DH|KG)\d{7,})\b", re.IGNORECASE)

THREADED, UNMATCHED, FILED, DISMISSED = (MailStatus.THREADED, MailStatus.UNMATCHED, MailStatus.FILED,
                                         MailStatus.DISMISSED)


#: where a mail client starts quoting the message answered (Outlook: a line of underscores, then
#: "From:"/"Từ:"/"发件人:"; Gmail: "On … wrote:"/"Vào … đã viết:"; Apple Mail and others: "> ")
_QUOTE_START = re.compile(
    r"^(>|_{10,}$|-{2,}\s*(original message|tin nhắn gốc|原始邮件)|On .+ wrote:\s*$|Vào .+ đã viết:\s*$|"
    r".+(wrote|đã viết|写道)\s*[:：]\s*$|From:\s|Từ:\s|发件人[:：])", re.IGNORECASE)


def reply_text(body: str) -> str:
    """The new text of a reply: the lines before the quoted message it answers."""
    lines = []
    for line in (body or "").splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        lines.append(line)
    return clean("\n".join(lines)) or clean(body or "")


# -- out: a staff line becomes an e-mail --------------------------------------------------------------

def queue_chat_line(tx: Session, order: Order, line: OrderMessage) -> CustomerMessage:
    """Called in the transaction that stores a staff line of the customer chat."""
    customer = tx.get(Customer, order.customer_id)
    company = settings_service.get(tx, "company.name")
    message = notify_customer(tx, customer, "chat_message", "order", order.id, code=order.code,
                              text=line.body, author=line.author_name, company=company)
    tx.flush()
    tx.add(ChatMail(order_message_id=line.id, customer_message_id=message.id))
    return message


def delivery_states(s: Session, line_ids: list[int]) -> dict[int, str]:
    """chat line id -> the outbox status of the e-mail carrying it (pending, sent, failed…)."""
    if not line_ids:
        return {}
    return dict(s.execute(select(ChatMail.order_message_id, CustomerMessage.status)
                          .join(CustomerMessage, CustomerMessage.id == ChatMail.customer_message_id)
                          .where(ChatMail.order_message_id.in_(line_ids))).all())


# -- in: a customer's e-mail finds its order ----------------------------------------------------------

@dataclass(frozen=True)
class IncomingMail:
    """One e-mail as read from the mailbox (plain data; app.services.mailbox parses it)."""
    message_id: str
    from_address: str
    from_name: str
    subject: str
    body: str            # the whole text
    reply: str           # the text without the quoted earlier messages
    sent_at: datetime | None
    references: tuple[str, ...] = ()


def _referenced_order(tx: Session, mail: IncomingMail) -> Order | None:
    """The order of one of our messages the mail answers (In-Reply-To / References)."""
    for ours_id in answered_message_ids(tx, mail.references):
        ours = tx.get(CustomerMessage, ours_id)
        if ours is not None and ours.entity == "order" and ours.entity_id is not None:
            order = tx.get(Order, ours.entity_id)
            if order is not None and order.customer_id == ours.customer_id:
                return order
    return None


def answered_event(tx: Session, mail: IncomingMail) -> str | None:
    """What our e-mail the mail answers was about ("chat_message", "rating_request"…), if it names one."""
    for ours_id in reversed(answered_message_ids(tx, mail.references)):   # In-Reply-To is read last:
        ours = tx.get(CustomerMessage, ours_id)                            # the message answered directly
        if ours is not None:
            return ours.event
    return None


def _subject_order(tx: Session, mail: IncomingMail) -> Order | None:
    """The order whose code the subject names, if the mail comes from that order's customer: a
    code in a stranger's subject is not enough to write into a customer's chat."""
    sender = mail.from_address.strip().lower()
    for code in ORDER_CODE.findall(mail.subject):
        order = tx.scalar(select(Order).where(Order.code == code.upper()))
        if order is None:
            continue
        email = (tx.scalar(select(Customer.email).where(Customer.id == order.customer_id)) or "").strip().lower()
        if sender and email == sender:
            return order
    return None


def find_order(tx: Session, mail: IncomingMail) -> Order | None:
    return _referenced_order(tx, mail) or _subject_order(tx, mail)


def _care_staff(tx: Session, order: Order) -> list[int | None]:
    if order.care_staff_id is not None:
        return [order.care_staff_id]
    return list(staff_ids_with_role(tx, Role.CARE))


def thread_into_chat(tx: Session, actor: Actor, order: Order, row: InboundMail, text: str) -> OrderMessage:
    """The customer's reply as a line of the order's customer chat; the care staff are told."""
    customer = tx.get(Customer, order.customer_id)
    text = clean(text or "")[:4000] or _("(empty e-mail)")
    line = OrderMessage(order_id=order.id, channel="customer", author_id=None, author_name=customer.name[:120],
                        from_customer=True, body=text, file_id=None, created_at=now(tx))
    tx.add(line)
    tx.flush()
    row.order_id, row.order_message_id = order.id, line.id
    notify_staff(tx, _care_staff(tx, order),
                 Message(N_("{customer} replied by e-mail on order {code}"), customer=customer.name, code=order.code),
                 text[:200], "order", order.id)
    record(tx, actor, "order", order.id, "customer_mail", after={"message_id": row.message_id[:120]},
           note=row.subject)
    return line


# -- staff: the mail that named no order ---------------------------------------------------------------

@dataclass(frozen=True)
class InboundMailView:
    id: int
    status: str
    from_address: str
    from_name: str
    subject: str
    body: str
    sent_at: datetime | None
    imported_at: datetime
    order_code: str


def unmatched_mail(db: Database, actor: Actor) -> list[InboundMailView]:
    """E-mails in the mailbox that named no order (oldest first), for staff to file or dismiss."""
    require(actor, Perm.CHAT_CUSTOMER)
    with db.read() as s:
        rows = s.scalars(select(InboundMail).where(InboundMail.status == UNMATCHED)
                         .order_by(InboundMail.id).limit(500))
        return [InboundMailView(r.id, r.status, r.from_address, r.from_name, r.subject, r.body, r.sent_at,
                                r.imported_at, "") for r in rows]


def unmatched_count(db: Database, actor: Actor) -> int:
    require(actor, Perm.CHAT_CUSTOMER)
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(InboundMail)
                            .where(InboundMail.status == UNMATCHED)) or 0)


def _load_unmatched(tx: Session, mail_id: int) -> InboundMail:
    row = tx.get(InboundMail, mail_id, with_for_update=True)
    if row is None:
        raise NotFound(what=Lazy(N_("The e-mail")))
    if row.status != UNMATCHED:
        raise DomainError(N_("This e-mail was already filed or dismissed."))
    return row


def file_mail_on_order(db: Database, actor: Actor, mail_id: int, order_code: str) -> int:
    """Staff put an unmatched e-mail into an order's customer chat; returns the order id."""
    require(actor, Perm.CHAT_CUSTOMER)
    code = clean(order_code or "").upper()
    if not code:
        raise ValidationFailed({"order": _("Enter the order code, e.g. DH0000123.")})
    with db.transaction() as tx:
        row = _load_unmatched(tx, mail_id)
        order = tx.scalar(select(Order).where(Order.code == code))
        if order is None:
            raise ValidationFailed({"order": _("No order has the code {code}.").format(code=code)})
        thread_into_chat(tx, actor, order, row, reply_text(row.body))
        move(tx, actor, row, INBOUND_MAIL_FLOW, "file", log=False)   # (the chat line is its trace)
        return order.id


def dismiss_mail(db: Database, actor: Actor, mail_id: int) -> None:
    """The e-mail concerns no order (advertising, a supplier): it leaves the list."""
    require(actor, Perm.CHAT_CUSTOMER)
    with db.transaction() as tx:
        row = _load_unmatched(tx, mail_id)
        move(tx, actor, row, INBOUND_MAIL_FLOW, "dismiss", event="dismissed", note=row.subject)


def sender_of(header: str) -> tuple[str, str]:
    name, address = parseaddr(header or "")
    return name, address
