"""Every kind of scan station keeps working offline (packing, receiving a shipment in Vietnam, a
stocktake), on SQLite and PostgreSQL: the same parcel scanned offline at two stations is packed,
received or counted once and the other station's scan goes to "To review"; a scan sent later is
credited to the person signed in when it is sent and remembers who scanned it."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.journal import Journal, Station
from app.models import Parcel, ShipmentParcel, StationScan, StocktakeLine
from app.permissions import Role
from app.services import parcels, shipments, station_scans, stocktakes
from app.services.scanning import NO_MEASUREMENTS, Outcome
from tests.factories import arrive_sealed, make_user
from tests.services.test_station_journal import _cut
from tests.services.warehouse_helpers import kg, make_staff, parcel, purchase_order


@pytest.fixture
def st(db):
    return make_staff(db)


def _station(db, tmp_path, name, actor, scanned_by=None):
    """A station whose journal belongs to ``scanned_by`` and whose sender is signed in as ``actor``."""
    return Station(Journal(tmp_path / f"{name}.sqlite3"),
                   send=lambda scans: station_scans.apply_station_scans(db, actor, scans),
                   cache=lambda kind, wid, target: station_scans.station_cache(db, actor, kind, wid, target),
                   user_id=(scanned_by or actor).user_id)


def _received_in_china(db, st, codes):
    purchase_order(db, st, codes)
    for c in codes:
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, kg("1.2"))


def _two_offline(db, st, stations, kind, wid, target, code, m=None):
    """Both stations cache, the link drops, both scan ``code``, the link returns, both send."""
    for s in stations:
        assert s.refresh_cache(kind, wid, target)
    link = _cut(db)
    link["cut"] = True
    local = [s.scan(wid, code, m or NO_MEASUREMENTS, kind=kind, target_id=target) for s in stations]
    assert all(r.facts["offline"] for r in local)
    assert [s.status() for s in stations] == [(False, 1, 0)] * 2
    link["cut"] = False
    assert all(s.send_pending() for s in stations)
    return local


def test_the_same_parcel_packed_offline_at_two_stations_is_packed_once_and_the_other_is_reviewed(db, st, tmp_path):
    _received_in_china(db, st, ["YT7100000000001"])
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    stations = [_station(db, tmp_path, "a", st.cn), _station(db, tmp_path, "b", st.cn2)]
    local = _two_offline(db, st, stations, "pack", st.wh["CN-GZ"], sid, "YT7100000000001")
    assert [r.outcome for r in local] == [Outcome.PACKED] * 2
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ShipmentParcel)) == 1
    assert parcel(db, "YT7100000000001").status == "packed"
    assert [s.status() for s in stations] == [(True, 0, 0), (True, 0, 1)]
    (review,) = stations[1].journal.to_review()
    assert (review.local_outcome, review.outcome) == ("packed", "already")
    # an unknown parcel and one of another destination are answered as the server will
    codes = station_scans.station_cache(db, st.cn, "pack", st.wh["CN-GZ"], sid)
    assert [(c.code, c.flag) for c in codes] == [("YT7100000000001", "here")]


def test_the_same_parcel_received_offline_at_two_vietnam_stations_is_received_once(db, st, tmp_path):
    _received_in_china(db, st, ["YT7200000000001", "YT7200000000002"])
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in ("YT7200000000001", "YT7200000000002"):
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal("3"), "S-72")
    shipments.depart_shipment(db, st.cn, sid)
    view = shipments.get_shipment(db, st.vn, sid)
    arrive_sealed(db, st.vn, view.code)
    vn2 = make_user(db, Role.FORWARDER_VN, full_name="Hoàng Văn Tú", warehouse_code="VN-HN")
    stations = [_station(db, tmp_path, "a", st.vn), _station(db, tmp_path, "b", vn2)]
    local = _two_offline(db, st, stations, "receive_vn", st.wh["VN-HN"], sid, "YT7200000000001", kg("1.25"))
    assert [r.outcome for r in local] == [Outcome.RECEIVED] * 2 and all(r.shelf.startswith("HN-") for r in local)
    assert parcel(db, "YT7200000000001").status == "received_vn"
    assert shipments.get_shipment(db, st.vn, sid).received_count == 1
    assert [s.status() for s in stations] == [(True, 0, 0), (True, 0, 1)]
    assert stations[1].journal.to_review()[0].outcome == "already"
    # a parcel not on the manifest is answered "extra" offline, as the server answers it
    link = _cut(db)
    link["cut"] = True
    r = stations[0].scan(st.wh["VN-HN"], "ZZ7200000000009", kind="receive_vn", target_id=sid)
    assert r.outcome == Outcome.EXTRA and r.facts["offline"]
    link["cut"] = False
    assert stations[0].send_pending() and stations[0].status() == (True, 0, 0)


def test_a_vietnam_station_offline_warns_of_a_parcel_that_weighs_more_than_when_it_left(db, st, tmp_path):
    """The manifest the station caches holds each parcel's China weight and the difference allowed:
    a re-weighed parcel is warned about at once with the link down, and the database agrees."""
    _received_in_china(db, st, ["YT7400000000001", "YT7400000000002"])      # 1.2 kg each
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in ("YT7400000000001", "YT7400000000002"):
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal("3"), "S-74")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    station = _station(db, tmp_path, "a", st.vn)
    assert station.refresh_cache("receive_vn", st.wh["VN-HN"], sid)
    link = _cut(db)
    link["cut"] = True
    heavy = station.scan(st.wh["VN-HN"], "YT7400000000001", kg("2.5"), kind="receive_vn", target_id=sid)
    same = station.scan(st.wh["VN-HN"], "YT7400000000002", kg("1.25"), kind="receive_vn", target_id=sid)
    assert (heavy.outcome, same.outcome) == (Outcome.WEIGHT_WARNING, Outcome.RECEIVED)
    assert heavy.facts["offline"] and "2,5" in heavy.detail and "1,2" in heavy.detail
    link["cut"] = False
    assert station.send_pending() and station.status() == (True, 0, 0)     # nothing to review
    assert shipments.get_shipment(db, st.vn, sid).weight_warnings == 1


def test_the_same_parcel_counted_offline_at_two_stocktake_stations_is_counted_once(db, st, tmp_path):
    _received_in_china(db, st, ["YT7300000000001"])
    tid = stocktakes.start_stocktake(db, st.cn, st.wh["CN-GZ"])
    stations = [_station(db, tmp_path, "a", st.cn), _station(db, tmp_path, "b", st.cn2)]
    local = _two_offline(db, st, stations, "stocktake", st.wh["CN-GZ"], tid, "YT7300000000001")
    assert [r.outcome for r in local] == [Outcome.FOUND] * 2
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StocktakeLine)) == 1
    assert stocktakes.get_stocktake(db, st.cn, tid).scanned_count == 1
    assert [s.status() for s in stations] == [(True, 0, 0), (True, 0, 1)]


def test_a_scan_sent_later_is_credited_to_the_sender_and_remembers_who_scanned(db, st, tmp_path):
    _received_in_china(db, st, ["YT7400000000001"])
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    # 王小明 scanned offline; 李华 signed in on the same station later, and the journal went then
    station = _station(db, tmp_path, "a", st.cn2, scanned_by=st.cn)
    assert station.refresh_cache("pack", st.wh["CN-GZ"], sid)
    link = _cut(db)
    link["cut"] = True
    assert station.scan(st.wh["CN-GZ"], "YT7400000000001", kind="pack", target_id=sid).outcome == Outcome.PACKED
    link["cut"] = False
    assert station.send_pending()
    with db.read() as s:
        row = s.scalar(select(StationScan))
        packed_by = s.scalar(select(ShipmentParcel.packed_by_id))
    assert (row.kind, row.target_id, row.user_id, row.scanned_by_id) == ("pack", sid, st.cn2.user_id, st.cn.user_id)
    assert packed_by == st.cn2.user_id


def test_a_batch_sent_twice_is_applied_once_and_a_refused_scan_does_not_stop_it(db, st, tmp_path):
    _received_in_china(db, st, ["YT7500000000001", "YT7500000000002"])
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    station = _station(db, tmp_path, "a", st.cn)
    link = _cut(db)
    link["cut"] = True
    for code in ("YT7500000000001", "YT7500000000002"):
        station.scan(st.wh["CN-GZ"], code, kind="pack", target_id=sid)
    # a scan into a shipment that does not exist is refused, the next one still goes in
    station.scan(st.wh["CN-GZ"], "YT7500000000001", kind="pack", target_id=sid + 99)
    link["cut"] = False
    scans = [e.as_scan() for e in station.journal.waiting()]
    first = station_scans.apply_station_scans(db, st.cn, scans)
    again = station_scans.apply_station_scans(db, st.cn, scans)
    assert [r.outcome for r in first] == [Outcome.PACKED, Outcome.PACKED, Outcome.WRONG]
    assert [r.outcome for r in again[:2]] == [Outcome.PACKED] * 2
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ShipmentParcel)) == 2
        assert s.scalar(select(func.count()).select_from(StationScan)) == 2
        assert s.scalar(select(Parcel.status).where(Parcel.tracking_code == "YT7500000000002")) == "packed"


def test_the_same_batch_sent_by_two_senders_at_once_is_applied_once(db, st, tmp_path):
    import threading

    _received_in_china(db, st, ["YT7600000000001", "YT7600000000002", "YT7600000000003"])
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    station = _station(db, tmp_path, "a", st.cn)
    station.online = False
    for code in ("YT7600000000001", "YT7600000000002", "YT7600000000003"):
        station.scan(st.wh["CN-GZ"], code, kind="pack", target_id=sid)
    scans = [e.as_scan() for e in station.journal.waiting()]
    results, barrier = [], threading.Barrier(2)

    def send():
        barrier.wait()
        results.append(station_scans.apply_station_scans(db, st.cn, scans))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [[r.outcome for r in rs] for rs in results] == [[Outcome.PACKED] * 3] * 2
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ShipmentParcel)) == 3
        assert s.scalar(select(func.count()).select_from(StationScan)) == 3
    assert shipments.get_shipment(db, st.cn, sid).parcel_count == 3


def _departed(db, st, codes, seal_no, gross="5"):
    _received_in_china(db, st, codes)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in codes:
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal(gross), seal_no)
    shipments.depart_shipment(db, st.cn, sid)
    return sid, shipments.get_shipment(db, st.vn, sid).code


def _sack_station(db, tmp_path, actor):
    s = _station(db, tmp_path, "sacks", actor)
    s.transit = lambda wid: station_scans.sacks_on_the_way(db, actor, wid)
    return s


def test_a_sack_opened_offline_is_received_offline_and_arrives_once_when_the_link_returns(db, st, tmp_path):
    from app.services.seals import SealCheck

    codes = ["YT7500000000001", "YT7500000000002", "YT7500000000003"]
    sid, code = _departed(db, st, codes, "S-75")
    station = _sack_station(db, tmp_path, st.vn)
    vn = st.wh["VN-HN"]
    assert station.refresh_cache("arrive", vn, None)
    link = _cut(db)
    link["cut"] = True
    # the sack's seal is asked before it is opened, as online
    assert station.arrive(vn, code.lower()).outcome == Outcome.CHECK_SEAL
    r = station.arrive(vn, code, SealCheck(" s-75 ", Decimal("5.02")))
    assert r.outcome == Outcome.SHIPMENT and r.facts["offline"] and r.facts["shipment_id"] == sid
    got = [station.scan(vn, c, kg("1.2"), kind="receive_vn", target_id=sid) for c in codes[:2]]
    assert [g.outcome for g in got] == [Outcome.RECEIVED] * 2 and all(g.facts["offline"] for g in got)
    assert station.status()[1:] == (3, 0)        # the arrival and two parcels wait, in that order
    assert [e.kind for e in station.journal.waiting()] == ["arrive", "receive_vn", "receive_vn"]
    link["cut"] = False
    assert shipments.get_shipment(db, st.vn, sid).status == "departed"     # nothing sent yet
    assert station.send_pending() and station.status() == (True, 0, 0)      # nothing to review
    view = shipments.get_shipment(db, st.vn, sid)
    assert (view.status, view.received_count) == ("arrived", 2)
    assert [parcel(db, c).status for c in codes] == ["received_vn", "received_vn", "in_transit"]
    # sent again (the station did not hear the answer): nothing twice
    for e in station.journal.entries():
        station_scans.apply_station_scan(db, st.vn, e.as_scan())
    assert shipments.get_shipment(db, st.vn, sid).received_count == 2
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StationScan).where(StationScan.kind == "arrive")) == 1
    assert station_scans.in_transit(db, st.vn, vn) == []


def test_a_station_learns_every_sack_on_its_way_and_their_manifests_in_one_call(db, st, tmp_path):
    """Over a slow link each call is a round trip: the sacks and all their manifests come in one."""
    first, _c1 = _departed(db, st, ["YT7800000000001", "YT7800000000002"], "S-78")
    second, _c2 = _departed(db, st, ["YT7900000000001"], "S-79")
    station = _sack_station(db, tmp_path, st.vn)
    calls = []
    transit, cache = station.transit, station.cache
    station.transit = lambda wid: calls.append("sacks") or transit(wid)
    station.cache = lambda *a: calls.append("cache") or cache(*a)
    assert station.refresh_cache("arrive", st.wh["VN-HN"], None)
    assert calls == ["sacks"]
    assert [e.code for e in station.journal.manifest(first)] == ["YT7800000000001", "YT7800000000002"]
    assert [e.code for e in station.journal.manifest(second)] == ["YT7900000000001"]


def test_a_sack_whose_seal_differs_offline_is_kept_closed_and_held_with_its_claim_when_sent(db, st, tmp_path):
    from app.services import seals
    from app.services.seals import SealCheck

    sid, code = _departed(db, st, ["YT7600000000001"], "S-76")
    station = _sack_station(db, tmp_path, st.vn)
    vn = st.wh["VN-HN"]
    assert station.refresh_cache("arrive", vn, None)
    link = _cut(db)
    link["cut"] = True
    r = station.arrive(vn, code, SealCheck("S-99", Decimal("5"), intact=False))
    assert r.outcome == Outcome.WRONG and r.facts["offline"] and r.facts["held"]
    assert code in r.title and station.status()[1:] == (1, 0)
    (waiting,) = station.journal.waiting()
    assert (waiting.kind, waiting.target_id, waiting.seal) == ("arrive", sid, SealCheck("S-99", Decimal("5"), False))
    # scanned again: still held here, not asked again
    assert station.arrive(vn, code).outcome == Outcome.WRONG
    link["cut"] = False
    assert station.send_pending() and station.status() == (True, 0, 0)
    view = shipments.get_shipment(db, st.vn, sid)
    assert view.status == "departed"
    (claim,) = seals.open_claims(db, st.vn)
    assert claim.shipment_id == sid and set(claim.reasons) == {"seal_number", "seal_broken"}
    assert claim.found_seal_no == "S-99"
    assert seals.seal_view(db, st.vn, sid).seal_check == "held"


def test_a_sack_weighed_off_offline_is_held_by_the_same_tolerance_as_online(db, st, tmp_path):
    from app.services.seals import SealCheck

    sid, code = _departed(db, st, ["YT7700000000001"], "S-77", gross="10")
    station = _sack_station(db, tmp_path, st.vn)
    vn = st.wh["VN-HN"]
    assert station.refresh_cache("arrive", vn, None)
    (sack,) = station_scans.in_transit(db, st.vn, vn)
    assert (sack.code, sack.seal_no, sack.gross_weight_kg, sack.parcel_count, sack.origin, sack.needs_seal) == \
        (code, "S-77", Decimal("10"), 1, "CN-GZ", True)
    link = _cut(db)
    link["cut"] = True
    over = sack.gross_weight_kg + sack.tolerance_kg + Decimal("0.01")
    r = station.arrive(vn, code, SealCheck("S-77", over))
    assert r.outcome == Outcome.WRONG
    link["cut"] = False
    assert station.send_pending() and station.status() == (True, 0, 0)
    assert shipments.get_shipment(db, st.vn, sid).status == "departed"


def test_a_sack_opened_offline_at_one_station_and_refused_at_another_goes_to_review(db, st, tmp_path):
    """The server's answer differs from the station's (the sack was opened meanwhile elsewhere)."""
    from app.services.seals import SealCheck

    sid, code = _departed(db, st, ["YT7800000000001"], "S-78")
    a = _sack_station(db, tmp_path, st.vn)
    vn = st.wh["VN-HN"]
    assert a.refresh_cache("arrive", vn, None)
    link = _cut(db)
    link["cut"] = True
    assert a.arrive(vn, code, SealCheck("S-00", Decimal("5"))).outcome == Outcome.WRONG
    link["cut"] = False
    from tests.factories import arrive_sealed
    assert arrive_sealed(db, st.vn, code).outcome == Outcome.SHIPMENT     # opened at another station
    assert a.send_pending() and a.status() == (True, 0, 1)
    (review,) = a.journal.to_review()
    assert (review.local_outcome, review.outcome) == ("wrong", "shipment")


def test_a_return_sack_to_china_is_opened_and_received_offline_and_its_parcel_returned_once(db, st, tmp_path):
    """A sack going back to China (a complaint's return) needs no seal check: the China station opens it and
    receives its parcel with the link down; when the link returns the parcel is returned, once."""
    from app.services import complaints
    from app.services.complaints import ComplaintInput, LineInput, RemedyInput
    from tests.services.complaint_helpers import in_vietnam

    oid, _so, codes = in_vietnam(db, st)
    cid = complaints.open_complaint(db, st.store, ComplaintInput(
        oid, "wrong_item", "Kiểm hàng: sai mẫu", [LineInput(parcel_id=parcel(db, codes[0]).id)]))
    complaints.record_contact(db, st.ordering, cid, "shop", "Shop đồng ý nhận lại", "wangwang")
    complaints.propose_plan(db, st.care, cid, "shop", [RemedyInput("return_cn")], "Khách đồng ý")
    complaints.approve_plan(db, st.manager, cid)
    sid = complaints.execute_plan(db, st.care, cid).shipment_id
    assert shipments.pack_scan(db, st.store, sid, codes[0]).outcome == Outcome.PACKED
    shipments.seal_shipment(db, st.store, sid, Decimal("2"), "R-1")
    shipments.depart_shipment(db, st.store, sid)
    code = shipments.get_shipment(db, st.cn, sid).code
    cn = st.wh["CN-GZ"]
    station = _sack_station(db, tmp_path, st.cn)
    assert station.refresh_cache("arrive", cn, None)
    (sack,) = station_scans.in_transit(db, st.cn, cn)
    assert (sack.code, sack.origin, sack.needs_seal) == (code, "VN-HN", False)
    link = _cut(db)
    link["cut"] = True
    opened = station.arrive(cn, code)                       # no seal asked for a return
    assert opened.outcome == Outcome.SHIPMENT and opened.facts["offline"] and opened.facts["shipment_id"] == sid
    got = station.scan(cn, codes[0], kg("1.1"), kind="receive_vn", target_id=sid)
    assert got.outcome == Outcome.RECEIVED and got.facts["offline"]
    assert station.status()[1:] == (2, 0)
    link["cut"] = False
    assert parcel(db, codes[0]).status == "returning"       # nothing sent yet
    assert station.send_pending() and station.status() == (True, 0, 0)
    assert shipments.get_shipment(db, st.cn, sid).status == "arrived"
    assert parcel(db, codes[0]).status == "returned"
    for e in station.journal.entries():                     # sent again: nothing twice
        station_scans.apply_station_scan(db, st.cn, e.as_scan())
    assert shipments.get_shipment(db, st.cn, sid).received_count == 1
    assert station_scans.in_transit(db, st.cn, cn) == []
