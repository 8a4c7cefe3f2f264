"""The customer's answer to a quote (staff record it): accepted, the quote's rate holds until its
time and an order waiting for its deposit takes it now if the wallet pays (the order moves);
refused, nothing is bought at that rate and a new quote may follow.
"""
from __future__ import annotations

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, N_, _
from app.models import QuoteVersion
from app.permissions import Actor, Perm, require
from app.services import order_lifecycle, order_money, quotes
from app.services.activity import now, record
from app.services.order_rows import load_order
from app.services.quotes import QuoteView
from app.services.transitions import move
from app.text import clean
from app.workflows.orders import OrderStatus
from app.workflows.quotes import QUOTE_FLOW, QUOTE_STATUS_LABELS, QuoteStatus



def _decide(db: Database, actor: Actor, quote_id: int, accepted: bool, reason: str) -> QuoteView:
    require(actor, Perm.EDIT_ORDERS)
    reason = clean(reason or "")
    if len(reason) > quotes.MAX_REASON:
        raise ValidationFailed({"reason": _("At most {n} characters.").format(n=quotes.MAX_REASON)})
    with db.transaction() as tx:
        q = tx.get(QuoteVersion, quote_id)
        if q is None:
            raise NotFound(what=Lazy(N_("The quote")))
        order = load_order(tx, q.order_id, lock=True)
        tx.refresh(q)
        last = quotes.latest(tx, order.id)
        if last is None or last.id != q.id:
            raise DomainError(N_("A later version of this quote exists: answer that one."))
        if q.status not in (QuoteStatus.SENT, QuoteStatus.AWAITING):
            raise DomainError(N_("This quote was answered already ({status})."),
                              status=Lazy(QUOTE_STATUS_LABELS[QuoteStatus(q.status)]))
        at = now(tx)
        if accepted and q.valid_until < at:
            raise DomainError(N_("This quote expired on {time}: quote again at today's rate first."),
                              time=q.valid_until)
        move(tx, actor, q, QUOTE_FLOW, "accept" if accepted else "refuse", note=reason,
             stamp={"decided_at": at, "decided_by_name": actor.name, "note": reason})
        record(tx, actor, "order", order.id, "quote_accepted" if accepted else "quote_refused",
               after={"version": q.version, "selling_rate": q.selling_rate, "total": q.total_vnd}, note=reason)
        if accepted and order.status == OrderStatus.NEW:
            # the customer said yes to an order waiting for its deposit: take it now if the wallet pays
            if order_money.take_deposit(tx, actor, order).taken:
                order_lifecycle.move(tx, actor, order, "deposit")
        return quotes.version_view(tx, q)


def record_acceptance(db: Database, actor: Actor, quote_id: int) -> QuoteView:
    """"Customer accepted": the quote's rate holds until its time; an order waiting for its
    deposit takes it now at this rate if the wallet pays."""
    return _decide(db, actor, quote_id, True, "")


def record_refusal(db: Database, actor: Actor, quote_id: int, reason: str = "") -> QuoteView:
    """"Customer refused": nothing is bought at this rate; a new quote may follow."""
    return _decide(db, actor, quote_id, False, reason)
