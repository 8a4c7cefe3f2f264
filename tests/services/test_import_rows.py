"""What an import must not read silently: a CSV row with more cells than titles (a comma inside a
value shifted the columns) is warned about, and a formula cell whose value the file never stored
(openpyxl reads it as empty) refuses its row instead of importing a missing weight or price."""
from decimal import Decimal
from pathlib import Path

import pytest

from app.services import cart_import, parcel_imports
from tests.services.warehouse_helpers import consignment_order, make_staff


@pytest.fixture
def st(db):
    return make_staff(db)


def _formula_sheet(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)              # openpyxl writes formulas without a computed value, as programs do
    return path


def test_a_parcel_csv_row_with_more_cells_than_titles_is_warned_about(db, st):
    consignment_order(db, st, ["SF7100000000001", "SF7100000000002"])
    csv = ("Mã vận đơn,Cân nặng,Ghi chú\n"
           "SF7100000000001,1.5,dễ vỡ\n"
           "SF7100000000002,2,5,hàng dễ vỡ\n")        # "2,5" kg written with a decimal comma
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "p.csv", csv.encode())
    first, second = pv.rows
    assert first.warnings == []
    assert len(second.warnings) == 1 and "“hàng dễ vỡ”" in second.warnings[0]


def test_a_parcel_weight_formula_without_a_stored_value_refuses_the_row(db, st, tmp_path):
    consignment_order(db, st, ["SF7200000000001"])
    path = _formula_sheet(tmp_path / "list.xlsx", [["Tracking code", "Weight kg"],
                                                   ["SF7200000000001", "=0.5*3"]])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], path.name, path.read_bytes())
    assert not pv.ok
    assert len(pv.rows[0].errors) == 1 and "=0.5*3" in pv.rows[0].errors[0]
    with pytest.raises(parcel_imports.ImportRefused):
        parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], path.name, path.read_bytes())


def test_a_cart_price_formula_without_a_value_is_flagged_until_a_person_types_the_price(tmp_path):
    path = _formula_sheet(tmp_path / "cart.xlsx", [
        ["Link", "Số lượng", "Đơn giá"],
        ["https://item.taobao.com/item.htm?id=1", 2, "=10*5.9"],
        ["https://item.taobao.com/item.htm?id=2", 1, 25]])
    rows = cart_import.read_cart(path).rows
    assert set(rows[0].errors) == {"price"} and "=10*5.9" in rows[0].errors["price"]
    assert rows[1].ok
    rows[0].price = "59"
    assert cart_import.check_row(rows[0]).ok


def test_a_cart_csv_row_with_more_cells_than_titles_is_warned_about(tmp_path):
    path = tmp_path / "cart.csv"
    path.write_text("Link,Số lượng,Đơn giá\n"
                    "https://item.taobao.com/item.htm?id=1,2,59,90\n"
                    "https://item.taobao.com/item.htm?id=2,1,25\n", encoding="utf-8")
    rows = cart_import.read_cart(path).rows
    assert len(rows[0].warnings) == 1 and "“90”" in rows[0].warnings[0]
    assert rows[1].warnings == []


def test_a_chinese_warehouses_old_xls_list_is_previewed_with_its_title_row_grams_and_numeric_codes(db, st):
    consignment_order(db, st, ["773012345678901", "YT7300000000002", "SF7300000000003"])
    content = (Path(__file__).resolve().parent.parent / "data" / "china-parcel-list.xls").read_bytes()
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "发货清单.xls", content)
    assert pv.ok and pv.problems == []
    assert [(r.line, r.code, r.weight_kg, r.note) for r in pv.rows] == [
        (3, "773012345678901", Decimal("1.25"), "易碎品"),
        (4, "YT7300000000002", Decimal("0.801"), "女士运动鞋"),       # 800.5 g, to the gram
        (5, "SF7300000000003", Decimal("2"), ""),
    ]
    assert pv.rows[0].dims == (Decimal("30"), Decimal("20"), Decimal("10"))


def test_a_vietnamese_windows_csv_cart_keeps_its_accents(tmp_path):
    text = ("Link sản phẩm,Số lượng,Đơn giá (tệ),Phân loại\n"
            "https://item.taobao.com/item.htm?id=1,2,59.9,Màu đỏ - cỡ lớn\n")
    from tests.unit.test_sheet_files import windows_1258

    path = tmp_path / "giỏ hàng.csv"
    path.write_bytes(windows_1258(text))
    cart = cart_import.read_cart(path)
    assert cart.problems == []
    assert [(r.quantity, r.price, r.variant) for r in cart.rows] == [("2", "59.9", "Màu đỏ - cỡ lớn")]
