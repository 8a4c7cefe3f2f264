"""Whatever a person types or pastes, a service answers with success or a message — never a
database error — and the same way on SQLite and PostgreSQL: arbitrary text (NUL, NFD, 10,000
characters, emoji, right-to-left), arbitrary numbers (huge, negative, NaN, many decimals) fed into
the public services that take user text and numbers. What is stored is NFC and has no NUL."""
from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.errors import DomainError
from app.models import Customer, CustomerAddress, OrderItem, Payment, User
from app.permissions import Role
from app.services import (complaints, customers, orders, parcels, purchasing, rates, shipments, users,
                          wallets)
from app.services import settings as settings_service
from app.services.complaints import ComplaintInput
from app.services.customers import AddressInput, CustomerInput
from app.services.orders import ItemInput, OrderInput
from app.services.scanning import Measurements
from tests.factories import make_customer, make_order, make_user, make_warehouses
from tests.money_helpers import accounts, fund
from tests.services.warehouse_helpers import make_staff, purchase_order

FEW = settings(max_examples=30, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SPECIAL = ["", " ", "\x00", "Trần\x00Bình", unicodedata.normalize("NFD", "Nguyễn Thị Hằng"),
           "👩‍👩‍👧 🇻🇳", "مرحبا بالعالم", "\u202eevil\u202c", "女士连衣裙 夏季", "\t\r\n", "\x1b[31m",
           "0912 345 678", "hang@example.com", "https://item.taobao.com/item.htm?id=1", "SF1234567890123"]
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(SPECIAL),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "Ằ", "😀", "\x00", "9", "a\u0301"]),
              st.sampled_from([59, 61, 81, 121, 201, 301, 501, 1001, 10_000])),
)
decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("1E+30"),
                     Decimal("1E+999999"), Decimal("-1"), Decimal(0), Decimal("1000000000000"),
                     Decimal("0.123456789"), Decimal("9" * 40), Decimal("1E-30"), Decimal("92233720368547758.07")]),
    st.decimals(min_value=0, max_value=10**7, places=2),
)
def or_valid(value):
    """Half the time a value the service accepts, so the other fields reach the database too."""
    return st.one_of(st.just(value), texts)


quantities = st.one_of(st.integers(-5, 10), st.sampled_from([100_000, 100_001, 2**31, 2**63, 10**30]))


def attempt(fn, *args, **kwargs):
    """The result, or None when the service refused with a message; anything else fails."""
    try:
        return fn(*args, **kwargs)
    except DomainError as exc:
        assert str(exc)          # a message a person can read (translated, formatted)
        return None


def assert_clean(*values: str) -> None:
    for v in values:
        assert "\x00" not in v and unicodedata.is_normalized("NFC", v), repr(v[:40])


@pytest.fixture
def staff(db):
    return make_staff(db)


@FEW
@given(name=texts, phone=or_valid("0912 345 678"), email=or_valid(""), note=texts, recipient=or_valid("Hằng"),
       line=or_valid("12 Phố Huế"), city=texts)
def test_customers_create_and_edit(db, staff, name, phone, email, note, recipient, line, city):
    data = CustomerInput(name, phone=phone, email=email, note=note,
                         addresses=[AddressInput(recipient, line, city=city)])
    cid = attempt(customers.create_customer, db, staff.care, data)
    if cid is None:
        cid = make_customer(db, staff.care)
    view = customers.get_customer(db, staff.care, cid)
    attempt(customers.update_customer, db, staff.care, cid, view.version, data)
    with db.read() as s:
        c = s.get(Customer, cid)
        assert_clean(c.name, c.note, c.phone, c.email,
                     *(x for a in s.scalars(select(CustomerAddress).where(CustomerAddress.customer_id == cid))
                       for x in (a.recipient, a.line, a.city)))
    attempt(customers.find_customers, db, staff.care, name)


@FEW
@given(title=texts, variant=texts, shop=texts, url=or_valid("https://item.taobao.com/item.htm?id=9"), note=texts,
       qty=st.one_of(st.just(2), quantities), price=st.one_of(st.just(Decimal("59.90")), decimals),
       order_note=texts)
def test_orders_create_and_edit_with_items(db, staff, title, variant, shop, url, note, qty, price, order_note):
    cid = _customer(db, staff)
    item = ItemInput(shop, "taobao", url, qty, price, title=title, variant=variant, note=note)
    data = OrderInput("purchase", cid, staff.wh["VN-HN"], staff.wh["CN-GZ"], note=order_note, items=[item])
    oid = attempt(orders.create_order, db, staff.care, data)
    if oid is None:
        oid = make_order(db, staff.care, cid)
    view = orders.get_order(db, staff.care, oid)
    attempt(orders.update_order, db, staff.care, oid, view.version, data)
    with db.read() as s:
        for it in s.scalars(select(OrderItem).where(OrderItem.order_id == oid)):
            assert_clean(it.title, it.variant, it.product_url, it.note)


@FEW
@given(amount=st.one_of(st.just(Decimal(500_000)), decimals), reference=texts, note=texts)
def test_wallets_record_payment(db, staff, amount, reference, note):
    cid = _customer(db, staff)
    bank = _bank(db)
    attempt(wallets.record_payment, db, staff.accountant, "topup", cid, amount, reference,
            date(2026, 11, 22), bank, note)
    with db.read() as s:
        for p in s.scalars(select(Payment)):
            assert_clean(p.bank_reference, p.note)


@FEW
@given(username=or_valid("quang"), full_name=texts, email=texts, phone=texts,
       password=or_valid("kho quảng châu 7"))
def test_users_create(db, username, full_name, email, phone, password):
    admin = _admin(db)
    attempt(users.create_user, db, admin, username, full_name, password, ["care"], email=email, phone=phone)
    with db.read() as s:
        for u in s.scalars(select(User)):
            assert_clean(u.username, u.full_name, u.email, u.phone)


@FEW
@given(code=texts, weight=st.one_of(st.none(), decimals), side=st.one_of(st.none(), decimals))
def test_receiving_a_parcel_with_weight_and_dimensions(db, staff, code, weight, side):
    attempt(parcels.receive_cn, db, staff.cn, staff.wh["CN-GZ"], code, Measurements(weight, side, side, side))


@FEW
@given(description=texts, quantity=quantities)
def test_opening_a_complaint(db, staff, description, quantity):
    oid = _shipped_order(db, staff)
    item_id = orders.get_order(db, staff.care, oid).items[0].id
    attempt(complaints.open_complaint, db, staff.care, ComplaintInput(
        oid, "wrong_item", description, [complaints.LineInput(order_item_id=item_id, quantity=quantity)]))


@FEW
@given(company=texts, page_size=st.one_of(texts, quantities), deposit=st.one_of(texts, decimals))
def test_settings(db, company, page_size, deposit):
    admin = _admin(db)
    attempt(settings_service.update_settings, db, admin, {"company.name": company})
    attempt(settings_service.update_settings, db, admin, {"ui.page_size": page_size,
                                                          "orders.deposit_percent": deposit})


@FEW
@given(number=texts, goods=decimals, shipping=decimals, discount=decimals, bought=quantities,
       note=texts, code=texts)
def test_recording_a_shop_order(db, staff, number, goods, shipping, discount, bought, note, code):
    so = _shop_order(db, staff)
    attempt(purchasing.record_shop_order, db, staff.ordering, so.id, purchasing.ShopOrderInput(
        number, goods, shipping, discount, _bank(db, "cn"), {i.id: bought for i in so.items}, note=note,
        tracking_codes=[code]))


@FEW
@given(limit=decimals, note=texts)
def test_granting_credit(db, staff, limit, note):
    attempt(wallets.grant_credit, db, staff.manager, _customer(db, staff), limit, note)


@FEW
@given(value=st.one_of(decimals, texts), note=texts)
def test_setting_an_exchange_rate(db, staff, value, note):
    attempt(rates.set_rate, db, staff.manager, rates.SELLING, value, note=note)


@FEW
@given(body=texts, channel=st.sampled_from(["internal", "customer"]))
def test_posting_an_order_message(db, staff, body, channel):
    oid = _once(db, "order", lambda: make_order(db, staff.care, _customer(db, staff)))
    attempt(orders.post_message, db, staff.care, oid, channel, body)


@FEW
@given(note=texts, transport=texts, gross=st.one_of(st.none(), decimals), seal=texts)
def test_opening_and_sealing_a_shipment(db, staff, note, transport, gross, seal):
    sid = attempt(shipments.open_shipment, db, staff.cn, staff.wh["CN-GZ"], staff.wh["VN-HN"], note=note,
                  transport=transport)
    if sid is not None:
        attempt(shipments.seal_shipment, db, staff.cn, sid, gross, seal)


@FEW
@given(amount=decimals, note=texts, contact=texts)
def test_a_complaint_plan_with_an_amount(db, staff, amount, note, contact):
    cid = _once(db, "complaint", lambda: complaints.open_complaint(db, staff.care, ComplaintInput(
        _shipped_order(db, staff), "late", "Giao chậm")))
    attempt(complaints.record_contact, db, staff.care, cid, "customer", contact)
    attempt(complaints.propose_plan, db, staff.care, cid, "shop",
            [complaints.RemedyInput("compensation", amount)], note=note)


# -- the few records the examples share (made once per database) --------------------------------

def _once(db, what, make):
    made = db.__dict__.setdefault("_examples_share", {})
    if what not in made:
        made[what] = make()
    return made[what]


def _customer(db, staff):
    return _once(db, "customer", lambda: make_customer(db, staff.care))


def _bank(db, book="vn"):
    vn, cn = _once(db, "banks", lambda: accounts(db))
    return vn if book == "vn" else cn


def _admin(db):
    return _once(db, "admin", lambda: (make_warehouses(db), make_user(db, Role.ADMIN))[1])


def _shipped_order(db, staff):
    return _once(db, "shipped", lambda: purchase_order(db, staff, ["SF8100000000001"])[0])


def _shop_order(db, staff):
    def make():
        cid = make_customer(db, staff.care)
        oid = make_order(db, staff.care, cid)
        fund(db, cid, "10000000")
        orders.apply_action(db, staff.care, oid, "submit")
        orders.confirm_order(db, staff.manager, oid, staff.care.user_id, staff.ordering.user_id)
        purchasing.prepare_shop_orders(db, staff.ordering, oid)
        return oid
    oid = _once(db, "shop_order", make)
    return purchasing.purchasing_view(db, staff.ordering, oid).shop_orders[0]
