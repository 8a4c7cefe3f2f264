"""Stocktakes and partner imports on SQLite and PostgreSQL."""
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, PermissionDenied
from app.models import ParcelImport, StaffNotification, Task
from app.services import parcel_imports, parcels, shipments, stocktakes
from app.services.scanning import Outcome
from tests.services.warehouse_helpers import consignment_order, kg, make_staff, parcel, purchase_order


@pytest.fixture
def st(db):
    return make_staff(db)


def test_a_stocktake_lists_what_is_missing_and_what_should_not_be_there(db, st):
    consignment_order(db, st, ["SF2000000001", "SF2000000002", "SF2000000003", "SF2000000004"])
    for code in ("SF2000000001", "SF2000000002", "SF2000000003"):
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code)
    parcels.receive_cn(db, st.cn, st.wh["CN-PX"], "SF2000000004")           # in Bằng Tường
    sid = stocktakes.start_stocktake(db, st.cn, st.wh["CN-GZ"])
    with pytest.raises(DomainError):
        stocktakes.start_stocktake(db, st.cn2, st.wh["CN-GZ"])              # one at a time
    assert stocktakes.stocktake_scan(db, st.cn, sid, "SF2000000001").outcome == Outcome.FOUND
    assert stocktakes.stocktake_scan(db, st.cn2, sid, "sf2000000001").outcome == Outcome.ALREADY
    r = stocktakes.stocktake_scan(db, st.cn, sid, "SF2000000004")
    assert r.outcome == Outcome.EXCESS and "CN-PX" in r.detail
    assert stocktakes.stocktake_scan(db, st.cn, sid, "JT7000000000001").outcome == Outcome.EXCESS
    assert stocktakes.stocktake_scan(db, st.cn, sid, "??").outcome == Outcome.REFUSED
    view = stocktakes.close_stocktake(db, st.cn, sid)
    assert (view.expected_count, view.scanned_count, view.missing_count, view.excess_count) == (3, 3, 2, 2)
    assert sorted(ln.tracking_code for ln in view.lines if ln.result == "missing") == ["SF2000000002", "SF2000000003"]
    assert sorted(ln.tracking_code for ln in view.lines if ln.result == "excess") == ["JT7000000000001", "SF2000000004"]
    assert stocktakes.stocktake_scan(db, st.cn, sid, "SF2000000002").outcome == Outcome.WRONG
    with db.read() as s:
        assert s.scalar(select(Task.role).where(Task.entity == "stocktake")) == "forwarder_cn"
        assert s.scalar(select(func.count()).select_from(StaffNotification)
                        .where(StaffNotification.user_id == st.manager.user_id)) >= 1
    with pytest.raises(PermissionDenied):
        stocktakes.start_stocktake(db, st.care, st.wh["CN-GZ"])


def test_packed_parcels_waiting_in_a_sack_count_as_in_the_warehouse_until_it_leaves(db, st):
    consignment_order(db, st, ["SF2100000001"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF2100000001", kg("1"))
    sh = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sh, "SF2100000001")
    sid = stocktakes.start_stocktake(db, st.cn, st.wh["CN-GZ"])
    assert stocktakes.stocktake_scan(db, st.cn, sid, "SF2100000001").outcome == Outcome.FOUND
    stocktakes.close_stocktake(db, st.cn, sid)
    shipments.seal_shipment(db, st.cn, sh, Decimal("1.2"), "X1")
    shipments.depart_shipment(db, st.cn, sh)
    sid2 = stocktakes.start_stocktake(db, st.cn, st.wh["CN-GZ"])
    view = stocktakes.close_stocktake(db, st.cn, sid2)
    assert (view.expected_count, view.missing_count) == (0, 0)


CSV = """Mã vận đơn,Cân nặng (kg),Kích thước,Mã đơn shop,Ghi chú
YT6000000000001,1.25,40x30x20,,hàng dễ vỡ
SF6000000000002,"0,8",,,
ZT6000000000003,2,,TB-998877,
JT6000000000004,3.1,,TB-000000,không rõ
"""


def test_a_partner_list_is_previewed_then_imported_as_receipts(db, st):
    purchase_order(db, st, ["YT6000000000001"])
    oid, _so = purchase_order(db, st, [], seller_order_no="TB-998877")
    consignment_order(db, st, ["SF6000000000002"])
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "partner.csv", CSV.encode("utf-8-sig"))
    assert pv.ok and [r.action for r in pv.rows] == ["receive", "receive", "link", "ownerless"]
    assert pv.rows[0].dims == (Decimal("40.0"), Decimal("30.0"), Decimal("20.0"))
    assert pv.rows[1].weight_kg == Decimal("0.800") and pv.rows[3].warnings
    assert parcel(db, "YT6000000000001").status == "expected"             # the preview changed nothing
    result = parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "partner.csv", CSV.encode("utf-8-sig"))
    assert (result.rows, result.received, result.ownerless) == (4, 3, 1)
    p1, p3, p4 = parcel(db, "YT6000000000001"), parcel(db, "ZT6000000000003"), parcel(db, "JT6000000000004")
    assert (p1.status, p1.weight_kg, p1.note, p1.import_id) == ("received_cn", Decimal("1.250"), "hàng dễ vỡ",
                                                                result.import_id)
    assert p3.order_id == oid and not p3.ownerless and p4.ownerless and p4.seller_order_no == "TB-000000"
    again = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "partner.csv", CSV.encode("utf-8-sig"))
    assert not again.ok and all(r.errors for r in again.rows)              # nothing counted twice
    with pytest.raises(parcel_imports.ImportRefused):
        parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "partner.csv", CSV.encode("utf-8-sig"))


def test_one_bad_row_refuses_the_whole_file_and_says_which(db, st):
    consignment_order(db, st, ["SF6100000000001"])
    bad = "tracking code,weight\nSF6100000000001,1.2\nnot-a-code,1\nSF6100000000001,abc\n"
    pv = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "p.csv", bad.encode())
    assert not pv.ok and [r.line for r in pv.rows if r.errors] == [3, 4]
    assert len(pv.rows[2].errors) == 2                                      # listed twice, and "abc"
    with pytest.raises(parcel_imports.ImportRefused) as err:
        parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "p.csv", bad.encode())
    assert err.value.params["n"] == 2
    assert parcel(db, "SF6100000000001").status == "expected"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ParcelImport)) == 0
    unknown = parcel_imports.preview(db, st.cn, st.wh["CN-GZ"], "p.csv", b"foo,bar\n1,2\n")
    assert not unknown.ok and len(unknown.problems) == 2 and "“Tracking code”" in unknown.problems[1]
    assert [c.ignored for c in unknown.columns] == [True, True]
    with pytest.raises(parcel_imports.ColumnsMissing):
        parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], "p.csv", b"foo,bar\n1,2\n")
    with pytest.raises(PermissionDenied):
        parcel_imports.preview(db, st.vn, st.wh["CN-GZ"], "p.csv", bad.encode())


def test_an_xlsx_list_with_chinese_headers_and_three_size_columns(db, st, tmp_path):
    from openpyxl import Workbook

    consignment_order(db, st, ["SF6200000000001"])
    wb = Workbook()
    ws = wb.active
    ws.append(["合作仓库清单"])
    ws.append(["快递单号", "重量", "长", "宽", "高", "备注"])
    ws.append(["SF6200000000001", 2.5, 50, 40, 30, "易碎"])
    ws.append([75300000000009, 1, None, None, None, None])       # a long numeric code stored as a number
    path = tmp_path / "list.xlsx"
    wb.save(path)
    result = parcel_imports.import_parcels(db, st.cn, st.wh["CN-GZ"], path.name, path.read_bytes())
    assert (result.received, result.ownerless) == (1, 1)
    p = parcel(db, "SF6200000000001")
    assert (p.chargeable_kg, p.note) == (Decimal("10.000"), "易碎")
    assert parcel(db, "75300000000009").ownerless


def test_the_command_line_import_for_scheduled_runs(sqlite_db, tmp_path):
    """One database is enough here: the command runs the services tested above on both."""
    db = sqlite_db
    st = make_staff(db)
    consignment_order(db, st, ["SF6300000000001"])
    path = tmp_path / "cron.csv"
    path.write_text("code,weight\nSF6300000000001,1.5\nSF6300000000002,0.5\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    url = db.url.render_as_string(hide_password=False)

    def run(*extra):
        return subprocess.run([sys.executable, str(root / "main.py"), "import", "parcels", str(path),
                               "--url", url, *extra], capture_output=True, text=True, timeout=120)

    done = run("--warehouse", "cn-gz")
    assert done.returncode == 0, done.stderr
    assert "2 rows" in done.stdout and parcel(db, "SF6300000000001").status == "received_cn"
    again = run("--warehouse", "CN-GZ")
    assert again.returncode == 1 and "SF6300000000001" in again.stdout
    assert run("--warehouse", "XX-NOPE").returncode == 2
