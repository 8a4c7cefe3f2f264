"""The warehouse's printed documents, read back as a user's tools read them (poppler, openpyxl):
parcel labels, the shipment manifest (PDF and XLSX) and the delivery note with its box labels."""
from decimal import Decimal

import pytest

from app.i18n import _
from app.money import VND, Money
from app.services import deliveries, parcels, shipments
from app.services.deliveries import DeliveryInput
from app.services.scanning import Measurements
from tests.documents.conftest import pdf_fonts, pdf_pages
from tests.factories import arrive_sealed, make_customer
from tests.services.warehouse_helpers import consignment_order, make_staff

CODES = ["SF1411223344556", "JT3100998877665", "ZT7530012345678"]


@pytest.fixture
def shipped(sqlite_db):
    db = sqlite_db
    st = make_staff(db)
    cid = make_customer(db, st.care, name="Nguyễn Thị Hằng")
    consignment_order(db, st, CODES[:2], customer_id=cid)
    consignment_order(db, st, CODES[2:], customer_id=make_customer(db, st.care, name="Trần Văn Đức"))
    for code, m in zip(CODES, [Measurements(Decimal("1.25"), Decimal(40), Decimal(30), Decimal(20)),
                               Measurements(Decimal("0.6")), Measurements(Decimal("7.9"))]):
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code, m)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"], transport="Xe 29C-123.45 · 凭祥口岸")
    for code in CODES:
        shipments.pack_scan(db, st.cn, sid, code)
    shipments.seal_shipment(db, st.cn, sid, Decimal("10.4"), "GZ-778899")
    shipments.depart_shipment(db, st.cn, sid)
    return db, st, cid, sid


def test_a_label_per_parcel_with_its_code_customer_and_destination(shipped, tmp_path):
    db, st, _cid, _sid = shipped
    ids = [parcels.find_parcel(db, st.cn, c) for c in CODES]
    path = parcels.write_labels(db, st.cn, ids, tmp_path / "labels.pdf")
    pages = pdf_pages(path)
    assert len(pages) == 3
    assert CODES[0] in pages[0] and "KH000001" in pages[0] and "VN-HN" in pages[0] and "Kho Hà Nội" in pages[0]
    assert "Nguyễn Thị Hằng" in pages[0] and "KH000002" in pages[2]
    assert all(f["emb"] == "yes" for f in pdf_fonts(path))


def test_the_manifest_lists_every_parcel_and_after_arrival_what_happened_to_each(shipped, tmp_path):
    db, st, _cid, sid = shipped
    code = shipments.get_shipment(db, st.cn, sid).code
    text = "\n".join(pdf_pages(shipments.write_manifest(db, st.cn, sid, tmp_path / "m.pdf")))
    assert code in text and "GZ-778899" in text and "凭祥口岸" in text and "Kho Quảng Châu" in text
    assert all(c in text for c in CODES) and "Trần Văn" in text
    arrive_sealed(db, st.vn, code)
    shipments.receive_scan(db, st.vn, sid, CODES[0], Decimal("1.3"))
    shipments.close_shipment(db, st.vn, sid)
    text = "\n".join(pdf_pages(shipments.write_manifest(db, st.vn, sid, tmp_path / "m2.pdf")))
    assert _("missing") in text and _("received") in text

    from openpyxl import load_workbook
    path = shipments.write_manifest(db, st.vn, sid, tmp_path / "m.xlsx", "xlsx")
    rows = [[c for c in r] for r in load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == _("Tracking code"))
    data = rows[header + 1: header + 4]
    assert [r[0] for r in data] == CODES and data[0][4] == 1.25 and data[0][8] == 1.3


def test_the_delivery_note_has_the_slip_then_a_label_per_box(shipped, tmp_path):
    db, st, cid, sid = shipped
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    for c in CODES:
        shipments.receive_scan(db, st.vn, sid, c)
    shipments.close_shipment(db, st.vn, sid)
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [p.id for p in ready],
                                                                 delivery_fee=Money.of("45000", VND)))
    deliveries.pack_scan(db, st.store, did, CODES[0], 1)
    deliveries.pack_scan(db, st.store, did, CODES[1], 2)
    deliveries.issue_slip(db, st.store, did)
    pages = pdf_pages(deliveries.write_delivery_note(db, st.store, did, tmp_path / "note.pdf"))
    assert len(pages) == 2
    assert "PX0000001" in pages[0] and CODES[0] in pages[0] and "12 Phố Huế" in pages[0]
    assert "45.000" in pages[0] and CODES[2] not in pages[0]
    assert _("Box {n} of {total}").format(n=1, total=2) in pages[1]
    assert _("Box {n} of {total}").format(n=2, total=2) in pages[1] and CODES[1] in pages[1]
