"""Two sacks carried to Hanoi, as a carrier would bill them: one sealed at 21 kg holding two
parcels of 0.06 m³ each, one sealed at 10.3 kg holding one parcel without a size."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.db import Database
from app.models import Shipment
from app.services import parcels, shipments
from app.services.scanning import Measurements
from tests.services.warehouse_helpers import Staff, consignment_order, make_staff



@dataclass
class Sacks:
    st: Staff
    a: str          # BH…: 21 kg sealed (12 + 8.5 kg of parcels), 0.12 m³, seal S-A1
    b: str          # BH…: 10.3 kg sealed (10 kg parcel), no size, seal S-B2


def _sack(db: Database, st: Staff, parcels_in: list[tuple[str, Measurements]], gross: str, seal: str) -> str:
    consignment_order(db, st, [code for code, _m in parcels_in])
    for code, m in parcels_in:
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code, m)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for code, _m in parcels_in:
        shipments.pack_scan(db, st.cn, sid, code)
    shipments.seal_shipment(db, st.cn, sid, Decimal(gross), seal)
    with db.read() as s:
        return s.get(Shipment, sid).code


def make_sacks(db: Database) -> Sacks:
    st = make_staff(db)
    a = _sack(db, st, [("SF7000000001", Measurements(Decimal("12"), Decimal(50), Decimal(40), Decimal(30))),
                       ("SF7000000002", Measurements(Decimal("8.5"), Decimal(50), Decimal(40), Decimal(30)))], "21", "S-A1")
    b = _sack(db, st, [("SF7000000003", Measurements(Decimal("10")))], "10.3", "S-B2")
    return Sacks(st, a, b)


def bill_csv(a: str, b: str, bad_amount: bool = False) -> bytes:
    """The carrier's file in Vietnamese: sack A billed fairly, sack B overweighed and surcharged."""
    rows = ["Mã bao,Cân nặng (kg),Số khối,Đơn giá,Phụ phí,Thành tiền",
            f"{a},21.4,0.12,17000,0,363800",
            f"{b},14,,17000,20000,{'hai trăm' if bad_amount else '258000'}"]
    return ("\n".join(rows) + "\n").encode("utf-8")
