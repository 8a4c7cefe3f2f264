"""An order printed or exported reads like the order: customer, Chinese titles, money, pages."""
import subprocess
from decimal import Decimal

import openpyxl

from app.documents.order_sheet import write_order_pdf, write_order_xlsx
from app.i18n import _, fmt_money, set_language
from app.money import CNY, Money
from tests.documents.conftest import make_order, pdf_fonts, pdf_pages


def _plain(text: str) -> str:
    return text.replace("\xa0", " ")


def test_order_pdf_shows_the_order_as_written(tmp_path, order):
    path = write_order_pdf(order, tmp_path / "order.pdf")
    pages = pdf_pages(path)
    assert len(pages) == 1
    text = pages[0]
    for expected in [_("Order {code}").format(code="DH-2026-000123"), "Công ty TNHH Xuất nhập khẩu Đồng Tâm",
                     "KH0042 — Nguyễn Thị Hằng", "0912 345 678", "Kho Hà Nội", "Lê Thị Ngọc Ánh",
                     "Kiểm đếm, Đóng gỗ", "YT7512345678901, SF1234567890", "Quần áo, cốc giữ nhiệt",
                     "夏季新款韩版宽松短袖T恤女纯棉百搭上衣【包邮】", "儿童保温杯 316不锈钢 带吸管 500ml",
                     "淘宝 店铺 优品生活馆", "颜色: 白色; 尺码: M", "Màu: Đỏ đô, size XL",
                     _plain(fmt_money(Money(Decimal("98765432"), "VND"))),
                     _plain(fmt_money(Money(Decimal("572.50"), CNY))),
                     _("Page {page} of {pages}").format(page=1, pages=1)]:
        assert expected in text, expected
    assert text.count("DH-2026-000123") >= 2  # the title, and the line under the barcode


def test_order_pdf_embeds_its_fonts_and_renders(tmp_path, order):
    path = write_order_pdf(order, tmp_path / "order.pdf")
    names = {f["name"].split("+")[-1] for f in pdf_fonts(path) if f["emb"] == "yes"}
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= names and any(n.startswith("WenQuanYi") for n in names)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=60)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 10_000


def test_a_long_order_runs_over_pages_numbered_x_of_y(tmp_path):
    path = write_order_pdf(make_order(45), tmp_path / "long.pdf")
    pages = pdf_pages(path)
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert _("Page {page} of {pages}").format(page=n, pages=len(pages)) in page
        assert _("Order {code}").format(code="DH-2026-000123") in page
        assert _("Product") in page  # the items header repeats
    everything = "".join(pages)
    assert all(f"\n{n} " in everything or f"{n}\n" in everything for n in (1, 23, 45))
    assert _plain(fmt_money(Money(Decimal("98765432"), "VND"))) in pages[-1]


def test_order_pdf_speaks_the_users_language(tmp_path, order):
    set_language("en")
    text = pdf_pages(write_order_pdf(order, tmp_path / "en.pdf"))[0]
    assert "Order DH-2026-000123" in text and "Delivery address" in text
    assert "CN¥572.50" in text


def test_order_xlsx_has_fields_then_items_then_totals(tmp_path, order):
    path = write_order_xlsx(order, tmp_path / "order.xlsx")
    ws = openpyxl.load_workbook(path).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == _("Order {code}").format(code="DH-2026-000123")
    assert rows[1][0] == "Công ty TNHH Xuất nhập khẩu Đồng Tâm"
    fields = {r[0]: r[1] for r in rows[3:] if r[0] and r[2] is None and r[5] is None}
    assert fields[_("Customer")] == "KH0042 — Nguyễn Thị Hằng"
    assert fields[_("Delivery address")].startswith("Số 12 ngõ 34")
    assert fields[_("Declared tracking codes")] == "YT7512345678901, SF1234567890"
    header = next(i for i, r in enumerate(rows) if r[0] == _("Shop"))
    assert ws.auto_filter.ref == f"A{header + 1}:I{header + 1 + len(order.items)}"
    items = rows[header + 1: header + 1 + len(order.items)]
    for got, item in zip(items, order.items):
        assert got[2] == item.title and got[4] == item.quantity
        assert Decimal(str(got[5])) == item.unit_price_cny
        assert Decimal(str(got[6])) == item.line_total.amount
        assert got[8] == item.product_url
    assert ws.cell(header + 2, 7).number_format == '#,##0.00 "¥"'
    totals = [r for r in rows[header + 1 + len(order.items):] if any(r)]
    assert [(r[5], Decimal(str(r[6]))) for r in totals] == [(label, m.amount) for label, m in order.totals]
    assert ws.cell(ws.max_row, 7).number_format == '#,##0 "₫"'
