"""PDFs that a printer, a viewer and a search box all read as written."""
import subprocess
from decimal import Decimal

import pytest
from reportlab.pdfgen.canvas import Canvas

from app.documents.fonts import draw_text
from app.documents.pdf import (MM, Column, code128_size, document_canvas, draw_code128,
                               draw_fields, draw_table)
from app.i18n import _, fmt_money
from app.money import CNY, VND, Money
from tests.documents.conftest import pdf_fonts, pdf_pages

MIXED = "Người nhận: Nguyễn Thị Hằng, Đồng — 淘宝 店铺 发货单 1.234.567 ₫"


def test_vietnamese_and_chinese_come_back_intact(tmp_path):
    path = tmp_path / "mixed.pdf"
    c = Canvas(str(path))
    width = draw_text(c, 40, 700, MIXED, 12)
    c.save()
    assert width > 300
    assert MIXED in pdf_pages(path)[0]


def test_both_fonts_are_embedded(tmp_path):
    path = tmp_path / "mixed.pdf"
    c = document_canvas(path, "Công ty Đồng Tâm", "Phiếu giao hàng")
    draw_text(c, 40, 600, MIXED, 12)
    c.save()
    fonts = pdf_fonts(path)
    embedded = {f["name"].split("+")[-1] for f in fonts if f["emb"] == "yes"}
    assert "DejaVuSans" in embedded and "DejaVuSans-Bold" in embedded
    assert any(name.startswith("WenQuanYi") for name in embedded)
    # Nothing the reader's computer would have to supply
    assert all(f["emb"] == "yes" for f in fonts)


def test_document_pages_carry_header_and_page_x_of_y(tmp_path):
    path = tmp_path / "doc.pdf"
    c = document_canvas(path, "Công ty Đồng Tâm", "Phiếu giao hàng 发货单")
    c.new_page()
    c.new_page()
    c.save()
    pages = pdf_pages(path)
    assert len(pages) == 3
    for n, text in enumerate(pages, start=1):
        assert "Công ty Đồng Tâm" in text and "Phiếu giao hàng 发货单" in text
        assert _("Page {page} of {pages}").format(page=n, pages=3) in text


def test_table_repeats_its_header_on_each_page_and_keeps_every_row(tmp_path):
    path = tmp_path / "table.pdf"
    c = document_canvas(path, "Công ty Đồng Tâm", "Bảng kê")
    rows = [(n, f"Kiện số {n} — 淘宝", Decimal("1.25") * n, Money(Decimal(15000) * n, VND))
            for n in range(1, 121)]
    y = draw_table(c, c.left, c.top, ["#", "Hàng hoá", Column("Cân nặng"), "Thành tiền"], rows,
                   [10 * MM, 90 * MM, 30 * MM, 50 * MM])
    c.save()
    pages = pdf_pages(path)
    assert len(pages) > 1
    assert all("Hàng hoá" in page and "Thành tiền" in page for page in pages)
    text = "".join(pages)
    for n in (1, 60, 120):
        assert f"Kiện số {n} — 淘宝" in text
    # pdftotext gives babel's non-breaking space back as a plain one
    assert fmt_money(Money(Decimal(1800000), VND)).replace("\xa0", " ") in text
    assert y > c.bottom


def test_table_right_aligns_money(tmp_path):
    path = tmp_path / "align.pdf"
    c = document_canvas(path, "Đồng Tâm", "Căn lề")
    draw_table(c, c.left, c.top, ["Hàng", "Tiền"],
               [("a", Money(Decimal("5"), CNY)), ("b", Money(Decimal("123456.5"), CNY))],
               [100 * MM, 80 * MM])
    c.save()
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    # The two amounts end at the same x: right edges of their last words match
    ends = [float(line.split('xMax="')[1].split('"')[0]) for line in out.splitlines()
            if 'CN¥' in line and "<word" in line]
    assert len(ends) == 2 and abs(ends[0] - ends[1]) < 0.5


def test_long_text_is_wrapped_inside_its_column_not_lost(tmp_path):
    path = tmp_path / "wrap.pdf"
    c = document_canvas(path, "Đồng Tâm", "Xuống dòng")
    address = "Số 12 ngõ 34 đường Nguyễn Trãi, phường Thượng Đình, quận Thanh Xuân, Hà Nội"
    draw_table(c, c.left, c.top, [Column("Địa chỉ", max_lines=5), "Kho"], [(address, "Hà Nội")],
               [50 * MM, 40 * MM])
    draw_fields(c, c.left, 300, [("Địa chỉ giao", address), ("Ghi chú", "")], 40 * MM, 60 * MM)
    c.save()
    words = pdf_pages(path)[0].split()
    assert words.count("Thượng") == 2 and "Ghi" not in words  # empty fields are left out


def test_code128_is_drawn_with_its_value_underneath(tmp_path):
    path = tmp_path / "code.pdf"
    c = Canvas(str(path))
    width = draw_code128(c, "DH-2026-000123", 50, 600, 12 * MM, 0.3 * MM)
    c.save()
    assert width == pytest.approx(code128_size("DH-2026-000123", 12 * MM, 0.3 * MM)[0])
    assert 40 * MM < width < 90 * MM
    assert "DH-2026-000123" in pdf_pages(path)[0]


def test_code128_refuses_text_a_scanner_could_not_read_back():
    with pytest.raises(ValueError):
        draw_code128(Canvas("/dev/null"), "ĐH-001", 0, 0)


def test_a_table_starting_at_the_foot_of_a_page_does_not_leave_its_header_behind(tmp_path):
    path = tmp_path / "foot.pdf"
    c = document_canvas(path, "Đồng Tâm", "Chân trang")
    draw_table(c, c.left, c.bottom + 20, ["Mã kiện", "Kho"], [("KIEN-0001", "Hà Nội")],
               [60 * MM, 60 * MM])
    c.save()
    first, second = pdf_pages(path)
    assert "Mã kiện" not in first
    assert "Mã kiện" in second and "KIEN-0001" in second
