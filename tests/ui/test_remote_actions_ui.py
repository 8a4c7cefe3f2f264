"""The actions that matter, re-run through the server as a desktop started with --server does
them (``session.call`` on a real TLS server; no database on the desktop): a top-up recorded and an
order confirmed, with the same results and refusals as in-process."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import PermissionDenied, ValidationFailed
from app.models import Order
from app.money import Money
from app.permissions import Role
from app.services import orders
from tests.factories import make_user
from tests.money_helpers import accounts, fund, set_rates


def test_a_top_up_recorded_through_the_server_reaches_the_wallet(company, remote_sessions):
    db = company["db"]
    set_rates(db)
    vnd_account, _cny = accounts(db)
    make_user(db, Role.ACCOUNTANT, username="ketoan")
    session = remote_sessions("ketoan")
    before = session.call("wallets.view", company["customer"]).balance
    result = session.call("wallets.record_payment", "topup", company["customer"], Decimal("2500000"),
                          "FT26112300017", date(2026, 11, 23), vnd_account)
    assert result.status == "posted" and result.entry_id is not None
    after = session.call("wallets.view", company["customer"])
    assert after.balance == before + Money(Decimal("2500000"), "VND")
    # the same bank reference twice is refused by the server as in-process, field by field
    with pytest.raises(ValidationFailed) as refused:
        session.call("wallets.record_payment", "topup", company["customer"], Decimal("2500000"),
                     "FT26112300017", date(2026, 11, 23), vnd_account)
    assert "bank_reference" in refused.value.field_errors
    assert session.call("wallets.view", company["customer"]).balance == after.balance


def test_an_order_confirmed_through_the_server(company, remote_sessions):
    db = company["db"]
    oid = company["orders"][0]
    with db.read() as s:
        fund(db, s.get(Order, oid).customer_id)
    orders.apply_action(db, company["care"], oid, "submit")
    care = remote_sessions("trang")
    with pytest.raises(PermissionDenied):       # care staff may not confirm: the server says so
        care.call("orders.confirm", oid, company["care"].user_id, company["ordering"].user_id)
    manager = remote_sessions("quanly")
    manager.switch_role(Role.MANAGER)
    manager.call("orders.confirm", oid, company["care"].user_id, company["ordering"].user_id)
    with db.read() as s:
        order = s.get(Order, oid)
        assert order.status == "accepted"      # confirmed: accepted, with both people set
        assert (order.care_staff_id, order.ordering_staff_id) == (company["care"].user_id,
                                                                  company["ordering"].user_id)
        assert s.scalar(select(Order.status).where(Order.id == company["orders"][1])) != "accepted"
