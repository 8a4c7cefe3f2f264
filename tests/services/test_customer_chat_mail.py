"""The chat with the customer by e-mail, end to end against real servers on both databases: the
outbox sends a staff line over SMTP (aiosmtpd) with the order code in the subject; the customer's
reply, delivered into a real IMAP mailbox (dovecot, IMAP APPEND), comes back into the order's chat
once; a completed order asks for a rating and the number in the reply is recorded."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, make_msgid

import pytest
from sqlalchemy import select, update

from app.errors import DomainError, ValidationFailed
from app.i18n import translate
from app.models import CustomerMessage, InboundMail, Order, OrderRating, StaffNotification
from app.permissions import SYSTEM_ACTOR, Role
from app.reports import Period
from app.reports.reader import open_report
from app.services import complaints, customer_chat, feedback, mail_worker, mailbox, orders, outbox, satisfaction
from app.services.notifications import CUSTOMER_TEMPLATES
from tests.factories import make_customer, make_order, make_user
from tests.imap_server import ImapServer, require_dovecot
from tests.services.test_outbox_smtp import MailServer, configure

MAILBOX = "cskh@hangnga.vn"
CUSTOMER = "hang@example.com"


@pytest.fixture
def imap():
    require_dovecot()
    server = ImapServer({MAILBOX: "mật-khẩu-hộp-thư"}).start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    s = MailServer().start()
    yield s
    s.stop()


@pytest.fixture
def staff(db):
    return {"care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
            "care2": make_user(db, Role.CARE, full_name="Đỗ Minh Anh"),
            "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
            "admin": make_user(db, Role.ADMIN)}


def connect_mail(db, staff, smtp, imap):
    configure(db, staff["admin"], smtp.port)
    from app.services import settings as settings_service
    settings_service.update_settings(db, staff["admin"], {
        "mail.imap_host": "127.0.0.1", "mail.imap_port": str(imap.port), "mail.imap_security": "none",
        "mail.imap_user": MAILBOX, "mail.imap_folder": "INBOX"})
    mailbox.set_imap_password(db, staff["admin"], imap.users[MAILBOX])


def an_order(db, staff, email=CUSTOMER):
    cid = make_customer(db, staff["care"], care=staff["care"], email=email)
    oid = make_order(db, staff["care"], cid, "consignment")
    orders.apply_action(db, staff["care"], oid, "submit")
    orders.confirm_order(db, staff["manager"], oid, staff["care"].user_id, None)
    return oid


def code_of(db, oid):
    with db.read() as s:
        return s.get(Order, oid).code


def reply(to, subject, text, sender=CUSTOMER, name="Nguyễn Thị Hằng", message_id=None) -> bytes:
    m = EmailMessage()
    m["From"] = formataddr((name, sender))
    m["To"] = MAILBOX
    m["Subject"] = "Re: " + to["Subject"] if to is not None else subject
    m["Date"] = format_datetime(__import__("datetime").datetime.now().astimezone())
    m["Message-ID"] = message_id or make_msgid(domain="example.com")
    if to is not None:
        m["In-Reply-To"] = to["Message-ID"]
        m["References"] = to["Message-ID"]
    if to is None:
        m.set_content(text + "\n")
    else:   # as a mail client answers: the new text, then the message answered, quoted
        quoted = "\n".join("> " + line for line in to.get_body(("plain",)).get_content().splitlines())
        m.set_content(f"{text}\n\nVào Thứ Hai, cskh@hangnga.vn đã viết:\n{quoted}\n")
    return m.as_bytes()


def chat(db, staff, oid):
    return orders.list_messages(db, staff["care"], oid, "customer")


def notifications(db, user):
    with db.read() as s:
        return s.scalars(select(StaffNotification).where(StaffNotification.user_id == user.user_id)
                         .order_by(StaffNotification.id)).all()


def test_a_staff_line_reaches_the_customer_by_email_with_the_order_code_and_shows_it_was_sent(db, staff, smtp, imap):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    code = code_of(db, oid)
    orders.post_message(db, staff["care"], oid, "customer", "Chị Hằng ơi, hàng đã về kho Quảng Châu ạ.")
    assert [m.delivery for m in chat(db, staff, oid)] == ["pending"]
    outbox.send_due(db)
    mails = [m for m in smtp.by_to()[CUSTOMER] if m["Subject"].startswith(f"[{code}]")]   # the reply names it
    assert len(mails) == 1
    mail = mails[0]
    subject_id, _body = CUSTOMER_TEMPLATES["chat_message"]
    assert mail["Subject"] == translate(subject_id, "vi").format(code=code)   # in the customer's language
    assert "Chị Hằng ơi, hàng đã về kho Quảng Châu ạ." in mail.get_body(("plain",)).get_content()
    assert "Lê Thu Trang" in mail.get_body(("plain",)).get_content()
    assert [m.delivery for m in chat(db, staff, oid)] == ["sent"]
    # a line recorded on the customer's behalf (a phone call) is not mailed back to them
    orders.post_message(db, staff["care"], oid, "customer", "Khách gọi: ok", from_customer=True)
    orders.post_message(db, staff["care"], oid, "internal", "nội bộ")
    with db.read() as s:
        assert s.scalar(select(CustomerMessage.id).where(CustomerMessage.event == "chat_message",
                                                         CustomerMessage.status == "pending")) is None


def test_a_chat_line_waits_and_is_retried_with_back_off_while_the_mail_server_is_down(db, staff, smtp, imap, clock):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    outbox.send_due(db)   # the confirmation goes out first
    smtp.stop()
    orders.post_message(db, staff["care"], oid, "customer", "Đơn của chị đang được mua.")
    report = outbox.send_due(db)
    assert report.retrying == 1 and [m.delivery for m in chat(db, staff, oid)] == ["pending"]
    with db.read() as s:
        m = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "chat_message"))
        assert m.attempts == 1 and m.next_attempt_at == clock.now() + timedelta(minutes=1) and m.last_error
    smtp.start()
    assert outbox.send_due(db).sent == 0                      # not before its time
    clock.advance(minutes=1)
    assert outbox.send_due(db).sent == 1
    assert [m.delivery for m in chat(db, staff, oid)] == ["sent"]
    assert any("Đơn của chị đang được mua." in m.get_body(("plain",)).get_content() for m in smtp.messages)


def test_the_customers_reply_comes_back_into_the_chat_once_and_care_staff_are_told(db, staff, smtp, imap):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    code = code_of(db, oid)
    orders.post_message(db, staff["care"], oid, "customer", "Chị cho em xin địa chỉ nhận hàng ạ.")
    outbox.send_due(db)
    sent = next(m for m in smtp.messages if m["Subject"].startswith(f"[{code}]"))
    raw = reply(sent, None, "Em giao về 12 Phố Huế giúp chị nhé.")
    imap.append(MAILBOX, raw)
    before = len(notifications(db, staff["care"]))

    assert mailbox.poll_mailbox(db) == 1
    lines = chat(db, staff, oid)
    assert [(m.from_customer, m.body) for m in lines] == [
        (False, "Chị cho em xin địa chỉ nhận hàng ạ."), (True, "Em giao về 12 Phố Huế giúp chị nhé.")]
    assert lines[1].author_name == "Nguyễn Thị Hằng"            # the quoted message is left out
    told = notifications(db, staff["care"])[before:]
    assert len(told) == 1 and told[0].entity == "order" and told[0].entity_id == oid
    assert notifications(db, staff["care2"]) == []              # only the order's own care staff

    # never twice: the next run finds nothing new; the same message delivered again is ignored
    assert mailbox.poll_mailbox(db) == 0
    imap.append(MAILBOX, raw)
    assert mailbox.poll_mailbox(db) == 0
    assert len(chat(db, staff, oid)) == 2
    with db.read() as s:
        assert s.scalar(select(InboundMail).where(InboundMail.order_id == oid)).status == "threaded"
    # the mailbox keeps its mail: imported ones carry the app's keyword, not a \Seen a person would miss
    flags = b" ".join(imap.flags(MAILBOX))
    assert flags.count(mailbox.READ_KEYWORD.encode()) == 2 and b"\\Seen" not in flags


def test_mail_naming_the_order_code_is_threaded_only_from_the_customers_address(db, staff, smtp, imap):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    code = code_of(db, oid)
    imap.append(MAILBOX, reply(None, f"Hỏi về đơn {code}", "Bao giờ hàng về vậy em?", sender="HANG@example.com"))
    imap.append(MAILBOX, reply(None, f"[{code}] đổi địa chỉ", "Giao hàng cho tôi ở chỗ khác",
                               sender="la@stranger.example", name="Người lạ"))
    imap.append(MAILBOX, reply(None, "Báo giá vận chuyển", "Chào công ty", sender="sale@forwarder.example"))
    check = mailbox.check_mail_now(db, staff["care"])
    assert (check.imported, check.threaded, check.unmatched, check.error) == (3, 1, 2, "")
    assert [m.body for m in chat(db, staff, oid)] == ["Bao giờ hàng về vậy em?"]

    waiting = customer_chat.unmatched_mail(db, staff["care"])
    assert [w.from_address for w in waiting] == ["la@stranger.example", "sale@forwarder.example"]
    assert customer_chat.unmatched_count(db, staff["care"]) == 2
    with pytest.raises(ValidationFailed):
        customer_chat.file_mail_on_order(db, staff["care"], waiting[0].id, "DH9999999")
    # staff phoned the customer: the stranger is her husband — file it on the order
    assert customer_chat.file_mail_on_order(db, staff["care"], waiting[0].id, code.lower()) == oid
    customer_chat.dismiss_mail(db, staff["care"], waiting[1].id)
    assert customer_chat.unmatched_mail(db, staff["care"]) == []
    assert [m.body for m in chat(db, staff, oid)][-1] == "Giao hàng cho tôi ở chỗ khác"
    with pytest.raises(DomainError):
        customer_chat.dismiss_mail(db, staff["care"], waiting[0].id)


def test_a_reply_that_forges_one_of_our_message_ids_is_not_threaded_nor_read_as_a_rating(db, staff, smtp, imap, clock):
    """Our Message-IDs are signed: a stranger who guesses one (the message's number, the time it was
    made) and claims to answer it reaches no customer's chat and sets no rating."""
    oid, (ask,) = _rating_asked(db, staff, smtp, imap, clock)
    number = int(ask["Message-ID"].split(".")[1])
    with db.read() as s:
        made = int(s.get(CustomerMessage, number).created_at.timestamp())
    for forged in (f"<importdesk.{number}.{made}@hangnga.vn>", f"<importdesk.{number}.{'0' * 24}@hangnga.vn>"):
        fake = EmailMessage()
        fake["From"], fake["To"], fake["Subject"] = "la@stranger.example", MAILBOX, "Re: đánh giá"
        fake["Message-ID"] = make_msgid(domain="stranger.example")
        fake["In-Reply-To"] = fake["References"] = forged
        fake.set_content("1")
        imap.append(MAILBOX, fake.as_bytes())
    # the customer's own answer, to the e-mail she was sent, is still read
    imap.append(MAILBOX, reply(ask, None, "5"))
    check = mailbox.check_mail_now(db, staff["care"])
    assert (check.threaded, check.unmatched) == (1, 2)
    assert [m.body for m in chat(db, staff, oid)] == ["5"]
    with db.read() as s:
        assert s.scalar(select(OrderRating.score).where(OrderRating.order_id == oid)) == 5


def test_an_email_that_cannot_be_filed_does_not_block_the_others_and_is_read_again_later(db, staff, smtp, imap,
                                                                                         monkeypatch):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    code = code_of(db, oid)
    imap.append(MAILBOX, reply(None, f"[{code}] hỏng", "thư lỗi"))
    imap.append(MAILBOX, reply(None, f"[{code}] hỏi hàng", "Bao giờ hàng về vậy em?"))
    real = mailbox.parse

    def parse(raw):
        if "thư lỗi" in real(raw).body:
            raise ValueError("a part no parser understands")
        return real(raw)

    monkeypatch.setattr(mailbox, "parse", parse)
    check = mailbox.check_mail_now(db, staff["care"])
    assert (check.threaded, check.unmatched) == (1, 0) and "1" in check.error
    assert [m.body for m in chat(db, staff, oid)] == ["Bao giờ hàng về vậy em?"]
    monkeypatch.setattr(mailbox, "parse", real)               # fixed: the next run files it
    assert mailbox.poll_mailbox(db) == 1
    assert [m.body for m in chat(db, staff, oid)] == ["Bao giờ hàng về vậy em?", "thư lỗi"]


def test_an_html_reply_keeps_only_its_new_text(db, staff, smtp, imap):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    code = code_of(db, oid)
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = formataddr(("Hằng", CUSTOMER)), MAILBOX, f"Re: [{code}] Tin nhắn"
    m["Message-ID"] = make_msgid(domain="example.com")
    m.set_content('<div dir="ltr">Em giao buổi chiều nhé</div><br><div class="gmail_quote">'
                  '<blockquote class="gmail_quote">Chị cho em xin địa chỉ nhận hàng ạ.</blockquote></div>',
                  subtype="html")
    imap.append(MAILBOX, m.as_bytes())
    assert mailbox.poll_mailbox(db) == 1
    assert [x.body for x in chat(db, staff, oid)] == ["Em giao buổi chiều nhé"]


def test_no_mailbox_configured_says_so_and_the_timer_reads_nothing(db, staff):
    assert mailbox.poll_mailbox(db) == 0
    with pytest.raises(DomainError):
        mailbox.check_mail_now(db, staff["care"])


def _deliver(db, staff):
    oid = an_order(db, staff)
    for action in ("arrive_cn", "depart_cn", "arrive_vn", "start_delivery", "deliver"):
        orders.apply_action(db, SYSTEM_ACTOR, oid, action)
    return oid


def _rating_asked(db, staff, smtp, imap, clock):
    """A delivered order completes after the feedback window: (its id, the e-mails naming it)."""
    connect_mail(db, staff, smtp, imap)
    oid = _deliver(db, staff)
    code = code_of(db, oid)
    clock.advance(days=15)
    assert feedback.complete_after_feedback_window(db) == 1
    outbox.send_due(db)
    return oid, [m for m in smtp.messages if m["Subject"].startswith(f"[{code}]")]


def test_a_completed_order_asks_for_a_rating_and_the_number_in_the_reply_is_recorded(db, staff, smtp, imap, clock):
    oid, ask = _rating_asked(db, staff, smtp, imap, clock)
    assert len(ask) == 1 and "1" in ask[0].get_body(("plain",)).get_content() and "5" in ask[0].get_body(("plain",)).get_content()
    imap.append(MAILBOX, reply(ask[0], None, "4 sao. Hàng tốt nhưng giao hơi chậm"))
    assert mailbox.poll_mailbox(db) == 1
    with db.read() as s:
        rating = s.scalar(select(OrderRating).where(OrderRating.order_id == oid))
    assert (rating.score, rating.source, rating.comment) == (4, "email", "Hàng tốt nhưng giao hơi chậm")
    assert rating.care_staff_id == staff["care"].user_id
    assert chat(db, staff, oid)[-1].body == "4 sao. Hàng tốt nhưng giao hơi chậm"   # and it is in the chat
    # a number answering a chat line, after the question was asked, is about the chat line
    orders.post_message(db, staff["care"], oid, "customer", "Lần sau chị đặt mấy bộ ạ?")
    outbox.send_due(db)
    line = next(m for m in smtp.messages if "Lần sau chị đặt mấy bộ ạ?" in m.get_body(("plain",)).get_content())
    imap.append(MAILBOX, reply(line, None, "2 bộ em nhé"))
    assert mailbox.poll_mailbox(db) == 1
    with db.read() as s:
        assert s.scalar(select(OrderRating.score).where(OrderRating.order_id == oid)) == 4

    # care staff phone the customer, who is happier now: the call replaces the e-mail's answer
    satisfaction.record_rating(db, staff["care"], oid, 5, "Đã gọi lại, khách hài lòng")
    view = satisfaction.order_rating(db, staff["care"], oid)
    assert (view.score, view.source) == (5, "call")
    with pytest.raises(ValidationFailed):
        satisfaction.record_rating(db, staff["care"], oid, 6)


def test_a_number_in_an_ordinary_reply_is_not_a_rating(db, staff, smtp, imap):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    orders.post_message(db, staff["care"], oid, "customer", "Chị lấy mấy cái ạ?")
    outbox.send_due(db)
    sent = next(m for m in smtp.messages if "Chị lấy mấy cái ạ?" in m.get_body(("plain",)).get_content())
    imap.append(MAILBOX, reply(sent, None, "2 cái em nhé"))
    assert mailbox.poll_mailbox(db) == 1
    with db.read() as s:
        assert s.scalar(select(OrderRating.id)) is None          # nobody asked this order for a rating
    with pytest.raises(DomainError):
        satisfaction.record_rating(db, staff["care"], oid, 3)    # not delivered yet


def test_score_in_a_reply():
    assert satisfaction.score_in("5") == (5, "")
    assert satisfaction.score_in("  4/5 - ổn") == (4, "ổn")
    assert satisfaction.score_in("3 điểm, tạm được") == (3, "tạm được")
    assert satisfaction.score_in("5分 很好") == (5, "很好")
    assert satisfaction.score_in("Đánh giá: 2") == (2, "")
    assert satisfaction.score_in("10 điểm") is None
    assert satisfaction.score_in("Tôi nhận hàng rồi") is None
    assert satisfaction.score_in("6") is None


def _rows(db, actor, name, period):
    return [tuple(r) for r in open_report(db, actor, name, period).first.rows]


def test_statistics_show_satisfaction_by_month_care_staff_and_shop_and_the_acceptance_rate(db, staff, clock):
    today = clock.now().date()
    period = Period(today.replace(day=1) - timedelta(days=62), today + timedelta(days=1))
    cid = make_customer(db, staff["care"], care=staff["care"])
    bought = make_order(db, staff["care"], cid)                  # items from 杭州女装旗舰店
    other = an_order(db, staff)
    with db.transaction() as tx:
        tx.execute(update(Order).where(Order.id.in_((bought, other))).values(status="delivered"))
        tx.execute(update(Order).where(Order.id == other).values(care_staff_id=staff["care2"].user_id))
    satisfaction.record_rating(db, staff["care"], bought, 5)
    satisfaction.record_rating(db, staff["care"], other, 2, "giao chậm")
    complaints.record_inspection(db, staff["care"], complaints.InspectionInput(bought, "accepted"))
    complaints.record_inspection(db, staff["care"], complaints.InspectionInput(other, "rework", "thiếu 1 kiện"))

    month = _rows(db, staff["manager"], "satisfaction.by_month", period)
    local_month = clock.now().astimezone().strftime("%Y-%m")
    assert month == [(local_month, 2, Decimal("3.50"), 50, 50, 0)]    # ratings, average, 4–5 %, 1–2 %, by e-mail
    by_staff = {r[0]: r for r in _rows(db, staff["manager"], "satisfaction.by_staff", period)}
    assert by_staff["Lê Thu Trang"][1:3] == (1, pytest.approx(5))
    assert by_staff["Đỗ Minh Anh"][1:3] == (1, pytest.approx(2))
    by_shop = _rows(db, staff["manager"], "satisfaction.by_shop", period)
    assert [(r[1], r[2]) for r in by_shop] == [("杭州女装旗舰店", 1)]
    acceptance = _rows(db, staff["manager"], "inspections.acceptance", period)
    assert acceptance[0][1:] == (2, 1, 0, 1, 0, 50)


@pytest.fixture
def imap_tls():
    from app.server.tls import make_self_signed

    require_dovecot()
    cert, key = make_self_signed(["localhost", "127.0.0.1"])
    server = ImapServer({MAILBOX: "hộp-thư"}, tls=(cert, key)).start()
    server.cert = cert
    yield server
    server.stop()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_the_mailbox_is_read_over_tls_and_an_unknown_certificate_is_refused(db, staff, imap_tls, tmp_path,
                                                                            monkeypatch, security):
    from app.services import settings as settings_service

    oid = an_order(db, staff)
    code = code_of(db, oid)
    port = imap_tls.tls_port if security == "ssl" else imap_tls.port
    settings_service.update_settings(db, staff["admin"], {
        "mail.imap_host": "127.0.0.1", "mail.imap_port": str(port), "mail.imap_security": security,
        "mail.imap_user": MAILBOX})
    mailbox.set_imap_password(db, staff["admin"], "hộp-thư")
    imap_tls.append(MAILBOX, reply(None, f"[{code}] hỏi hàng", "Hàng về chưa em?"))
    # a server whose certificate nobody vouches for: not read (no password sent in the clear)
    refused = mailbox.check_mail_now(db, staff["care"])
    assert refused.imported == 0 and "CERTIFICATE_VERIFY_FAILED" in refused.error
    trusted = tmp_path / "company-ca.pem"
    trusted.write_bytes(imap_tls.cert)
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))   # the company's own certificate authority
    assert mailbox.check_mail_now(db, staff["care"]).threaded == 1
    assert [m.body for m in chat(db, staff, oid)] == ["Hàng về chưa em?"]


def test_the_outbox_sender_thread_reads_the_mailbox_on_its_timer(db, staff, smtp, imap):
    import time

    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    imap.append(MAILBOX, reply(None, f"[{code_of(db, oid)}] giao hàng", "Chiều nay chị ở nhà"))
    worker = mail_worker.OutboxWorker(db)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not chat(db, staff, oid):
            time.sleep(0.2)
    finally:
        worker.stop()
    assert [m.body for m in chat(db, staff, oid)] == ["Chiều nay chị ở nhà"]


def test_the_application_servers_loop_reads_the_mailbox_on_its_timer(db, staff, smtp, imap):
    """Desktops signed in to a server run no mail thread: the server's job loop reads the replies."""
    from app.server.jobs import ServerJobs

    connect_mail(db, staff, smtp, imap)
    from app.services import settings as settings_service
    settings_service.update_settings(db, staff["admin"], {"mail.imap_check_minutes": "1"})
    oid = an_order(db, staff)
    imap.append(MAILBOX, reply(None, f"[{code_of(db, oid)}] giao hàng", "Sáng mai giao giúp chị"))
    now = [0.0]
    jobs = ServerJobs(db, watch=False, clock=lambda: now[0])
    assert jobs.run_due()["mailbox"] == 1                        # the first round reads at once
    assert [m.body for m in chat(db, staff, oid)] == ["Sáng mai giao giúp chị"]
    imap.append(MAILBOX, reply(None, f"[{code_of(db, oid)}] giao hàng", "Thôi để chiều nhé"))
    now[0] = 30.0
    assert "mailbox" not in jobs.run_due()                       # not yet: every mail.imap_check_minutes
    now[0] = 61.0
    assert jobs.run_due()["mailbox"] == 1
    assert [m.body for m in chat(db, staff, oid)] == ["Sáng mai giao giúp chị", "Thôi để chiều nhé"]
