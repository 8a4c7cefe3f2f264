"""Two desktops taking deposits from one wallet at the same moment never overdraw it.

Each thread is a desktop: its own session and connection, its own order of the same customer.
On PostgreSQL a barrier holds both right before they post, so the two transactions really run
at once; the wallet's balance moves by one conditional UPDATE, so the second finds the money
gone and its order waits for a deposit instead. SQLite serialises writers, and must agree.
"""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import JournalLine, Order, Wallet
from app.money import VND, Money
from app.permissions import Role
from app.services import ledger, orders, wallets
from tests.factories import make_customer, make_order, make_user
from tests.money_helpers import fund, set_rates

DEPOSIT = Money.of("497714", VND)      # 70 % of ¥194.80 × 3,650


def _race(db, care, order_ids, barrier=None):
    errors: list[BaseException] = []
    results: dict[int, str] = {}

    def desktop(oid: int) -> None:
        try:
            results[oid] = orders.apply_action(db, care, oid, "submit")
        except BaseException as exc:      # reported below, never lost in a thread
            errors.append(exc)

    threads = [threading.Thread(target=desktop, args=(oid,)) for oid in order_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def _wallet_lines(db, customer_id) -> int:
    with db.read() as s:
        acc_id = s.scalar(select(Wallet.account_id).where(Wallet.customer_id == customer_id))
        return int(s.scalar(select(func.coalesce(func.sum(JournalLine.amount), 0))
                            .where(JournalLine.account_id == acc_id)))


def test_two_desktops_taking_deposits_from_one_wallet_never_overdraw_it(db, monkeypatch):
    care = make_user(db, Role.CARE)
    set_rates(db)
    real_post = ledger.post
    gate: dict[str, threading.Barrier | None] = {"barrier": None}

    def post_together(tx, actor, kind, *args, **kw):
        barrier = gate["barrier"]
        if kind == "deposit" and barrier is not None:
            barrier.wait(20)               # both desktops are inside their transactions now
        return real_post(tx, actor, kind, *args, **kw)

    monkeypatch.setattr(ledger, "post", post_together)
    for round_ in range(8):
        cid = make_customer(db, care, name=f"Khách {round_}", phone=f"0912 111 {round_:03d}")
        fund(db, cid, str(DEPOSIT.amount + 1000))       # enough for one deposit, not two
        first, second = make_order(db, care, cid), make_order(db, care, cid)
        gate["barrier"] = threading.Barrier(2) if db.kind == "postgresql" else None
        results = _race(db, care, [first, second])
        assert sorted(results.values()) == ["deposited", "new"], results
        view = wallets.wallet_view(db, care, cid)
        assert view.balance == Money.of("1000", VND)
        assert -_wallet_lines(db, cid) == 1000           # the wallet is exactly the sum of its lines


def test_many_desktops_hammering_one_wallet_take_no_more_than_it_holds(db):
    care, manager = make_user(db, Role.CARE), make_user(db, Role.MANAGER)
    set_rates(db)
    cid = make_customer(db, care)
    fund(db, cid, "3000000")                            # six deposits' worth, and a bit
    wallets.grant_credit(db, manager, cid, Decimal(600000), "khách quen")   # one more within credit
    order_ids = [make_order(db, care, cid) for _ in range(12)]
    workers = 4 if db.kind == "postgresql" else 2
    chunks = [order_ids[i::workers] for i in range(workers)]
    errors: list[BaseException] = []

    def desktop(ids):
        for oid in ids:
            try:
                orders.apply_action(db, care, oid, "submit")
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=desktop, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with db.read() as s:
        deposited = s.scalar(select(func.count()).select_from(Order).where(
            Order.id.in_(order_ids), Order.status == "deposited"))
    assert deposited == 7                                # 3,600,000 available / 497,714 each
    view = wallets.wallet_view(db, care, cid)
    assert view.balance == Money.of(str(3000000 - 7 * 497714), VND)
    assert view.balance >= -view.credit_limit
    assert -_wallet_lines(db, cid) == view.balance.minor
