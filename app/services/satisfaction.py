"""Customer satisfaction (mức độ hài lòng, seed 003): when an order completes the customer is asked
by e-mail to rate it from 1 to 5; a reply starting with the number is read back from the mailbox
(app.services.mailbox), or care staff record the rating after a call. The statistics read
``order_ratings`` (app.reports.satisfaction).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, N_, _
from app.models import Customer, CustomerMessage, Order, OrderRating
from app.permissions import Actor, Perm, require
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer
from app.services.outbox import CUSTOMER_EVENT_LABELS
from app.text import clean
from app.workflows.orders import OrderStatus

CUSTOMER_TEMPLATES.setdefault("rating_request", (
    N_("[{code}] How satisfied are you with your order?"),
    N_("Dear {name},\n\nYour order {code} is complete. How satisfied are you with our service?\n\n"
       "Reply to this e-mail with a number from 1 to 5:\n"
       "5 very satisfied, 4 satisfied, 3 acceptable, 2 dissatisfied, 1 very dissatisfied.\n"
       "You may write a comment after the number.\n\nThank you!\n{company}")))
CUSTOMER_EVENT_LABELS.setdefault("rating_request", N_("Satisfaction question"))

EMAIL, CALL = "email", "call"
RATING_SOURCE_LABELS = {EMAIL: N_("E-mail reply"), CALL: N_("Phone call")}
SCORE_LABELS = {1: N_("Very dissatisfied"), 2: N_("Dissatisfied"), 3: N_("Acceptable"),
                4: N_("Satisfied"), 5: N_("Very satisfied")}

#: a reply that starts with the score: "5", "4/5", "5 sao", "3 điểm", "4 stars", "5分", "Rating: 4"
_SCORE = re.compile(r"^\s*(?:rating|score|điểm|đánh giá|评分)?\s*[:：]?\s*([1-5])\s*(?:/\s*5)?\s*"
                    r"(?:sao|stars?|điểm|分|★+)?(?=$|[\s.,;:!)\-–—])", re.IGNORECASE)


def score_in(reply: str) -> tuple[int, str] | None:
    """The score the first line of a reply gives, and the rest as the comment; None when the
    reply does not start with a number from 1 to 5."""
    text = clean(reply or "")
    m = _SCORE.match(text)
    if m is None:
        return None
    return int(m.group(1)), text[m.end():].strip(" \t\n.,;:!-–—")


def ask_for_rating(tx: Session, order: Order) -> CustomerMessage | None:
    """Queue the question when the order completes (in the transaction that completes it)."""
    if tx.scalar(select(OrderRating.id).where(OrderRating.order_id == order.id)) is not None:
        return None   # already rated (by phone before completion)
    customer = tx.get(Customer, order.customer_id)
    return notify_customer(tx, customer, "rating_request", "order", order.id, code=order.code,
                           company=settings_service.get(tx, "company.name"))


def was_asked(tx: Session, order_id: int) -> bool:
    return tx.scalar(select(CustomerMessage.id).where(
        CustomerMessage.entity == "order", CustomerMessage.entity_id == order_id,
        CustomerMessage.event == "rating_request").limit(1)) is not None


def _store(tx: Session, actor: Actor, order: Order, score: int, source: str, comment: str) -> OrderRating:
    """One rating per order (uq_order_ratings_order): the latest answer wins, the log keeps the rest."""
    from app.services.unique import insert_ignore

    mine = select(OrderRating).where(OrderRating.order_id == order.id).with_for_update()
    row = tx.scalar(mine)
    before = {"score": row.score, "source": row.source} if row is not None else None
    if row is None:   # another desktop may insert it at this moment: then we update theirs
        insert_ignore(tx, OrderRating, dict(order_id=order.id, score=score, source=source, comment=comment,
                                            recorded_at=now(tx)))
        row = tx.scalar(mine.execution_options(populate_existing=True))
    row.score, row.source, row.comment = score, source, comment
    row.care_staff_id, row.recorded_by_id, row.recorded_at = order.care_staff_id, actor.user_id, now(tx)
    record(tx, actor, "order", order.id, "rated", before, {"score": score, "source": source}, note=comment)
    return row


def rating_from_reply(tx: Session, actor: Actor, order: Order, reply: str,
                      answers: str | None = None) -> OrderRating | None:
    """Record the score a customer's e-mail gives, if the order was asked for one and the mail
    answers that question (or none of our e-mails in particular): "2 cái em nhé" in reply to a
    chat line is an answer to the line, not a rating."""
    found = score_in(reply)
    if found is None or answers not in (None, "rating_request") or not was_asked(tx, order.id):
        return None
    return _store(tx, actor, order, found[0], EMAIL, found[1][:2000])


def record_rating(db: Database, actor: Actor, order_id: int, score: int, comment: str = "") -> None:
    """Care staff record the customer's rating after a call (replacing any earlier one)."""
    require(actor, Perm.CHAT_CUSTOMER)
    errors = {}
    if not isinstance(score, int) or not 1 <= score <= 5:
        errors["score"] = _("Choose a rating from 1 to 5.")
    comment = clean(comment or "")
    if len(comment) > 2000:
        errors["comment"] = _("A comment may have at most 2,000 characters.")
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        order = tx.get(Order, order_id, with_for_update=True)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        if order.status not in (OrderStatus.DELIVERED.value, OrderStatus.RECEIVED.value):
            raise DomainError(N_("The customer rates order {code} once it is delivered."), code=order.code)
        _store(tx, actor, order, score, CALL, comment)


@dataclass(frozen=True)
class RatingView:
    score: int
    source: str
    comment: str
    recorded_at: datetime


def order_rating(db: Database, actor: Actor, order_id: int) -> RatingView | None:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        row = s.scalar(select(OrderRating).where(OrderRating.order_id == order_id))
        return RatingView(row.score, row.source, row.comment, row.recorded_at) if row else None
