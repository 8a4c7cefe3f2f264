"""The benchmark's slow link (benchmarks/delay_proxy.py) between a real desktop client and a real
server: every call pays the set delay each way, the proxy counts one round trip per call on a
kept-alive connection, and cutting the link makes the desktop say the connection is lost until
it is restored."""
from __future__ import annotations

import time

import pytest

from app.remote.client import KnownServers, RemoteClient, probe
from app.remote.errors import ConnectionLost
from app.permissions import Role
from benchmarks.delay_proxy import DelayProxy
from tests.factories import PASSWORD, make_user

DELAY = 0.05


@pytest.fixture
def link(running):
    port = int(running.url.rsplit(":", 1)[1])
    proxy = DelayProxy("127.0.0.1", port, delay=DELAY).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def through(link, tmp_path):
    known = KnownServers(tmp_path / "known.json")
    known.trust(link.url, probe(link.url))
    client = RemoteClient(link.url, known, timeout=5)
    yield client
    client.close()


def test_each_call_through_the_link_pays_the_delay_both_ways_and_is_one_round_trip(db, link, through):
    make_user(db, Role.MANAGER, username="quanly")
    through.connect()
    through.login("quanly", PASSWORD)
    before = link.counts()
    took = []
    for _ in range(3):
        t0 = time.perf_counter()
        assert through.call("users.list_warehouses") is not None
        took.append(time.perf_counter() - t0)
    assert min(took) >= 2 * DELAY
    after = link.counts()
    assert after.round_trips - before.round_trips == 3
    assert after.connections == before.connections          # the connection was kept alive


def test_a_cut_link_is_a_lost_connection_until_it_is_restored(db, link, through):
    make_user(db, Role.MANAGER, username="quanly")
    through.connect()
    through.login("quanly", PASSWORD)
    link.cut()
    with pytest.raises(ConnectionLost):
        through.call("users.list_warehouses")
    with pytest.raises(ConnectionLost):                     # a new connection is refused too
        through.call("users.list_warehouses")
    link.restore()
    assert through.call("users.list_warehouses") is not None
    with pytest.raises(ConnectionLost):
        link.cut()
        through.call("users.list_warehouses")


def test_the_server_says_how_long_it_worked_on_each_call(db, running, desktop):
    make_user(db, Role.MANAGER, username="quanly")
    client = desktop()
    client.login("quanly", PASSWORD)
    seen = []
    client._http.event_hooks["response"].append(lambda r: seen.append(r.headers.get("server-timing")))
    t0 = time.perf_counter()
    client.call("users.list_warehouses")
    wall_ms = (time.perf_counter() - t0) * 1000
    name, _sep, dur = seen[-1].partition(";dur=")
    assert name == "app" and 0 < float(dur) <= wall_ms
