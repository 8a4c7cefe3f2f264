"""Fixtures for document tests: a realistic order, and readers that look at files as a user's
tools would (poppler for PDFs, LibreOffice for workbooks)."""
from __future__ import annotations

import csv
import shutil
import subprocess
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from app.documents.order_sheet import OrderSheet, OrderSheetItem
from app.money import CNY, VND, Money

TITLES = [
    "夏季新款韩版宽松短袖T恤女纯棉百搭上衣【包邮】",
    "儿童保温杯 316不锈钢 带吸管 500ml",
    "Ốp lưng iPhone 15 Pro Max 硅胶防摔手机壳",
]
SHOPS = [("淘宝 店铺 优品生活馆", "Taobao"), ("Shop Quần áo Hằng", "Tmall"), ("义乌小商品批发", "1688")]


def make_order(n_items: int = 5) -> OrderSheet:
    items = []
    for i in range(n_items):
        price = Decimal("35.50") + i
        shop, platform = SHOPS[i % 3]
        items.append(OrderSheetItem(
            shop_name=shop, platform=platform, title=TITLES[i % 3],
            variant="颜色: 白色; 尺码: M" if i % 2 == 0 else "Màu: Đỏ đô, size XL",
            quantity=i + 1, unit_price_cny=price, line_total=Money(price * (i + 1), CNY),
            note="Kiểm tra kỹ đường may" if i == 1 else "",
            product_url=f"https://item.taobao.com/item.htm?id={700000000 + i}"))
    return OrderSheet(
        code="DH-2026-000123", kind_label="Mua hộ", status_label="Đã đặt cọc",
        created_at=datetime(2026, 11, 20, 3, 15, tzinfo=timezone.utc),
        customer_code="KH0042", customer_name="Nguyễn Thị Hằng", customer_phone="0912 345 678",
        delivery_address="Số 12 ngõ 34 đường Nguyễn Trãi, phường Thượng Đình, quận Thanh Xuân, Hà Nội",
        destination_warehouse="Kho Hà Nội", care_staff="Trần Văn Đức", ordering_staff="Lê Thị Ngọc Ánh",
        company_name="Công ty TNHH Xuất nhập khẩu Đồng Tâm", services=["Kiểm đếm", "Đóng gỗ"],
        note="Người nhận: Nguyễn Thị Hằng, giao giờ hành chính", items=items,
        declared_tracking_codes=["YT7512345678901", "SF1234567890"],
        goods_description="Quần áo, cốc giữ nhiệt",
        totals=[("Tiền hàng", Money.total([it.line_total for it in items], CNY)),
                ("Tổng cộng", Money(Decimal("98765432"), VND))],
        printed_at=datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))


@pytest.fixture
def order() -> OrderSheet:
    return make_order()


def pdf_pages(path: Path) -> list[str]:
    """The text of each page as pdftotext reads it (what copy-paste and search would see)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts rows as dicts: name and whether the font is embedded."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: emb is the 5th field from the end
        rows.append({"name": parts[0], "emb": parts[-5]})
    return rows


@pytest.fixture
def libreoffice_csv(tmp_path):
    """Convert a workbook's first sheet to CSV with LibreOffice, as a user opening it would."""
    def convert(xlsx: Path) -> list[list[str]]:
        profile = tmp_path / f"lo-{uuid.uuid4().hex}"
        outdir = tmp_path / "csv"
        subprocess.run(
            ["/usr/bin/libreoffice", f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(outdir),
             str(xlsx)],
            check=True, capture_output=True, timeout=120)
        shutil.rmtree(profile, ignore_errors=True)
        with (outdir / (xlsx.stem + ".csv")).open(encoding="utf-8", newline="") as f:
            return list(csv.reader(f))
    return convert
