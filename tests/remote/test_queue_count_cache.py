"""The navigation's queue totals through a server: remembered between changes (forty desktops
asking after one change cost one count), and never stale — a change by a desktop, by anything
writing to the database in this process, or by another process (another server, an admin
command) makes every total that reads the changed tables be counted again."""
from __future__ import annotations

import time

from app.db import Database
from app.permissions import Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services.orders import OrderInput
from tests.factories import PASSWORD, item, make_customer, make_order, make_user, make_warehouses


def _fresh(db, actor, names):
    return {n: reader.queue_count(db, actor, n, PageRequest()) for n in names}


def _listening(running) -> None:
    deadline = time.monotonic() + 10
    while not running.server.events.listening():
        assert time.monotonic() < deadline, "the server never started listening for changes"
        time.sleep(0.05)


def test_queue_totals_are_remembered_between_changes_and_counted_again_after_one(db, desktop, running):
    care = make_user(db, Role.CARE, username="trang")
    cid = make_customer(db, care)
    make_order(db, care, cid)
    a, b = desktop(), desktop()
    a.login("trang", PASSWORD)
    b.login("trang", PASSWORD)
    a.call("users.list_warehouses")        # the server listens for changes from its first call
    _listening(running)
    names = [q.name for q in reader.queues_for(care)]
    cache = running.server.count_cache
    first = a.call("queues.counts", names)
    assert first == _fresh(db, care, names) and first["orders.all"] == 1
    hits = cache.hits
    assert b.call("queues.counts", names) == first          # the other desktop: from memory
    assert cache.hits - hits == len(names)

    # a change through a desktop: the order queues are counted again at once
    wh = make_warehouses(db)
    b.call("orders.create", OrderInput("purchase", cid, wh["VN-HN"], wh["CN-GZ"], items=[item()]))
    after = a.call("queues.counts", names)
    assert after == _fresh(db, care, names) and after["orders.all"] == 2

    # a change written in the server's process without a desktop (housekeeping, a test)
    make_order(db, care, cid)
    assert a.call("queues.counts", names)["orders.all"] == 3


def test_a_change_by_another_process_reaches_the_remembered_totals(db, desktop, running):
    care = make_user(db, Role.CARE, username="trang")
    cid = make_customer(db, care)
    client = desktop()
    client.login("trang", PASSWORD)
    client.call("users.list_warehouses")
    _listening(running)
    names = ["orders.all"]
    assert client.call("queues.counts", names) == {"orders.all": 0}
    other = Database(db.url.render_as_string(hide_password=False), clock=db.clock)   # another process
    try:
        make_order(other, care, cid)
    finally:
        other.dispose()
    deadline = time.monotonic() + 3       # heard through LISTEN (PostgreSQL) or data_version (SQLite)
    while client.call("queues.counts", names) != {"orders.all": 1}:
        assert time.monotonic() < deadline, "the other process's order was never counted"
        time.sleep(0.1)
