"""The three imports (a partner's tracking list, a customer's cart, a carrier's bill) fed the files
Chinese back ends and Excel really produce: each is read right, or refused whole with the row and
the reason — never half-imported, never a code Excel already rounded."""
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.i18n import _
from app.models import CarrierBill, Parcel
from app.services import cart_import, parcel_imports
from app.services import carrier_bills as cb
from tests.services.carrier_helpers import make_sacks
from tests.services.test_carrier_bills import header
from tests.services.warehouse_helpers import consignment_order, make_staff
from tests.unit.test_hostile_sheet_files import TAOBAO_HTML


@pytest.fixture
def st(db):
    return make_staff(db)


def _parcels(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Parcel).where(Parcel.status == "received_cn"))


def test_a_warehouse_list_exported_as_an_html_xls_with_a_total_row_is_received(db, st):
    consignment_order(db, st, ["SF7300000000001", "YT7300000000002"])
    content = TAOBAO_HTML.format(extra="<tr><td>合计</td><td>2.05</td><td></td><td></td></tr>").encode("gbk")
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "发货清单.xls", content)
    assert pv.ok, (pv.problems, [(r.line, r.errors) for r in pv.rows])
    assert [(r.line, r.code, r.weight_kg) for r in pv.rows] == [
        (3, "SF7300000000001", Decimal("1.250")), (4, "YT7300000000002", Decimal("0.800"))]
    assert pv.rows[0].shop_order == "3512345678901234567"          # the number Excel stored, exactly
    result = parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "发货清单.xls", content)
    assert result.received == 2 and _parcels(db) == 2


def test_tracking_codes_excel_already_rounded_refuse_the_file_and_say_which_row(db, st):
    consignment_order(db, st, ["773120001234", "773120005678"])
    csv = "快递单号,重量\n773120001234.0,1\n7.7312E+11,2\n".encode()
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "list.csv", csv)
    first, second = pv.rows
    assert first.code == "773120001234" and first.errors == []
    assert second.line == 3 and len(second.errors) == 1 and "7.7312E+11" in second.errors[0]
    assert second.action == "" and second.raw_code == "7.7312E+11"          # no parcel made of it
    with pytest.raises(parcel_imports.ImportRefused):
        parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "list.csv", csv)
    assert _parcels(db) == 0


def test_an_eighteen_digit_code_stored_as_an_excel_number_is_refused(db, st):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["快递单号", "重量"])
    wb.active.append([773012345678901234, 1])       # Excel keeps 15 digits: …901200
    buf = io.BytesIO()
    wb.save(buf)
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "list.xlsx", buf.getvalue())
    assert not pv.ok and "15" in pv.rows[0].errors[0]


def test_rows_past_the_limit_behind_blank_lines_refuse_the_file_instead_of_cutting_it(db, st, monkeypatch):
    monkeypatch.setattr(parcel_imports, "MAX_ROWS", 10)
    lines = ["快递单号,重量"] + [f"SF73000000{i:05d},1\n,\n," for i in range(30)]
    with pytest.raises(ValidationFailed) as caught:
        parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "gappy.csv", "\n".join(lines).encode())
    assert caught.value.field_errors == {"file": _("At most {n} rows per file; split it.").format(n="10")}


def test_a_cart_with_thousands_a_yuan_sign_and_a_total_row_is_read_as_written():
    csv = ("Link sản phẩm;Số lượng;Đơn giá\n"
           "https://item.taobao.com/item.htm?id=1;1.000;¥35.50\n"
           "https://detail.1688.com/offer/2.html;１２;12,5 元\n"
           "Tổng cộng;1.012;\n").encode("utf-8-sig")
    pv = cart_import.read_cart_content("giỏ hàng.csv", csv)
    assert pv.ok, (pv.problems, [(r.number, r.errors) for r in pv.rows])
    assert [r.quantity for r in pv.rows] == ["1000", "12"]        # the preview shows the count it reads
    items = cart_import.to_items(pv.rows)
    assert [(i.quantity, i.unit_price_cny) for i in items] == [(1000, Decimal("35.50")), (12, Decimal("12.5"))]


def test_a_cart_that_is_a_damaged_or_locked_file_says_so():
    from app import sheet_formats

    with pytest.raises(cart_import.CartUnreadable) as caught:
        cart_import.read_cart_content("cart.xlsx", b"PK\x03\x04" + b"\x00" * 200)
    assert _(sheet_formats.DAMAGED) in str(caught.value)


def test_a_carrier_bill_exported_as_an_html_xls_with_grouped_vnd_is_recorded(db):
    sacks = make_sacks(db)
    html = ("<html><body><table>"
            "<tr><td colspan=6>凭祥物流 11月账单</td></tr>"
            "<tr><th>集包号</th><th>重量(kg)</th><th>体积</th><th>单价</th><th>附加费</th><th>金额</th></tr>"
            f"<tr><td>{sacks.a}</td><td>21.4</td><td>0.12</td><td>17,000</td><td>0</td><td>363,800</td></tr>"
            f"<tr><td>{sacks.b}</td><td>14</td><td></td><td>17.000</td><td>20.000</td><td>258.000</td></tr>"
            "<tr><td>合计</td><td>35.4</td><td></td><td></td><td>20,000</td><td>621,800</td></tr>"
            "</table></body></html>").encode("utf-8")
    pv = cb.preview_file(db, sacks.st.accountant, "凭祥物流", "账单.xls", html)
    assert pv.ok, (pv.problems, [(r.line, r.errors) for r in pv.rows])
    assert [r.amount.amount for r in pv.rows] == [Decimal(363800), Decimal(258000)]
    bill_id = cb.import_file(db, sacks.st.accountant, header(), "账单.xls", html)
    with db.read() as s:
        assert s.get(CarrierBill, bill_id).billed.amount == Decimal(621800)
