"""The company's mailbox, read over IMAP: the customers' replies come back into the order chats.

Client: the standard library's ``imaplib`` — the app needs four commands (SELECT, UID SEARCH,
UID FETCH with BODY.PEEK, UID STORE), imaplib has carried them unchanged since Python 2, ships in
the frozen bundle and the server's Python alike, and adds no dependency to keep up to date.

Each run (``poll_mailbox``: the outbox sender's thread every ``mail.imap_check_minutes``, the
server's loop, "Check mail now") takes the messages of the configured folder that this app has not
read yet — marked by the IMAP keyword ``ImportDeskRead`` after import, so a person reading the
mailbox in a mail client changes nothing; a server without custom keywords falls back to
unread/\\Seen — and files each in its own transaction:

* the row ``inbound_mails`` is inserted first, keyed by the Message-ID (``uq_inbound_mails_message_id``):
  a message read twice (two desktops at once, a run cut before it could set the keyword) is
  imported once;
* a reply to one of our e-mails (In-Reply-To/References) or with an order code in its subject
  from that order's customer becomes a line of the order's customer chat, marked as from the
  customer, and the order's care staff are told; a reply to the satisfaction question that starts
  with a number from 1 to 5 is recorded as the order's rating;
* anything else is kept as "unmatched" mail that staff see in "Customers' e-mails…" and file on
  an order or dismiss (it is not left unread in the mailbox, where nobody in the app would see it).
"""
from __future__ import annotations

import hashlib
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from datetime import timezone

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DatabaseUnavailable, DomainError
from app.i18n import N_, _
from app.models import InboundMail, Secret
from app.permissions import SYSTEM_ACTOR, Actor, Perm, require
from app.services import customer_chat, satisfaction
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.customer_chat import THREADED, UNMATCHED, IncomingMail
from app.services.transitions import move
from app.workflows.messages import INBOUND_MAIL_FLOW
from app.text import clean

log = logging.getLogger(__name__)

IMAP_PASSWORD = "mail.imap_password"
#: the IMAP keyword set on each message once imported (RFC 3501 flag-keyword)
READ_KEYWORD = "ImportDeskRead"


# -- the password: a secret, like the SMTP one ------------------------------------------------------------

def set_imap_password(db: Database, actor: Actor, password: str) -> None:
    """Store (or, with an empty value, remove) the mailbox password; the log says only that it changed."""
    require(actor, Perm.EDIT_SETTINGS)
    with db.transaction() as tx:
        row = tx.get(Secret, IMAP_PASSWORD)
        had = row is not None
        if password:
            if row is None:
                tx.add(Secret(key=IMAP_PASSWORD, value=password, updated_at=now(tx), updated_by_id=actor.user_id))
            else:
                row.value, row.updated_at, row.updated_by_id = password, now(tx), actor.user_id
        elif row is not None:
            tx.delete(row)
        record(tx, actor, "setting", None, IMAP_PASSWORD, {IMAP_PASSWORD: "set" if had else "not set"},
               {IMAP_PASSWORD: "changed" if password else "removed"})


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str       # ssl, starttls, none
    user: str
    password: str
    folder: str
    timeout: int

    def __repr__(self) -> str:   # never print the password into a log
        return f"ImapConfig({self.host}:{self.port}, {self.security}, user={self.user!r}, folder={self.folder!r})"


def imap_config(session: Session) -> ImapConfig | None:
    """The configured mailbox, or None while no IMAP server or user is set."""
    get = lambda key: settings_service.get(session, key)   # noqa: E731
    host, user = get("mail.imap_host"), get("mail.imap_user")
    if not host or not user:
        return None
    secret = session.get(Secret, IMAP_PASSWORD)
    return ImapConfig(host, get("mail.imap_port"), get("mail.imap_security"), user,
                      secret.value if secret else "", get("mail.imap_folder"), get("mail.timeout_seconds"))


def open_mailbox(config: ImapConfig) -> imaplib.IMAP4:
    """Connect, encrypt as configured (certificates checked), log in."""
    context = ssl.create_default_context()
    if config.security == "ssl":
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(config.host, config.port, ssl_context=context,
                                                timeout=config.timeout)
    else:
        conn = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    try:
        if config.security == "starttls":
            conn.starttls(ssl_context=context)
        login(conn, config.user, config.password)
    except BaseException:
        try:
            conn.shutdown()
        except Exception:  # noqa: BLE001
            pass
        raise
    return conn


def login(conn: imaplib.IMAP4, user: str, password: str) -> None:
    """LOGIN, or AUTHENTICATE PLAIN in UTF-8 (RFC 4616) for what imaplib's ASCII LOGIN cannot carry:
    a Vietnamese password is not unusual."""
    try:
        conn.login(user, password)
    except UnicodeEncodeError:
        token = b"\0" + user.encode() + b"\0" + password.encode()
        conn.authenticate("PLAIN", lambda _challenge: token)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- reading one message ----------------------------------------------------------------------------------

class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style", "blockquote"):     # a blockquote: the message answered
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style", "blockquote") and self._skip:
            self._skip -= 1

    def handle_data(self, data) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return re.sub(r"\n{3,}", "\n\n", "".join(p.parts))


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        content = part.get_payload(decode=True).decode("utf-8", errors="replace")
    return _html_text(content) if part.get_content_type() == "text/html" else content


def parse(raw: bytes) -> IncomingMail:
    msg = message_from_bytes(raw, policy=default_policy)
    message_id = clean(str(msg.get("Message-ID", "") or "")).replace("\n", "")
    if not message_id or len(message_id) > 500:
        # no id (or an absurd one): the message's own digest keeps it unique all the same
        message_id = "<sha256." + hashlib.sha256(raw).hexdigest() + "@importdesk>"
    name, address = customer_chat.sender_of(str(msg.get("From", "") or ""))
    sent_at = None
    try:
        sent_at = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
        if sent_at is not None and sent_at.tzinfo is None:
            sent_at = sent_at.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError, IndexError):
        sent_at = None
    refs = " ".join(str(msg.get(h, "") or "") for h in ("In-Reply-To", "References"))
    body = clean(_body(msg))
    return IncomingMail(message_id=message_id, from_address=clean(address)[:200], from_name=clean(name)[:200],
                        subject=clean(str(msg.get("Subject", "") or "")).replace("\n", " ")[:300], body=body,
                        reply=customer_chat.reply_text(body), sent_at=sent_at, references=tuple(re.findall(r"<[^>]+>", refs)))


def import_message(db: Database, raw: bytes) -> str:
    """File one e-mail: "threaded", "unmatched", or "duplicate" when it was imported before."""
    mail = parse(raw)
    with db.transaction() as tx:
        if tx.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        new_id = tx.execute(insert(InboundMail).values(
            message_id=mail.message_id, from_address=mail.from_address, from_name=mail.from_name,
            subject=mail.subject, body=mail.body, sent_at=mail.sent_at, imported_at=now(tx), status=UNMATCHED,
        ).on_conflict_do_nothing().returning(InboundMail.id)).scalar()
        if new_id is None:
            return "duplicate"   # uq_inbound_mails_message_id: read before, by us or another desktop
        row = tx.get(InboundMail, new_id)
        order = customer_chat.find_order(tx, mail)
        if order is None:
            return UNMATCHED
        customer_chat.thread_into_chat(tx, SYSTEM_ACTOR, order, row, mail.reply)
        move(tx, SYSTEM_ACTOR, row, INBOUND_MAIL_FLOW, "thread", log=False)
        satisfaction.rating_from_reply(tx, SYSTEM_ACTOR, order, mail.reply, customer_chat.answered_event(tx, mail))
        return THREADED


# -- a run over the mailbox ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MailCheck:
    configured: bool
    imported: int = 0       # new messages filed (threaded + unmatched)
    threaded: int = 0
    unmatched: int = 0
    error: str = ""


def check_mailbox(db: Database, most: int = 200) -> MailCheck:
    """Read what is new in the mailbox (at most ``most`` messages). Errors of the server or the
    connection are reported in ``error`` (the messages not reached are read next time)."""
    with db.read() as s:
        config = imap_config(s)
    if config is None:
        return MailCheck(configured=False)
    threaded = unmatched = skipped = 0
    conn = None
    try:
        conn = open_mailbox(config)
        typ, _data = conn.select(_quoted(config.folder))
        if typ != "OK":
            return MailCheck(True, error=f"SELECT {config.folder}: {_data!r}"[:500])
        _code, flags = conn.response("PERMANENTFLAGS")
        keywords = any(b"\\*" in (f or b"") for f in flags if isinstance(f, bytes))
        typ, data = conn.uid("SEARCH", None, f"UNKEYWORD {READ_KEYWORD}" if keywords else "UNSEEN")
        uids = (data[0] or b"").split() if typ == "OK" and data else []
        for uid in uids[:most]:
            typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in data or () if isinstance(part, tuple)), None)
            if typ != "OK" or raw is None:
                continue
            try:
                outcome = import_message(db, raw)
            except (DBAPIError, DatabaseUnavailable):
                raise                       # the database is away: the run stops, tried again next time
            except Exception:               # noqa: BLE001 — one e-mail we cannot file must not block the rest
                log.exception("mailbox: message %s could not be filed; left unread", uid.decode())
                skipped += 1
                continue
            threaded += outcome == THREADED
            unmatched += outcome == UNMATCHED
            conn.uid("STORE", uid, "+FLAGS", f"({READ_KEYWORD})" if keywords else "(\\Seen)")
        error = _("{n} e-mail(s) could not be read and were left in the mailbox.").format(n=skipped) if skipped else ""
        return MailCheck(True, threaded + unmatched, threaded, unmatched, error)
    except (imaplib.IMAP4.error, OSError) as exc:
        return MailCheck(True, threaded + unmatched, threaded, unmatched, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        if conn is not None:
            try:
                conn.logout()
            except Exception:  # noqa: BLE001 — the connection may already be gone
                pass


def poll_mailbox(db: Database) -> int:
    """One run for a timer (the outbox sender's thread, ``main.py serve``): the number of new
    messages filed; 0 while no mailbox is configured. Failures are logged, tried again next run."""
    result = check_mailbox(db)
    if result.error:
        log.warning("mailbox: %s", result.error)
    return result.imported


def check_mail_now(db: Database, actor: Actor) -> MailCheck:
    """"Check mail now": the same run, for a person waiting for an answer."""
    require(actor, Perm.CHAT_CUSTOMER)
    result = check_mailbox(db)
    if not result.configured:
        raise DomainError(N_("Set the IMAP server and user name first (Settings → E-mail)."))
    return result


def imap_password_is_set(db: Database, actor: Actor) -> bool:
    require(actor, Perm.VIEW_SETTINGS)
    with db.read() as s:
        return s.get(Secret, IMAP_PASSWORD) is not None


# -- the settings, as the mailbox dialog shows and saves them -------------------------------------------------

MAILBOX_KEYS = ("mail.imap_host", "mail.imap_port", "mail.imap_security", "mail.imap_user", "mail.imap_folder",
                "mail.imap_check_minutes")


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    security: str
    user: str
    folder: str
    check_minutes: int
    password_set: bool


def mailbox_settings(db: Database, actor: Actor) -> MailboxSettings:
    require(actor, Perm.VIEW_SETTINGS)
    with db.read() as s:
        v = {k: settings_service.get(s, k) for k in MAILBOX_KEYS}
        return MailboxSettings(v["mail.imap_host"], v["mail.imap_port"], v["mail.imap_security"], v["mail.imap_user"],
                               v["mail.imap_folder"], v["mail.imap_check_minutes"], s.get(Secret, IMAP_PASSWORD) is not None)


def save_mailbox_settings(db: Database, actor: Actor, host: str, port: str, security: str, user: str, folder: str,
                          check_minutes: str, password: str = "", forget_password: bool = False) -> None:
    """The mailbox dialog's Save: every value checked first (errors keyed by setting), then saved;
    the password only when one was typed (or removed)."""
    require(actor, Perm.EDIT_SETTINGS)
    settings_service.update_settings(db, actor, {
        "mail.imap_host": host, "mail.imap_port": port, "mail.imap_security": security, "mail.imap_user": user,
        "mail.imap_folder": folder, "mail.imap_check_minutes": check_minutes})
    if password or forget_password:
        set_imap_password(db, actor, "" if forget_password else password)
