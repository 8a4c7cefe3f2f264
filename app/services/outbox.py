"""The customer outbox (hộp thư đi): sending queued messages by SMTP, retrying, never losing one.

Services queue messages with app.services.notifications.notify_customer (rendered in the
customer's language, in the same transaction as the change they announce). ``send_due`` —
run by a background thread on every desktop (``mail_worker.OutboxWorker``) or by ``main.py send-mail`` —
takes the messages that are due, sends them and marks them:

* **claimed** first, in a short transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL,
  SQLite's ``BEGIN IMMEDIATE`` write transaction elsewhere; a claimed row is "sending" with a
  lease (``next_attempt_at``), so two desktops never send the same message. A desktop that dies
  mid-send leaves its claim to expire and the message goes out later: at least once, never lost;
* **sent** as soon as the server accepted it (its own transaction);
* on a passing failure (server down, timeout, 4xx) back to "pending" with exponential backoff
  (``attempts``, ``next_attempt_at``, ``last_error``); a permanent refusal (5xx for the recipient
  or the content) is "failed" and waits for a person ("Retry now");
* a customer without an e-mail address: "no_email" — kept, listed for staff to phone them.

The SMTP password is a secret (table ``secrets``), not a setting: settings screens read their
table whole, and setting changes are logged with old and new values.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.policy import default as default_policy
from email.utils import format_datetime, formataddr
from typing import Any, Callable, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, N_, _
from app.models import Complaint, Customer, CustomerMessage, Order, Secret, StoredFile
from app.permissions import SYSTEM_ACTOR, Actor, Perm, require
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.mail_html import CODE_LABELS, customer_html
from app.services.transitions import move
from app.services.unique import insert_ignore
from app.workflows.messages import OUTBOX_FLOW, OUTBOX_STATUS_LABELS, MessageStatus  # noqa: F401 (the labels: read from here)

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, NO_EMAIL, PHONED = (
    MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.FAILED,
    MessageStatus.NO_EMAIL, MessageStatus.PHONED)
#: the sender's steps are taken by the system (no activity event: the message keeps its own trace)
_SENDER = SYSTEM_ACTOR
#: what a sender may claim (a waiting message, or one whose lease ran out)
_CLAIMABLE = tuple(sorted(OUTBOX_FLOW.sources("claim")))
CUSTOMER_EVENT_LABELS = {
    "order_confirmed": N_("Order confirmed"),
    "order_cancelled": N_("Order cancelled"),
    "order_purchased": N_("Goods purchased"),
    "order_shipped": N_("Shipped from China"),
    "order_arrived": N_("Arrived in Vietnam"),
    "order_delivered": N_("Delivered"),
    "order_on_the_way": N_("On its way to the customer"),
    "order_on_the_way_no_link": N_("On its way to the customer"),
    "delivery_failed": N_("Delivery failed"),
    "welcome": N_("Welcome"),
    "welcome_no_extension": N_("Welcome"),
    "order_delayed": N_("New estimated date"),
    "order_status": N_("Status changed"),
    "billed": N_("Billing notice"),
    "refund": N_("Refund"),
    "complaint_decided": N_("Complaint decided"),
    "committed_delivery_changed": N_("New committed delivery date"),
    "committed_shipping_changed": N_("New committed shipping date"),
    "staff_notice": N_("Notice to staff"),
    # the money capability's messages (their templates: app.services.purchasing, .wallets, .billing)
    "deposit_needed": N_("Deposit needed"),
    "shortage_refund": N_("Refund for items not bought"),
    "wallet_topup": N_("Top-up"),
    "wallet_payout": N_("Refund paid out"),
    "supplementary_bill": N_("Supplementary bill"),
}
SMTP_PASSWORD = "mail.smtp_password"
#: how long a desktop may hold a claimed message before another desktop may take it over
CLAIM_LEASE = timedelta(minutes=15)
#: SMTP has no language header of its own; mail clients read Content-Language
_CONTENT_LANGUAGE = {"vi": "vi", "en": "en", "zh_CN": "zh-CN"}


class _MailPolicy(EmailPolicy):
    """The standard policy, but a non-ASCII subject is folded by ``email.header.Header``: Python
    3.11's folder writes the space between two encoded words outside them, where RFC 2047 says a
    reader drops it ("đang được giao đến quý khách" arrived as "…đếnquý khách" in every client)."""

    def fold(self, name: str, value: Any) -> str:
        text = str(value)
        if name.lower() != "subject" or text.isascii():
            return super().fold(name, value)
        encoded = Header(text, "utf-8", header_name=name).encode(linesep=self.linesep,
                                                                 maxlinelen=self.max_line_length or 78)
        return f"{name}: {encoded}{self.linesep}"

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() != "subject" or str(value).isascii():
            return super().fold_binary(name, value)
        return self.fold(name, value).encode("ascii")


MAIL_POLICY = _MailPolicy() + default_policy


# -- the password: written by the mail-server dialog, never shown --------------------------------------

def set_smtp_password(db: Database, actor: Actor, password: str) -> None:
    """Store (or, with an empty value, remove) the SMTP password; the log says only that it changed."""
    require(actor, Perm.EDIT_SETTINGS)
    with db.transaction() as tx:
        row = tx.get(Secret, SMTP_PASSWORD)
        had = row is not None
        if password:
            if row is None:
                tx.add(Secret(key=SMTP_PASSWORD, value=password, updated_at=now(tx),
                              updated_by_id=actor.user_id))
            else:
                row.value, row.updated_at, row.updated_by_id = password, now(tx), actor.user_id
        elif row is not None:
            tx.delete(row)
        record(tx, actor, "setting", None, SMTP_PASSWORD, {SMTP_PASSWORD: "set" if had else "not set"},
               {SMTP_PASSWORD: "changed" if password else "removed"})


def smtp_password_is_set(db: Database, actor: Actor) -> bool:
    require(actor, Perm.VIEW_SETTINGS)
    with db.read() as s:
        return s.get(Secret, SMTP_PASSWORD) is not None


# -- the transport ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    sender: str
    sender_name: str
    timeout: int
    retry_first: timedelta
    retry_max: timedelta
    #: signs each message's Message-ID (``message_id``): a reply that refers to one of our e-mails
    #: proves it by the signature, not by a number a stranger could guess
    id_key: str = ""

    def __repr__(self) -> str:   # never print the password into a log
        return f"MailConfig({self.host}:{self.port}, user={self.user!r}, sender={self.sender!r})"


def mail_config(session: Session) -> MailConfig | None:
    """The configured mail server, or None while no server or sender address is set."""
    v = settings_service.load(session)
    if not v["mail.smtp_host"] or not v["mail.sender"]:
        return None
    secret = session.get(Secret, SMTP_PASSWORD)
    key = session.get(Secret, MESSAGE_ID_KEY)
    return MailConfig(v["mail.smtp_host"], v["mail.smtp_port"], v["mail.smtp_user"],
                      secret.value if secret else "", v["mail.smtp_starttls"], v["mail.sender"],
                      v["company.name"], v["mail.timeout_seconds"],
                      timedelta(minutes=v["mail.retry_first_minutes"]),
                      timedelta(minutes=v["mail.retry_max_minutes"]), key.value if key else "")


# -- our messages' ids, signed -----------------------------------------------------------------------------

#: the company's key that signs the Message-ID of every customer e-mail (a secret: no screen shows it)
MESSAGE_ID_KEY = "mail.message_id_key"
_OUR_ID = re.compile(r"<importdesk\.(\d+)\.([0-9a-f]{24})@[^>]*>")


def ensure_message_id_key(tx: Session) -> None:
    """Create the signing key once (insert-or-ignore: two senders starting at once make one)."""
    if tx.get(Secret, MESSAGE_ID_KEY) is None:
        insert_ignore(tx, Secret, {"key": MESSAGE_ID_KEY, "value": secrets.token_hex(32), "updated_at": now(tx),
                                   "updated_by_id": None})


def _signature(key: str, message_id: int) -> str:
    return hmac.new(key.encode(), f"customer_message:{message_id}".encode(), hashlib.sha256).hexdigest()[:24]


def message_id(config: MailConfig, customer_message_id: int) -> str:
    """The Message-ID of one customer message: the same on every attempt (a mail client shows a rare
    duplicate delivery once), signed so that a reply can be trusted to answer it."""
    return (f"<importdesk.{customer_message_id}.{_signature(config.id_key, customer_message_id)}"
            f"@{config.sender.split('@')[-1]}>")


def answered_message_ids(s: Session, references: tuple[str, ...] | list[str]) -> list[int]:
    """The ids of our customer messages that ``references`` (In-Reply-To, References) name with a
    valid signature, in the order given. A forged or guessed id is not one of them."""
    key = s.get(Secret, MESSAGE_ID_KEY)
    if key is None:
        return []
    out = []
    for ref in references:
        m = _OUR_ID.search(ref)
        if m and hmac.compare_digest(m.group(2), _signature(key.value, int(m.group(1)))):
            out.append(int(m.group(1)))
    return out


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...
    def close(self) -> None: ...


class SmtpConnection:
    """One SMTP session (stdlib smtplib): STARTTLS and login as configured; port 465 is TLS."""

    def __init__(self, config: MailConfig) -> None:
        context = ssl.create_default_context()
        if config.port == 465:
            self.smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                                       context=context)
        else:
            self.smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            self.smtp.ehlo()
            if config.starttls and config.port != 465:
                self.smtp.starttls(context=context)
                self.smtp.ehlo()
            if config.user:
                self._login(config.user, config.password)
        except BaseException:
            self.close()
            raise

    def _login(self, user: str, password: str) -> None:
        try:
            self.smtp.login(user, password)
        except UnicodeEncodeError:
            # smtplib encodes credentials as ASCII; SASL PLAIN is UTF-8 (RFC 4616), and a
            # Vietnamese password is not unusual.
            token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
            code, reply = self.smtp.docmd("AUTH", "PLAIN " + token)
            if code != 235:
                raise smtplib.SMTPAuthenticationError(code, reply) from None

    def send(self, message: EmailMessage) -> None:
        self.smtp.send_message(message)

    def close(self) -> None:
        try:
            self.smtp.quit()
        except Exception:
            self.smtp.close()


Connect = Callable[[MailConfig], Connection]


def build_email(config: MailConfig, m: Any, at: datetime) -> EmailMessage:
    """One queued message as sent: its text; for a customer, the HTML alternative made from that
    same text (``mail_html``: the text first, the HTML second, which clients show); then the
    attached document, if any."""
    email = EmailMessage(policy=MAIL_POLICY)
    email["From"] = formataddr((config.sender_name, config.sender))
    email["To"] = m.to_address
    email["Subject"] = m.subject
    email["Date"] = format_datetime(at)
    email["Message-ID"] = message_id(config, m.id)
    email.set_content(m.body)
    if m.customer_id is not None:   # a customer's e-mail (a staff member's notice copy stays plain text)
        label, code = getattr(m, "headline", ("", ""))                 # read by _claim
        email.add_alternative(customer_html(subject=m.subject, body=m.body, language=m.language,
                                            company=config.sender_name, event=m.event, code=code,
                                            code_label=label), subtype="html")
    attachment = getattr(m, "attachment", None)     # (name, MIME type, bytes), read by _claim
    if attachment is not None:
        name, mime, data = attachment
        maintype, _sep, subtype = mime.partition("/")
        email.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    email["Content-Language"] = _CONTENT_LANGUAGE.get(m.language, m.language)   # after: set_content
    return email                                                                  # drops Content-*


def backoff(attempts: int, first: timedelta, longest: timedelta) -> timedelta:
    """1st failure waits ``first``, then twice as long each time, never more than ``longest``."""
    return min(first * (2 ** max(attempts - 1, 0)), longest)


def _permanent(exc: BaseException) -> bool:
    """A refusal of this recipient or this content: trying again will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return isinstance(exc, (ValueError, UnicodeError))   # an address no header can carry


def _about_this_message(exc: BaseException) -> bool:
    """False when the server or the connection failed: every other message would fail too."""
    return isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, ValueError, UnicodeError))


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                         for rcpt, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {msg}"
    return f"{type(exc).__name__}: {exc}"[:1000]


# -- sending -----------------------------------------------------------------------------------------------

@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    no_email: int = 0
    configured: bool = True
    error: str = ""


def _resolve_addresses(tx: Session, at: datetime) -> int:
    """Due messages queued without an address: take the customer's address if they have one
    now, else mark them for a phone call."""
    rows = list(tx.scalars(select(CustomerMessage).where(
        CustomerMessage.status == PENDING, CustomerMessage.to_address == "",
        CustomerMessage.next_attempt_at <= at).with_for_update(skip_locked=True)))
    marked = 0
    for m in rows:
        email = tx.scalar(select(Customer.email).where(Customer.id == m.customer_id)) or ""
        if email.strip():
            m.to_address = email.strip()
        else:
            move(tx, _SENDER, m, OUTBOX_FLOW, "no_address", log=False, stamp={"last_error": "no e-mail address"})
            marked += 1
    return marked


def _headline(tx: Session, m: CustomerMessage) -> tuple[str, str]:
    """(label msgid, code) of what a message is about: its order's code (a complaint's order), or
    the customer's own code (the welcome); ("", "") for the rest (a wallet top-up)."""
    label = CODE_LABELS.get(m.entity or "", "")
    if not label or m.entity_id is None:
        return "", ""
    if m.entity == "order":
        code = tx.scalar(select(Order.code).where(Order.id == m.entity_id))
    elif m.entity == "complaint":
        code = tx.scalar(select(Order.code).join(Complaint, Complaint.order_id == Order.id)
                         .where(Complaint.id == m.entity_id))
    else:
        code = tx.scalar(select(Customer.code).where(Customer.id == m.entity_id))
    return (label, code) if code else ("", "")


def _claim(db: Database, batch: int) -> tuple[MailConfig | None, list[CustomerMessage], int]:
    with db.transaction() as tx:
        at = now(tx)
        no_email = _resolve_addresses(tx, at)
        ensure_message_id_key(tx)
        config = mail_config(tx)
        if config is None:
            return None, [], no_email
        rows = list(tx.scalars(
            select(CustomerMessage)
            .where(CustomerMessage.status.in_(_CLAIMABLE), CustomerMessage.next_attempt_at <= at,
                   CustomerMessage.to_address != "")
            .order_by(CustomerMessage.next_attempt_at, CustomerMessage.id).limit(batch)
            .with_for_update(skip_locked=True)))
        for m in rows:
            move(tx, _SENDER, m, OUTBOX_FLOW, "claim", log=False,
                 stamp={"attempts": m.attempts + 1, "next_attempt_at": at + CLAIM_LEASE})
        tx.flush()
        for m in rows:
            m.headline = _headline(tx, m)          # the code at the top of the HTML part
            if m.attachment_file_id is not None:   # the document goes with it (a plain attribute)
                f = tx.get(StoredFile, m.attachment_file_id)
                m.attachment = (m.attachment_name, f.mime, f.data)
        tx.expunge_all()
        return config, rows, no_email


def _settle(db: Database, message_id: int, attempt: int, config: MailConfig,
            exc: BaseException | None) -> str:
    """Write one message's outcome; only if it is still our claim (same attempt, "sending")."""
    with db.transaction() as tx:
        m = tx.get(CustomerMessage, message_id, with_for_update=True)
        if m is None or m.status != SENDING or m.attempts != attempt:
            return ""
        at = now(tx)
        if exc is None:
            move(tx, _SENDER, m, OUTBOX_FLOW, "sent", log=False,
                 stamp={"sent_at": at, "last_error": "", "next_attempt_at": None})
        elif _permanent(exc):
            move(tx, _SENDER, m, OUTBOX_FLOW, "refused", log=False,
                 stamp={"last_error": _error_text(exc), "next_attempt_at": None})
        else:
            move(tx, _SENDER, m, OUTBOX_FLOW, "back_off", log=False, stamp={
                "last_error": _error_text(exc),
                "next_attempt_at": at + backoff(m.attempts, config.retry_first, config.retry_max)})
        return m.status


def send_due(db: Database, connect: Connect | None = None, batch: int = 10,
             most: int = 500) -> SendReport:
    """Send what is due now (up to ``most`` messages), one SMTP session for the whole run."""
    connect = connect or SmtpConnection
    report = SendReport()
    conn: Connection | None = None
    try:
        while report.sent + report.retrying + report.failed < most:
            config, claimed, no_email = _claim(db, batch)
            report.no_email += no_email
            if config is None:
                report.configured = False
                return report
            if not claimed:
                return report
            broken: BaseException | None = None
            for m in claimed:
                exc: BaseException | None = broken
                if exc is None and conn is None:
                    try:
                        conn = connect(config)
                    except Exception as e:   # noqa: BLE001 — server down, wrong password, TLS…
                        exc = broken = e     # the rest of the claim waits too
                if exc is None:
                    try:
                        conn.send(build_email(config, m, db.clock.now()))
                    except Exception as e:   # noqa: BLE001 — every failure is recorded on the message
                        exc = e
                        if not _about_this_message(e):
                            broken = e   # the server went away: the rest of the claim waits too
                outcome = _settle(db, m.id, m.attempts, config, exc)
                if outcome == SENT:
                    report.sent += 1
                elif outcome == FAILED:
                    report.failed += 1
                elif outcome == PENDING:
                    report.retrying += 1
            if broken is not None:
                report.error = _error_text(broken)
                return report
        return report
    finally:
        if conn is not None:
            conn.close()


def send_test_email(db: Database, actor: Actor, to_address: str, connect: Connect | None = None) -> None:
    """Send one message now to check the server settings; raises a DomainError saying what failed."""
    require(actor, Perm.EDIT_SETTINGS)
    if "@" not in (to_address or ""):
        raise ValidationFailed({"to": _("Enter an e-mail address such as name@example.com.")})
    with db.read() as s:
        config = mail_config(s)
    if config is None:
        raise DomainError(N_("Set the SMTP server and the sender address first."))
    email = EmailMessage()
    email["From"] = formataddr((config.sender_name, config.sender))
    email["To"] = to_address.strip()
    email["Subject"] = _("ImportDesk test message")
    email["Date"] = format_datetime(db.clock.now())
    email.set_content(_("The mail server settings of {company} work.").format(company=config.sender_name))
    conn = None
    try:
        conn = (connect or SmtpConnection)(config)
        conn.send(email)
    except Exception as exc:  # noqa: BLE001 — shown to the person testing the settings
        raise DomainError(N_("The test message could not be sent: {error}"), error=_error_text(exc)) from None
    finally:
        if conn is not None:
            conn.close()


# -- what staff do in the outbox screens --------------------------------------------------------------------

def _load(tx: Session, message_id: int) -> CustomerMessage:
    m = tx.get(CustomerMessage, message_id, with_for_update=True)
    if m is None:
        raise NotFound(what=Lazy(N_("The message")))
    return m


def retry_now(db: Database, actor: Actor, message_id: int) -> None:
    """Send again at the next run: a refused, waiting or unaddressed message (the customer's
    current e-mail address is taken, in case it was corrected)."""
    require(actor, Perm.CHAT_CUSTOMER)
    with db.transaction() as tx:
        m = _load(tx, message_id)
        refused = DomainError(N_("This message is already sent or being sent."))
        if m.status not in OUTBOX_FLOW.sources("send_again"):
            raise refused
        email = (tx.scalar(select(Customer.email).where(Customer.id == m.customer_id)) or "").strip()
        before = {"to_address": m.to_address}
        move(tx, actor, m, OUTBOX_FLOW, "send_again", event="retry", refused=refused, note="",
             stamp={"to_address": email or m.to_address, "next_attempt_at": now(tx)},
             before=before, after={"to_address": email or m.to_address})


def mark_phoned(db: Database, actor: Actor, message_id: int, note: str = "") -> None:
    """Staff told the customer by phone what the message says (no e-mail address, or refused)."""
    require(actor, Perm.CHAT_CUSTOMER)
    with db.transaction() as tx:
        m = _load(tx, message_id)
        move(tx, actor, m, OUTBOX_FLOW, "phone", event="phoned", note=note.strip(),
             refused=DomainError(N_("Only a message that did not go out can be marked as told by phone.")),
             stamp={"next_attempt_at": None})


@dataclass(frozen=True)
class OutboxMessageView:
    id: int
    status: str
    event: str
    customer_id: int
    customer_code: str
    customer_name: str
    customer_phone: str
    to_address: str
    language: str
    subject: str
    body: str
    entity: str | None
    entity_id: int | None
    entity_code: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    #: when a message waiting after a failed attempt is tried again (None otherwise)
    retry_at: datetime | None = None
    #: what this user may do with it now (OUTBOX_FLOW): "send_again", "phone"
    actions: tuple[str, ...] = ()

    @property
    def can_retry(self) -> bool:
        return "send_again" in self.actions

    @property
    def can_phone(self) -> bool:
        return "phone" in self.actions


def get_message(db: Database, actor: Actor, message_id: int) -> OutboxMessageView:
    require(actor, Perm.VIEW_CUSTOMERS)
    with db.read() as s:
        m = s.get(CustomerMessage, message_id)
        if m is None:
            raise NotFound(what=Lazy(N_("The message")))
        c = s.get(Customer, m.customer_id) if m.customer_id is not None else None
        if c is None:   # a staff member's e-mail copy of a notice
            from types import SimpleNamespace

            c = SimpleNamespace(id=0, code="", name=m.to_address, phone="")
        code = ""
        if m.entity == "order" and m.entity_id is not None:
            code = s.scalar(select(Order.code).where(Order.id == m.entity_id)) or ""
        return OutboxMessageView(m.id, m.status, m.event, c.id, c.code, c.name, c.phone, m.to_address,
                                 m.language, m.subject, m.body, m.entity, m.entity_id, code, m.attempts,
                                 m.next_attempt_at, m.last_error, m.created_at, m.sent_at,
                                 m.next_attempt_at if m.status == PENDING and m.attempts else None,
                                 OUTBOX_FLOW.allowed_actions(m, actor))


def outbox_counts(db: Database, actor: Actor) -> dict[str, int]:
    require(actor, Perm.VIEW_CUSTOMERS)
    with db.read() as s:
        return dict(s.execute(select(CustomerMessage.status, func.count())
                              .where(CustomerMessage.customer_id.isnot(None))   # not staff e-mail copies
                              .group_by(CustomerMessage.status)).all())


def is_configured(db: Database) -> bool:
    with db.read() as s:
        return mail_config(s) is not None
