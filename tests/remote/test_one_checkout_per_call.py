"""One call to the server is one pooled connection: its session check and the operation's reads
and transactions share it, so a ping of a rested PostgreSQL connection costs one round trip per
call at most (SQLite has no ping and keeps a checkout per session). A manager's queue counts are one call, a few
statements."""
from __future__ import annotations

from decimal import Decimal

from app.permissions import Role
from app.queries import reader
from app.services import wallets
from tests.factories import PASSWORD, make_customer, make_order, make_user
from tests.money_helpers import accounts
from tests.services.test_queue_counts import counting


def test_each_server_call_checks_out_one_connection(db, desktop):
    manager = make_user(db, Role.MANAGER, username="hung")
    care = make_user(db, Role.CARE)
    acc = make_user(db, Role.ACCOUNTANT, username="phuong")
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    bank, _cny = accounts(db)
    client = desktop()
    client.login("hung", PASSWORD)
    names = [q.name for q in reader.queues_for(manager)]
    client.call("queues.counts", names)                           # warm the pool
    per_session = db.kind != "postgresql"                         # SQLite: one per session
    db.count_cache.changed(frozenset())       # counted afresh, not remembered (count_cache)

    with counting(db) as seen:
        totals = client.call("queues.counts", names)
    assert totals == reader.queue_counts(db, manager, names)
    assert seen["checkouts"] == (2 if per_session else 1)         # (the session check, the counts)
    assert seen["statements"] <= 2 + 2 < 2 + len(names)

    with counting(db) as seen:                                    # order, images, two chats
        window = client.call("orders.window", oid)
    assert window.order.id == oid
    assert seen["checkouts"] == 1 or per_session

    other = desktop()
    other.login("phuong", PASSWORD)
    with counting(db) as seen:                                    # a write after the session check
        paid = other.call("wallets.record_payment", "topup", cid, Decimal("100000"), "VCB 7",
                          db.clock.now().date(), bank)
    assert paid.status == "posted"
    assert wallets.wallet_view(db, acc, cid).balance.amount == Decimal("100000")
    assert seen["checkouts"] == 1 or per_session
