"""A scan station working through the application server (real HTTP, real TLS) and a link that
drops: the station answers every scan from its own journal and cache at once, sends the journal
one request per batch (``stations.apply_scans``), and when the link comes back nothing is lost,
nothing is applied twice and the order of the scans is kept."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.journal import Journal, Station
from app.models import ActivityEvent, Parcel, StationScan
from app.permissions import Role
from app.remote.client import KnownServers, RemoteClient, probe
from benchmarks.delay_proxy import DelayProxy
from tests.factories import PASSWORD, make_user
from tests.services.warehouse_helpers import make_staff, purchase_order


@pytest.fixture
def db(sqlite_db):
    """SQLite behind the server here (the in-process burst runs on both databases in
    tests/services/test_station_journal.py; this one is about the transport)."""
    return sqlite_db


@pytest.fixture
def link(running):
    port = int(running.url.rsplit(":", 1)[1])
    proxy = DelayProxy("127.0.0.1", port, delay=0.0).start()
    yield proxy
    proxy.stop()


def test_link_cut_in_the_middle_of_a_500_scan_burst_through_the_server(db, link, tmp_path):
    from app.i18n import set_language

    set_language("en")                          # the answers' words are checked below (reset after the test)
    st = make_staff(db)
    make_user(db, Role.FORWARDER_CN, username="wang", warehouse_code="CN-GZ")
    wid = st.wh["CN-GZ"]
    expected = [f"YT81000000{i:05d}" for i in range(5)]
    purchase_order(db, st, expected)
    codes = expected + [f"ZZ82000000{i:05d}" for i in range(495)]
    known = KnownServers(tmp_path / "known.json")
    known.trust(link.url, probe(link.url))
    client = RemoteClient(link.url, known, timeout=3)
    client.connect()
    signed = client.login("wang", PASSWORD)
    batches: list[int] = []

    def send(scans):
        batches.append(len(scans))
        return client.call("stations.apply_scans", scans)

    journal = Journal(tmp_path / "station.sqlite3")
    station = Station(journal, send=send, user_id=signed.user_id, answer_locally=True, backoff=(0.05, 0.2),
                      cache=lambda kind, w, target: client.call("stations.cache", kind, w, target))
    station.watch("receive_cn", wid)
    assert station.refresh_cache()
    station.start()
    answers, slow = [], []
    try:
        for i, code in enumerate(codes):
            if i == 150:
                link.cut()                      # the link drops in the middle of the burst
            if i == 350:
                link.restore()
            t0 = time.perf_counter()
            answers.append(station.scan(wid, code))
            slow.append(time.perf_counter() - t0)
        deadline = time.monotonic() + 60
        while journal.counts()[0] and time.monotonic() < deadline:
            station.wake()
            time.sleep(0.05)
    finally:
        station.stop()
        client.close()
    assert journal.counts() == (0, 0)                          # all sent, every local answer right
    # every scan was answered at the station, none waited for the server or said "went wrong"
    assert all(a.facts.get("local") for a in answers) and all(s < 2.0 for s in slow)
    assert [a.outcome.value for a in answers[:5]] == ["received"] * 5
    assert any("Offline" in a.detail for a in answers[150:350])
    entries = journal.entries()
    assert [e.code for e in entries] == codes                  # every answered scan journalled, in order
    with db.read() as s:
        rows = {r.scan_id: r for r in s.scalars(select(StationScan))}
        ids = dict(s.execute(select(Parcel.tracking_code, Parcel.id)).all())
        receipts = s.scalar(select(func.count()).select_from(ActivityEvent).where(
            ActivityEvent.entity == "parcel", ActivityEvent.action == "received_cn"))
    assert len(rows) == 500 and set(rows) == {e.scan_id for e in entries}     # nothing lost
    assert receipts == 500                                                     # nothing doubled
    unknown = [ids[c] for c in codes[5:]]
    assert unknown == sorted(unknown)                                          # applied in order
    assert all(rows[e.scan_id].parcel_id == ids[e.code] for e in entries)
    # the scans waiting while the link was down went one request per batch, not one per scan
    assert max(batches) == Station.BATCH and len(batches) < 500
