"""Vietnamese is drawn in DejaVu and Chinese in WQY Micro Hei, never the other way round."""
import unicodedata

import pytest

from app.documents import fonts
from app.documents.fonts import (ELLIPSIS, fit_text, para_markup, split_runs, text_width,
                                 wrap_text)


@pytest.mark.parametrize("text,runs", [
    ("", []),
    ("Nguyễn Thị Hằng", [(False, "Nguyễn Thị Hằng")]),
    ("淘宝店铺", [(True, "淘宝店铺")]),
    ("Người nhận: 淘宝 店铺 1.234.567 ₫",
     [(False, "Người nhận: "), (True, "淘宝"), (False, " "), (True, "店铺"), (False, " 1.234.567 ₫")]),
    # CJK punctuation and fullwidth forms go with the Chinese, not with DejaVu (which lacks them)
    ("【包邮】T恤，现货！", [(True, "【包邮】"), (False, "T"), (True, "恤，现货！")]),
    ("（加厚）ｘｌ", [(True, "（加厚）ｘｌ")]),
    # Vietnamese letters that WQY draws wrongly stay in the DejaVu run
    ("ờ淘ờ", [(False, "ờ"), (True, "淘"), (False, "ờ")]),
    ("Đồng — ₫ … ¥", [(False, "Đồng — ₫ … ¥")]),
    ("カワイイ の 가방", [(True, "カワイイ"), (False, " "), (True, "の"), (False, " "), (True, "가방")]),
])
def test_split_runs(text, runs):
    assert split_runs(text) == runs


def test_decomposed_vietnamese_is_joined_into_single_letters():
    typed = unicodedata.normalize("NFD", "Người nhận")
    assert split_runs(typed) == [(False, "Người nhận")]


def test_no_vietnamese_letter_ever_lands_in_a_cjk_run():
    vietnamese = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    text = vietnamese + vietnamese.upper()
    assert all(not cjk for cjk, _run in split_runs(text))


def test_registering_fonts_twice_is_harmless():
    fonts.register_fonts()
    fonts.register_fonts()
    from reportlab.pdfbase.pdfmetrics import getRegisteredFontNames
    names = getRegisteredFontNames()
    assert {fonts.REGULAR, fonts.BOLD, fonts.CJK} <= set(names)


def test_both_fonts_have_every_glyph_of_their_runs():
    from reportlab.pdfbase.pdfmetrics import getFont

    fonts.register_fonts()
    text = "Người nhận: Nguyễn Thị Hằng, Đồng — 淘宝 店铺 发货单【包邮】，！ 1.234.567 ₫ … ¥"
    for cjk, run in split_runs(text):
        face = getFont(fonts.font_for(cjk)).face
        missing = [ch for ch in run if ord(ch) not in face.charToGlyph]
        assert not missing, (fonts.font_for(cjk), missing)


def test_bold_is_wider_than_regular():
    assert text_width("Tổng cộng", 10, bold=True) > text_width("Tổng cộng", 10)


def test_fit_text_keeps_text_that_fits_and_cuts_the_rest_with_an_ellipsis():
    assert fit_text("Kho Hà Nội", 9, 200) == "Kho Hà Nội"
    cut = fit_text("Số 12 ngõ 34 đường Nguyễn Trãi, Thanh Xuân", 9, 60)
    assert cut.endswith(ELLIPSIS) and len(cut) < 20
    assert text_width(cut, 9) <= 60
    assert fit_text("夏季新款韩版宽松短袖T恤女纯棉", 9, 40).endswith(ELLIPSIS)
    assert fit_text(None, 9, 40) == ""


def test_wrap_breaks_vietnamese_at_spaces_and_chinese_between_characters():
    address = "Số 12 ngõ 34 đường Nguyễn Trãi, phường Thượng Đình, quận Thanh Xuân, Hà Nội"
    lines = wrap_text(address, 9, 100)
    assert len(lines) > 1
    assert " ".join(lines) == address
    assert all(text_width(line, 9) <= 100 for line in lines)
    title = "夏季新款韩版宽松短袖T恤女纯棉百搭上衣【包邮】"
    lines = wrap_text(title, 9, 60)
    assert "".join(lines) == title
    assert all(text_width(line, 9) <= 60 for line in lines)


def test_wrap_keeps_chinese_closing_punctuation_off_the_start_of_a_line():
    title = "纯棉百搭上衣，现货速发。包邮！"
    for width in range(20, 80, 3):
        assert not any(line[:1] in "，。！" for line in wrap_text(title, 9, width))


def test_wrap_cuts_after_max_lines_with_an_ellipsis():
    lines = wrap_text("một hai ba bốn năm sáu bảy tám chín mười " * 5, 9, 60, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith(ELLIPSIS)
    assert wrap_text("dòng một\ndòng hai", 9, 200) == ["dòng một", "dòng hai"]


def test_paragraph_markup_escapes_and_puts_chinese_in_wqy():
    markup = para_markup("Giá <5 & 淘宝", bold=True)
    assert markup == '<b>Giá &lt;5 &amp; <font name="WQYMicroHei">淘宝</font></b>'


def test_paragraph_markup_renders_in_platypus(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from tests.documents.conftest import pdf_pages

    path = tmp_path / "p.pdf"
    style = ParagraphStyle("vi", fontName=fonts.REGULAR, fontSize=11, leading=14)
    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Paragraph(para_markup("Người nhận: Nguyễn Thị Hằng — 淘宝 店铺", bold=True), style)])
    assert "Người nhận: Nguyễn Thị Hằng — 淘宝 店铺" in pdf_pages(path)[0]
