"""Telling people: in-app notifications to staff, and the customer outbox (sent by a transport).

Both are rows written in the caller's transaction, so a notification exists exactly when the
change it announces does. Customer messages are rendered in the customer's language when
queued (they are sent as they are); staff notifications are stored as message keys and values
and rendered in the reader's current language when read.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import N_, Message, display, message_parts, render_stored, translate
from app.models import Customer, CustomerMessage, StaffNotification, User, UserRole
from app.permissions import Role
from app.services.activity import now

#: event -> (subject, body) msgids; bodies use {code}, {name}, {status}, {reason}, {company}…
CUSTOMER_TEMPLATES: dict[str, tuple[str, str]] = {
    "order_confirmed": (N_("Order {code} confirmed"),
                        N_("Dear {name}, your order {code} has been confirmed and is being handled by {care}.")),
    "order_cancelled": (N_("Order {code} cancelled"),
                        N_("Dear {name}, your order {code} was cancelled. Reason: {reason}")),
    "order_purchased": (N_("Order {code} purchased"),
                        N_("Dear {name}, the goods of order {code} have been bought from the shop.")),
    "order_shipped": (N_("Order {code} shipped from China"),
                      N_("Dear {name}, order {code} has left our China warehouse in shipment {shipment} "
                         "({transport}). Expected delivery: {date}.")),
    "order_arrived": (N_("Order {code} arrived in Vietnam"),
                      N_("Dear {name}, order {code} has arrived in our Vietnam warehouse {warehouse}. "
                         "Expected delivery: {date}.")),
    "order_delivered": (N_("Order {code} delivered"),
                        N_("Dear {name}, order {code} has been delivered. Thank you!")),
    "order_delayed": (N_("Order {code}: new estimated date"),
                      N_("Dear {name}, the estimated date of order {code} changed to {date}. Reason: {reason}")),
    "order_status": (N_("Order {code}: {status}"),
                     N_("Dear {name}, order {code} is now: {status}.")),
    "billed": (N_("Billing notice for order {code}"),
               N_("Dear {name}, the charges of order {code} are {amount}.")),
    "refund": (N_("Refund for order {code}"),
               N_("Dear {name}, {amount} has been refunded to your wallet for order {code}. {reason}")),
    "committed_delivery_changed": (N_("Order {code}: new delivery date"),
                                   N_("Dear {name}, the delivery date we committed to for order {code} changed "
                                      "from {old} to {date}. Reason: {reason}")),
    "committed_shipping_changed": (N_("Order {code}: new shipping date"),
                                   N_("Dear {name}, the date we committed to ship order {code} from China changed "
                                      "from {old} to {date}. Reason: {reason}")),
    "complaint_decided": (N_("Your complaint about order {code}"),
                          N_("Dear {name}, we decided on your complaint about order {code}: {decision}")),
}


def notify_staff(tx: Session, user_ids: Iterable[int | None], title: str | Message,
                 body: str | Message = "", entity: str | None = None,
                 entity_id: int | None = None) -> int:
    """Tell staff in the app. A ``Message`` title or body is stored as its key and values and
    shown in each reader's language when read (a plain str is text someone typed, kept as is)."""
    at = now(tx)
    title_text, title_key, title_params = message_parts(title)
    body_text, body_key, body_params = message_parts(body)
    n = 0
    copies = []
    for uid in {u for u in user_ids if u is not None}:
        tx.add(StaffNotification(user_id=uid, title=title_text[:300], body=body_text,
                                 title_key=title_key, title_params=title_params,
                                 body_key=body_key, body_params=body_params,
                                 entity=entity, entity_id=entity_id, created_at=at))
        copies.append((uid, title_text, title_key, title_params, body_text, body_key, body_params, entity, entity_id))
        n += 1
    queue_staff_emails(tx, copies)   # those who asked for an e-mail too (seed 002)
    return n


#: the outbox event of a staff notice's e-mail copy
STAFF_NOTICE_EVENT = "staff_notice"


def queue_staff_emails(tx: Session, notices: list[tuple[int, str, str | None, dict | None, str,
                                                        str | None, dict | None, str | None, int | None]]) -> int:
    """E-mail copies of in-app notices for the people who asked for them (called by
    ``notify_staff`` in the same transaction): rendered in each person's language, queued in the
    outbox the customer messages use (same sender, retries and back-off)."""
    ids = {n[0] for n in notices}
    if not ids:
        return 0
    people = {u.id: u for u in tx.scalars(select(User).where(User.id.in_(ids), User.email_notices.is_(True),
                                                             User.is_active.is_(True)))}
    at = now(tx)
    queued = 0
    for uid, title, title_key, title_params, body, body_key, body_params, entity, entity_id in notices:
        user = people.get(uid)
        if user is None or not (user.email or "").strip():
            continue
        lang = user.language or "vi"
        subject = render_stored(title, title_key, title_params, lang)
        text = render_stored(body, body_key, body_params, lang)
        tx.add(CustomerMessage(customer_id=None, user_id=uid, event=STAFF_NOTICE_EVENT, channel="email",
                               to_address=user.email.strip(), language=lang, subject=subject[:300],
                               body=text or subject, entity=entity, entity_id=entity_id, status="pending",
                               created_at=at, next_attempt_at=at))
        queued += 1
    return queued


def staff_ids_with_role(tx: Session, role: Role) -> list[int]:
    return list(tx.scalars(select(UserRole.user_id).join(User).where(
        UserRole.role == role.value, User.is_active.is_(True))))


def notify_customer(tx: Session, customer: Customer, event: str, entity: str | None = None,
                    entity_id: int | None = None, **params: Any) -> CustomerMessage:
    """Queue a message to the customer in their language; the outbox sender delivers it."""
    subject_id, body_id = CUSTOMER_TEMPLATES[event]
    lang = customer.language or "vi"
    values = {k: (translate(v, lang) if isinstance(v, str) and k == "status" else display(v, lang))
              for k, v in params.items()}
    values.setdefault("name", customer.name)
    message = CustomerMessage(customer_id=customer.id, event=event, channel="email",
                              to_address=customer.email or "", language=lang,
                              subject=_fill(translate(subject_id, lang), values),
                              body=_fill(translate(body_id, lang), values),
                              entity=entity, entity_id=entity_id, status="pending",
                              created_at=now(tx), next_attempt_at=now(tx))
    tx.add(message)
    return message


def _fill(template: str, values: dict[str, Any]) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
