"""Scan stations that never stop, on SQLite and PostgreSQL: each scan journalled on the station's
disk, applied to the database exactly once and in order, answered offline from the station's
cache, and sent to "to review" when the database's answer differs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from app.journal import Journal, Station
from app.models import ActivityEvent, Parcel, StationScan
from app.services import alerts, station_scans
from app.services.scanning import Outcome
from app.services.station_scans import StationScanIn
from tests.services.warehouse_helpers import kg, make_staff, parcel, purchase_order

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def st(db):
    return make_staff(db)


def _scan(wid, code, m=None, scan_id=None):
    return StationScanIn(scan_id or str(uuid.uuid4()), "GZ-station-1", wid, code,
                         datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc), m or kg("1.5"))


def _receipts(db, pid=None):
    with db.read() as s:
        q = select(func.count()).select_from(ActivityEvent).where(
            ActivityEvent.entity == "parcel", ActivityEvent.action == "received_cn")
        if pid is not None:
            q = q.where(ActivityEvent.entity_id == pid)
        return s.scalar(q)


def _cut(db):
    """A switch that makes every statement fail as a dropped link does (mid-transaction too)."""
    state = {"cut": False, "after": None}
    if db.kind == "sqlite":
        import sqlite3
        error = sqlite3.OperationalError
    else:
        import psycopg
        error = psycopg.OperationalError

    def do_execute(cursor, statement, parameters, context):
        if state["after"] is not None:            # the link drops after this many more statements
            state["after"] -= 1
            if state["after"] < 0:
                state["cut"], state["after"] = True, None
        if state["cut"]:
            raise error("server closed the connection unexpectedly")

    event.listen(db.engine, "do_execute", do_execute)
    event.listen(db.engine, "do_execute_no_params",
                 lambda cursor, statement, context: do_execute(cursor, statement, None, context))
    return state


def test_the_same_scan_sent_twice_is_received_once_and_answered_the_same(db, st):
    oid, _so = purchase_order(db, st, ["YT5550000000001"])
    scan = _scan(st.wh["CN-GZ"], "yt5550000000001")
    first = station_scans.apply_station_scan(db, st.cn, scan)
    again = station_scans.apply_station_scan(db, st.cn, scan)
    assert first.outcome == again.outcome == Outcome.RECEIVED
    assert (again.parcel_id, again.customer_code, again.shelf) == (first.parcel_id, first.customer_code, first.shelf)
    assert _receipts(db, first.parcel_id) == 1
    # a new scan id of the same parcel is a new scan: "already received", not a second receipt
    other = station_scans.apply_station_scan(db, st.cn2, _scan(st.wh["CN-GZ"], "YT5550000000001"))
    assert other.outcome == Outcome.ALREADY and _receipts(db, first.parcel_id) == 1
    with db.read() as s:
        rows = s.scalars(select(StationScan).order_by(StationScan.outcome)).all()
    assert [(r.outcome, r.code, r.user_id) for r in rows] == [
        ("already", "YT5550000000001", st.cn2.user_id), ("received", "YT5550000000001", st.cn.user_id)]


def test_an_unknown_code_sent_twice_makes_one_ownerless_parcel(db, st):
    scan = _scan(st.wh["CN-GZ"], "ZZ9990000000001")
    a = station_scans.apply_station_scan(db, st.cn, scan)
    b = station_scans.apply_station_scan(db, st.cn, scan)
    assert a.outcome == b.outcome == Outcome.OWNERLESS and a.parcel_id == b.parcel_id
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Parcel)) == 1


def test_the_same_scan_sent_by_two_senders_at_once_is_applied_once(db, st):
    scan = _scan(st.wh["CN-GZ"], "ZZ9990000000002")
    results, barrier = [], threading.Barrier(2)

    def send():
        barrier.wait()
        results.append(station_scans.apply_station_scan(db, st.cn, scan))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.outcome for r in results] == [Outcome.OWNERLESS] * 2
    assert results[0].parcel_id == results[1].parcel_id and _receipts(db) == 1


def test_a_scan_from_a_station_without_an_id_is_refused_before_the_database(db, st):
    from app.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        station_scans.apply_station_scan(db, st.cn, _scan(st.wh["CN-GZ"], "ZZ9990000000003", scan_id="x"))
    assert _receipts(db) == 0


def test_link_cut_in_the_middle_of_a_500_scan_burst_loses_nothing_doubles_nothing_keeps_order(db, st, tmp_path):
    from app.i18n import set_language

    set_language("en")                          # the answers' words are checked below (reset after the test)
    wid = st.wh["CN-GZ"]
    expected = [f"YT77700000{i:05d}" for i in range(5)]
    purchase_order(db, st, expected)
    codes = expected + [f"ZZ88800000{i:05d}" for i in range(495)]
    link = _cut(db)
    journal = Journal(tmp_path / "station.sqlite3")
    station = Station(journal, lambda s: station_scans.apply_station_scan(db, st.cn, s),
                      lambda: station_scans.expected_codes(db, st.cn, wid), st.cn.user_id,
                      backoff=(0.02, 0.1))
    assert station.refresh_cache()
    station.start()
    answers = []
    try:
        for i, code in enumerate(codes):
            if i == 150:
                link["after"] = 3         # inside the next scan's transaction, after its receipt
            if i == 350:
                link["cut"] = False
            answers.append(station.scan(wid, code))
        deadline = time.monotonic() + 60
        while journal.counts()[0] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        station.stop()
    assert journal.counts()[0] == 0                                  # everything sent
    offline = [a for a in answers if a.facts.get("offline")]
    assert len(offline) >= 200 and all("Offline" in a.detail for a in offline)
    entries = journal.entries()
    assert [e.code for e in entries] == codes                        # every answered scan journalled
    with db.read() as s:
        rows = {r.scan_id: r for r in s.scalars(select(StationScan))}
        ids = dict(s.execute(select(Parcel.tracking_code, Parcel.id)).all())
    assert len(rows) == 500 and set(rows) == {e.scan_id for e in entries}
    assert _receipts(db) == 500                                      # nothing received twice
    # applied in the order scanned: each new ownerless parcel got the next id
    unknown = [ids[c] for c in codes[5:]]
    assert unknown == sorted(unknown)
    assert all(rows[e.scan_id].parcel_id == ids[e.code] for e in entries)
    assert journal.counts()[1] == 0                                  # the offline answers were right


def test_the_same_parcel_scanned_offline_at_two_stations_is_received_once_and_the_other_is_reviewed(db, st, tmp_path):
    wid = st.wh["CN-GZ"]
    purchase_order(db, st, ["YT6660000000001"])
    link = _cut(db)
    stations = []
    for n, actor in (("a", st.cn), ("b", st.cn2)):
        j = Journal(tmp_path / f"{n}.sqlite3")
        stations.append(Station(j, lambda s, a=actor: station_scans.apply_station_scan(db, a, s),
                                lambda a=actor: station_scans.expected_codes(db, a, wid), actor.user_id))
    for s in stations:
        assert s.refresh_cache()
    link["cut"] = True
    local = [s.scan(wid, "YT6660000000001", kg("2.0")) for s in stations]
    assert [r.outcome for r in local] == [Outcome.RECEIVED] * 2
    assert all(r.facts["offline"] and r.shelf for r in local)
    assert [s.status() for s in stations] == [(False, 1, 0)] * 2
    link["cut"] = False
    assert all(s.send_pending() for s in stations)
    assert _receipts(db, parcel(db, "YT6660000000001").id) == 1
    assert [s.status() for s in stations] == [(True, 0, 0), (True, 0, 1)]
    (review,) = stations[1].journal.to_review()
    assert (review.local_outcome, review.outcome, review.code) == ("received", "already", "YT6660000000001")
    stations[1].journal.mark_reviewed(review.scan_id)
    assert stations[1].status() == (True, 0, 0)


def test_an_alert_pinned_while_the_station_was_offline_sends_the_scan_to_review(db, st, tmp_path):
    wid = st.wh["CN-GZ"]
    oid, _so = purchase_order(db, st, ["YT6660000000002"])
    station = Station(Journal(tmp_path / "s.sqlite3"),
                      lambda s: station_scans.apply_station_scan(db, st.cn, s),
                      lambda: station_scans.expected_codes(db, st.cn, wid), st.cn.user_id)
    assert station.refresh_cache()
    link = _cut(db)
    link["cut"] = True
    assert station.scan(wid, "YT6660000000002").outcome == Outcome.RECEIVED
    link["cut"] = False
    alerts.pin_alert(db, st.care, "receive_cn", "Kiểm tra hàng dễ vỡ", order_id=oid)
    assert station.send_pending()
    assert station.status() == (True, 0, 1)
    assert station.journal.to_review()[0].outcome == "alert"
    assert parcel(db, "YT6660000000002").status == "expected"         # the alert stopped it


_WRITER = """
import sys
from app.journal import Journal, Station
from sqlalchemy.exc import OperationalError

def down(scan):
    raise OperationalError("connect", {}, Exception("connection refused"))

station = Station(Journal(sys.argv[1]), down, user_id=1)
for i in range(100000):
    r = station.scan(int(sys.argv[2]), f"ZZ4440{i:09d}")
    print(r.code, flush=True)
"""


def test_a_station_killed_mid_burst_keeps_every_answered_scan_and_applies_each_once(db, st, tmp_path):
    wid = st.wh["CN-GZ"]
    path = tmp_path / "killed.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(wid)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    answered = []
    try:
        for line in proc.stdout:
            answered.append(line.split()[-1])
            if len(answered) == 300:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    journal = Journal(path)
    codes = [e.code for e in journal.entries()]
    assert codes[:300] == answered                      # every answered scan is there, in order
    station = Station(journal, lambda s: station_scans.apply_station_scan(db, st.cn, s), user_id=st.cn.user_id)
    assert station.send_pending()
    # a restart that had not heard the answers sends them all again: still applied once
    journal._conn.execute("UPDATE scans SET state = 'waiting'")
    assert station.send_pending()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StationScan)) == len(codes)
        assert s.scalar(select(func.count()).select_from(Parcel)) == len(codes)
    assert _receipts(db) == len(codes)
    # this station never had the list of expected parcels: every scan it could not check and
    # the database found ownerless is for a person to look at
    assert journal.counts() == (0, len(codes))
