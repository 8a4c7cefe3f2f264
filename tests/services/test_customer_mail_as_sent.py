"""The e-mails a Vietnamese customer really receives along one order, read as the SMTP server
(aiosmtpd on loopback) received them, on SQLite and PostgreSQL: the welcome with the ordering
extension, the chat line, the committed date changed with its reason, left China, arrived in
Vietnam, on its way with the courier's tracking page, the failed delivery and what happens next,
and the rating question; and a staff member who asked for e-mail copies gets one when assigned.

Each must greet the customer by name with its diacritics intact, name the order in its subject,
hold no unfilled {placeholder} and no English sentence. With IMPORTDESK_MAIL_SHOTS=<folder> the
raw messages are also written there (one .eml per event) for a person to look at them rendered.
"""
from __future__ import annotations

import os
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import CustomerMessage, Order, User
from app.permissions import Role
from app.services import (deliveries, feedback, orders, outbox, parcels, remedies, shipments)
from app.services import settings as settings_service
from app.i18n import translate
from app.services.deliveries import DeliveryInput
from app.services.mail_html import REPLY_NOTE
from tests.factories import arrive_sealed, make_customer, make_user
from tests.services.test_outbox_smtp import MailServer, configure
from tests.services.warehouse_helpers import consignment_order, kg, make_staff

CUSTOMER = "hang@example.com"
EXTENSION = "https://hangnga.vn/tien-ich-dat-hang"
#: a staff chat line that looks like markup, with a link in it: it must arrive as the text typed
STAFF_MARKUP = "<b>giá 5<6</b> & bảng giá: https://hangnga.vn/bang-gia?loai=1&trang=2."
#: words of the English templates that have no business in a Vietnamese customer's e-mail
ENGLISH = re.compile(r"\b(dear|your|order|the|expected|delivery|tracking|reason|thank|reply|follow|"
                     r"shipment|warehouse|customer|welcome|satisfied)\b", re.IGNORECASE)


@pytest.fixture
def smtp():
    server = MailServer().start()
    yield server
    server.stop()


def _deliver(db, st, did, code):
    deliveries.pack_scan(db, st.store, did, code)
    deliveries.issue_slip(db, st.store, did)


def one_order_by_mail(db, clock, smtp) -> tuple[dict[str, object], dict]:
    """The journey of one consignment order, every e-mail sent through the real SMTP server.
    Returns {event: the e-mail as received} and the facts to check them against."""
    st = make_staff(db)
    admin = make_user(db, Role.ADMIN)
    configure(db, admin, smtp.port)
    settings_service.update_settings(db, admin, {"orders.extension_url": EXTENSION})
    with db.transaction() as tx:      # the ordering staff asked for e-mail copies of their notices
        u = tx.get(User, st.ordering.user_id)
        u.email, u.language = "duc@hangnga.vn", "vi"
    remedies.set_email_notices(db, st.ordering, st.ordering.user_id, True)

    cid = make_customer(db, st.care, name="Nguyễn Thị Hằng", email=CUSTOMER, language="vi")
    oid = consignment_order(db, st, ["SF8400000001"], customer_id=cid)
    orders.assign_staff(db, st.manager, oid, st.care.user_id, st.ordering.user_id)
    with db.read() as s:
        order = s.get(Order, oid)
        code, old_deliver = order.code, order.committed_deliver_by
    orders.post_message(db, st.care, oid, "customer", "Chị Hằng ơi, kho Quảng Châu đã nhận hàng của chị ạ.")
    orders.post_message(db, st.care, oid, "customer", STAFF_MARKUP)      # typed by staff: text, not markup
    remedies.change_committed_dates(db, st.care, oid, None, old_deliver + timedelta(days=4),
                                    "Hải quan kiểm hoá, hàng về chậm")

    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"], transport="Xe tải 29C-123.45")
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF8400000001", kg("1.5"))
    shipments.pack_scan(db, st.cn, sid, "SF8400000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("2"), "H8")
    shipments.depart_shipment(db, st.cn, sid)
    shipment_code = shipments.get_shipment(db, st.cn, sid).code
    arrive_sealed(db, st.vn, shipment_code)
    shipments.receive_scan(db, st.vn, sid, "SF8400000001", Decimal("1.5"))
    shipments.close_shipment(db, st.vn, sid)

    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [p.id for p in ready]))
    _deliver(db, st, did, "SF8400000001")
    deliveries.hand_over(db, st.store, did, "Tài xế GHN", "Giao Hàng Nhanh (GHN)", "GHN 5566 7788")
    deliveries.delivery_failed(db, st.store, did, "Không liên lạc được người nhận")
    deliveries.hand_over(db, st.store, did, "Tài xế GHN", "Giao Hàng Nhanh (GHN)", "GHN 5566 7799")
    deliveries.confirm_delivered(db, st.store, did, "Nguyễn Thị Hằng", True)
    clock.advance(days=15)
    assert feedback.complete_after_feedback_window(db) == 1          # the rating question

    report = outbox.send_due(db)
    assert report.error == "" and report.failed == 0
    with db.read() as s:
        stored = {m.id: (m.event, m.subject) for m in s.scalars(select(CustomerMessage))}
    received, every = {}, []
    for mail in smtp.messages:
        found = re.match(r"<importdesk\.(\d+)\.", mail["Message-ID"])
        event, subject = stored[int(found[1])]
        # the subject a mail client decodes is the one written, every space kept (long ones are folded)
        assert str(mail["Subject"]) == subject, (event, str(mail["Subject"]), subject)
        received.setdefault(event, mail)     # the first of an event (two hand-overs)
        every.append((event, mail))
    shots = os.environ.get("IMPORTDESK_MAIL_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        for event, mail in received.items():
            (Path(shots) / f"{event}.eml").write_bytes(mail.as_bytes())
            if mail.get_body(("html",)) is not None:       # to open in a browser, at a phone's width too
                (Path(shots) / f"{event}.html").write_text(html_of(mail), encoding="utf-8")
    return received, {"code": code, "shipment": shipment_code, "customer_code": _customer_code(db, cid),
                      "every": every}


def plain(mail) -> str:
    """The text part, as a mail client without HTML shows it."""
    return mail.get_body(("plain",)).get_content()


def html_of(mail) -> str:
    return mail.get_body(("html",)).get_content()


_BLOCKS = {"p", "div", "td", "tr", "table", "br"}


class Shown(HTMLParser):
    """What a mail client shows of an HTML part: the paragraphs' text (a <br> a line break), the
    links with their text, the elements used, and anything it would fetch from elsewhere."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.fetched: list[str] = []
        self.text: list[str] = []
        self._p: list[str] | None = None
        self._a: list | None = None
        self._head = False
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in _BLOCKS:
            self.text.append("\n")
        a = dict(attrs)
        if tag == "head":
            self._head = True
        if tag in ("script", "link", "img", "iframe", "object", "embed") or "src" in a or "background" in a \
                or "url(" in (a.get("style") or "") or "@import" in (a.get("style") or ""):
            self.fetched.append(self.get_starttag_text())
        if tag == "p":
            self._p = []
        elif tag == "br" and self._p is not None:
            self._p.append("\n")
        elif tag == "a":
            self._a = [a.get("href") or "", ""]

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self.text.append("\n")
        if tag == "head":
            self._head = False
        elif tag == "p" and self._p is not None:
            self.paragraphs.append("".join(self._p))
            self._p = None
        elif tag == "a" and self._a is not None:
            self.links.append((self._a[0], self._a[1]))
            self._a = None

    def handle_data(self, data):
        if self._head:
            return
        self.text.append(data)
        if self._p is not None:
            self._p.append(data)
        if self._a is not None:
            self._a[1] += data

    @property
    def shown(self) -> str:
        return " ".join("".join(self.text).split())


def paragraphs_of(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _customer_code(db, cid):
    from app.models import Customer

    with db.read() as s:
        return s.get(Customer, cid).code


def _without_links(text: str) -> str:
    return re.sub(r"https?://\S+", "", text)


def test_what_a_vietnamese_customer_receives_along_one_order(db, clock, smtp):
    mails, facts = one_order_by_mail(db, clock, smtp)
    code = facts["code"]
    for_customer = ("welcome", "order_confirmed", "chat_message", "committed_delivery_changed", "order_shipped",
                    "order_arrived", "order_on_the_way", "delivery_failed", "order_delivered", "rating_request")
    assert set(for_customer) <= set(mails), sorted(mails)
    for event in for_customer:
        mail = mails[event]
        subject, body = str(mail["Subject"]), plain(mail)
        assert mail["To"] == CUSTOMER and mail["Content-Language"] == "vi", event
        assert body.startswith("Kính gửi Nguyễn Thị Hằng,"), (event, body[:60])     # greeted, diacritics intact
        assert "{" not in subject + body and "}" not in subject + body, (event, subject, body)
        assert not ENGLISH.search(_without_links(subject + "\n" + body)), (event, subject, body)
        if event != "welcome":
            assert code in subject, (event, subject)                           # the customer's order, named
    assert EXTENSION in plain(mails["welcome"]) and facts["customer_code"] in plain(mails["welcome"])
    assert "Chị Hằng ơi, kho Quảng Châu đã nhận hàng của chị ạ." in plain(mails["chat_message"])
    assert "Hải quan kiểm hoá, hàng về chậm" in plain(mails["committed_delivery_changed"])
    shipped = plain(mails["order_shipped"])
    assert facts["shipment"] in shipped and "Xe tải 29C-123.45" in shipped
    assert re.search(r"Dự kiến giao: \d\d/\d\d/\d{4}\.", shipped)
    on_the_way = plain(mails["order_on_the_way"])
    assert "GHN 5566 7788" in on_the_way and "https://donhang.ghn.vn/?order_code=GHN55667788" in on_the_way
    failed = plain(mails["delivery_failed"])
    assert "Không liên lạc được người nhận" in failed and "gọi điện" in failed      # what happens next
    assert "tại kho Hà Nội." in failed and "đã về kho Việt Nam Hà Nội." in plain(mails["order_arrived"])
    rating = plain(mails["rating_request"])
    assert "1 đến 5" in rating and "Hằng Nga Logistics" in rating
    # the staff member who asked gets the in-app notice of the assignment by e-mail too, in Vietnamese
    notice = mails["staff_notice"]
    assert notice["To"] == "duc@hangnga.vn" and code in str(notice["Subject"])
    assert "phân công" in str(notice["Subject"]) and not ENGLISH.search(str(notice["Subject"]))


def test_a_customer_answering_the_failed_delivery_writes_into_the_orders_chat(db, clock, smtp):
    """The failed-delivery e-mail invites a reply with a day and time: it names the order, so the
    reply finds the order's chat instead of waiting among the mail that named no order."""
    from app.services import customer_chat, mailbox

    mails, facts = one_order_by_mail(db, clock, smtp)
    failed = mails["delivery_failed"]
    answer = (b"From: =?utf-8?b?" + __import__("base64").b64encode("Nguyễn Thị Hằng".encode()) +
              b"?= <hang@example.com>\r\nTo: cskh@hangnga.vn\r\nSubject: Re: x\r\n"
              b"Message-ID: <tra-loi-1@example.com>\r\nIn-Reply-To: " + failed["Message-ID"].encode() +
              b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
              "Thứ Bảy sau 9 giờ sáng giao giúp chị nhé".encode() + b"\r\n")
    assert mailbox.import_message(db, answer) == customer_chat.THREADED
    with db.read() as s:
        oid = s.scalar(select(Order.id).where(Order.code == facts["code"]))
    lines = [m.body for m in orders.list_messages(db, make_user(db, Role.CARE), oid, "customer")]
    assert lines[-1] == "Thứ Bảy sau 9 giờ sáng giao giúp chị nhé"


CUSTOMER_EVENTS = ("welcome", "order_confirmed", "chat_message", "committed_delivery_changed", "order_shipped",
                   "order_arrived", "order_on_the_way", "delivery_failed", "order_delivered", "rating_request")


def test_every_customer_email_has_an_html_part_saying_what_its_text_says(db, clock, smtp):
    """Read in Gmail or Outlook on a phone, each e-mail shows the HTML part: the company's name on
    top, the order's (or, in the welcome, the customer's) code set apart, the very paragraphs of
    the text part, links that open, a button to the courier's tracking page, and how to answer —
    with nothing fetched from elsewhere and nothing a staff member typed taken for markup."""
    mails, facts = one_order_by_mail(db, clock, smtp)
    code = facts["code"]
    for event, mail in facts["every"]:
        if event not in CUSTOMER_EVENTS:
            continue
        # multipart/alternative: the text first and as before, the HTML second (what clients show)
        assert mail.get_content_type() == "multipart/alternative", event
        assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"], event
        assert mail.get_body(("html",)).get_content_charset() == "utf-8", event
        text, source = plain(mail), html_of(mail)
        page = Shown(source)
        # the same words, paragraph by paragraph and line by line, diacritics intact
        assert [p.strip() for p in page.paragraphs] == [p.strip() for p in paragraphs_of(text)], event
        assert page.paragraphs[0].startswith("Kính gửi Nguyễn Thị Hằng,"), (event, page.paragraphs[0])
        assert page.shown.startswith("Hằng Nga Logistics"), (event, page.shown[:60])     # the company on top
        shown_code = facts["customer_code"] if event == "welcome" else code
        label = translate("Customer code" if event == "welcome" else "Order code", "vi")
        assert f"Hằng Nga Logistics {label} {shown_code} Kính gửi" in page.shown, (event, page.shown[:120])
        assert page.shown.endswith("Hằng Nga Logistics " + translate(REPLY_NOTE, "vi")), (event, page.shown[-90:])
        # nothing left unfilled, nothing fetched from the network, no script; every link one of the text's
        assert "{" not in source and "}" not in source, event
        assert page.fetched == [] and "<script" not in source.lower(), (event, page.fetched)
        assert 'name="viewport"' in source and "max-width:600px" in source, event
        for href, _label in page.links:
            assert href.startswith("https://") and href in text, (event, href)
        # only the layout's own elements: a "<" typed by someone never becomes one
        assert set(page.tags) <= {"html", "head", "meta", "title", "body", "table", "tr", "td", "div", "p",
                                  "br", "a", "strong"}, (event, set(page.tags))
    # the tracking page: a link in the text and a button, both to the courier's page for this parcel
    on_the_way = Shown(html_of(mails["order_on_the_way"]))
    tracking = "https://donhang.ghn.vn/?order_code=GHN55667788"
    assert [h for h, _t in on_the_way.links] == [tracking, tracking]
    assert on_the_way.links[0][1] == tracking and on_the_way.links[1][1] == translate("Track your parcel", "vi")
    assert f'<a href="{tracking}"' in html_of(mails["order_on_the_way"])
    welcome = Shown(html_of(mails["welcome"]))
    assert [h for h, _t in welcome.links] == [EXTENSION, EXTENSION]
    # the staff line that looks like markup arrives as typed: escaped, its link linked without the full stop
    [markup] = [m for e, m in facts["every"] if e == "chat_message" and STAFF_MARKUP in plain(m)]
    source = html_of(markup)
    assert "&lt;b&gt;giá 5&lt;6&lt;/b&gt; &amp; bảng giá: " in source and "<b>" not in source
    page = Shown(source)
    assert STAFF_MARKUP in page.paragraphs
    assert page.links == [("https://hangnga.vn/bang-gia?loai=1&trang=2", "https://hangnga.vn/bang-gia?loai=1&trang=2")]
    # the staff member's copy of a notice stays a plain e-mail (no customer layout, no "reply to us")
    assert mails["staff_notice"].get_content_type() == "text/plain"


def _inner_body(source: str) -> str:
    """Our HTML as a mail client puts it inside a reply: the content of <body>."""
    return re.search(r"<body[^>]*>(.*)</body>", source, re.S)[1]


def _answer(ours, n: int, plain_text: str | None, html_text: str | None) -> bytes:
    from email.message import EmailMessage
    from email.utils import formataddr

    m = EmailMessage()
    m["From"] = formataddr(("Nguyễn Thị Hằng", CUSTOMER))
    m["To"] = "cskh@hangnga.vn"
    m["Subject"] = "Re: " + str(ours["Subject"])
    m["Message-ID"] = f"<tra-loi-{n}@example.com>"
    m["In-Reply-To"] = m["References"] = ours["Message-ID"]
    if plain_text is not None:
        m.set_content(plain_text)
        if html_text is not None:
            m.add_alternative(html_text, subtype="html")
    else:
        m.set_content(html_text, subtype="html")
    return m.as_bytes()


def test_replies_quoting_the_html_email_bring_only_the_customers_words_into_the_chat(db, clock, smtp):
    """Gmail, Outlook and Apple Mail quote the message answered, now its HTML layout: the order's
    chat gets the customer's own lines, never our layout, our text or the quote's header."""
    from app.services import customer_chat, mailbox

    mails, facts = one_order_by_mail(db, clock, smtp)
    ours = mails["delivery_failed"]
    ours_plain, ours_html = plain(ours), _inner_body(html_of(ours))
    quoted_plain = "\n".join("> " + line for line in ours_plain.splitlines())
    gmail_vi = "Vào Th 2, 7 thg 12, 2026 vào lúc 20:05 Hằng Nga Logistics <cskh@hangnga.vn> đã viết:"
    gmail_en = "On Mon, Dec 7, 2026 at 8:05 PM Hằng Nga Logistics <cskh@hangnga.vn> wrote:"
    outlook_head = ("<b>Từ:</b> Hằng Nga Logistics &lt;cskh@hangnga.vn&gt;<br><b>Đã gửi:</b> Thứ Hai, 7 tháng 12, "
                    "2026 20:05<br><b>Đến:</b> hang@example.com<br><b>Chủ đề:</b> " + str(ours["Subject"]))
    said = {
        # Gmail on a phone: both parts, the text quoted with "> ", the HTML in a blockquote
        1: ("Thứ Bảy sau 9 giờ sáng giao giúp chị nhé",
            lambda t: (f"{t}\n\n{gmail_vi}\n\n{quoted_plain}\n",
                       f'<div dir="ltr">{t}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
                       f'{gmail_vi.replace("<", "&lt;").replace(">", "&gt;")}<br></div><blockquote class="gmail_quote"'
                       f' style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
                       f'{ours_html}</blockquote></div>')),
        # the same HTML alone (clients that send no text part), in English
        2: ("Chủ nhật cũng được, em gọi trước nhé.\nSố của chị: 0912 345 678",
            lambda t: (None, f'<div dir="ltr">{t.replace(chr(10), "<br>")}</div><br><div class="gmail_quote">'
                             f'<div dir="ltr" class="gmail_attr">{gmail_en.replace("<", "&lt;").replace(">", "&gt;")}'
                             f'<br></div><blockquote class="gmail_quote">{ours_html}</blockquote></div>')),
        # Outlook (web and new Outlook): HTML alone, our layout under a "Từ:" header, no blockquote
        3: ("Chị đi vắng đến thứ Năm, em giao sau ngày đó giúp chị.",
            lambda t: (None, f'<html><head><meta charset="utf-8"><style>P {{margin:0}}</style></head><body dir="ltr">'
                             f'<div style="font-family:Calibri">{t}</div><hr style="display:inline-block;width:98%">'
                             f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri" color="#000000">{outlook_head}'
                             f'</font><div>&nbsp;</div></div>{ours_html}</body></html>')),
        # Outlook for Windows, text part: a line of underscores, then the header and our text unquoted
        4: ("Ok em, cảm ơn em.",
            lambda t: (f"{t}\n\n________________________________\nTừ: Hằng Nga Logistics <cskh@hangnga.vn>\n"
                       f"Đã gửi: Thứ Hai, 7 tháng 12, 2026 20:05\nĐến: hang@example.com\n\n{ours_plain}\n",
                       f'<html><body><p class="MsoNormal">{t}</p><div style="border:none;border-top:solid #E1E1E1 '
                       f'1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">{outlook_head}</p></div>'
                       f'{ours_html}</body></html>')),
        # Apple Mail: HTML alone, our whole message in <blockquote type="cite">
        5: ("Dạ vâng ạ",
            lambda t: (None, f'<html><body><div>{t}</div><div><br><blockquote type="cite"><div>{gmail_vi}</div>'
                             f'{html_of(ours)}</blockquote></div></body></html>')),
    }
    with db.read() as s:
        oid = s.scalar(select(Order.id).where(Order.code == facts["code"]))
    care = make_user(db, Role.CARE)
    for n, (text, build) in said.items():
        plain_text, html_text = build(text)
        assert mailbox.import_message(db, _answer(ours, n, plain_text, html_text)) == customer_chat.THREADED, n
        last = orders.list_messages(db, care, oid, "customer")[-1]
        assert last.body == text, (n, last.body)
