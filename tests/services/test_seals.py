"""Sacks that cannot be opened unseen, on SQLite and PostgreSQL: a sack to Vietnam is opened only
after its seal was read and it was weighed; another seal, a broken one or a weight beyond the
tolerance stops the receipt, keeps the evidence and opens a claim against the carrier; a manager
may release it; every hand-over is a custody record with who and when."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import PermissionDenied
from app.models import CarrierClaim, Shipment, Task
from app.permissions import Role
from app.services import parcels, seals, shipments
from app.services.scanning import Outcome
from tests.factories import make_user
from tests.services.warehouse_helpers import kg, make_staff, purchase_order

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def sent(db):
    """A sack sealed KP123456 at 4.2 kg in Guangzhou and departed for Hanoi."""
    st = make_staff(db)
    purchase_order(db, st, ["YT7700000000001"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT7700000000001", kg("3.5"))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, "YT7700000000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("4.2"), "kp 123456")
    shipments.depart_shipment(db, st.cn, sid)
    code = shipments.get_shipment(db, st.vn, sid).code
    return st, sid, code


def _status(db, sid):
    with db.read() as s:
        sh = s.get(Shipment, sid)
        return sh.status, sh.seal_check


def test_a_sack_is_not_opened_before_its_seal_is_read_and_it_is_weighed(db, sent):
    st, sid, code = sent
    r = shipments.arrive_scan(db, st.vn, code)
    assert r.outcome is Outcome.CHECK_SEAL and r.facts["shipment_id"] == sid
    assert _status(db, sid) == ("departed", "")


def test_the_right_seal_and_weight_open_it_and_the_custody_chain_says_who(db, sent):
    st, sid, code = sent
    # read without the space the sealer typed; 300 g heavier (within 0.5 kg)
    r = shipments.arrive_scan(db, st.vn, code, seals.SealCheck("kp123456", Decimal("4.5")))
    assert r.outcome is Outcome.SHIPMENT
    assert _status(db, sid) == ("arrived", "ok")
    view = seals.seal_view(db, st.vn, sid)
    assert [line.event for line in view.custody] == ["sealed", "departed", "arrived", "opened"]
    sealed, _departed, arrived, _opened = view.custody
    assert sealed.seal_no == "KP 123456" and sealed.gross_weight_kg == Decimal("4.2") and sealed.by == st.cn.name
    assert arrived.by == st.vn.name and arrived.gross_weight_kg == Decimal("4.5")
    assert view.claims == ()


@pytest.mark.parametrize("check, reasons", [
    (seals.SealCheck("KP654321", Decimal("4.2")), ("seal_number",)),
    (seals.SealCheck("KP123456", Decimal("4.2"), intact=False), ("seal_broken",)),
    (seals.SealCheck("KP123456", Decimal("3.4")), ("weight",)),
])
def test_a_different_seal_a_broken_one_or_a_lighter_sack_stops_the_receipt(db, sent, check, reasons):
    st, sid, code = sent
    check = seals.SealCheck(check.seal_no, check.gross_weight_kg, check.intact, ("seal.png", PNG), "Dây niêm bị cắt")
    r = shipments.arrive_scan(db, st.vn, code, check)
    assert r.outcome is Outcome.WRONG and r.facts["claim"]
    assert _status(db, sid) == ("departed", "held")
    view = seals.seal_view(db, st.vn, sid)
    claim = view.claims[0]
    assert claim.reasons == reasons and claim.status == "open"
    assert claim.sealed_seal_no == "KP 123456" and claim.found_seal_no == check.seal_no
    assert claim.sealed_gross_kg == Decimal("4.2") and claim.found_gross_kg == check.gross_weight_kg
    refused = view.custody[-1]
    assert refused.event == "refused" and refused.claim_code == claim.code and refused.note == "Dây niêm bị cắt"
    assert seals.read_photo(db, st.vn, refused.photo_file_id)[1] == PNG   # the evidence is kept
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.kind == "carrier_claim", Task.entity_id == sid))
    assert task is not None and task.role == Role.MANAGER.value
    # scanning it again does not open it either
    assert shipments.arrive_scan(db, st.vn, code, seals.SealCheck("KP123456", Decimal("4.2"))).outcome is Outcome.WRONG


def test_a_manager_releases_a_held_sack_and_the_claim_stays_open_until_settled(db, sent):
    st, sid, code = sent
    shipments.arrive_scan(db, st.vn, code, seals.SealCheck("KP999999", Decimal("4.2")))
    with pytest.raises(PermissionDenied):
        seals.release_held(db, st.vn, sid, "Kiểm đủ hàng")
    manager = make_user(db, Role.MANAGER)
    assert seals.seal_view(db, manager, sid).can_release
    seals.release_held(db, manager, sid, "Đã chụp ảnh, kiểm đủ kiện")
    assert shipments.arrive_scan(db, st.vn, code).outcome is Outcome.SHIPMENT
    view = seals.seal_view(db, manager, sid)
    assert [line.event for line in view.custody][-2:] == ["released", "opened"]
    assert view.claims[0].status == "open"
    seals.close_claim(db, manager, view.claims[0].id, "Nhà xe bồi thường 300.000 ₫")
    with db.read() as s:
        assert s.scalar(select(CarrierClaim.status)) == "closed"
        assert s.scalar(select(Task.status).where(Task.kind == "carrier_claim")) != "open"


def test_the_tolerance_is_the_larger_of_the_kilograms_and_the_percent(db, sent):
    st, sid, code = sent
    with db.read() as s:
        assert seals.tolerance_kg(s, Decimal("4.2")) == Decimal("0.5")        # 1 % of 4.2 kg is less
        assert seals.tolerance_kg(s, Decimal("120")) == Decimal("1.200")      # 1 % of 120 kg is more


def test_sealing_records_the_photo_on_the_sealing_record_or_seals_nothing(db):
    """The seal, its weight, who sealed it and the photo are one record; a "photo" that is not an
    image refuses the whole sealing (the sack stays open, nothing stored)."""
    from app.models import StoredFile
    from app.services.files import FileRefused

    st = make_staff(db)
    purchase_order(db, st, ["YT7700000000002"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT7700000000002", kg("3.5"))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, "YT7700000000002")
    with pytest.raises(FileRefused):
        shipments.seal_shipment(db, st.cn, sid, Decimal("4.2"), "KP 1", photo=("seal.png", b"not an image"))
    assert _status(db, sid) == ("open", "")
    with db.read() as s:
        assert s.query(StoredFile).count() == 0
    assert seals.seal_view(db, st.cn, sid).custody == ()

    shipments.seal_shipment(db, st.cn, sid, Decimal("4.2"), "KP 1", photo=("niem-phong.png", PNG))
    (sealed,) = seals.seal_view(db, st.cn, sid).custody
    assert (sealed.event, sealed.by, sealed.seal_no, sealed.gross_weight_kg) == (
        "sealed", st.cn.name, "KP 1", Decimal("4.2"))
    assert seals.read_photo(db, st.vn, sealed.photo_file_id)[1] == PNG
