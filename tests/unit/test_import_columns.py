"""The shared header matcher: units in any bracket, full-width forms, accents and the three
languages name the same field; numbers are converted to the field's unit."""
from decimal import Decimal

import pytest

from app.import_columns import match_columns, match_header, parse_dims_measure, parse_measure, unit_named
from app.services.cart_import import SCHEMA as CART
from app.services.parcel_imports import SCHEMA as PARCELS


@pytest.mark.parametrize("header, field, unit", [
    ("重量(kg)", "weight", "kg"), ("长(cm)", "length", "cm"), ("宽(cm)", "width", "cm"), ("高(cm)", "height", "cm"),
    ("Length (cm)", "length", "cm"), ("Dài (cm)", "length", "cm"), ("Cân nặng (kg)", "weight", "kg"),
    ("Weight [KG]", "weight", "kg"), ("毛重（公斤）", "weight", "kg"), ("毛重【克】", "weight", "g"),
    ("CÂN NẶNG  (GRAM)", "weight", "g"), ("weight_kg", "weight", "kg"), ("重量公斤", "weight", "kg"),
    ("Trọng lượng (g)", "weight", "g"), ("kg", "weight", "kg"), ("Kích thước (mm)", "dims", "mm"),
    ("Chiều cao (m)", "height", "m"), ("Mã vận đơn:", "code", None), ("快递单号", "code", None),
    ("Tracking No.", "code", None), ("Ghi chú", "note", None), ("Mã đơn shop", "shop_order", None),
])
def test_a_partners_headers_name_the_field_and_its_unit(header, field, unit):
    key, u = match_header(PARCELS, header)
    assert key == field and (u.symbol if u else None) == unit


@pytest.mark.parametrize("header, field", [
    ("Link sản phẩm", "link"), ("商品链接", "link"), ("Số lượng", "quantity"), ("数量（件）", "quantity"),
    ("Đơn giá (tệ)", "price"), ("单价（元）", "price"), ("Unit Price [CNY]", "price"), ("Phân loại", "variant"),
])
def test_a_customers_cart_headers(header, field):
    assert match_header(CART, header)[0] == field


def test_every_column_is_listed_and_a_conflicting_unit_or_a_second_column_says_why():
    cols = match_columns(PARCELS, ["Mã vận đơn", "Weight (cm)", "重量(g)", "净重(克)", "", "Trọng lượng"],
                         samples=["SF1", "1", "1500", "1400", "x", "2"])
    assert [c.field for c in cols] == ["code", None, "weight", None, None, None]
    assert "cm" in cols[1].note and cols[2].unit.symbol == "g" and "重量(g)" in cols[5].note
    assert cols[4].header == "" and cols[4].sample == "x"              # a column without a header: listed too


def test_numbers_are_converted_to_the_fields_unit():
    g, mm = unit_named("gram"), unit_named("毫米")
    assert parse_measure("1500", "mass", g) == Decimal("1.5")
    assert parse_measure("1,25 kg", "mass", g) == Decimal("1.25")               # the cell's own unit wins
    assert parse_measure("2 lbs", "mass", None).quantize(Decimal("0.001")) == Decimal("0.907")
    assert parse_measure("1.234,5", "mass", g) == Decimal("1.2345")
    assert parse_dims_measure("400*300*200", mm) == (Decimal("40.0"), Decimal("30.0"), Decimal("20.0"))
    assert parse_dims_measure("0.4x0.3x0.2 m", None) == (Decimal("40.0"), Decimal("30.0"), Decimal("20.0"))
    for bad in ("abc", "1.2.3", "5 cm"):
        with pytest.raises(ValueError):
            parse_measure(bad, "mass", None)
    assert parse_measure("", "mass", None) is None


def test_a_column_chosen_by_hand_takes_the_field_from_the_one_its_header_names():
    cols = match_columns(PARCELS, ["Mã vận đơn", "Weight", "Gross (kg)"], chosen={"gross (kg)": "weight"},
                         samples=["SF1", "1", "1.2"])
    assert [c.field for c in cols] == ["code", None, "weight"] and cols[2].how == "chosen"
    assert "Gross (kg)" in cols[1].note and cols[2].unit.symbol == "kg"
