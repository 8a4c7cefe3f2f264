"""Remote operations of the chat area (see app.remote.decl): the customer chat by e-mail, the
mailbox ("Check mail now", the e-mails that named no order) and satisfaction ratings."""
from __future__ import annotations

from app.services import customer_chat, mailbox, satisfaction


def declare(add) -> None:
    add("chat.check_mail_now", mailbox.check_mail_now)
    add("chat.unmatched_mail", customer_chat.unmatched_mail)
    add("chat.unmatched_count", customer_chat.unmatched_count)
    add("chat.file_mail_on_order", customer_chat.file_mail_on_order)
    add("chat.dismiss_mail", customer_chat.dismiss_mail)
    add("chat.record_rating", satisfaction.record_rating)
    add("chat.order_rating", satisfaction.order_rating)
    add("chat.set_imap_password", mailbox.set_imap_password)
    add("chat.imap_password_is_set", mailbox.imap_password_is_set)
    add("chat.mailbox_settings", mailbox.mailbox_settings)
    add("chat.save_mailbox_settings", mailbox.save_mailbox_settings)
