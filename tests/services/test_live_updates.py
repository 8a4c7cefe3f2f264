"""Two desktops on one database: a change on one reaches the other without a manual refresh."""
import threading
import time

import pytest

from app import db as dbmod
from app.live import ChangeWatcher
from app.permissions import Role
from app.services import tasks
from app.workflows.tasks import TaskKind
from tests.factories import make_user


def _second_desktop(db):
    return dbmod.Database(db.url.render_as_string(hide_password=False), clock=db.clock)


def test_another_desktops_commit_is_seen_within_the_promised_time(db):
    manager = make_user(db, Role.MANAGER)
    other = _second_desktop(db)
    seen: list[frozenset] = []
    arrived = threading.Event()

    def on_change(tables, origin):
        seen.append(tables)
        arrived.set()

    watcher = ChangeWatcher(other, on_change, poll_seconds=0.5)
    watcher.start()
    try:
        time.sleep(0.8)   # the listener is connected / has read the first data_version
        start = time.perf_counter()
        with db.transaction() as tx:
            tasks.open_task(tx, manager, TaskKind.OTHER, Role.CARE, "Gọi lại cho khách")
        assert arrived.wait(5.0)
        elapsed = time.perf_counter() - start
    finally:
        watcher.stop()
        other.dispose()
    if db.kind == "postgresql":
        assert elapsed < 2.0 and "tasks" in seen[0]    # NOTIFY names the tables it touched
    else:
        assert elapsed < 5.0 and seen[0] == frozenset()  # SQLite only knows "something changed"


# PostgreSQL only: on SQLite a commit from this process is indistinguishable (checked above)
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_desktop_does_not_hear_its_own_notifications_twice(db):
    manager = make_user(db, Role.MANAGER)
    seen = []
    watcher = ChangeWatcher(db, lambda t, o: seen.append(t), poll_seconds=0.2)
    watcher.start()
    try:
        time.sleep(0.8)
        with db.transaction() as tx:
            tasks.open_task(tx, manager, TaskKind.OTHER, Role.CARE, "x")
        time.sleep(1.0)
    finally:
        watcher.stop()
    assert seen == []


def test_a_rolled_back_change_announces_nothing(db):
    manager = make_user(db, Role.MANAGER)
    heard = []
    unsubscribe = db.subscribe(lambda tables, origin: heard.append(tables))
    try:
        try:
            with db.transaction() as tx:
                tasks.open_task(tx, manager, TaskKind.OTHER, Role.CARE, "x")
                raise RuntimeError("crash mid-work")
        except RuntimeError:
            pass
        with db.transaction() as tx:
            tasks.open_task(tx, manager, TaskKind.OTHER, Role.CARE, "y")
    finally:
        unsubscribe()
    assert len(heard) == 1 and "tasks" in heard[0]


def test_a_transaction_that_only_adds_rows_is_announced_too(db):
    """Nothing flushed before the commit (an object added, no query after it): it is still
    announced, locally and to the other desktops (the server's outbox is woken by it)."""
    from app.models import Customer
    from app.services.notifications import notify_customer
    from tests.factories import make_customer

    cid = make_customer(db)
    heard = []
    unsubscribe = db.subscribe(lambda tables, origin: heard.append(tables))
    try:
        with db.transaction() as tx:
            customer = tx.get(Customer, cid)
            notify_customer(tx, customer, "order_status", "order", None, code="DH0000001", status="Purchased")
    finally:
        unsubscribe()
    assert len(heard) == 1 and "customer_messages" in heard[0]
