"""Billing starts from what the warehouses weighed: the orders to bill queue, and a billing notice
whose parcels are filled in from the China warehouse's scale and tape measure."""
from decimal import Decimal

import pytest

from app.errors import PermissionDenied
from app.queries.paging import PageRequest
from app.queries.reader import queue_page
from app.services import billing, parcels, shipments
from app.services.scanning import Measurements
from tests.services.warehouse_helpers import make_staff, order_status, purchase_order


@pytest.fixture
def st(db):
    return make_staff(db)


def _to_bill(db, actor):
    return [r.code for r in queue_page(db, actor, "money.to_bill", PageRequest()).rows]


def test_weighed_parcels_on_their_way_put_the_order_in_the_billing_queue_with_their_sizes(db, st):
    oid, _so = purchase_order(db, st, ["YT7100000000001", "YT7100000000002"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT7100000000001",
                       Measurements(Decimal("3.2"), Decimal("50"), Decimal("40"), Decimal("30")))
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT7100000000002", Measurements(Decimal("1.75")))
    code = f"DH{oid:07d}"
    assert code not in _to_bill(db, st.accountant)                 # still in China: not yet
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in ("YT7100000000001", "YT7100000000002"):
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal("6"), "H7")
    shipments.depart_shipment(db, st.cn, sid)
    assert order_status(db, oid) == "in_transit"
    assert code in _to_bill(db, st.accountant)

    packages = billing.measured_packages(db, st.accountant, oid)
    assert [(p.actual_kg, p.length_cm, p.width_cm, p.height_cm) for p in packages] == [
        (Decimal("3.2"), Decimal("50"), Decimal("40"), Decimal("30")),
        (Decimal("1.75"), Decimal("0"), Decimal("0"), Decimal("0"))]
    billing.issue_billing_notice(db, st.accountant, oid, packages)
    view = billing.order_money_view(db, st.accountant, oid)
    assert view.billed
    assert any("50×40×30/6000 = 10 kg" in line.explanation for line in view.quote.lines)
    assert code not in _to_bill(db, st.accountant)                 # billed: off the queue


def test_only_people_who_bill_see_the_measurements_for_billing(db, st):
    oid, _so = purchase_order(db, st, ["YT7200000000001"])
    with pytest.raises(PermissionDenied):
        billing.measured_packages(db, st.cn, oid)
