"""Customer complaints on SQLite and PostgreSQL: opened on items or parcels, investigated with
the shop and the customer, a plan approved by a manager and carried out — each remedy's money
(balanced entries, the wallet, what the order owes), the return shipment packed by the
warehouse's own scans, the reship order, the discount code — and the tasks each step opens and
closes; the customer's inspection after delivery."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.models import (AlertNote, CustomerMessage, DiscountCode, JournalEntry, Order, OrderItem,
                        OrderMoney, Shipment, Task)
from app.money import CNY, VND, Money
from app.permissions import Role
from app.services import complaints, purchasing, shipments
from app.services.complaints import ComplaintInput, InspectionInput, LineInput, RemedyInput
from app.services.scanning import Outcome
from tests.factories import make_user
from tests.services.complaint_helpers import (delivered, entry_lines, in_vietnam, order_money,
                                              trial_balance, wallet_of)
from tests.services.warehouse_helpers import make_staff, order_status, parcel


def vnd(n) -> Money:
    return Money.of(str(n), VND)


@pytest.fixture
def st(db):
    return make_staff(db)


def tasks(db, entity, entity_id, status="open"):
    with db.read() as s:
        return sorted((t.kind, t.role) for t in s.scalars(select(Task).where(
            Task.entity == entity, Task.entity_id == entity_id, Task.status == status)))


def items_of(db, oid):
    with db.read() as s:
        return [(i.id, i.quantity) for i in s.get(Order, oid).items]


def open_on_items(db, st, oid, actor=None, kind="damaged", pieces=1):
    (item_id, _qty), = items_of(db, oid)
    return complaints.open_complaint(db, actor or st.care, ComplaintInput(
        oid, kind, "Váy bị rách ở đường may", [LineInput(order_item_id=item_id, quantity=pieces)],
        [("rach.png", b"\x89PNG\r\n\x1a\n" + b"1" * 40)]))


def approved(db, st, cid, remedies, fault="shop"):
    complaints.record_contact(db, st.ordering, cid, "shop", "Shop nhận lỗi, đồng ý hoàn 30 tệ", "wangwang")
    complaints.propose_plan(db, st.care, cid, fault, remedies, "Khách đồng ý")
    complaints.approve_plan(db, st.manager, cid)


# -- opening and working --------------------------------------------------------------------------------

def test_opening_a_complaint_gives_care_and_ordering_staff_each_a_task(db, st):
    oid, _so, codes = in_vietnam(db, st)
    cid = open_on_items(db, st, oid)
    v = complaints.get_complaint(db, st.care, cid)
    assert v.code == f"KN{cid:07d}" and v.status == "open" and v.stage == "before_receipt"
    assert len(v.lines) == 1 and v.lines[0].quantity == 1 and v.lines[0].value_cny == Money.of("45.50", CNY)
    assert len(v.files) == 1 and v.care_staff == "Lê Thu Trang" and v.ordering_staff == "Vũ Minh Đức"
    assert tasks(db, "complaint", cid) == [("complaint_care", "care"), ("complaint_ordering", "ordering")]
    with db.read() as s:
        assert complaints.has_open_complaint(s, oid)
        assert {t.assignee_id for t in s.scalars(select(Task).where(Task.entity == "complaint"))} == \
            {st.care.user_id, st.ordering.user_id}


def test_the_first_contact_starts_the_investigation_and_the_shops_answer_closes_the_ordering_task(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    cid = open_on_items(db, st, oid)
    complaints.record_contact(db, st.care, cid, "customer", "Khách gửi thêm ảnh qua Zalo", "zalo")
    assert complaints.get_complaint(db, st.care, cid).status == "investigating"
    assert tasks(db, "complaint", cid) == [("complaint_care", "care"), ("complaint_ordering", "ordering")]
    complaints.record_contact(db, st.ordering, cid, "shop", "Shop đồng ý đổi hàng", "wangwang")
    assert tasks(db, "complaint", cid) == [("complaint_care", "care")]
    v = complaints.get_complaint(db, st.care, cid)
    assert [(c.party, c.by_name) for c in v.contacts] == [("customer", "Lê Thu Trang"), ("shop", "Vũ Minh Đức")]
    with pytest.raises(ValidationFailed):
        complaints.record_contact(db, st.care, cid, "customer", "   ")


def test_a_complaint_names_lines_of_its_own_order_and_orders_that_have_goods(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    other, _so2, other_codes = in_vietnam(db, st)
    (item_id, qty), = items_of(db, oid)
    with pytest.raises(ValidationFailed) as err:
        complaints.open_complaint(db, st.care, ComplaintInput(oid, "damaged", "Hỏng", [
            LineInput(order_item_id=item_id, quantity=qty + 1)]))
    assert "lines.0" in err.value.field_errors
    with pytest.raises(ValidationFailed):
        complaints.open_complaint(db, st.care, ComplaintInput(oid, "damaged", "Hỏng", [
            LineInput(parcel_id=parcel(db, other_codes[0]).id)]))
    with pytest.raises(ValidationFailed):
        complaints.open_complaint(db, st.care, ComplaintInput(oid, "wrong_item", "Sai màu", []))
    late = complaints.open_complaint(db, st.care, ComplaintInput(oid, "late", "Giao chậm 5 ngày", []))
    assert complaints.get_complaint(db, st.care, late).lines == ()
    from tests.factories import make_customer, make_order

    cart = make_order(db, st.care, make_customer(db, st.care))
    with pytest.raises(DomainError):
        complaints.open_complaint(db, st.care, ComplaintInput(cart, "late", "Chưa mua", []))


# -- each remedy, carried out -------------------------------------------------------------------------

def test_a_refund_comes_off_what_the_order_still_owes_first_and_the_rest_goes_to_the_wallet(db, st, clock):
    oid, _so, _codes = in_vietnam(db, st)
    om = order_money(db, oid)
    cust = om.customer_id
    owed, charged, wallet = om.balance_due, om.charged, wallet_of(db, cust)
    assert owed > vnd(0)                       # the 30 % not covered by the deposit
    cid = open_on_items(db, st, oid)
    refund = owed + vnd(50000)
    approved(db, st, cid, [RemedyInput("refund", refund.amount)])
    assert tasks(db, "complaint", cid) == [("complaint_care", "care")]       # carry it out
    result = complaints.execute_plan(db, st.care, cid)
    (entry,) = result.entry_ids
    lines = entry_lines(db, entry)
    assert lines == {"unrecovered_cost": refund, "receivable": -owed, "wallet": -vnd(50000)}
    om = order_money(db, oid)
    assert om.balance_due == vnd(0) and om.due_since is None and om.charged == charged - refund
    assert wallet_of(db, cust) == wallet + vnd(50000)
    v = complaints.get_complaint(db, st.care, cid)
    assert v.status == "closed" and v.current_plan.status == "executed"
    assert v.current_plan.remedies[0].entry_id == entry
    assert tasks(db, "complaint", cid) == []
    with db.read() as s:
        assert not complaints.has_open_complaint(s, oid)
        e = s.get(JournalEntry, entry)
        assert (e.kind, e.reference, e.order_id) == ("complaint_refund", v.code, oid)
    assert all(v == 0 for v in trial_balance(db).values())


def test_a_refund_gives_back_at_most_what_the_order_was_charged(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    charged = order_money(db, oid).charged
    cid = open_on_items(db, st, oid)
    with pytest.raises(ValidationFailed) as err:
        complaints.propose_plan(db, st.care, cid, "shop", [RemedyInput("refund", (charged + vnd(1)).amount)])
    assert "amount.refund" in err.value.field_errors
    with pytest.raises(ValidationFailed):
        complaints.propose_plan(db, st.care, cid, "shop", [RemedyInput("refund", Decimal("1000.5"))])
    with pytest.raises(ValidationFailed):
        complaints.propose_plan(db, st.care, cid, "nobody", [RemedyInput("compensation", Decimal(1000))])
    with pytest.raises(ValidationFailed):
        complaints.propose_plan(db, st.care, cid, "shop", [])


def test_compensation_is_a_loss_paid_into_the_wallet_and_leaves_what_the_order_owes(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    om = order_money(db, oid)
    owed, charged, wallet = om.balance_due, om.charged, wallet_of(db, om.customer_id)
    cid = open_on_items(db, st, oid, kind="late")
    approved(db, st, cid, [RemedyInput("compensation", Decimal(100000))], fault="transport")
    (entry,) = complaints.execute_plan(db, st.manager, cid).entry_ids
    assert entry_lines(db, entry) == {"compensation": vnd(100000), "wallet": -vnd(100000)}
    om = order_money(db, oid)
    assert (om.balance_due, om.charged) == (owed, charged)
    assert wallet_of(db, om.customer_id) == wallet + vnd(100000)
    with db.read() as s:
        from app.services.billing import net_profit_of

        assert net_profit_of(s, oid).compensation == vnd(100000)


def test_a_discount_on_a_later_order_is_a_one_use_code_for_that_customer_and_books_nothing(db, st, clock):
    oid, _so, _codes = in_vietnam(db, st)
    cust = order_money(db, oid).customer_id
    wallet = wallet_of(db, cust)
    cid = open_on_items(db, st, oid)
    approved(db, st, cid, [RemedyInput("discount", Decimal(50000))])
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(JournalEntry))
    result = complaints.execute_plan(db, st.care, cid)
    assert result.entry_ids == () and result.discount_code == f"KN{cid:07d}"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == before
        d = s.scalar(select(DiscountCode).where(DiscountCode.code == result.discount_code))
        assert (d.amount, d.customer_id, d.max_uses, d.percent) == (vnd(50000), cust, 1, None)
        assert "purchasing_fee" in d.fee_code_set and (d.valid_until - clock.now()).days == 180
    assert wallet_of(db, cust) == wallet


def test_a_reship_opens_an_accepted_order_buying_the_items_again_free_to_the_customer(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    cid = open_on_items(db, st, oid, kind="wrong_item", pieces=2)
    approved(db, st, cid, [RemedyInput("reship")])
    result = complaints.execute_plan(db, st.care, cid)
    new = result.reship_order_id
    with db.read() as s:
        o = s.get(Order, new)
        (item,) = s.scalars(select(OrderItem).where(OrderItem.order_id == new))
        om = s.get(OrderMoney, new)
        assert (o.status, o.kind, o.ordering_staff_id, o.care_staff_id) == \
            ("accepted", "purchase", st.ordering.user_id, st.care.user_id)
        assert (item.title, item.quantity, item.unit_price_cny) == ("女士连衣裙 夏季", 2, Decimal(0))
        assert o.goods_cny == Money.zero(CNY) and om.service_fee_booked and om.deposit_held == vnd(0)
        assert o.committed_deliver_by is not None
    assert tasks(db, "order", new) == [("place_order", "ordering")]
    assert complaints.get_complaint(db, st.care, cid).current_plan.remedies[0].reship_order_code == f"DH{new:07d}"
    # the ordering staff buy it as any order: what the shop is paid is the company's cost
    purchasing.prepare_shop_orders(db, st.ordering, new)
    so = purchasing.purchasing_view(db, st.ordering, new).shop_orders[0]
    from tests.money_helpers import accounts

    r = purchasing.record_shop_order(db, st.ordering, so.id, purchasing.ShopOrderInput(
        "TB-RESHIP-1", Decimal("91.00"), Decimal("0"), Decimal("0"), accounts(db)[1], {so.items[0].id: 2}))
    assert r.charged == Money.zero(CNY) and r.paid == Money.of("91.00", CNY) and r.order_status == "purchased"
    assert order_money(db, new).balance_due == vnd(0)
    assert tasks(db, "order", new) == []


def test_a_return_to_china_opens_a_return_shipment_packed_by_the_warehouses_own_scans(db, st):
    oid, _so, codes = in_vietnam(db, st, n_parcels=2)
    _other_oid, _so2, other_codes = in_vietnam(db, st)
    cid = complaints.open_complaint(db, st.store, ComplaintInput(
        oid, "wrong_item", "Kiểm hàng: sai mẫu", [LineInput(parcel_id=parcel(db, codes[0]).id)]))
    assert complaints.get_complaint(db, st.care, cid).stage == "before_receipt"
    approved(db, st, cid, [RemedyInput("return_cn"), RemedyInput("refund", Decimal(100000))])
    result = complaints.execute_plan(db, st.care, cid)
    sid = result.shipment_id
    view = shipments.get_shipment(db, st.store, sid)
    assert view.code.startswith("HT") and view.direction == "to_cn" and view.status == "open"
    assert (view.origin, view.destination) == ("VN-HN", "CN-GZ") and f"KN{cid:07d}" in view.note
    assert tasks(db, "shipment", sid) == [("return_to_china", "warehouse_vn")]
    with db.read() as s:       # the parcel waiting to go back cannot be delivered meanwhile
        alert = s.scalar(select(AlertNote).where(AlertNote.tracking_code == codes[0]))
        assert alert.stage == "delivery" and view.code in alert.text
    refused = shipments.pack_scan(db, st.store, sid, other_codes[0])
    assert refused.outcome == Outcome.WRONG and view.code in refused.detail
    assert shipments.pack_scan(db, st.store, sid, codes[1]).outcome == Outcome.WRONG   # same order, not complained
    assert shipments.pack_scan(db, st.store, sid, codes[0]).outcome == Outcome.PACKED
    assert parcel(db, codes[0]).status == "returning"
    shipments.seal_shipment(db, st.store, sid, Decimal("2"), "R1")
    shipments.depart_shipment(db, st.store, sid)
    assert tasks(db, "shipment", sid) == [] and tasks(db, "shipment", sid, "done") == [("return_to_china", "warehouse_vn")]
    shipments.arrive_scan(db, st.cn, view.code)
    shipments.receive_scan(db, st.cn, sid, codes[0], Decimal("1.2"))
    assert parcel(db, codes[0]).status == "returned"


def test_goods_the_customer_has_are_taken_back_on_the_return_shipments_packing_scan(db, st):
    oid, _so, codes = delivered(db, st)
    assert order_status(db, oid) == "delivered"
    out = complaints.record_inspection(db, st.care, InspectionInput(
        oid, "rejected", "Khách trả lại: sai mẫu", [LineInput(parcel_id=parcel(db, codes[0]).id)], "wrong_item"))
    cid = out.complaint_id
    assert complaints.get_complaint(db, st.care, cid).stage == "after_receipt"
    approved(db, st, cid, [RemedyInput("return_cn")])
    sid = complaints.execute_plan(db, st.care, cid).shipment_id
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AlertNote)) == 0     # nothing left to deliver
    r = shipments.pack_scan(db, st.store, sid, codes[0])
    assert r.outcome == Outcome.PACKED
    p = parcel(db, codes[0])
    assert (p.status, p.shipment_id) == ("returning", sid)


def test_every_remedy_together_is_carried_out_in_one_transaction(db, st):
    oid, _so, codes = in_vietnam(db, st)
    cust = order_money(db, oid).customer_id
    wallet = wallet_of(db, cust)
    (item_id, _q), = items_of(db, oid)
    cid = complaints.open_complaint(db, st.care, ComplaintInput(oid, "damaged", "Vỡ", [
        LineInput(order_item_id=item_id, quantity=1), LineInput(parcel_id=parcel(db, codes[0]).id)]))
    approved(db, st, cid, [RemedyInput("refund", Decimal(20000)), RemedyInput("compensation", Decimal(30000)),
                           RemedyInput("discount", Decimal(40000)), RemedyInput("reship"), RemedyInput("return_cn")])
    assert complaints.get_complaint(db, st.care, cid).current_plan.total == vnd(90000)
    r = complaints.execute_plan(db, st.care, cid)
    assert len(r.entry_ids) == 2 and r.shipment_id and r.reship_order_id and r.discount_code
    assert wallet_of(db, cust) == wallet + vnd(30000)          # the refund paid off the debt first
    assert all(v == 0 for v in trial_balance(db).values())


def test_a_failure_while_carrying_out_leaves_nothing_half_done(db, st):
    oid, _so, codes = in_vietnam(db, st)
    cid = complaints.open_complaint(db, st.care, ComplaintInput(oid, "damaged", "Vỡ", [
        LineInput(parcel_id=parcel(db, codes[0]).id)]))
    approved(db, st, cid, [RemedyInput("compensation", Decimal(30000)), RemedyInput("return_cn")])
    with db.transaction() as tx:                # meanwhile the parcel went out for delivery
        from app.models import Parcel

        tx.scalar(select(Parcel).where(Parcel.tracking_code == codes[0])).status = "out_for_delivery"
    wallet = wallet_of(db, order_money(db, oid).customer_id)
    with pytest.raises(DomainError):
        complaints.execute_plan(db, st.care, cid)
    assert wallet_of(db, order_money(db, oid).customer_id) == wallet
    assert complaints.get_complaint(db, st.care, cid).status == "approved"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Shipment).where(Shipment.direction == "to_cn")) == 0


# -- deciding ----------------------------------------------------------------------------------------------

def test_the_customer_is_told_when_the_plan_is_approved_in_their_language(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    cid = open_on_items(db, st, oid)
    approved(db, st, cid, [RemedyInput("compensation", Decimal(100000))])
    with db.read() as s:
        (m,) = s.scalars(select(CustomerMessage).where(CustomerMessage.event == "complaint_decided"))
    assert m.entity == "complaint" and m.entity_id == cid
    assert "100.000" in m.body and m.language == "vi"


def test_a_rejected_plan_goes_back_to_care_staff_who_propose_another(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    cid = open_on_items(db, st, oid)
    complaints.propose_plan(db, st.care, cid, "shop", [RemedyInput("compensation", Decimal(500000))])
    assert tasks(db, "complaint", cid) == [("approve", "manager")]
    with pytest.raises(DomainError):
        complaints.reject_plan(db, st.manager, cid, "  ")
    complaints.reject_plan(db, st.manager, cid, "Quá cao, shop đã hoàn 30 tệ")
    v = complaints.get_complaint(db, st.care, cid)
    assert v.status == "investigating" and v.plans[0].status == "rejected"
    assert tasks(db, "complaint", cid) == [("complaint_care", "care")]
    complaints.propose_plan(db, st.care, cid, "shop", [RemedyInput("compensation", Decimal(150000))])
    complaints.approve_plan(db, st.manager, cid)
    assert [p.status for p in complaints.get_complaint(db, st.care, cid).plans] == ["rejected", "approved"]


def test_a_dismissed_complaint_tells_the_customer_why_and_cancels_its_tasks(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    cid = open_on_items(db, st, oid)
    complaints.dismiss_complaint(db, st.manager, cid, "Ảnh cho thấy hàng nguyên vẹn")
    assert complaints.get_complaint(db, st.care, cid).status == "dismissed"
    assert tasks(db, "complaint", cid) == []
    with db.read() as s:
        m = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "complaint_decided"))
        assert "nguyên vẹn" in m.body
        assert not complaints.has_open_complaint(s, oid)


def test_roles_that_may_not_are_refused(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    (item_id, _q), = items_of(db, oid)
    data = ComplaintInput(oid, "damaged", "Hỏng", [LineInput(order_item_id=item_id, quantity=1)])
    for actor in (st.ordering, st.cn, st.vn, st.accountant):
        with pytest.raises(PermissionDenied):
            complaints.open_complaint(db, actor, data)
    cid = complaints.open_complaint(db, st.care, data)
    for actor in (st.cn, st.store, st.accountant):
        with pytest.raises(PermissionDenied):
            complaints.record_contact(db, actor, cid, "shop", "…")
    with pytest.raises(PermissionDenied):
        complaints.propose_plan(db, st.store, cid, "shop", [RemedyInput("compensation", Decimal(1000))])
    complaints.propose_plan(db, st.manager, cid, "shop", [RemedyInput("compensation", Decimal(1000))])
    with pytest.raises(PermissionDenied):
        complaints.approve_plan(db, st.care, cid)
    with pytest.raises(DomainError):
        complaints.approve_plan(db, st.manager, cid)                 # proposed it: another manager approves
    other_manager = make_user(db, Role.MANAGER)
    complaints.approve_plan(db, other_manager, cid)
    with pytest.raises(PermissionDenied):
        complaints.execute_plan(db, st.ordering, cid)               # care staff carry plans out
    with pytest.raises(PermissionDenied):
        complaints.dismiss_complaint(db, st.care, cid, "…")
    complaints.execute_plan(db, st.care, cid)


def test_the_vietnam_warehouse_opens_complaints_before_receipt_only(db, st):
    oid, _so, codes = delivered(db, st)
    with pytest.raises(PermissionDenied):
        complaints.open_complaint(db, st.store, ComplaintInput(oid, "damaged", "Hỏng", [
            LineInput(parcel_id=parcel(db, codes[0]).id)]))


def test_an_edit_based_on_an_old_view_is_refused(db, st):
    from app.errors import StaleEdit

    oid, _so, _codes = in_vietnam(db, st)
    cid = open_on_items(db, st, oid)
    seen = complaints.get_complaint(db, st.care, cid).version
    complaints.propose_plan(db, st.care, cid, "shop", [RemedyInput("compensation", Decimal(1000))])
    with pytest.raises(StaleEdit):
        complaints.approve_plan(db, st.manager, cid, seen_version=seen)


# -- inspection after delivery -----------------------------------------------------------------------------

def test_an_accepted_inspection_confirms_receipt(db, st):
    oid, _so, _codes = delivered(db, st)
    out = complaints.record_inspection(db, st.care, InspectionInput(oid, "accepted"))
    assert out.complaint_id is None and out.order_status == "received"
    with pytest.raises(ValidationFailed):
        complaints.record_inspection(db, st.care, InspectionInput(oid, "accepted", rejected=[LineInput(parcel_id=1)]))


def test_a_partly_accepted_inspection_opens_a_complaint_on_what_was_not_accepted(db, st):
    oid, _so, _codes = delivered(db, st)
    (item_id, _q), = items_of(db, oid)
    with pytest.raises(ValidationFailed):
        complaints.record_inspection(db, st.care, InspectionInput(oid, "partly_accepted", "Một chiếc hỏng"))
    out = complaints.record_inspection(db, st.care, InspectionInput(
        oid, "partly_accepted", "Một chiếc hỏng", [LineInput(order_item_id=item_id, quantity=1)], "damaged"))
    v = complaints.get_complaint(db, st.care, out.complaint_id)
    assert (v.kind, v.stage, v.lines[0].quantity, v.description) == ("damaged", "after_receipt", 1, "Một chiếc hỏng")
    assert out.order_status == "delivered"
    # accepted later while the complaint is open: the order does not complete
    assert complaints.record_inspection(db, st.care, InspectionInput(oid, "accepted")).order_status == "delivered"
    assert [i.result for i in complaints.inspections_of_order(db, st.care, oid)] == ["partly_accepted", "accepted"]


def test_a_rejection_of_the_whole_order_opens_a_complaint_on_every_item(db, st):
    oid, _so, _codes = delivered(db, st)
    out = complaints.record_inspection(db, st.care, InspectionInput(oid, "rejected", "Hàng giả"))
    v = complaints.get_complaint(db, st.care, out.complaint_id)
    assert [line.quantity for line in v.lines] == [2] and v.kind == "other"


def test_rework_gives_care_staff_a_task_that_an_acceptance_closes(db, st):
    oid, _so, _codes = delivered(db, st)
    complaints.record_inspection(db, st.care, InspectionInput(oid, "rework", "Cần may lại viền"))
    assert ("complaint_care", "care") in tasks(db, "order", oid)
    complaints.record_inspection(db, st.care, InspectionInput(oid, "accepted"))
    assert ("complaint_care", "care") not in tasks(db, "order", oid)
    assert order_status(db, oid) == "received"


def test_inspections_wait_for_the_delivery_and_for_the_right_role(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    with pytest.raises(DomainError):
        complaints.record_inspection(db, st.care, InspectionInput(oid, "accepted"))
    with pytest.raises(PermissionDenied):
        complaints.record_inspection(db, st.store, InspectionInput(oid, "accepted"))

