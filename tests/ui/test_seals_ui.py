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


def _png(path) -> str:
    from PySide6.QtGui import QColor, QImage

    img = QImage(40, 30, QImage.Format.Format_RGB32)
    img.fill(QColor("#336699"))
    assert img.save(str(path), "PNG")
    return str(path)


def test_sealing_records_the_seal_its_weight_a_photo_and_who_sealed_it(qtbot, depot, tmp_path):
    """A China forwarder seals a packed sack from its window: seal number, gross weight and a photo
    file; the custody chain then says who sealed it, and the photo can be read back. This desktop
    has no camera (QtMultimedia cannot even load here): the camera button is not offered and the
    file picker still works."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

    from ui.screens.shipment_screens import SealDialog, ShipmentWindow
    from ui.session import Session
    from ui.widgets.camera import CameraDialog, camera_available

    db, st = depot["db"], depot["st"]
    consignment_order(db, st, ["SF9930000002"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF9930000002", Measurements(Decimal("3.1")))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    session = Session(db, login(db, "wang", PASSWORD))
    packer = ShipmentWindow(session, sid)
    qtbot.addWidget(packer)
    packer.show()
    _gun(qtbot, packer.panel.field, "SF9930000002")
    qtbot.waitUntil(lambda: packer.table.rowCount() == 1)
    photo = _png(tmp_path / "niem-phong.png")
    seen = {}

    def answer():
        d = next(w for w in QApplication.topLevelWidgets() if isinstance(w, SealDialog) and w.isVisible())
        seen["camera_offered"] = d.findChild(QPushButton, "seal_photo_camera").isVisible()
        d.findChild(QLineEdit, "seal_gross_weight").setText("3,4")
        d.findChild(QLineEdit, "seal_number").setText("KP 112233")
        d.photo.choose(photo)
        seen["photo_name"] = d.findChild(QLabel, "seal_photo_name").text()
        d.findChild(QPushButton, "seal_save").click()

    QTimer.singleShot(50, answer)
    qtbot.mouseClick(packer.findChild(QPushButton, "shipment_seal"), Qt.MouseButton.LeftButton)
    assert packer.view.sealed
    assert seen == {"camera_offered": camera_available(), "photo_name": "niem-phong.png"}

    view = session.call("seals.view", sid)
    events = [(c.event, c.by, c.seal_no) for c in view.custody]
    assert events[0] == ("sealed", "王小明", "KP 112233")
    sealed = next(c for c in view.custody if c.event == "sealed")
    assert sealed.gross_weight_kg == Decimal("3.4")
    with_photo = [c for c in view.custody if c.photo_file_id is not None]
    assert [(c.event, c.by) for c in with_photo] == [("sealed", "王小明")]     # on the sealing record itself
    mime, data = session.call("seals.read_photo", with_photo[0].photo_file_id)
    assert data == (tmp_path / "niem-phong.png").read_bytes()

    # the camera dialog, opened where there is none, says so and lets the user cancel to a file
    if not camera_available():
        cam = CameraDialog("seal", packer)
        qtbot.addWidget(cam)
        assert not cam.findChild(QPushButton, "camera_take").isEnabled()
        assert cam.findChild(QLabel, "camera_error").text()
        cam.reject()
        assert cam.photo is None
