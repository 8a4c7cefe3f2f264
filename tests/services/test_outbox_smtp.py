"""The customer outbox against a real SMTP server (aiosmtpd on loopback), on SQLite and PostgreSQL:
messages arrive in the customer's language, nothing is lost while the server is down, nothing
is sent twice when two desktops send at once."""
from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import delete, select

from app import db as dbmod
from app.i18n import display, translate
from app.models import ActivityEvent, Customer, CustomerMessage, Order
from app.permissions import SYSTEM_ACTOR, Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import mail_worker, orders, outbox
from app.services import settings as settings_service
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer
from tests.factories import make_customer, make_order, make_user
from tests.money_helpers import fund


class MailServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, password: str | None = None) -> None:
        self.messages: list = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[str, str]] = []
        self.password = password
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"

    def _auth(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=password == self.password)

    def start(self) -> "MailServer":
        extra = {}
        if self.password is not None:
            extra = dict(authenticator=self._auth, auth_required=True, auth_require_tls=False)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def by_to(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for m in self.messages:
            out.setdefault(m["To"], []).append(m)
        return out


@pytest.fixture
def server():
    s = MailServer().start()
    yield s
    s.stop()


@pytest.fixture
def staff(db):
    return {"care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
            "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
            "ordering": make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
            "admin": make_user(db, Role.ADMIN)}


def configure(db, admin, port, **more):
    values = {"mail.smtp_host": "127.0.0.1", "mail.smtp_port": str(port), "mail.smtp_starttls": False,
              "mail.sender": "cskh@hangnga.vn", "company.name": "Hằng Nga Logistics"}
    values.update(more)
    settings_service.update_settings(db, admin, values)


def _customer(db, *args, **kw) -> int:
    """A customer whose welcome message went out when they were created: these tests follow the
    messages they queue themselves."""
    cid = make_customer(db, *args, **kw)
    with db.transaction() as tx:
        tx.execute(delete(CustomerMessage).where(CustomerMessage.customer_id == cid,
                                                 CustomerMessage.event.in_(("welcome", "welcome_no_extension"))))
    return cid


def _messages(db):
    with db.read() as s:
        return s.scalars(select(CustomerMessage).order_by(CustomerMessage.id)).all()


def _queue_some(db, staff, n, email="hang@example.com"):
    cid = _customer(db, staff["care"], care=staff["care"], email=email)
    with db.transaction() as tx:
        c = tx.get(Customer, cid)
        for i in range(n):
            notify_customer(tx, c, "order_status", "order", None, code=f"DH{i:07d}", status="Purchased")
    return cid


def _day_in(mail):
    """The expected-delivery day a message names, as a date."""
    import re
    from datetime import datetime

    text = mail.get_body(("plain",)).get_content()
    found = re.search(r"(\d{2})/(\d{2})/(\d{4})", text)
    if found:
        return datetime(int(found[3]), int(found[2]), int(found[1])).date()
    found = re.search(r"(\d{4})/(\d{1,2})/(\d{1,2})", text)
    return datetime(int(found[1]), int(found[2]), int(found[3])).date()


def _expected(event, lang, **params):
    subject, body = CUSTOMER_TEMPLATES[event]
    values = {k: display(v, lang) for k, v in params.items()}
    return translate(subject, lang).format(**values), translate(body, lang).format(**values)


def test_every_customer_event_arrives_in_the_customers_language(db, staff, server, clock):
    configure(db, staff["admin"], server.port)
    results = {}
    for lang, email in (("vi", "hang@example.com"), ("zh_CN", "wang@example.cn")):
        cid = _customer(db, staff["care"], care=staff["care"], language=lang, email=email,
                            name="Nguyễn Thị Hằng" if lang == "vi" else "王芳")
        oid = make_order(db, staff["care"], cid)
        fund(db, cid)                                  # submitting takes the deposit from the wallet
        orders.apply_action(db, staff["care"], oid, "submit")
        orders.confirm_order(db, staff["manager"], oid, staff["care"].user_id, staff["ordering"].user_id)
        orders.apply_action(db, staff["ordering"], oid, "start_purchase")
        with db.transaction() as tx:
            for it in tx.get(Order, oid).items:
                it.quantity_bought = it.quantity
        orders.apply_action(db, staff["ordering"], oid, "mark_purchased")
        orders.apply_action(db, staff["ordering"], oid, "seller_ship")
        for action in ("arrive_cn", "depart_cn", "arrive_vn"):
            orders.apply_action(db, SYSTEM_ACTOR, oid, action)
        with db.read() as s:
            o = s.get(Order, oid)
            code, new_date = o.code, o.committed_deliver_by + timedelta(days=2)
        orders.update_estimates(db, staff["care"], oid, None, new_date, "Kho Hà Nội quá tải")
        orders.apply_action(db, SYSTEM_ACTOR, oid, "start_delivery")
        orders.apply_action(db, SYSTEM_ACTOR, oid, "deliver")
        with db.transaction() as tx:   # what billing and complaints (built in parallel) will queue
            c = tx.get(Customer, cid)
            notify_customer(tx, c, "billed", "order", oid, code=code, amount="1.250.000 ₫")
            notify_customer(tx, c, "complaint_decided", "order", oid, code=code, decision="Hoàn 50.000 ₫")
        results[lang] = (email, code, new_date)
    report = outbox.send_due(db)
    assert (report.sent, report.retrying, report.failed) == (18, 0, 0)    # 8 about the order, 1 top-up each
    topups = {m.subject for m in _messages(db) if m.event == "wallet_topup"}
    got = server.by_to()
    for lang, (email, code, new_date) in results.items():
        assert got[email][0]["Subject"] in topups                        # the wallet paid the deposit
        mails = got[email][1:]
        name = "Nguyễn Thị Hằng" if lang == "vi" else "王芳"
        expected = [
            _expected("order_confirmed", lang, code=code, name=name, care="Lê Thu Trang"),
            _expected("order_purchased", lang, code=code, name=name),
            # where the goods are: no shipment in this test (the order moved by itself), the day expected then
            _expected("order_shipped", lang, code=code, name=name, shipment="—", transport="—",
                      date=_day_in(mails[2])),
            _expected("order_arrived", lang, code=code, name=name, warehouse="", date=_day_in(mails[3])),
            _expected("order_delayed", lang, code=code, name=name, date=new_date, reason="Kho Hà Nội quá tải"),
            _expected("order_delivered", lang, code=code, name=name),
            _expected("billed", lang, code=code, name=name, amount="1.250.000 ₫"),
            _expected("complaint_decided", lang, code=code, name=name, decision="Hoàn 50.000 ₫"),
        ]
        assert [(m["Subject"], m.get_body(("plain",)).get_content().strip()) for m in mails] == expected
        assert {m["Content-Language"] for m in mails} == {"vi" if lang == "vi" else "zh-CN"}
        assert mails[0]["From"] == "Hằng Nga Logistics <cskh@hangnga.vn>"
    # the date inside the message is written the way each customer reads dates (after the top-up)
    assert results["vi"][2].astimezone().strftime("%d/%m/%Y") in got["hang@example.com"][5].get_body(("plain",)).get_content()
    assert results["zh_CN"][2].astimezone().strftime("%Y/%m/%d") in got["wang@example.cn"][5].get_body(("plain",)).get_content()
    assert {m.status for m in _messages(db)} == {"sent"}
    assert outbox.send_due(db).sent == 0                               # nothing twice


def test_with_the_server_down_nothing_is_lost_and_everything_goes_out_when_it_returns(db, staff, server, clock):
    configure(db, staff["admin"], server.port)
    server.stop()
    _queue_some(db, staff, 3)
    report = outbox.send_due(db)
    assert (report.sent, report.retrying) == (0, 3) and "Connection" in report.error
    ms = _messages(db)
    assert [(m.status, m.attempts, m.next_attempt_at) for m in ms] == [
        ("pending", 1, clock.now() + timedelta(minutes=1))] * 3
    assert all(m.last_error for m in ms)
    assert outbox.send_due(db).retrying == 0                           # not due again yet
    clock.advance(minutes=1, seconds=1)
    outbox.send_due(db)
    assert {(m.attempts, m.next_attempt_at) for m in _messages(db)} == {(2, clock.now() + timedelta(minutes=2))}
    rows = reader.queue_page(db, staff["manager"], "outbox.messages", PageRequest()).rows
    assert {r.status for r in rows} == {"pending"} and all(r.attempts == 2 for r in rows)
    server.start()
    clock.advance(minutes=1)
    assert outbox.send_due(db).sent == 0                               # still waiting its turn
    clock.advance(minutes=1, seconds=1)
    assert outbox.send_due(db).sent == 3
    assert len(server.messages) == 3 and {m.status for m in _messages(db)} == {"sent"}
    assert len({m["Message-ID"] for m in server.messages}) == 3


def test_the_wait_between_attempts_doubles_up_to_the_longest_wait(db, staff, clock):
    waits = [outbox.backoff(n, timedelta(minutes=1), timedelta(minutes=60)) for n in range(1, 9)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]


def test_a_customer_without_an_email_address_is_kept_for_a_phone_call(db, staff, server, clock):
    configure(db, staff["admin"], server.port)
    cid = _queue_some(db, staff, 1, email="")
    report = outbox.send_due(db)
    assert report.no_email == 1 and server.messages == []
    [m] = _messages(db)
    assert m.status == "no_email"
    rows = reader.queue_page(db, staff["care"], "outbox.to_phone", PageRequest()).rows
    assert [r.id for r in rows] == [m.id] and rows[0].customer_phone == "0912 345 678"
    outbox.mark_phoned(db, staff["care"], m.id, "Đã gọi, khách biết rồi")
    assert _messages(db)[0].status == "phoned"
    assert reader.queue_page(db, staff["care"], "outbox.to_phone", PageRequest()).rows == []
    # A later message, after the customer gave an address: goes out by e-mail.
    with db.transaction() as tx:
        c = tx.get(Customer, cid)
        c.email = "hang.moi@example.com"
        notify_customer(tx, c, "order_status", "order", None, code="DH0000009", status="Purchased")
    assert outbox.send_due(db).sent == 1 and server.messages[0]["To"] == "hang.moi@example.com"


def test_no_mail_server_configured_means_messages_wait_untouched(db, staff, clock):
    _queue_some(db, staff, 2)
    report = outbox.send_due(db)
    assert not report.configured
    assert [(m.status, m.attempts) for m in _messages(db)] == [("pending", 0)] * 2


def test_a_refused_recipient_fails_without_retrying_until_staff_retry_with_a_corrected_address(db, staff, server, clock):
    configure(db, staff["admin"], server.port)
    server.refuse.add("sai@example.com")
    cid = _queue_some(db, staff, 1, email="sai@example.com")
    report = outbox.send_due(db)
    assert report.failed == 1
    [m] = _messages(db)
    assert m.status == "failed" and "550" in m.last_error and m.next_attempt_at is None
    clock.advance(days=1)
    assert outbox.send_due(db).failed == 0 and server.messages == []
    with db.transaction() as tx:
        tx.get(Customer, cid).email = "dung@example.com"
    outbox.retry_now(db, staff["manager"], m.id)
    assert outbox.send_due(db).sent == 1
    assert server.messages[0]["To"] == "dung@example.com"
    with db.read() as s:
        assert s.scalar(select(ActivityEvent.action).where(ActivityEvent.entity == "customer_message")) == "retry"


def test_two_desktops_sending_at_once_send_every_message_exactly_once(db, staff, server, clock):
    configure(db, staff["admin"], server.port)
    _queue_some(db, staff, 24)
    other = dbmod.Database(db.url.render_as_string(hide_password=False), clock=clock)
    start, reports = threading.Barrier(2), []

    def run(database):
        start.wait()
        reports.append(outbox.send_due(database, batch=3))

    threads = [threading.Thread(target=run, args=(d,)) for d in (db, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.dispose()
    assert sum(r.sent for r in reports) == 24
    ids = [m["Message-ID"] for m in server.messages]
    assert len(ids) == 24 and len(set(ids)) == 24
    assert {(m.status, m.attempts) for m in _messages(db)} == {("sent", 1)}


def test_a_desktop_that_died_while_sending_leaves_a_claim_another_takes_over_later(db, staff, server, clock):
    configure(db, staff["admin"], server.port)
    _queue_some(db, staff, 2)
    config, claimed, _n = outbox._claim(db, 10)        # claimed, then the desktop lost power
    assert len(claimed) == 2 and {m.status for m in _messages(db)} == {"sending"}
    assert outbox.send_due(db).sent == 0                 # the claim holds…
    clock.advance(minutes=16)
    assert outbox.send_due(db).sent == 2                 # …until its lease runs out
    assert len(server.messages) == 2


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")   # loopback test server
def test_the_smtp_password_is_kept_as_a_secret_and_used_to_sign_in(db, staff, clock):
    mail = MailServer(password="mật-khẩu-SMTP").start()
    try:
        configure(db, staff["admin"], mail.port, **{"mail.smtp_user": "cskh", "mail.timeout_seconds": "3"})
        outbox.set_smtp_password(db, staff["admin"], "mật-khẩu-SMTP")
        assert outbox.smtp_password_is_set(db, staff["manager"])
        assert "mật-khẩu-SMTP" not in repr(settings_service.read_all(db))
        with db.read() as s:
            logged = [repr((e.before, e.after, e.note)) for e in s.scalars(select(ActivityEvent))]
        assert not any("mật-khẩu-SMTP" in line for line in logged)
        assert any("mail.smtp_password" in line and "changed" in line for line in logged)
        _queue_some(db, staff, 1)
        assert outbox.send_due(db).sent == 1
        assert mail.logins == [("cskh", "mật-khẩu-SMTP")]
        outbox.set_smtp_password(db, staff["admin"], "sai")
        _queue_some(db, staff, 1, email="khac@example.com")
        report = outbox.send_due(db)                                  # wrong password: kept, retried
        assert report.retrying == 1 and report.error and len(mail.messages) == 1
        assert _messages(db)[-1].status == "pending" and _messages(db)[-1].last_error
    finally:
        mail.stop()


def test_the_background_sender_sends_soon_after_being_woken(db, staff, server, clock):
    configure(db, staff["admin"], server.port)
    worker = mail_worker.OutboxWorker(db)
    worker.start()
    try:
        time.sleep(0.2)          # the first run found nothing; the worker now waits
        _queue_some(db, staff, 1)
        worker.wake()
        deadline = time.monotonic() + 10
        while not server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert len(server.messages) == 1 and _messages(db)[0].status == "sent"


def test_every_kind_of_customer_message_has_a_name_in_the_outbox():
    """Capabilities add their own templates; the outbox's "About" column names each kind."""
    import importlib
    import pkgutil

    import app.services

    for module in pkgutil.iter_modules(app.services.__path__):
        importlib.import_module(f"app.services.{module.name}")
    assert set(CUSTOMER_TEMPLATES) - set(outbox.CUSTOMER_EVENT_LABELS) == set()
