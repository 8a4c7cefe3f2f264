"""The HTML part of a customer e-mail, made from the very text of its plain part.

A customer message is stored as plain text (``notifications.notify_customer`` fills its
template in the customer's language); the outbox sends that text first and, as the
alternative a mail client shows, this layout around it: the company's name as a header, the
code the message is about (the order's, or the customer's own in the welcome), the body's
paragraphs and line breaks as written, a button for the one link a message is for (the
courier's tracking page, the ordering extension), and a footer inviting a reply (which keeps
the thread through our Message-ID).

Nothing is written twice: every template, a staff member's chat line included, reaches the
HTML only through ``html.escape``; the only markup added to the text is a link around each
http(s) address it contains and the code in bold. Tables and inline styles only (what Gmail and
Outlook render alike), no image, font or script fetched from anywhere, at most 600 px wide and
the full width of a phone below that.
"""
from __future__ import annotations

import html
import re

from app.i18n import N_, translate

#: event -> the label of a button to the last link of its message (the template's {link} of
#: app.services.deliveries, {extension} of app.services.customers). Kept here, not beside the
#: templates: the sender (``main.py send-mail`` too) imports this module, not theirs.
BUTTONS: dict[str, str] = {
    "order_on_the_way": N_("Track your parcel"),
    "welcome": N_("Add the ordering extension"),
}
#: the entity a message is about -> the label of its code at the top of the e-mail
CODE_LABELS = {"order": N_("Order code"), "complaint": N_("Order code"), "customer": N_("Customer code")}
REPLY_NOTE = N_("Reply to this e-mail to write to us.")

_FONT = "font-family:Arial,Helvetica,'PingFang SC','Microsoft YaHei',sans-serif;"
_INK, _MUTED, _BRAND, _LINE, _PAGE = "#1d2733", "#5f6b76", "#1f4e79", "#e3e7ec", "#f1f3f6"
#: an http(s) address in running text; trailing punctuation (and CJK punctuation) ends it
_URL = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+", re.IGNORECASE)
_TRAILING = ".,;:!?"


def urls(text: str) -> list[str]:
    """The http(s) addresses of a text, as they would be linked."""
    return [_trim(m.group(0)) for m in _URL.finditer(text or "")]


def _trim(url: str) -> str:
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _inline(text: str, code: str) -> str:
    """One line of text as HTML: escaped, its http(s) addresses linked, the code in bold."""
    out, at = [], 0
    for m in _URL.finditer(text):
        url = _trim(m.group(0))
        out.append(_words(text[at:m.start()], code))
        out.append(f'<a href="{html.escape(url, quote=True)}" target="_blank" '
                   f'style="color:{_BRAND};text-decoration:underline;overflow-wrap:anywhere;word-break:break-word;">{html.escape(url)}</a>')
        at = m.start() + len(url)
    out.append(_words(text[at:], code))
    return "".join(out)


def _words(text: str, code: str) -> str:
    escaped = html.escape(text, quote=False)
    if code and code.isalnum():           # a code is letters and digits: the same after escaping
        escaped = re.sub(rf"\b{re.escape(code)}\b", f"<strong>{code}</strong>", escaped)
    return escaped


def paragraphs(body: str) -> list[list[str]]:
    """The body's paragraphs (split at blank lines), each a list of its lines."""
    text = (body or "").replace("\r\n", "\n").strip("\n")
    return [[line.rstrip() for line in block.strip("\n").split("\n")]
            for block in re.split(r"\n[ \t]*\n+", text) if block.strip()]


def _button(url: str, label: str) -> str:
    href = html.escape(url, quote=True)
    return (
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:4px 0 20px 0;">'
        f'<tr><td align="center" bgcolor="{_BRAND}" style="border-radius:6px;background-color:{_BRAND};">'
        f'<a href="{href}" target="_blank" style="display:inline-block;padding:12px 26px;{_FONT}font-size:16px;'
        f'font-weight:bold;line-height:20px;color:#ffffff;text-decoration:none;border-radius:6px;">'
        f'{html.escape(label)}</a></td></tr></table>')


def customer_html(*, subject: str, body: str, language: str, company: str, event: str = "",
                  code: str = "", code_label: str = "") -> str:
    """The whole HTML document of one customer e-mail (``language``: the message's, "vi", "en",
    "zh_CN"; ``code_label``: a msgid, translated here)."""
    lang_attr = {"zh_CN": "zh-CN"}.get(language, language or "vi")
    company_html = html.escape(company or "")
    rows: list[str] = []
    if code:
        label = html.escape(translate(code_label, language)) if code_label else ""
        rows.append(
            f'<tr><td style="padding:22px 28px 4px 28px;">'
            f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" '
            f'style="background-color:#eef3f8;border-left:4px solid {_BRAND};">'
            f'<tr><td style="padding:10px 18px;{_FONT}">'
            f'<div style="font-size:13px;line-height:18px;color:{_MUTED};">{label}</div>'
            f'<div style="font-size:22px;line-height:30px;font-weight:bold;letter-spacing:1px;color:{_INK};">'
            f'{html.escape(code)}</div></td></tr></table></td></tr>')
    button_label = BUTTONS.get(event)
    links = urls(body)
    button_url = links[-1] if button_label and links else ""
    blocks = []
    for lines in paragraphs(body):
        blocks.append(f'<p style="margin:0 0 16px 0;">{"<br>".join(_inline(line, code) for line in lines)}</p>')
        if button_url and button_url in urls("\n".join(lines)):
            blocks.append(_button(button_url, translate(button_label, language)))
            button_url = ""
    rows.append(f'<tr><td style="padding:20px 28px 8px 28px;{_FONT}font-size:16px;line-height:24px;color:{_INK};">'
                + "".join(blocks) + "</td></tr>")
    rows.append(
        f'<tr><td style="padding:16px 28px 22px 28px;border-top:1px solid {_LINE};{_FONT}font-size:13px;'
        f'line-height:19px;color:{_MUTED};"><strong style="color:{_INK};">{company_html}</strong><br>'
        f'{html.escape(translate(REPLY_NOTE, language))}</td></tr>')
    return (
        '<!DOCTYPE html>\n'
        f'<html lang="{html.escape(lang_attr)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="x-apple-disable-message-reformatting">\n'
        f'<title>{html.escape(subject or "")}</title>\n</head>\n'
        f'<body style="margin:0;padding:0;background-color:{_PAGE};">\n'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="background-color:{_PAGE};">\n<tr><td align="center" style="padding:20px 10px;">\n'
        '<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0">'
        '<tr><td><![endif]-->\n'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="max-width:600px;background-color:#ffffff;border:1px solid {_LINE};border-radius:8px;">\n'
        f'<tr><td style="padding:18px 28px;background-color:{_BRAND};border-radius:8px 8px 0 0;{_FONT}'
        f'font-size:20px;line-height:26px;font-weight:bold;color:#ffffff;">{company_html}</td></tr>\n'
        + "\n".join(rows) +
        '\n</table>\n<!--[if mso]></td></tr></table><![endif]-->\n</td></tr>\n</table>\n</body>\n</html>\n')
