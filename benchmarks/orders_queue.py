"""Queues at scale: 1,000,000 orders and 200,000 customers, on SQLite and PostgreSQL.

Reports, per database: the first page of a filtered, sorted queue; a page 5,000 rows deep
(keyset); accent-insensitive search of customers and of the orders queue; opening an order
window (the service read and the Qt window); and the open queue's memory at 10k vs 1M orders.
Targets: first page < 50 ms, deep page < 50 ms, search < 100 ms, order window < 200 ms, queue
memory independent of the row count. Exits non-zero when a target is missed.

    ORDERS=1000000 python benchmarks/orders_queue.py          (data is cached in .benchmarks-data/)
    ONLY=sqlite (or ONLY=postgresql) runs one database; both are needed to meet the targets.
"""
from __future__ import annotations

import gc
import os
import statistics
import sys
import time
import tracemalloc

from _common import ROOT, Targets, with_postgresql

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
os.environ.setdefault("IMPORTDESK_ARGON2_PROFILE", "cheapest")

N = int(os.environ.get("ORDERS", "1000000"))
CACHE = ROOT / ".benchmarks-data"
REPEAT = 15
ONLY = os.environ.get("ONLY", "")


def timed(fn, repeat: int = REPEAT) -> tuple[float, float]:
    """(median, worst) milliseconds over ``repeat`` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def build(database, n: int) -> dict:
    from app.demo import create_demo_company, generate_bulk
    from app import db as dbmod

    dbmod.upgrade(database)
    if dbmod.is_empty(database):
        accounts = {a.username: a.password for a in create_demo_company(database)}
    else:
        accounts = {}
    t = time.perf_counter()
    generate_bulk(database, n, batch=10000)
    if database.kind == "postgresql":
        from sqlalchemy import text

        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    else:
        from sqlalchemy import text

        with database.engine.connect() as c:
            c.execute(text("ANALYZE"))
            c.commit()
    print(f"  generated {n:,} orders in {time.perf_counter() - t:.0f} s")
    return accounts


def measure(label: str, database, t: Targets) -> None:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select

    from app.models import Order, User
    from app.permissions import Actor, Role
    from app.queries import reader
    from app.queries.paging import PageRequest
    from app.services import customers as customer_service
    from app.services import orders as order_service

    with database.read() as s:
        n = s.scalar(select(func.count()).select_from(Order))
        manager_id = s.scalar(select(User.id).where(User.username == "quanly"))
        care_id = s.scalar(select(User.id).where(User.username == "cskh1"))
    manager = Actor(manager_id, "bench", Role.MANAGER, frozenset({Role.MANAGER, Role.CARE}))
    care = Actor(care_id, "bench care", Role.CARE, frozenset({Role.CARE}))
    print(f"-- {label}: {n:,} orders")

    queues = [("manager: orders to confirm", manager, "orders.to_confirm", PageRequest()),
              ("care: my orders (by last change)", care, "orders.care_mine", PageRequest()),
              ("all orders, newest first", manager, "orders.all", PageRequest()),
              ("all orders, status filter + oldest first", manager, "orders.all",
               PageRequest(sort=("created_at", False), filters={"status": "purchasing"}))]
    for name, actor, queue, req in queues:
        med, worst = timed(lambda: reader.queue_page(database, actor, queue, req))
        t.check(f"{label}: first page, {name}", med, 50)
        t.info(f"{label}:   worst of {REPEAT}", worst, "ms")

    # 5,000 rows deep: walk there once (untimed), then time the keyset page from that point.
    req = PageRequest(sort=("created_at", True), limit=100)
    after = None
    for _ in range(50):
        page = reader.queue_page(database, manager, "orders.all", PageRequest(req.sort, after=after, limit=100))
        after = page.last_key
    med, worst = timed(lambda: reader.queue_page(database, manager, "orders.all",
                                                 PageRequest(req.sort, after=after, limit=100)))
    t.check(f"{label}: page 5,000 rows deep (keyset)", med, 50)

    for term in ("nguyen thi hang", "hằng", "0912", "KH0001"):
        med, worst = timed(lambda: customer_service.find_customers(database, manager, term))
        t.check(f"{label}: customer search “{term}”", med, 100)
    for term in ("nguyen thi hang", "hằng", "DH00123"):
        med, worst = timed(lambda: reader.queue_page(database, manager, "orders.all", PageRequest(search=term)))
        t.check(f"{label}: orders queue search “{term}”", med, 100)

    with database.read() as s:
        some = list(s.scalars(select(Order.id).where(Order.kind == "purchase").order_by(Order.id.desc()).limit(200)))
    ids = iter(some * 3)
    med, worst = timed(lambda: order_service.get_order(database, manager, next(ids)))
    t.check(f"{label}: open an order (service read)", med, 200)

    app = QApplication.instance() or QApplication([])
    import ui.screens  # noqa: F401
    from ui.screens.orders import OrderWindow
    from ui.session import Session
    from app.services.auth import SignedIn

    signed = SignedIn(manager_id, "quanly", "bench", (Role.MANAGER, Role.CARE), "vi", None, False)
    session = Session(database, signed)

    def open_window():
        w = OrderWindow(session, next(ids))
        w.show()
        app.processEvents()
        w.close()
        w.deleteLater()

    med, worst = timed(open_window, repeat=10)
    t.check(f"{label}: open an order window (Qt, shown)", med, 200)

    current, rows = model_memory(session)
    t.info(f"{label}: open queue model memory (rows held: {rows})", current / 1024, "KB")
    return current


def model_memory(session) -> tuple[int, int]:
    """Bytes a freshly opened "all orders" queue holds (after a warm-up, so lazy imports and
    locale data loaded by the first one are not counted)."""
    from app.queries.queues import QUEUES
    from ui.queues import QueueModel

    QueueModel(session, QUEUES["orders.all"], 100).reload(keep_loaded=False)
    gc.collect()
    tracemalloc.start()
    model = QueueModel(session, QUEUES["orders.all"], 100)
    model.reload(keep_loaded=False)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return current, model.rowCount()


def main() -> int:
    from app import db as dbmod

    CACHE.mkdir(exist_ok=True)
    t = Targets(f"orders queues at {N:,} orders / {N // 5:,} customers")
    small_path, big_path = CACHE / "orders-10000.db", CACHE / f"orders-{N}.db"
    memory = {}
    for path, n in ((small_path, 10000), (big_path, N)) if ONLY != "postgresql" else ():
        fresh = not path.exists()
        database = dbmod.Database(f"sqlite:///{path}")
        if fresh:
            print(f"building {path.name} (once) …")
            build(database, n)
        else:
            dbmod.upgrade(database)         # a cached database from an older schema
        memory[n] = measure(f"SQLite {n:,}", database, t) if n == N else _memory_only(database)
        database.dispose()
    if memory:
        t.check(f"queue model memory at {N:,} vs 10,000 orders (ratio)", memory[N] / max(memory[10000], 1),
                1.5, "x")
    if ONLY == "sqlite":
        return t.finish()

    def on_postgresql(database) -> None:
        print("building the PostgreSQL database …")
        build(database, N)
        measure(f"PostgreSQL {N:,}", database, t)

    with_postgresql(on_postgresql)
    return t.finish()


def _memory_only(database) -> int:
    from sqlalchemy import select

    from app.models import User
    from app.permissions import Role
    from app.services.auth import SignedIn
    from PySide6.QtWidgets import QApplication
    from ui.session import Session

    QApplication.instance() or QApplication([])
    with database.read() as s:
        manager_id = s.scalar(select(User.id).where(User.username == "quanly"))
    session = Session(database, SignedIn(manager_id, "quanly", "bench", (Role.MANAGER,), "vi", None, False))
    return model_memory(session)[0]


if __name__ == "__main__":
    sys.exit(main())
