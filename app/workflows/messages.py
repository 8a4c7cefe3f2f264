"""Status tables of the customer's mail: a message in the outbox (hộp thư đi) and an e-mail read
from the company's mailbox.

An outbox message is claimed by a sender (a lease: "sending"), then sent, refused for good
(a person decides), or back to waiting with a backoff; one without an address waits for a phone
call. Staff send a message again or record that they phoned. The sender's steps are the
system's; staff's are open to whoever may write to customers.
"""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_
from app.permissions import Perm, Role
from app.workflows.engine import Workflow, holders, step


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    NO_EMAIL = "no_email"
    PHONED = "phoned"


OUTBOX_STATUS_LABELS: dict[str, str] = {
    MessageStatus.PENDING: N_("Waiting to be sent"),
    MessageStatus.SENDING: N_("Sending"),
    MessageStatus.SENT: N_("Sent"),
    MessageStatus.FAILED: N_("Refused by the mail server"),
    MessageStatus.NO_EMAIL: N_("No e-mail address: phone the customer"),
    MessageStatus.PHONED: N_("Told by phone"),
}
_SENDER = {Role.SYSTEM}
_STAFF = holders(Perm.CHAT_CUSTOMER)

#:  from                              action        to          who      label
OUTBOX_FLOW = Workflow("customer_message", dict(OUTBOX_STATUS_LABELS), MessageStatus.PENDING, [
    # a claim whose lease ran out (its desktop died mid-send) is claimed again
    step({MessageStatus.PENDING, MessageStatus.SENDING},          "claim",      MessageStatus.SENDING,  _SENDER, N_("Sending")),
    step(MessageStatus.SENDING,                       "sent",       MessageStatus.SENT,     _SENDER, N_("Sent")),
    step(MessageStatus.SENDING,                       "refused",    MessageStatus.FAILED,   _SENDER, N_("Refused by the mail server")),
    step(MessageStatus.SENDING,                       "back_off",   MessageStatus.PENDING,  _SENDER, N_("Waiting to be sent")),
    step(MessageStatus.PENDING,                       "no_address", MessageStatus.NO_EMAIL, _SENDER, N_("No e-mail address: phone the customer")),
    step({MessageStatus.PENDING, MessageStatus.FAILED, MessageStatus.NO_EMAIL}, "send_again", MessageStatus.PENDING, _STAFF, N_("Sent again")),
    step({MessageStatus.NO_EMAIL, MessageStatus.FAILED, MessageStatus.PENDING}, "phone",    MessageStatus.PHONED,   _STAFF,  N_("Told by phone")),
], terminal=frozenset({MessageStatus.SENT, MessageStatus.PHONED}), ordered=False)


class MailStatus(StrEnum):
    UNMATCHED = "unmatched"        # no order found: waits in the list for staff
    THREADED = "threaded"          # put into its order's chat when it was read
    FILED = "filed"                # staff put it into an order's chat
    DISMISSED = "dismissed"        # concerns no order


MAIL_STATUS_LABELS: dict[str, str] = {
    MailStatus.UNMATCHED: N_("Customer's e-mail received"),
    MailStatus.THREADED: N_("Message in the order chat"),
    MailStatus.FILED: N_("Put into an order's chat"),
    MailStatus.DISMISSED: N_("Not about an order"),
}

INBOUND_MAIL_FLOW = Workflow("inbound_mail", dict(MAIL_STATUS_LABELS), MailStatus.UNMATCHED, [
    step(MailStatus.UNMATCHED, "thread",  MailStatus.THREADED,  _SENDER, N_("Message in the order chat")),
    step(MailStatus.UNMATCHED, "file",    MailStatus.FILED,     _STAFF,  N_("Put into an order's chat")),
    step(MailStatus.UNMATCHED, "dismiss", MailStatus.DISMISSED, _STAFF,  N_("E-mail dismissed")),
], terminal=frozenset({MailStatus.THREADED, MailStatus.FILED, MailStatus.DISMISSED}), ordered=False)
