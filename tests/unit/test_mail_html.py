"""The HTML part of a customer e-mail made from its text (app.services.mail_html), for what the
journey of one order by mail (tests/services/test_customer_mail_as_sent.py) does not meet: a
Chinese customer's message, links at the edge of punctuation, addresses that are not http(s)."""
from __future__ import annotations

from html.parser import HTMLParser

from app.services.mail_html import customer_html


class _Links(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def test_a_chinese_message_keeps_its_characters_and_its_link_ends_before_the_full_stop():
    body = "尊敬的王先生：\n\n订单 DH0000042 已发货。请点击查看：https://kd.example.cn/q?no=YT123&x=1。谢谢！"
    source = customer_html(subject="订单 DH0000042 已发货", body=body, language="zh_CN", company="恒娥物流",
                           event="order_on_the_way", code="DH0000042", code_label="Order code")
    assert '<html lang="zh-CN">' in source and "恒娥物流" in source and "尊敬的王先生：" in source
    assert _Links(source).hrefs == ["https://kd.example.cn/q?no=YT123&x=1"] * 2     # the text's link and the button
    assert "https://kd.example.cn/q?no=YT123&amp;x=1</a>。谢谢！" in source


def test_only_http_addresses_become_links_and_trailing_punctuation_stays_text():
    body = ("Xem (https://hangnga.vn/a_(b)) hoặc https://hangnga.vn/c, nhưng không phải "
            "javascript:alert(1) hay ftp://x.y/z hay <a href=\"https://evil.example\">bấm</a>.")
    source = customer_html(subject="s", body=body, language="vi", company="A & B <Co>")
    # typed markup is shown as typed; the address inside it is still a link to itself, not to "bấm"
    assert _Links(source).hrefs == ["https://hangnga.vn/a_(b)", "https://hangnga.vn/c", "https://evil.example"]
    assert "(<a href=\"https://hangnga.vn/a_(b)\"" in source and "/a_(b)</a>) hoặc" in source
    assert "/c</a>, nhưng" in source
    assert "javascript:alert(1)" in source and 'href="javascript' not in source and 'href="ftp' not in source
    assert '&lt;a href="<a href="https://evil.example"' in source and "</a>\"&gt;bấm&lt;/a&gt;." in source
    assert "A &amp; B &lt;Co&gt;" in source and "<Co>" not in source


def test_paragraphs_and_line_breaks_are_kept():
    source = customer_html(subject="s", body="Kính gửi chị Hằng,\n\nDòng một\nDòng hai\n\n\nHết", language="vi",
                           company="C")
    assert ('<p style="margin:0 0 16px 0;">Kính gửi chị Hằng,</p><p style="margin:0 0 16px 0;">Dòng một<br>Dòng hai'
            '</p><p style="margin:0 0 16px 0;">Hết</p>') in source
