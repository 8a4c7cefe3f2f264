"""Faults a warehouse PC and a server room really have: the desktop process killed (kill -9, a power
cut) in the middle of a burst of scans or top-ups, and the PostgreSQL server restarted while
desktops work. What was answered is in the database exactly once, nothing is half-written, the
books balance, and the desktop carries on after the restart with a clear message meanwhile."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.errors import DomainError
from app.models import ActivityEvent, JournalEntry, JournalLine, Parcel, Payment, User
from app.permissions import Role
from app.services import wallets
from tests.factories import PASSWORD, make_customer, make_user
from tests.money_helpers import accounts
from tests.services.warehouse_helpers import consignment_order, make_staff

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parents[2]

_CHILD = textwrap.dedent("""
    import sys
    from datetime import date
    from decimal import Decimal
    from app.db import Database
    from app.services import parcels, wallets
    from app.services.auth import login
    url, kind, username, password, arg = sys.argv[1:6]
    db = Database(url)
    actor = login(db, username, password).actor()
    if kind == "scan":
        warehouse = int(arg)
        for code in sys.stdin.read().split():
            r = parcels.receive_cn(db, actor, warehouse, code)
            print(code, r.outcome, flush=True)        # answered: the station has shown it
    else:
        customer, account = (int(x) for x in arg.split(","))
        for i in range(100000):
            r = wallets.record_payment(db, actor, "topup", customer, Decimal(100000), f"KILL-{i:06d}",
                                       date.today(), account)
            print(r.payment_id, flush=True)
""")


def _username(db, actor) -> str:
    with db.read() as s:
        return s.get(User, actor.user_id).username


def _burst_then_kill(db, args, stdin: str, after: int) -> list[str]:
    """Run the child desktop, read its answers, kill -9 it after ``after`` of them."""
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, db.url.render_as_string(hide_password=False), *args],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdin.write(stdin)
    proc.stdin.close()
    answered = []
    deadline = time.monotonic() + 240
    while len(answered) < after and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        answered.append(line.split()[0])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert len(answered) == after, proc.stderr.read()[-2000:]
    return answered


def test_kill_9_in_the_middle_of_a_scan_burst_loses_and_halves_nothing(db):
    st = make_staff(db)
    codes = [f"SF6{i:09d}" for i in range(400)]
    consignment_order(db, st, codes[:200])                  # expected; the rest become ownerless
    answered = _burst_then_kill(db, ["scan", _username(db, st.cn), PASSWORD, str(st.wh["CN-GZ"])],
                                "\n".join(codes[:100] + codes[200:300] + codes[100:200] + codes[300:]), 150)
    with db.read() as s:
        rows = {p.tracking_code: p for p in s.scalars(select(Parcel).where(Parcel.tracking_code.in_(codes)))}
        events = dict(s.execute(select(Parcel.tracking_code, func.count(ActivityEvent.id))
                                .join(ActivityEvent, (ActivityEvent.entity == "parcel")
                                      & (ActivityEvent.entity_id == Parcel.id)
                                      & (ActivityEvent.action == "received_cn"))
                                .group_by(Parcel.tracking_code)).all())
        if db.kind == "sqlite":
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    for code in answered:                                   # every answered scan is there, once
        assert rows[code].status == "received_cn" and rows[code].received_cn_at is not None, code
        assert events.get(code) == 1, code
    for code, p in rows.items():                            # nothing half-written, answered or not
        received = p.status == "received_cn"
        assert received == (p.received_cn_at is not None) == (events.get(code) == 1), code
    lost = [c for c in answered if c not in rows]
    doubled = [c for c, n in events.items() if n > 1]
    assert (lost, doubled) == ([], [])


def test_kill_9_in_the_middle_of_a_top_up_burst_keeps_the_books_balanced(db):
    accountant = make_user(db, Role.ACCOUNTANT)
    care = make_user(db, Role.CARE)
    cid = make_customer(db, care)
    bank = accounts(db)[0]
    answered = _burst_then_kill(db, ["topup", _username(db, accountant), PASSWORD, f"{cid},{bank}"], "", 60)
    with db.read() as s:
        payments = list(s.scalars(select(Payment).where(Payment.customer_id == cid)))
        unbalanced = s.execute(select(JournalLine.entry_id).group_by(JournalLine.entry_id)
                               .having(func.sum(JournalLine.amount) != 0)).all()
        entries = s.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "topup"))
    by_id = {str(p.id): p for p in payments}
    assert all(by_id[i].status == "posted" and by_id[i].entry_id for i in answered)      # none lost
    assert all(p.status == "posted" and p.entry_id for p in payments)                      # none half-posted
    assert unbalanced == [] and entries == len(payments)
    balance = wallets.wallet_view(db, care, cid).balance.amount
    assert balance == Decimal(100000) * len(payments) and len(payments) >= len(answered)


@pytest.fixture
def own_pg():
    """A PostgreSQL of this test's own: restarting the shared one would stop every other test."""
    from tests import pg_server

    from tests.conftest import REQUIRE_PG

    ok, why = pg_server.available()
    if not ok:
        if REQUIRE_PG:                       # CI: a missing PostgreSQL is a failure, never a skip
            pytest.fail(f"IMPORTDESK_REQUIRE_PG=1 but PostgreSQL cannot run: {why}")
        pytest.skip(why)
    server = pg_server.PgServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_a_postgresql_restart_gives_a_clear_message_then_work_goes_on(own_pg):
    from app import db as dbmod

    database = dbmod.Database(own_pg.url)
    dbmod.upgrade(database)
    try:
        care = make_user(database, Role.CARE)
        cid = make_customer(database, care, name="Trước Khi Khởi Động Lại")
        own_pg.halt()
        try:
            with pytest.raises(DomainError) as refused:
                make_customer(database, care, name="Trong Lúc Dừng")
            assert "postgresql" in str(refused.value).lower() or "database" in str(refused.value).lower() \
                or "cơ sở dữ liệu" in str(refused.value).lower()
        finally:
            own_pg.resume()
        after = make_customer(database, care, name="Sau Khi Khởi Động Lại")       # the same desktop goes on
        assert after > cid
    finally:
        database.dispose()
