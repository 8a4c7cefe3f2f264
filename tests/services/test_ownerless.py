"""Ownerless parcels (vận đơn vô chủ): ranked candidate orders with their evidence, and the match."""
import pytest
from sqlalchemy import select

from app.errors import DomainError, PermissionDenied
from app.models import ActivityEvent, StaffNotification
from app.services import parcels
from app.services.parcels import LabelFacts
from tests.factories import item, make_customer, make_order
from tests.services.warehouse_helpers import consignment_order, kg, make_staff, order_status, parcel, purchase_order


@pytest.fixture
def st(db):
    return make_staff(db)


def _ownerless(db, st, code="JT8000000000001", weight="1.2"):
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code, kg(weight))
    return parcel(db, code).id


def test_the_shipping_mark_on_the_label_ranks_the_right_order_first_and_says_why(db, st):
    hang = make_customer(db, st.care, name="Nguyễn Thị Hằng")
    other = make_customer(db, st.care, name="Trần Văn Đức")
    o_old = consignment_order(db, st, ["SF8000000001"], customer_id=hang)
    o_new = consignment_order(db, st, ["SF8000000002"], customer_id=hang)
    o_other = consignment_order(db, st, ["SF8000000003"], customer_id=other)
    pid = _ownerless(db, st)
    assert parcels.candidates(db, st.care, pid) == []                         # nothing to go on yet
    parcels.describe_ownerless(db, st.cn, pid, LabelFacts(label_name=f"Hằng KH{hang:06d} KG{o_new:07d}",
                                                          item_count=2))
    ranked = parcels.candidates(db, st.care, pid)
    assert [c.order_id for c in ranked[:2]] == [o_new, o_old] and o_other not in [c.order_id for c in ranked]
    assert any(f"KG{o_new:07d}" in e for e in ranked[0].evidence)
    assert any(f"KH{hang:06d}" in e for e in ranked[1].evidence)
    assert ranked[0].score > ranked[1].score


def test_the_sellers_order_number_and_the_shop_name_find_a_purchase_order(db, st):
    oid, so = purchase_order(db, st, [], seller_order_no="2026112312345678")
    cid = make_customer(db, st.care, name="Lý Thị Mai")
    other = make_order(db, st.care, cid, items=[item(shop="义乌小商品批发")])
    pid = _ownerless(db, st)
    parcels.describe_ownerless(db, st.cn, pid, LabelFacts(seller_order_no="2026112312345678",
                                                          label_shop="杭州女装旗舰店"))
    ranked = parcels.candidates(db, st.cn, pid)
    assert ranked[0].order_id == oid and ranked[0].shop_order_id == so
    assert any("2026112312345678" in e for e in ranked[0].evidence)
    assert any("杭州女装旗舰店" in e for e in ranked[0].evidence)
    assert other not in [c.order_id for c in ranked]                            # a draft, another shop


def test_matching_gives_the_parcel_its_owner_logs_the_evidence_and_the_order_follows(db, st):
    hang = make_customer(db, st.care)
    oid = consignment_order(db, st, ["SF8100000001"], customer_id=hang)
    pid = _ownerless(db, st)
    assert parcel(db, "JT8000000000001").shelf == "OWNERLESS"
    with pytest.raises(PermissionDenied):
        parcels.match_parcel(db, st.vn, pid, oid, "KH on label")
    parcels.match_parcel(db, st.care, pid, oid, "Tên KH trên nhãn: Hằng KH000001")
    p = parcel(db, "JT8000000000001")
    assert (p.ownerless, p.order_id, p.customer_id) == (False, oid, hang)
    assert p.shelf.startswith("HN-") and p.destination_warehouse_id == st.wh["VN-HN"]
    assert order_status(db, oid) == "in_cn_warehouse"
    with db.read() as s:
        events = {(e.entity, e.action): e for e in s.scalars(select(ActivityEvent))}
        assert events[("parcel", "matched")].note == "Tên KH trên nhãn: Hằng KH000001"
        assert events[("order", "parcel_matched")].after["tracking_code"] == "JT8000000000001"
        assert s.scalar(select(StaffNotification).where(StaffNotification.user_id == st.care.user_id,
                                                        StaffNotification.title.contains("JT8000000000001")))
    with pytest.raises(DomainError):
        parcels.match_parcel(db, st.care, pid, oid)                             # it has an owner now


def test_a_closed_or_draft_order_cannot_take_a_parcel(db, st):
    cid = make_customer(db, st.care)
    draft = make_order(db, st.care, cid)
    pid = _ownerless(db, st)
    with pytest.raises(DomainError):
        parcels.match_parcel(db, st.care, pid, draft)
    assert parcel(db, "JT8000000000001").ownerless
