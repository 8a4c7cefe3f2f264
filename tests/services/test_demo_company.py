"""The demo company: built through the real services, it gives every role something to do today."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from app.demo import create_demo_company, demo_accounts
from app.models import (Complaint, DeliveryRequest, Order, Parcel, Payment, SellerComplaint, Shipment, Task,
                        Warehouse)
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import auth, parcels
from app.workflows.orders import OrderStatus


def test_the_demo_company_gives_every_role_something_to_do_today(db):
    accounts = create_demo_company(db)
    today = db.clock.now()

    # every account, in each of its roles, opens every queue of its navigation to at least one row
    empty = {}
    for account in accounts:
        signed = auth.login(db, account.username, account.password)
        for role in signed.roles:
            actor = signed.actor(role)
            names = [q.name for q in reader.queues_for(actor)]
            assert names, (account.username, role)
            missing = [n for n in names if reader.queue_count(db, actor, n, PageRequest()) == 0]
            if missing:
                empty[(account.username, role.value)] = missing
    assert empty == {}
    assert {r for a in accounts for r in a.roles} >= {
        "admin", "manager", "care", "ordering", "forwarder_cn", "forwarder_vn", "warehouse_vn", "accountant"}

    with db.read() as s:
        wh = dict(s.execute(select(Warehouse.code, Warehouse.id)).all())
        # orders in every status
        statuses = set(s.scalars(select(Order.status).distinct()))
        assert statuses == {st.value for st in OrderStatus}
        # shipments at every step to Vietnam, and a return to China being packed
        to_vn = Counter(s.scalars(select(Shipment.status).where(Shipment.direction == "to_vn")))
        assert {"open", "sealed", "departed", "arrived", "reconciled"} <= set(to_vn)
        assert s.scalar(select(Shipment.parcel_count).where(Shipment.direction == "to_cn",
                                                             Shipment.status == "open")) == 1
        # parcels on the shelves of both countries' warehouses
        shelves = Counter(s.execute(select(Parcel.warehouse_id, Parcel.status)
                                    .where(Parcel.warehouse_id.is_not(None))).all())
        assert shelves[(wh["CN-GZ"], "received_cn")] >= 3
        assert shelves[(wh["VN-HN"], "received_vn")] >= 1 and shelves[(wh["VN-HN"], "ready")] >= 3
        assert shelves[(wh["VN-SG"], "ready")] >= 1
        assert s.scalar(select(func.count()).select_from(Parcel).where(Parcel.excess.is_(True))) >= 1
        assert s.scalar(select(func.count()).select_from(Parcel).where(Parcel.status == "lost")) >= 2
        ownerless = list(s.scalars(select(Parcel.id).where(Parcel.ownerless.is_(True))))
        # deliveries to pack, packed, on their way, signed for
        deliveries = set(s.scalars(select(DeliveryRequest.status)))
        assert {"requested", "slip_issued", "handed_over", "delivered"} <= deliveries
        # complaints at each step, and a claim against a seller about to close
        assert {"open", "investigating", "proposed", "approved", "closed"} <= set(s.scalars(select(Complaint.status)))
        claims = s.execute(select(SellerComplaint.status, SellerComplaint.deadline_at)).all()
        assert {"open", "claimed", "recovered"} <= {c.status for c in claims}
        near = [c for c in claims if c.status == "open" and c.deadline_at.replace(tzinfo=today.tzinfo) > today]
        assert near and min(c.deadline_at.replace(tzinfo=today.tzinfo) for c in near) - today < _days(3)
        # overdue tasks escalated, top-ups waiting for a second person
        assert s.scalar(select(func.count()).select_from(Task).where(Task.status == "open",
                                                                     Task.escalated_at.is_not(None))) >= 5
        assert s.scalar(select(func.count()).select_from(Payment).where(Payment.status == "awaiting_approval")) == 2
    # each ownerless parcel shows the orders it may belong to
    care = auth.login(db, "cskh1", _password(accounts, "cskh1")).actor()
    assert len(ownerless) == 3
    for pid in ownerless:
        assert parcels.candidates(db, care, pid), pid
    # customers in debt: the accountant's queue of debts by order
    accountant = auth.login(db, "ketoan", _password(accounts, "ketoan")).actor()
    assert reader.queue_count(db, accountant, "money.debts", PageRequest()) >= 2

    # the sign-in dialog's list: every account with its roles and password
    assert [(a.username, a.roles, a.password) for a in demo_accounts(db)] == \
        [(a.username, a.roles, a.password) for a in accounts]


def test_a_company_that_is_not_the_demo_lists_no_demo_accounts(db):
    auth.first_run_setup(db, "Công ty Hằng Nga", "admin", "Trần Quản Trị", "correct horse 9")
    assert demo_accounts(db) == []


def _password(accounts, username: str) -> str:
    return next(a.password for a in accounts if a.username == username)


def _days(n: int):
    from datetime import timedelta

    return timedelta(days=n)
