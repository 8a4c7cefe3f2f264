"""A Vietnam forwarder receiving a sack whose seal is not the one it left with is stopped, the
claim against the carrier opens, and a manager sees the custody chain and releases it."""
from decimal import Decimal

from PySide6.QtWidgets import QPushButton

from app.models import CarrierClaim
from app.services import parcels, shipments
from app.services.auth import login
from app.services.scanning import Measurements, Outcome
from app.permissions import Role
from tests.factories import PASSWORD, make_user
from tests.services.warehouse_helpers import consignment_order
from tests.ui.test_warehouse_ui import _gun, depot  # noqa: F401  (the fixture)
from tests.ui.conftest import check_seal_when_asked


def _sent_sack(db, st) -> str:
    consignment_order(db, st, ["SF9930000001"])
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF9930000001", Measurements(Decimal("3.1")))
    shipments.pack_scan(db, st.cn, sid, "SF9930000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("3.4"), "KP 778899")
    shipments.depart_shipment(db, st.cn, sid)
    return shipments.get_shipment(db, st.vn, sid).code


def test_a_sack_with_another_seal_is_stopped_and_the_claim_opens(qtbot, depot):
    from ui.screens.seals import CustodyDialog
    from ui.screens.shipment_screens import ShipmentWindow
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    code = _sent_sack(db, st)
    station = ShipmentWindow(Session(db, login(db, "nam", PASSWORD)), None)
    qtbot.addWidget(station)
    station.show()
    check_seal_when_asked("KP 770000", "3,4")
    _gun(qtbot, station.panel.field, code)
    last = station.panel.last
    assert last.outcome == Outcome.WRONG and "CC-" in last.detail
    assert station.shipment_id is None                      # nothing to receive into: it stays closed
    with db.read() as s:
        claim = s.query(CarrierClaim).one()
    assert claim.found_seal_no == "KP770000" and claim.status == "open"

    make_user(db, Role.MANAGER, username="hung", full_name="Phạm Quốc Hùng")
    custody = CustodyDialog(Session(db, login(db, "hung", PASSWORD)), claim.shipment_id, code)
    qtbot.addWidget(custody)
    custody.show()
    assert custody.chain.topLevelItemCount() == 3             # sealed, departed, refused
    assert custody.claims.topLevelItemCount() == 1
    release = custody.findChild(QPushButton, "seal_release")
    assert release.isVisible()
    custody.do_release("Kiểm đủ kiện, chụp ảnh dây niêm")
    assert not release.isVisible()

    _gun(qtbot, station.panel.field, code)                    # released: now it opens
    assert station.panel.last.outcome == Outcome.SHIPMENT
    qtbot.waitUntil(lambda: station.view is not None and station.table.rowCount() == 1)
    custody_button = station.findChild(QPushButton, "shipment_custody")
    assert custody_button.isVisible()
