"""The statuses of a quote version (báo giá) and their labels; the rules that move them are in
app.services.quotes (a version is sent or a re-quote awaits the customer; the customer's answer
or the deposit closes it; a later version expires or supersedes it)."""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


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
