"""Imported files never lose a column without a word: headers with units in any bracket and any of
the three languages are read, numbers converted, bad values flagged, a missing weight column said
first, and a column mapped by hand remembered for that partner (SQLite and PostgreSQL)."""
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.i18n import _
from app.models import ActivityEvent, ImportColumnMap, ParcelImport
from app.services import parcel_imports
from tests.services.warehouse_helpers import consignment_order, make_staff, parcel


@pytest.fixture
def st(db):
    return make_staff(db)


def xlsx(*rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(*rows) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def columns(pv) -> dict[str, str | None]:
    return {c.header: c.field for c in pv.columns}


def test_chinese_headers_with_units_in_brackets_carry_weights_and_sizes(db, st):
    consignment_order(db, st, ["SF7000000000001", "SF7000000000002"])
    content = xlsx(["广州仓到货清单 2026-12-07"],
                   ["快递单号", "重量(kg)", "长(cm)", "宽(cm)", "高(cm)", "备注"],
                   ["SF7000000000001", 2.5, 50, 40, 30, "易碎"],
                   ["SF7000000000002", "0,75", 20, 15, 10, ""])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "到货.xlsx", content)
    assert pv.ok and not pv.weight_missing
    assert columns(pv) == {"快递单号": "code", "重量(kg)": "weight", "长(cm)": "length", "宽(cm)": "width",
                           "高(cm)": "height", "备注": "note"}
    parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "到货.xlsx", content)
    p1, p2 = parcel(db, "SF7000000000001"), parcel(db, "SF7000000000002")
    assert (p1.weight_kg, p1.length_cm, p1.width_cm, p1.height_cm) == (Decimal("2.500"), Decimal("50.0"),
                                                                        Decimal("40.0"), Decimal("30.0"))
    assert p2.weight_kg == Decimal("0.750") and p2.height_cm == Decimal("10.0")


def test_english_and_vietnamese_headers_in_any_bracket_style(db, st):
    consignment_order(db, st, ["YT7100000000001", "YT7100000000002"])
    english = csv_bytes(["Tracking No.", "Weight [KG]", "Length (cm)", "Width (cm)", "Height (cm)"],
                        ["YT7100000000001", "1.2", "30", "20", "10"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "list.csv", english)
    assert pv.ok and pv.rows[0].weight_kg == Decimal("1.200") and pv.rows[0].dims == (Decimal("30.0"),
                                                                                       Decimal("20.0"),
                                                                                       Decimal("10.0"))
    vietnamese = csv_bytes(["MÃ VẬN ĐƠN", "Cân nặng (kg)", "Dài (cm)", "Rộng (cm)", "Cao (cm)"],
                           ["YT7100000000002", "3,4", "60", "50", "40"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "ds.csv", vietnamese)
    assert pv.ok and pv.rows[0].weight_kg == Decimal("3.400") and pv.rows[0].dims[0] == Decimal("60.0")
    result = parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "ds.csv", vietnamese)
    assert result.received == 1 and parcel(db, "YT7100000000002").weight_kg == Decimal("3.400")


def test_grams_and_millimetres_and_full_width_brackets_are_converted(db, st):
    consignment_order(db, st, ["ZT7200000000001", "ZT7200000000002"])
    content = xlsx(["运单号", "毛重（克）", "尺寸(mm)"],
                   ["ZT7200000000001", 1250, "400*300*200"],
                   ["ZT7200000000002", "800 g", "250x200x105 mm"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "g.xlsx", content)
    assert pv.ok, [r.errors for r in pv.rows] + pv.problems
    weight = next(c for c in pv.columns if c.field == "weight")
    assert weight.unit.symbol == "g"
    parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "g.xlsx", content)
    p1, p2 = parcel(db, "ZT7200000000001"), parcel(db, "ZT7200000000002")
    assert (p1.weight_kg, p1.length_cm, p1.width_cm, p1.height_cm) == (Decimal("1.250"), Decimal("40.0"),
                                                                        Decimal("30.0"), Decimal("20.0"))
    assert (p2.weight_kg, p2.height_cm) == (Decimal("0.800"), Decimal("10.5"))
    kilos = xlsx(["运单号", "毛重（公斤）"], ["ZT7200000000003", 2])
    assert parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "kg.xlsx", kilos).rows[0].weight_kg == Decimal("2.000")


def test_negative_zero_and_non_numeric_weights_and_sizes_are_row_errors(db, st):
    consignment_order(db, st, ["JT7300000000001"])
    content = csv_bytes(["Mã vận đơn", "Cân nặng (kg)", "Dài (cm)", "Rộng (cm)", "Cao (cm)"],
                        ["JT7300000000001", "1.5", "10", "10", "10"],
                        ["JT7300000000002", "-2", "10", "10", "10"],
                        ["JT7300000000003", "0", "10", "10", "10"],
                        ["JT7300000000004", "nặng", "10", "10", "10"],
                        ["JT7300000000005", "1", "-5", "10", "10"],
                        ["JT7300000000006", "1", "abc", "10", "10"],
                        ["JT7300000000007", "1", "0", "10", "10"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "bad.csv", content)
    assert not pv.ok and [r.line for r in pv.rows if r.errors] == [3, 4, 5, 6, 7, 8]
    assert "nặng" in pv.rows[3].errors[0] and "abc" in pv.rows[5].errors[0]
    with pytest.raises(parcel_imports.ImportRefused):
        parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "bad.csv", content)
    assert parcel(db, "JT7300000000001").status == "expected"


def test_a_file_without_a_weight_column_says_so_first_and_is_not_imported_silently(db, st):
    consignment_order(db, st, ["SF7400000000001"])
    content = csv_bytes(["Tracking code", "Khối lượng tịnh", "Ghi chú"], ["SF7400000000001", "2.2", "x"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "nw.csv", content)
    assert pv.weight_missing and not pv.ok and pv.problems[0] == _(parcel_imports.NO_WEIGHT)
    assert columns(pv)["Khối lượng tịnh"] is None                        # listed, and said to be ignored
    with pytest.raises(parcel_imports.ColumnsMissing):
        parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "nw.csv", content)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ParcelImport)) == 0
    # the person says so explicitly: imported, with no weight
    confirmed = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "nw.csv", content, without_weights=True)
    assert confirmed.ok and confirmed.weight_missing
    parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "nw.csv", content, without_weights=True)
    assert parcel(db, "SF7400000000001").status == "received_cn" and parcel(db, "SF7400000000001").weight_kg is None


def test_a_column_mapped_by_hand_is_remembered_for_that_warehouse_only(db, st):
    consignment_order(db, st, ["SF7500000000001", "SF7500000000002", "SF7500000000003"])
    first = csv_bytes(["Tracking code", "Khối lượng tịnh (gram)"], ["SF7500000000001", "1500"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "a.csv", first)
    key = next(c.key for c in pv.columns if c.field is None)
    mapped = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "a.csv", first, columns={key: "weight"})
    assert mapped.ok and mapped.rows[0].weight_kg == Decimal("1.500")     # the header's unit still counts
    assert next(c for c in mapped.columns if c.key == key).how == "chosen"
    parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "a.csv", first, columns={key: "weight"})
    assert parcel(db, "SF7500000000001").weight_kg == Decimal("1.500")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ImportColumnMap)) == 1
        assert s.scalar(select(func.count()).select_from(ActivityEvent)
                        .where(ActivityEvent.entity == "import_columns")) == 1
    # the next file from the same partner: read the same way without asking
    second = csv_bytes(["Tracking code", "KHỐI LƯỢNG TỊNH (GRAM)"], ["SF7500000000002", "250"])
    again = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "b.csv", second)
    assert again.ok and again.rows[0].weight_kg == Decimal("0.250")
    assert next(c for c in again.columns if c.field == "weight").how == "remembered"
    parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "b.csv", second)
    assert parcel(db, "SF7500000000002").weight_kg == Decimal("0.250")
    # another warehouse's files are not read with this partner's choices
    other = parcel_imports.preview(db, st.cn, st.wh["CN-PX"], "c.csv", second)
    assert other.weight_missing and not other.ok
    # mapping it again (or to "ignore") replaces the remembered choice, never duplicates it
    parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "c.csv",
                                  csv_bytes(["Tracking code", "Khối lượng tịnh (gram)", "Weight"],
                                            ["SF7500000000003", "1", "2"]), columns={key: ""})
    with db.read() as s:
        assert s.execute(select(ImportColumnMap.field)).scalars().all() == [""]
    assert parcel(db, "SF7500000000003").weight_kg == Decimal("2.000")


def test_a_second_weight_column_is_listed_as_ignored_with_the_reason(db, st):
    content = csv_bytes(["Mã vận đơn", "Trọng lượng (kg)", "重量(kg)"], ["SF7600000000001", "1", "9"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "two.csv", content)
    second = pv.columns[2]
    assert second.field is None and "Trọng lượng (kg)" in second.note
    assert pv.rows[0].weight_kg == Decimal("1.000")


def test_a_unit_that_does_not_fit_the_field_ignores_the_column_and_says_why(db, st):
    content = csv_bytes(["Mã vận đơn", "Weight (cm)"], ["SF7700000000001", "1"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "odd.csv", content)
    assert pv.weight_missing and pv.columns[1].field is None and "cm" in pv.columns[1].note


# -- customer carts ------------------------------------------------------------------------------

def _cart_file(tmp_path, name, *rows):
    path = tmp_path / name
    path.write_bytes(xlsx(*rows) if name.endswith(".xlsx") else csv_bytes(*rows))
    return path


def test_a_cart_with_units_in_its_headers_is_read_and_prices_in_yuan_kept(db, st, tmp_path):
    from app.services import cart_import
    from tests.factories import make_customer

    cid = make_customer(db, st.care)
    path = _cart_file(tmp_path, "cart.xlsx", ["商品链接", "规格", "数量（件）", "单价（元）", "备注"],
                      ["https://item.taobao.com/item.htm?id=1", "红色 L", 2, "59.9元", "送礼"])
    pv = cart_import.preview_cart(db, st.care, cid, path)
    assert pv.ok and columns(pv) == {"商品链接": "link", "规格": "variant", "数量（件）": "quantity",
                                     "单价（元）": "price", "备注": "note"}
    items = cart_import.to_items(pv.rows)
    assert items[0].quantity == 2 and items[0].unit_price_cny == Decimal("59.9")


def test_a_cart_without_a_price_column_says_so_and_a_mapping_is_remembered_for_that_customer(db, st, tmp_path):
    from app.services import cart_import
    from tests.factories import make_customer

    cid = make_customer(db, st.care)
    other = make_customer(db, st.care, name="Trần Văn Bình", phone="0987 654 321", email="binh@example.com")
    rows = (["Link SP", "SL", "Tiền hàng / cái", "Giá (VND)"],
            ["https://detail.1688.com/offer/3.html", "3", "0,35", "1500"])
    path = _cart_file(tmp_path, "gio.csv", *rows)
    pv = cart_import.preview_cart(db, st.care, cid, path)
    assert not pv.ok and pv.rows == [] and len(pv.problems) == 1 and _("Unit price") in pv.problems[0]
    assert columns(pv)["Tiền hàng / cái"] is None                        # listed as ignored
    vnd = next(c for c in pv.columns if c.header == "Giá (VND)")
    assert vnd.field is None and "VND" in vnd.note                      # never read VND as CNY
    key = next(c.key for c in pv.columns if c.header == "Tiền hàng / cái")
    mapped = cart_import.preview_cart(db, st.care, cid, path, {key: "price"})
    assert mapped.ok and cart_import.to_items(mapped.rows)[0].unit_price_cny == Decimal("0.35")
    cart_import.remember_columns(db, st.care, cid, {key: "price"})
    assert cart_import.preview_cart(db, st.care, cid, path).ok           # next time, without asking
    assert not cart_import.preview_cart(db, st.care, other, path).ok     # another customer's carts: not


def test_the_command_line_refuses_a_file_without_weights_until_told(sqlite_db, tmp_path):
    """One database is enough: the command runs the services tested above on both."""
    import subprocess
    import sys
    from pathlib import Path

    db = sqlite_db
    st = make_staff(db)
    consignment_order(db, st, ["SF7900000000001"])
    path = tmp_path / "cron.csv"
    path.write_text("code,net (g)\nSF7900000000001,1500\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[2]

    def run(*extra):
        return subprocess.run([sys.executable, str(root / "main.py"), "import", "parcels", str(path), "--warehouse",
                               "CN-GZ", "--url", db.url.render_as_string(hide_password=False), *extra],
                              capture_output=True, text=True, timeout=120)

    refused = run()
    assert refused.returncode == 1 and "refused" in refused.stdout
    assert parcel(db, "SF7900000000001").status == "expected"
    done = run("--column", "NET (g)=weight")
    assert done.returncode == 0, done.stdout + done.stderr
    assert parcel(db, "SF7900000000001").weight_kg == Decimal("1.500")
