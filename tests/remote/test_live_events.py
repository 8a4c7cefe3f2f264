"""Live updates through the server: what one desktop (or anything else writing to the database)
commits reaches every other desktop's RemoteChangeWatcher within 2 s, pushed by the server's
long poll (GET /events); a poll needs a valid session; a cursor from another server process asks
the desktop to refresh everything."""
from __future__ import annotations

import queue
import time
from decimal import Decimal

import httpx

from app import __version__
from app.permissions import Role
from app.remote import wire
from app.remote.live import ChangeBatch, RemoteChangeWatcher
from tests.factories import PASSWORD, make_customer, make_user
from tests.money_helpers import accounts


def _watch(client) -> tuple[RemoteChangeWatcher, "queue.Queue[tuple[frozenset, str]]"]:
    got: queue.Queue = queue.Queue()
    watcher = RemoteChangeWatcher(client, lambda tables, origin: got.put((tables, origin)))
    watcher.start()
    assert watcher.listening.wait(10), "the first poll was not answered"
    return watcher, got


def _next(got: queue.Queue, within: float) -> tuple[frozenset, str]:
    return got.get(timeout=within)


def test_a_change_made_through_one_desktop_reaches_the_other_within_two_seconds(db, desktop):
    make_user(db, Role.ACCOUNTANT, username="lan")
    care = make_user(db, Role.CARE, username="minh")
    bank, _cny = accounts(db)
    cid = make_customer(db, care, name="Nguyễn Thị Hoa")
    here, there = desktop(), desktop()
    here.login("lan", PASSWORD)
    there.login("minh", PASSWORD)
    watcher, got = _watch(there)
    try:
        time.sleep(0.3)   # the watcher is now inside its long poll
        started = time.monotonic()
        here.call("wallets.record_payment", "topup", cid, Decimal("500000"), "VCB 7", db.clock.now().date(),
                  bank)
        tables, _origin = _next(got, 10.0)
        assert time.monotonic() - started < 2.0
        assert "payments" in tables, tables
        # nothing else is pending: the sign-in bookkeeping of the other desktop is not a change
        time.sleep(0.6)
        rest = []
        while not got.empty():
            rest.append(got.get_nowait())
        assert all(t for t, _o in rest), rest   # no "refresh everything" for our own bookkeeping
    finally:
        watcher.stop()


def test_several_changes_while_a_desktop_is_between_polls_all_arrive_in_order(db, desktop, running):
    care = make_user(db, Role.CARE, username="lan")
    client = desktop()
    client.login("lan", PASSWORD)
    watcher, got = _watch(client)
    watcher.stop()          # the desktop is away for a moment
    first, second = make_customer(db, care, name="An"), make_customer(db, care, name="Bình")
    assert first and second
    watcher2 = RemoteChangeWatcher(client, lambda t, o: got.put((t, o)))
    watcher2.cursor = watcher.cursor     # it comes back with the cursor it had
    watcher2.start()
    try:
        seen = [_next(got, 10.0), _next(got, 10.0)]
        assert all("customers" in t for t, _o in seen)
    finally:
        watcher2.stop()


def test_a_cursor_from_another_server_process_asks_for_a_full_refresh(db, desktop, running):
    make_user(db, Role.CARE, username="lan")
    client = desktop()
    client.login("lan", PASSWORD)
    watcher = RemoteChangeWatcher(client, lambda t, o: None, wait_seconds=0)
    watcher.cursor = "0123456789ab:17"   # given by a server process this one is not
    batch = watcher.poll()
    watcher.stop()
    assert isinstance(batch, ChangeBatch) and batch.reset and not batch.changes
    assert batch.cursor.startswith(running.server.events.epoch + ":")


def test_a_poll_without_a_valid_session_is_refused(db, desktop, running):
    make_user(db, Role.CARE, username="lan")
    client = desktop()
    watcher = RemoteChangeWatcher(client, lambda t, o: None, wait_seconds=0)
    assert watcher.poll() is None        # never signed in: refused, nothing leaks
    identity = client.known.get(client.url)
    from app.remote.client import pinned_context

    with httpx.Client(base_url=client.url, verify=pinned_context(identity)) as http:
        resp = http.get("/events", params={"wait": "0"},
                        headers={wire.HEADER_VERSION: __version__, "authorization": "Bearer forged"})
    assert resp.status_code == 401
    client.login("lan", PASSWORD)
    assert watcher.poll() is not None
    watcher.stop()


def test_with_two_server_processes_a_change_through_one_reaches_a_desktop_polling_the_other(db, start_server,
                                                                                             desktop):
    """Stateless servers: each process listens to the database itself (PostgreSQL NOTIFY, SQLite's
    data_version), so a desktop polling one sees what was committed through another."""
    from app.db import Database

    make_user(db, Role.ACCOUNTANT, username="lan")
    care = make_user(db, Role.CARE, username="minh")
    bank, _cny = accounts(db)
    cid = make_customer(db, care, name="Nguyễn Thị Hoa")
    first = start_server()
    other_db = Database(db.url.render_as_string(hide_password=False), clock=db.clock)   # another process's
    try:
        from app.server.app import Server
        from app.server.run import ServerThread

        second = ServerThread(Server(other_db).app, *start_server.tls).start()
        try:
            here, there = desktop(first.url), desktop(second.url)
            here.login("lan", PASSWORD)
            there.login("minh", PASSWORD)
            watcher, got = _watch(there)
            try:
                time.sleep(0.3)
                here.call("wallets.record_payment", "topup", cid, Decimal("300000"), "VCB 9", db.clock.now().date(),
                          bank)
                started = time.monotonic()
                tables, origin = _next(got, 10.0)
                assert time.monotonic() - started < 2.0
                # PostgreSQL names the tables and the committing process; SQLite says "anything"
                assert ("payments" in tables and origin == db.origin) if db.kind == "postgresql" else not tables
            finally:
                watcher.stop()
                there.close()   # before the server stops: it waits for its open TLS connections
        finally:
            second.stop()
    finally:
        other_db.dispose()
