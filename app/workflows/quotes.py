"""The statuses of a quote version (báo giá) and their labels; the rules that move them are in
app.services.quotes (a version is sent or a re-quote awaits the customer; the customer's answer
or the deposit closes it; a later version expires or supersedes it)."""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_
from app.permissions import Perm, Role
from app.workflows.engine import Workflow, holders, step
from app.workflows.orders import OrderStatus


#: order statuses whose rate is not fixed yet: a quote may be sent
QUOTABLE = (OrderStatus.DRAFT, OrderStatus.NEW)


class QuoteStatus(StrEnum):
    SENT = "sent"               # valid until its time: a deposit before then takes its rate
    AWAITING = "awaiting"       # a re-quote: buying waits for the customer's answer
    ACCEPTED = "accepted"       # the customer said yes (recorded by staff)
    REFUSED = "refused"         # the customer said no
    TAKEN = "taken"             # the deposit was taken at this rate
    EXPIRED = "expired"         # its time passed before a deposit; a later version replaced it
    SUPERSEDED = "superseded"   # a later version replaced it while it was still valid


QUOTE_STATUS_LABELS = {
    QuoteStatus.SENT: N_("Sent, valid"),
    QuoteStatus.AWAITING: N_("Waiting for the customer"),
    QuoteStatus.ACCEPTED: N_("Customer accepted"),
    QuoteStatus.REFUSED: N_("Customer refused"),
    QuoteStatus.TAKEN: N_("Deposit taken at this rate"),
    QuoteStatus.EXPIRED: N_("Expired"),
    QuoteStatus.SUPERSEDED: N_("Replaced by a later version"),
}

#: a version still open: a later one closes it
OPEN = frozenset({QuoteStatus.SENT, QuoteStatus.AWAITING, QuoteStatus.ACCEPTED})
_STAFF = holders(Perm.EDIT_ORDERS)

#: the customer's answer is recorded by staff; the deposit and a later version close a version
#: as a consequence of what someone else did (the system's steps)
QUOTE_FLOW = Workflow("quote", dict(QUOTE_STATUS_LABELS), QuoteStatus.SENT, [
    step({QuoteStatus.SENT, QuoteStatus.AWAITING}, "accept",    QuoteStatus.ACCEPTED,   _STAFF,        N_("Customer accepted the quote")),
    step({QuoteStatus.SENT, QuoteStatus.AWAITING}, "refuse",    QuoteStatus.REFUSED,    _STAFF,        N_("Customer refused the quote")),
    step({QuoteStatus.SENT, QuoteStatus.ACCEPTED}, "take",      QuoteStatus.TAKEN,      {Role.SYSTEM}, N_("Deposit taken at this rate")),
    step(OPEN,                 "expire",    QuoteStatus.EXPIRED,    {Role.SYSTEM}, N_("Quote replaced by a later version")),
    step(OPEN,                 "supersede", QuoteStatus.SUPERSEDED, {Role.SYSTEM}, N_("Quote replaced by a later version")),
], terminal=frozenset({QuoteStatus.REFUSED, QuoteStatus.TAKEN, QuoteStatus.EXPIRED, QuoteStatus.SUPERSEDED}), entries=frozenset({QuoteStatus.AWAITING}))
