"""The customer chat by e-mail on the desktop, driven by objectName against real mail servers
(aiosmtpd for sending, dovecot for the mailbox): a line written to the customer says whether its
e-mail went out, "Check mail now" brings the reply into the chat, "Record rating…" stores what the
customer said on the phone, and "Customers' e-mails…" files the mail that named no order.
Every call goes through session.call and the wire format (IMPORTDESK_CHECK_WIRE=1)."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QComboBox, QInputDialog, QLabel, QLineEdit, QListWidget, QPlainTextEdit,
                               QPushButton, QTextBrowser)
from sqlalchemy import update

from app.i18n import _
from app.models import Order
from app.services import orders, outbox, satisfaction
from tests.services.test_customer_chat_mail import (CUSTOMER, MAILBOX, an_order, code_of, connect_mail, imap,  # noqa: F401
                                                    reply, smtp, staff)
from tests.ui.conftest import type_text
from tests.ui.test_money_ui import click, when_shown
from ui.screens.customer_mail import DELIVERY_LABELS, MailboxWindow, RatingDialog


@pytest.fixture
def db(sqlite_db):
    return sqlite_db


def _username(db, actor):
    from app.models import User
    with db.read() as s:
        return s.get(User, actor.user_id).username


def order_window(open_main, db, actor, oid):
    main = open_main(db, _username(db, actor))
    main.open_record("order", oid)
    window = main._windows.get(("order", oid))
    assert window is not None and window.isVisible()
    return main, window


def command(window, name):
    return window.more_menu.findChild(QAction, name)


def lines(window):
    chat = window.findChild(QListWidget, "chat_customer_list")
    return [chat.item(i).text() for i in range(chat.count())]


def test_a_line_to_the_customer_shows_its_email_and_check_mail_brings_the_reply(qtbot, db, staff, smtp, imap, open_main):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    code = code_of(db, oid)
    _main, window = order_window(open_main, db, staff["care"], oid)
    window.tabs.setCurrentWidget(window.chat_customer)             # the "Chat with customer" tab
    type_text(qtbot, window.findChild(QPlainTextEdit, "chat_customer_input"), "Chị ơi, hàng về rồi ạ")
    click(qtbot, window, "chat_customer_send")
    qtbot.waitUntil(lambda: len(lines(window)) == 1, timeout=5000)
    assert _(DELIVERY_LABELS["pending"]) in lines(window)[0] and "Chị ơi, hàng về rồi ạ" in lines(window)[0]

    outbox.send_due(db)
    sent = next(m for m in smtp.messages if m["Subject"].startswith(f"[{code}]"))
    imap.append(MAILBOX, reply(sent, None, "Cảm ơn em, mai chị qua lấy"))
    action = command(window, "check_mail")
    assert action is not None and action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: len(lines(window)) == 2, timeout=15000)
    first, second = lines(window)
    assert _(DELIVERY_LABELS["sent"]) in first
    assert "Cảm ơn em, mai chị qua lấy" in second and "Nguyễn Thị Hằng" in second and _("(customer)") in second


def test_care_staff_record_the_rating_after_a_call(qtbot, db, staff, open_main):
    oid = an_order(db, staff)
    _main, window = order_window(open_main, db, staff["care"], oid)
    assert command(window, "record_rating") is None              # not delivered yet: nothing to rate
    window.close()
    with db.transaction() as tx:
        tx.execute(update(Order).where(Order.id == oid).values(status="delivered"))
    _main, window = order_window(open_main, db, staff["care"], oid)
    action = command(window, "record_rating")
    assert action is not None and action.isEnabled()
    seen = {}

    def rate(dialog):
        seen["before"] = dialog.findChild(QLabel, "rating_current").text()
        score = dialog.findChild(QComboBox, "rating_score")
        score.setCurrentIndex(score.findData(4))
        type_text(qtbot, dialog.findChild(QLineEdit, "rating_comment"), "Hài lòng, giao hơi chậm")
        click(qtbot, dialog, "rating_save")
        seen["closed"] = not dialog.isVisible()

    done = when_shown(RatingDialog, rate)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen == {"before": _("Not rated yet."), "closed": True}
    view = satisfaction.order_rating(db, staff["care"], oid)
    assert (view.score, view.source, view.comment) == (4, "call", "Hài lòng, giao hơi chậm")


def test_mail_naming_no_order_is_listed_and_filed_on_an_order(qtbot, db, staff, smtp, imap, open_main):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    code = code_of(db, oid)
    imap.append(MAILBOX, reply(None, "Hàng của tôi đâu?", "Tôi là chồng chị Hằng, hàng về chưa?",
                               sender="chong@example.net", name="Lê Văn Nam"))
    main = open_main(db, _username(db, staff["care"]))
    main.findChild(QAction, "customer_mailbox").trigger()
    window = next(w for w in main.findChildren(MailboxWindow) if w.isVisible())
    mails = window.findChild(QListWidget, "mail_unmatched_list")
    assert mails.count() == 0
    click(qtbot, window, "mail_check_now")
    qtbot.waitUntil(lambda: mails.count() == 1, timeout=15000)
    assert "chong@example.net" in mails.item(0).text()
    assert "hàng về chưa?" in window.findChild(QTextBrowser, "mail_body").toPlainText()
    assert "1" in window.findChild(QLabel, "mail_status").text()

    done = when_shown(QInputDialog, lambda d: (d.setTextValue(code), d.accept()))
    click(qtbot, window, "mail_file_on_order")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    qtbot.waitUntil(lambda: mails.count() == 0, timeout=5000)
    assert [m.body for m in orders.list_messages(db, staff["care"], oid, "customer")] == [
        "Tôi là chồng chị Hằng, hàng về chưa?"]
    assert not window.findChild(QPushButton, "mail_dismiss").isEnabled()


def test_the_administrator_sets_up_the_mailbox_and_care_staff_read_it(qtbot, db, staff, smtp, imap, open_main):
    from app.services import mailbox
    from tests.services.test_outbox_smtp import configure
    from ui.screens.customer_mail import MailboxSettingsDialog

    configure(db, staff["admin"], smtp.port)
    admin = open_main(db, _username(db, staff["admin"]))
    action = admin.findChild(QAction, "outbox_mailbox_settings")
    assert action is not None
    dialog = MailboxSettingsDialog(admin.session, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.findChild(QLineEdit, "imap_password").placeholderText() == _("not set")
    for name, text in (("imap_host", "127.0.0.1"), ("imap_port", "một trăm"), ("imap_user", MAILBOX),
                       ("imap_password", imap.users[MAILBOX])):
        edit = dialog.findChild(QLineEdit, name)
        edit.clear()
        type_text(qtbot, edit, text)
    security = dialog.findChild(QComboBox, "imap_security")
    security.setCurrentIndex(security.findData("none"))
    click(qtbot, dialog, "imap_save")
    port_error = dialog.findChild(QLabel, "mail.imap_port_error")
    assert port_error.isVisible() and port_error.text()               # nothing saved, the port is wrong
    assert mailbox.mailbox_settings(db, staff["admin"]).host == ""
    port = dialog.findChild(QLineEdit, "imap_port")
    port.clear()
    type_text(qtbot, port, str(imap.port))
    click(qtbot, dialog, "imap_save")
    assert not port_error.isVisible()
    saved = mailbox.mailbox_settings(db, staff["admin"])
    assert (saved.host, saved.port, saved.security, saved.user, saved.password_set) == (
        "127.0.0.1", imap.port, "none", MAILBOX, True)
    assert dialog.findChild(QLineEdit, "imap_password").text() == ""   # the password is never shown again

    imap.append(MAILBOX, reply(None, "Hỏi giá", "Chào shop", sender="a@b.example"))
    assert mailbox.check_mail_now(db, staff["care"]).imported == 1     # the stored password opens it


def test_through_the_application_server_the_mailbox_and_the_rating_work_alike(qtbot, db, staff, smtp, imap,
                                                                               remote_sessions):
    connect_mail(db, staff, smtp, imap)
    oid = an_order(db, staff)
    with db.transaction() as tx:
        tx.execute(update(Order).where(Order.id == oid).values(status="delivered"))
    imap.append(MAILBOX, reply(None, "Quảng cáo", "Giảm giá 50%", sender="ads@shop.example"))
    session = remote_sessions(_username(db, staff["care"]))
    assert session.db is None                                       # a desktop signed in to the server
    window = MailboxWindow(session)
    qtbot.addWidget(window)
    window.show()
    mails = window.findChild(QListWidget, "mail_unmatched_list")
    click(qtbot, window, "mail_check_now")
    qtbot.waitUntil(lambda: mails.count() == 1, timeout=15000)
    click(qtbot, window, "mail_dismiss")
    assert mails.count() == 0

    dialog = RatingDialog(session, oid, code_of(db, oid))
    qtbot.addWidget(dialog)
    dialog.show()
    score = dialog.findChild(QComboBox, "rating_score")
    score.setCurrentIndex(score.findData(3))
    click(qtbot, dialog, "rating_save")
    assert satisfaction.order_rating(db, staff["care"], oid).score == 3
