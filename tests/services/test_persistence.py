"""Exact storage and paging on both databases."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.models import Customer, Order, VipLevel
from app.money import CNY, VND, Money
from app.permissions import Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import tasks
from app.workflows.tasks import TaskKind
from tests.factories import make_user


def test_money_survives_the_round_trip_to_the_last_digit(db):
    big = Money.of("12345678901234567.89", CNY)
    with db.transaction() as tx:
        tx.add(VipLevel(code="V1", name="VIP 1", min_spend=Money.of("9007199254740993", VND),
                        deposit_percent=Decimal("33.33")))
        c = Customer(code="KH1", name="Nguyễn Thị Hằng", created_at=utcnow(), updated_at=utcnow())
        tx.add(c)
        tx.flush()
        now = utcnow()
        tx.add(Order(code="DH1", kind="purchase", status="draft", customer_id=c.id, goods_cny=big,
                     created_at=now, updated_at=now, status_changed_at=now))
    with db.read() as s:
        assert s.scalar(select(Order.goods_cny)) == big
        v = s.scalar(select(VipLevel))
        assert v.min_spend == Money.of("9007199254740993", VND)  # beyond float's exact range
        assert v.deposit_percent == Decimal("33.33")


def test_times_come_back_aware_and_in_utc(db):
    at = utcnow().replace(microsecond=0)
    with db.transaction() as tx:
        tx.add(Customer(code="KH2", name="A", created_at=at, updated_at=at))
    with db.read() as s:
        got = s.scalar(select(Customer.created_at))
    assert got == at and got.utcoffset() == timedelta(0)


def test_keyset_paging_walks_every_row_once_in_order(db):
    manager = make_user(db, Role.MANAGER)
    with db.transaction() as tx:
        for i in range(257):
            tasks.open_task(tx, manager, TaskKind.OTHER, Role.CARE, f"Việc {i:03d}", "order", i)
    care = make_user(db, Role.CARE)
    seen, after = [], None
    while True:
        page = reader.queue_page(db, care, "tasks.role", PageRequest(after=after, limit=50))
        seen += [r.title for r in page.rows]
        if page.exhausted:
            break
        after = page.last_key
    assert seen == [f"Việc {i:03d}" for i in range(257)]
    assert reader.queue_count(db, care, "tasks.role", PageRequest()) == 257
    desc = reader.queue_page(db, care, "tasks.role", PageRequest(sort=("id", True), limit=3))
    assert [r.title for r in desc.rows] == ["Việc 256", "Việc 255", "Việc 254"]


def test_search_is_accent_and_case_insensitive(db):
    manager = make_user(db, Role.MANAGER)
    with db.transaction() as tx:
        tasks.open_task(tx, manager, TaskKind.OTHER, Role.CARE, "Gọi chị Nguyễn Thị Hằng", "order", 1)
        tasks.open_task(tx, manager, TaskKind.OTHER, Role.CARE, "Gọi anh Trần Văn Đức", "order", 2)
    care = make_user(db, Role.CARE)
    for term in ("Hằng", "nguyen thi hang", "NGUYỄN hằng", "hang"):
        got = reader.queue_page(db, care, "tasks.role", PageRequest(search=term))
        assert [r.title for r in got.rows] == ["Gọi chị Nguyễn Thị Hằng"], term
    assert [r.title for r in reader.queue_page(db, care, "tasks.role", PageRequest(search="duc")).rows] == [
        "Gọi anh Trần Văn Đức"]


def test_sqlite_commits_never_wait_for_a_wal_checkpoint_the_background_thread_does_it(sqlite_db):
    """A scan's commit must not be the one that copies the WAL into the file: the writers'
    own checkpoint is pushed far out, and a background thread checkpoints soon after commits."""
    import sqlite3
    import time

    from app.db import WAL_AUTOCHECKPOINT_PAGES
    from app.models import SettingValue

    with sqlite_db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_AUTOCHECKPOINT_PAGES
    for i in range(30):
        with sqlite_db.transaction() as tx:
            tx.merge(SettingValue(key="company.name", value=f"Công ty {i}",
                                  updated_at=sqlite_db.clock.now()))
    deadline = time.monotonic() + 10
    while sqlite_db._checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sqlite_db._checkpointer.checkpoints >= 1
    # everything committed so far is in the database file: a passive checkpoint finds nothing left
    probe = sqlite3.connect(sqlite_db.url.database)
    try:
        busy, log_frames, done = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert (busy, log_frames) == (0, done)
    finally:
        probe.close()
    sqlite_db.dispose()
    assert not sqlite_db._checkpointer._thread.is_alive()
