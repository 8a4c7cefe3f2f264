"""Exchange rates, fee policy sets, discount codes, billing notices, supplementary bills and
customer debts, on SQLite and PostgreSQL."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import DomainError, PermissionDenied, StaleEdit, ValidationFailed
from app.fees import DEFAULT_TARIFF
from app.models import CustomerMessage, Task, VipLevel
from app.money import VND, Money
from app.permissions import Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import billing, fee_policies, order_money, orders, purchasing, rates, wallets
from tests.factories import make_customer, make_order, make_user
from tests.money_helpers import accounts, fund


def vnd(n) -> Money:
    return Money.of(str(n), VND)


@pytest.fixture
def staff(db):
    return {
        "care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
        "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
        "ordering": make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
        "accountant": make_user(db, Role.ACCOUNTANT, full_name="Ngô Thị Phương"),
        "admin": make_user(db, Role.ADMIN, full_name="Trần Quản Trị"),
        "forwarder": make_user(db, Role.FORWARDER_CN),
    }


# -- exchange rates -----------------------------------------------------------------------------------

def test_rates_keep_their_history_with_who_set_them(db, staff, clock):
    manager = staff["manager"]
    rates.set_rate(db, manager, "buying", Decimal("3600"))
    rates.set_rate(db, manager, "selling", Decimal("3650"), note="Sáng thứ hai")
    clock.advance(hours=5)
    rates.set_rate(db, manager, "selling", "3662.5")
    later = clock.now() + timedelta(days=1)
    rates.set_rate(db, manager, "selling", Decimal("3670"), effective_from=later)
    assert rates.current_values(db) == {"selling": Decimal("3662.5"), "buying": Decimal("3600")}
    hist = rates.history(db, staff["care"], "selling")
    assert [(h.value, h.current, h.set_by) for h in hist] == [
        (Decimal("3670"), False, "Phạm Quốc Hùng"), (Decimal("3662.5"), True, "Phạm Quốc Hùng"), (Decimal("3650"), False, "Phạm Quốc Hùng")]
    clock.advance(days=2)
    assert rates.current_values(db)["selling"] == Decimal("3670")


@pytest.mark.parametrize("value, field", [("0", "value"), ("-3", "value"), ("abc", "value"),
                                          ("3650.1234567", "value"), ("3500", "value")])
def test_bad_rates_are_refused(db, staff, value, field):
    rates.set_rate(db, staff["manager"], "buying", Decimal("3600"))
    with pytest.raises(ValidationFailed) as err:
        rates.set_rate(db, staff["manager"], "selling", value)     # 3,500 is below the buying rate
    assert field in err.value.field_errors


def test_a_rate_cannot_start_in_the_past_and_only_managers_set_rates(db, staff, clock):
    with pytest.raises(ValidationFailed) as err:
        rates.set_rate(db, staff["manager"], "selling", Decimal("3650"), effective_from=clock.now() - timedelta(days=1))
    assert "effective_from" in err.value.field_errors
    for who in ("care", "ordering", "accountant", "admin", "forwarder"):
        with pytest.raises(PermissionDenied):
            rates.set_rate(db, staff[who], "selling", Decimal("3650"))


def test_the_selling_rate_is_adjusted_by_group_and_order_value(db, staff):
    with db.transaction() as tx:
        tx.add(VipLevel(code="VIP3", name="VIP 3", rank=3, min_spend=Money.zero(VND)))
    with db.read() as s:
        vip3 = s.scalar(select(VipLevel.id))
    rates.set_rate(db, staff["manager"], "selling", Decimal("3650"), adjustments=[
        rates.AdjustmentInput(vip3, Decimal("0"), Decimal("-10")), rates.AdjustmentInput(vip3, Decimal("5000"), Decimal("-30")),
        rates.AdjustmentInput(None, Decimal("10000"), Decimal("-5"))])
    with db.read() as s:
        def rate(group, goods):
            return rates.selling_rate_for(s, group, Money.of(goods, "CNY")).value
        assert rate(vip3, "100") == Decimal("3640")
        assert rate(vip3, "5000") == Decimal("3620")
        assert rate(None, "9999.99") == Decimal("3650")
        assert rate(None, "10000") == Decimal("3645")
        assert "VIP 3" in rates.selling_rate_for(s, vip3, Money.of("6000", "CNY")).explanation
    with pytest.raises(ValidationFailed):
        rates.set_rate(db, staff["manager"], "selling", Decimal("3650"), adjustments=[
            rates.AdjustmentInput(vip3, Decimal("0"), Decimal("-10")), rates.AdjustmentInput(vip3, Decimal("0"), Decimal("-20"))])


# -- fee policy sets --------------------------------------------------------------------------------------

def test_a_policy_in_force_is_never_edited_a_new_version_is_copied(db, staff, clock):
    manager = staff["manager"]
    standard = fee_policies.list_policies(db, manager)[0]
    assert standard.in_force and not standard.editable and standard.version == 1
    with pytest.raises(DomainError):
        fee_policies.update_policy(db, manager, standard.id, standard.version_id, "x", None, clock.now(),
                                   standard.rules)
    start = clock.now() + timedelta(days=7)
    new_id = fee_policies.copy_policy(db, manager, standard.id, start, name="Biểu phí tháng 12")
    new = fee_policies.get_policy(db, manager, new_id)
    assert new.version == 2 and new.editable and not new.in_force
    rules = new.rules
    rules["service_fee"]["minimum_vnd"] = "15000"
    fee_policies.update_policy(db, manager, new_id, new.version_id, new.name, None, start, rules)
    with pytest.raises(StaleEdit):
        fee_policies.update_policy(db, manager, new_id, new.version_id, "again", None, start, rules)
    clock.advance(days=8)
    with db.read() as s:
        assert fee_policies.policy_for(s, None).id == new_id
        assert fee_policies.policy_for(s, None).rules["service_fee"]["minimum_vnd"] == "15000"


def test_a_bad_policy_reports_its_fields(db, staff, clock):
    rules = DEFAULT_TARIFF.to_json()
    rules["insurance_percent"] = "150"
    with pytest.raises(ValidationFailed) as err:
        fee_policies.create_policy(db, staff["manager"], "", None, clock.now() - timedelta(days=2), rules)
    assert {"name", "effective_from", "rules.insurance_percent"} <= set(err.value.field_errors)


def test_an_order_keeps_the_policy_it_was_priced_by(db, staff, clock):
    care, manager = staff["care"], staff["manager"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    fund(db, cid)
    orders.apply_action(db, care, oid, "submit")
    old = billing.order_money_view(db, care, oid).policy_name
    rules = DEFAULT_TARIFF.to_json()
    rules["service_fee"]["bands"] = [{"from_cny": "0", "percent": "5"}]
    fee_policies.create_policy(db, manager, "Đắt hơn", None, clock.now() + timedelta(minutes=1), rules)
    clock.advance(minutes=2)
    view = billing.order_money_view(db, care, oid)
    assert view.policy_name == old and "3 %" in view.quote.line("purchasing_fee").explanation


def test_only_fee_editors_change_policies_and_vip_levels(db, staff, clock):
    for who in ("care", "ordering", "accountant", "forwarder"):
        with pytest.raises(PermissionDenied):
            fee_policies.create_policy(db, staff[who], "x", None, clock.now(), DEFAULT_TARIFF.to_json())
        with pytest.raises(PermissionDenied):
            fee_policies.save_vip_level(db, staff[who], None, fee_policies.VipLevelInput("VIP9", "VIP 9"))
    level = fee_policies.save_vip_level(db, staff["admin"], None, fee_policies.VipLevelInput(
        "vip1", "VIP 1", 1, Decimal(50000000), Decimal(60), Decimal(5)))
    assert [(v.code, v.deposit_percent) for v in fee_policies.list_vip_levels(db, staff["care"])] == [("VIP1", Decimal(60))]
    with pytest.raises(ValidationFailed) as err:
        fee_policies.save_vip_level(db, staff["admin"], None, fee_policies.VipLevelInput(
            "VIP1", "", -1, Decimal("-5"), Decimal("101"), Decimal("0.001")))
    assert {"code", "name", "rank", "min_spend", "deposit_percent", "service_fee_discount_percent"} <= set(
        err.value.field_errors)
    assert level


# -- discount codes -----------------------------------------------------------------------------------------

def _code(db, staff, **kw):
    data = fee_policies.DiscountInput(code=kw.pop("code", "TET2027"), fee_codes=kw.pop("fee_codes", ["purchasing_fee"]),
                                      **{"percent": Decimal(10), **kw})
    return fee_policies.save_discount_code(db, staff["manager"], None, data)


def test_a_discount_code_takes_its_percent_off_the_fees_it_names(db, staff):
    care = staff["care"]
    _code(db, staff)
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    order_money.apply_discount_code(db, care, oid, " tet2027 ")
    fund(db, cid)
    orders.apply_action(db, care, oid, "submit")
    line = billing.order_money_view(db, care, oid).quote.line("purchasing_fee")
    assert line.gross == vnd(21331) and line.amount == vnd(19198)   # 711,020 × 3 % = 21,330.6; − 2,133.1
    assert "TET2027" in line.explanation


def test_discount_code_limits_validity_and_owner_are_enforced(db, staff, clock):
    care = staff["care"]
    c1, c2 = make_customer(db, care), make_customer(db, care, name="Trần Văn Đức", phone="0987 654 321")
    _code(db, staff, code="ONCE", max_uses=1)
    _code(db, staff, code="MINE", customer_id=c1)
    _code(db, staff, code="LATER", valid_from=clock.now() + timedelta(days=3))
    o1, o2, o3 = make_order(db, care, c1), make_order(db, care, c2), make_order(db, care, c2)
    order_money.apply_discount_code(db, care, o1, "ONCE")
    for oid, code in ((o2, "ONCE"), (o2, "MINE"), (o2, "LATER"), (o2, "NOPE")):
        with pytest.raises(ValidationFailed) as err:
            order_money.apply_discount_code(db, care, oid, code)
        assert "code" in err.value.field_errors
    with pytest.raises(ValidationFailed):
        order_money.apply_discount_code(db, care, o1, "MINE")            # one code per order
    order_money.remove_discount_code(db, care, o1)                      # frees its use
    order_money.apply_discount_code(db, care, o3, "ONCE")
    assert {d.code: d.used_count for d in fee_policies.list_discount_codes(db, care)}["ONCE"] == 1
    with pytest.raises(ValidationFailed) as err:
        fee_policies.save_discount_code(db, staff["manager"], None, fee_policies.DiscountInput(
            "X", [], percent=Decimal(10), amount=Decimal(5000)))
    assert {"code", "value", "fee_codes"} <= set(err.value.field_errors)


# -- billing notice, supplementary bills, debts -------------------------------------------------------------

def _purchased(db, staff, amount="10000000", services=()):
    care, manager, buyer = staff["care"], staff["manager"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid, services=services)
    fund(db, cid, amount)
    orders.apply_action(db, care, oid, "submit")
    orders.confirm_order(db, manager, oid, care.user_id, buyer.user_id)
    if orders.get_order(db, care, oid).status == "awaiting_approval":
        orders.apply_action(db, manager, oid, "approve")
    purchasing.prepare_shop_orders(db, buyer, oid)
    so = purchasing.purchasing_view(db, buyer, oid).shop_orders[0]
    purchasing.record_shop_order(db, buyer, so.id, purchasing.ShopOrderInput(
        "TB-1", Decimal("190"), Decimal("10"), Decimal("0"), accounts(db)[1], {i.id: i.quantity for i in so.items}))
    return cid, oid


def test_a_billing_notice_charges_the_weighed_fees_tells_the_customer_and_is_paid_from_the_wallet(db, staff):
    acc = staff["accountant"]
    cid, oid = _purchased(db, staff, services=["inspection"])
    before = wallets.wallet_view(db, acc, cid).balance
    bill_id = billing.issue_billing_notice(db, acc, oid, [billing.PackageInput("3.2", "50", "40", "30")])
    view = billing.order_money_view(db, acc, oid)
    bill = billing.get_bill(db, acc, bill_id)
    fees = {l["code"]: Decimal(l["amount"]) for l in bill.lines}
    assert fees == {"freight": Decimal(250000), "inspection": Decimal(25000), "vn_delivery": Decimal(31000)}
    assert bill.amount == vnd(306000) and view.billed
    assert view.balance_due == vnd(0)                           # the wallet paid what was due
    assert [e.kind for e in view.entries][-2:] == ["billing", "settlement"]
    settled = -view.entries[-1].amount                          # what left the wallet for the order
    assert settled == view.charged - view.deposit_held
    assert wallets.wallet_view(db, acc, cid).balance == before - settled
    assert billing.net_profit(db, staff["manager"], oid).freight_cost == vnd(170000)   # 10 kg × 17,000
    with db.read() as s:
        assert s.scalar(select(CustomerMessage.id).where(CustomerMessage.event == "billed")) is not None
    with pytest.raises(DomainError):
        billing.issue_billing_notice(db, acc, oid, [billing.PackageInput("3.2")])
    for who in ("care", "ordering", "forwarder"):
        with pytest.raises(PermissionDenied):
            billing.issue_billing_notice(db, staff[who], oid, [billing.PackageInput("1")])


def test_weights_are_checked_before_anything_is_billed(db, staff):
    _cid, oid = _purchased(db, staff)
    with pytest.raises(ValidationFailed) as err:
        billing.issue_billing_notice(db, staff["accountant"], oid, [billing.PackageInput("0"),
                                                                    billing.PackageInput("2", "40", "", "")])
    assert {"packages.0.actual_kg", "packages.1.length_cm"} <= set(err.value.field_errors)
    assert not billing.order_money_view(db, staff["accountant"], oid).billed


def test_a_supplementary_bill_waits_for_a_manager_then_is_ledgered_and_told(db, staff):
    care, manager, acc = staff["care"], staff["manager"], staff["accountant"]
    cid, oid = _purchased(db, staff)
    billing.issue_billing_notice(db, acc, oid, [billing.PackageInput("10")])
    charged = billing.order_money_view(db, acc, oid).charged
    bill_id = billing.propose_supplementary_bill(db, care, oid, [billing.BillLineInput("freight", Decimal(58000), "2 kg")],
                                                 "Cân lại ở Hà Nội: 12 kg, không phải 10 kg")
    assert [r.id for r in reader.queue_page(db, manager, "money.bills_to_approve", PageRequest()).rows] == [bill_id]
    assert billing.order_money_view(db, acc, oid).charged == charged       # nothing until approved
    for who in ("care", "accountant", "ordering"):
        with pytest.raises(PermissionDenied):
            billing.approve_bill(db, staff[who], bill_id)
    billing.approve_bill(db, manager, bill_id, "OK")
    view = billing.order_money_view(db, acc, oid)
    assert view.charged == charged + vnd(58000) and view.balance_due == vnd(0)
    with db.read() as s:
        msg = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "supplementary_bill"))
        assert "58.000" in msg.body and "12 kg" in msg.body
        assert s.scalar(select(Task.status).where(Task.entity == "bill")) == "done"
    with pytest.raises(DomainError):
        billing.approve_bill(db, manager, bill_id)


def test_a_rejected_supplementary_bill_charges_nothing(db, staff):
    cid, oid = _purchased(db, staff)
    bill_id = billing.propose_supplementary_bill(db, staff["accountant"], oid,
                                                 [billing.BillLineInput("inspection", Decimal(20000))], "Kiểm đếm thêm")
    with pytest.raises(DomainError):
        billing.reject_bill(db, staff["manager"], bill_id, "")
    billing.reject_bill(db, staff["manager"], bill_id, "Khách không yêu cầu")
    assert billing.get_bill(db, staff["manager"], bill_id).status == "rejected"
    with pytest.raises(ValidationFailed):
        billing.propose_supplementary_bill(db, staff["care"], oid, [billing.BillLineInput("x", Decimal("1.5"))], "")


def test_what_the_wallet_cannot_pay_stays_as_a_debt_by_order_and_age(db, staff, clock):
    acc, manager = staff["accountant"], staff["manager"]
    cid, oid = _purchased(db, staff, amount="700000")          # enough for the deposit only
    billing.issue_billing_notice(db, acc, oid, [billing.PackageInput("20")])
    view = billing.order_money_view(db, acc, oid)
    assert view.balance_due.amount > 0
    debts = billing.customer_debts(db, acc)
    assert [(d.order_id, d.due, d.age_days) for d in debts] == [(oid, view.balance_due, 0)]
    rows = reader.queue_page(db, acc, "money.debts", PageRequest()).rows
    assert [r.id for r in rows] == [oid] and rows[0].paid == view.charged - view.balance_due
    queue = reader.QUEUES["money.debts"]
    assert queue.flag(rows[0], reader.context(db, acc)) is None
    clock.advance(days=31)
    assert queue.flag(rows[0], reader.context(db, acc)) == "overdue"
    assert billing.customer_debts(db, acc)[0].age_days == 31
    with pytest.raises(PermissionDenied):
        billing.customer_debts(db, staff["care"])
    with pytest.raises(Exception):
        wallets.settle_order(db, acc, oid)                      # still cannot pay
    fund(db, cid, "5000000")
    paid = wallets.settle_order(db, acc, oid)
    assert paid == view.balance_due and billing.customer_debts(db, acc) == []
