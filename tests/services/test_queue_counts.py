"""The navigation's queue counts: every queue of a role counted in one read session (one pool
checkout, so one pre-ping on PostgreSQL) and a fixed handful of statements, with the same totals
as reading each queue's rows, searched and filtered alike."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.errors import PermissionDenied
from app.queries import reader
from app.queries.paging import PageRequest
from app.remote import views
from tests.services.test_warehouse_queues import world  # noqa: F401  (the fixture)


@contextmanager
def counting(db):
    """Statements sent (SQLAlchemy's before_cursor_execute) and pool checkouts while it runs."""
    seen = {"statements": 0, "checkouts": 0}

    def statement(*_a, **_k):
        seen["statements"] += 1

    def checkout(*_a, **_k):
        seen["checkouts"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine.pool, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine.pool, "checkout", checkout)


def _rows(db, actor, name, req):
    with reader.queue_rows(db, actor, name, req) as rows:
        return sum(1 for _ in rows)


def test_a_managers_counts_take_one_session_and_a_fixed_number_of_statements(db, world):
    manager = world.manager
    names = [q.name for q in reader.queues_for(manager)]
    assert len(names) >= 20
    reader.queue_counts(db, manager, names)            # warm the pool (and SQLAlchemy's caches)
    with counting(db) as seen:
        totals = reader.queue_counts(db, manager, names)
    assert seen["checkouts"] == 1
    # BEGIN (sent as a statement on SQLite) and the one SELECT of every count
    assert seen["statements"] <= 2 < 2 + len(names)
    assert list(totals) == names
    assert totals == {n: _rows(db, manager, n, PageRequest()) for n in names}
    assert totals["parcels.lost"] == 0 and totals["shipments.all"] == 2

    with counting(db) as seen:                         # what the server's queues.counts runs
        assert views.queue_counts(db, manager, names) == totals
    assert seen["checkouts"] == 1 and seen["statements"] <= 2


def test_counts_are_searched_and_filtered_as_each_queue_is(db, world):
    st = world
    names = [q.name for q in reader.queues_for(st.cn)]
    for req in (PageRequest(search="SF40000"), PageRequest(search="0009"),
                PageRequest(filters={"warehouse": st.wh["CN-PX"]}),
                PageRequest(filters={"warehouse": st.wh["CN-GZ"]}, search="sf4000000003")):
        totals = reader.queue_counts(db, st.cn, names, req)
        assert totals == {n: _rows(db, st.cn, n, req) for n in names}
        assert totals == {n: reader.queue_count(db, st.cn, n, req) for n in names}
    assert reader.queue_counts(db, st.cn, ["parcels.cn_stock", "parcels.expected"],
                               PageRequest(search="SF40000")) == {"parcels.cn_stock": 1,
                                                                  "parcels.expected": 2}
    assert reader.queue_counts(db, st.cn, []) == {}


def test_a_queue_the_actor_may_not_see_refuses_the_whole_call_before_any_query(db, world):
    st = world
    with counting(db) as seen, pytest.raises(PermissionDenied):
        reader.queue_counts(db, st.cn, ["parcels.cn_stock", "customers.all"])
    assert seen["checkouts"] == 0
