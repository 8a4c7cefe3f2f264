"""CountCache on its own: a total counted while a change landed is not trusted, a total older
than max_age is counted again, an unknown change forgets everything, nothing is kept while the
change feed is down."""
from __future__ import annotations

from sqlalchemy import select

from app.models import Order, Parcel
from app.queries.count_cache import CountCache

ORDERS = select(Order.id).where(Order.id.in_(select(Parcel.order_id)))   # reads orders and parcels


def _cache(now):
    return CountCache(live=lambda: True, max_age=30, clock=lambda: now[0])


def test_a_change_while_counting_makes_the_total_stale():
    now = [100.0]
    cache = _cache(now)
    snap = cache.snapshot()
    cache.changed(frozenset({"parcels"}))           # committed while the count ran
    cache.put("k", ORDERS, 5, snap, now[0])
    assert cache.get("k") is None
    cache.put("k", ORDERS, 6, cache.snapshot(), now[0])
    assert cache.get("k") == 6
    cache.changed(frozenset({"customers"}))         # a table the statement does not read
    assert cache.get("k") == 6
    cache.changed(frozenset({"parcels"}))           # one it reads inside a subquery
    assert cache.get("k") is None


def test_old_totals_and_unknown_changes_and_a_feed_that_is_down():
    now = [100.0]
    cache = _cache(now)
    cache.put("k", ORDERS, 5, cache.snapshot(), now[0])
    now[0] += 31
    assert cache.get("k") is None                   # a queue may depend on the clock
    cache.put("k", ORDERS, 5, cache.snapshot(), now[0])
    cache.changed(frozenset())                      # "anything may have changed"
    assert cache.get("k") is None
    live = [False]
    down = CountCache(live=lambda: live[0])
    down.put("k", ORDERS, 5, down.snapshot(), 0.0)
    live[0] = True
    assert down.get("k") is None
