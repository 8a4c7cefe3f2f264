"""The warehouse screens driven as people drive them: a barcode gun at the receiving station, a
scale typing weights, packing and receiving shipments, ownerless matching, stocktake, imports,
delivery, and the order window's parcels tab."""
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QLabel, QLineEdit, QListWidget, QPushButton,
                               QTableWidget, QTabWidget)
from sqlalchemy import func, select

from app.i18n import translate
from app.models import ActivityEvent, CustomerMessage, Parcel, Task
from app.permissions import Role
from app.services import alerts, parcels, shipments
from app.services.scanning import Outcome
from tests.factories import arrive_sealed, make_customer, make_user, make_warehouses
from tests.services.warehouse_helpers import consignment_order, make_staff, purchase_order
from tests.ui.conftest import show_order_tab, check_seal_when_asked, type_text


@pytest.fixture(autouse=True)
def _no_viewer(monkeypatch):
    """No PDF viewer pops up in tests: what would be opened is remembered instead."""
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    return opened


@pytest.fixture(autouse=True)
def _errors_fail_the_test(monkeypatch):
    """An error box would wait for a click forever here: an unexpected error fails the test."""
    def raise_it(parent, exc, title=None):
        raise AssertionError(f"error shown to the user: {exc}") from exc
    for module in ("ui.screens.warehouse", "ui.screens.shipment_screens", "ui.screens.delivery_screens",
                   "ui.widgets.sheet_import"):
        monkeypatch.setattr(f"{module}.report_error", raise_it)


@pytest.fixture
def depot(sqlite_db):
    db = sqlite_db
    make_warehouses(db)
    st = make_staff(db)
    people = {
        "wang": make_user(db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ"),
        "nam": make_user(db, Role.FORWARDER_VN, username="nam", full_name="Đỗ Văn Nam", warehouse_code="VN-HN"),
        "lan": make_user(db, Role.WAREHOUSE_VN, username="lan", full_name="Ngô Thị Lan", warehouse_code="VN-HN"),
        "trang": make_user(db, Role.CARE, username="trang", full_name="Lê Thu Trang"),
    }
    return {"db": db, "st": st, **people}


def _status(db, code):
    with db.read() as s:
        return s.scalar(select(Parcel).where(Parcel.tracking_code == code))


def _station(window, name):
    act = next(a for a in window.create_actions if a.objectName() == name)
    assert act.isVisible()
    act.trigger()
    return window.__dict__["_warehouse_stations"]


def _gun(qtbot, field, code):
    """A keyboard-wedge barcode gun: the code's characters, then Enter."""
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_burst_of_thirty_scans_from_a_barcode_gun(qtbot, depot, open_main, _no_viewer):
    db, st = depot["db"], depot["st"]
    known = [f"SF90000000{i:02d}" for i in range(20)]
    consignment_order(db, st, known[:10])
    consignment_order(db, st, known[10:])
    purchase_order(db, st, ["YT9100000000001", "YT9100000000002"], expected_parcels=1)
    burst = (known[:12] + ["YT9100000000001", "YT9100000000002", "ZT9200000000001", known[3], "hello",
                           "zt 920000 0000 002"] + known[12:] + [known[19], "JT9200000000003", "12.5x",
                                                               "sf 9000 0000 05"])
    assert len(burst) == 30
    window = open_main(db, "wang")
    station = next(iter(_station(window, "station_receive_cn").values()))
    qtbot.addWidget(station)
    qtbot.waitExposed(station)
    field = station.panel.field
    qtbot.waitUntil(field.hasFocus)
    for code in burst:
        _gun(qtbot, field, code)
    assert _no_viewer == [] and "_warehouse_stations" in window.__dict__   # Enter pressed no button
    for code in known:
        assert _status(db, code).status == "received_cn", code
    assert _status(db, "YT9100000000002").excess
    assert _status(db, "ZT9200000000001").ownerless and _status(db, "ZT9200000000002").ownerless
    with db.read() as s:
        receipts = s.scalar(select(func.count()).select_from(ActivityEvent).where(ActivityEvent.action == "received_cn"))
    assert receipts == 20 + 2 + 3                       # each code once, duplicates not counted
    assert station.panel.history.rowCount() == 30
    assert station.panel.counts == {"ok": 21, "warn": 1, "unknown": 3, "again": 3, "error": 2}
    assert station.panel.history.item(0, 1).text() == "SF9000000005"      # the last answer on top
    assert field.hasFocus() and field.text() == ""
    # clicking around the station (the list, a button) leaves the focus in the scan field
    qtbot.mouseClick(station.panel.history.viewport(), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(station.findChild(QPushButton, "receive_print_label"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(field.hasFocus)
    # the label printed (opened, with no printer here) is the last parcel's
    import subprocess

    assert len(_no_viewer) == 1 and station.findChild(QLabel, "receive_status").text()
    text = subprocess.run(["pdftotext", _no_viewer[0].toLocalFile(), "-"], capture_output=True, text=True).stdout
    assert "SF9000000005" in text.replace(" ", "")


def test_each_answer_has_its_colour_message_sound_and_facts(qtbot, depot):
    from ui.screens.warehouse import ReceiveStation
    from ui.session import Session
    from app.services.auth import login
    from tests.factories import PASSWORD

    db, st = depot["db"], depot["st"]
    oid = consignment_order(db, st, ["SF9300000001"])
    station = ReceiveStation(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(station)
    station.show()
    qtbot.waitExposed(station)
    panel = station.panel
    _gun(qtbot, panel.field, "SF9300000001")
    assert panel.last.outcome == Outcome.RECEIVED and panel.sounds.last == "ok"
    assert panel.customer.text().startswith("KH") and panel.shelf.text().startswith("HN-")
    assert f"KG{oid:07d}" in panel.order.text() and "#1b5e20" in panel.banner.styleSheet()
    _gun(qtbot, panel.field, "SF9300000001")
    assert panel.last.outcome == Outcome.ALREADY and panel.sounds.last == "again" and "#0d47a1" in panel.banner.styleSheet()
    _gun(qtbot, panel.field, "nonsense")
    assert panel.last.outcome == Outcome.REFUSED and panel.sounds.last == "error"
    _gun(qtbot, panel.field, "JT9300000000009")
    assert panel.last.outcome == Outcome.OWNERLESS and panel.sounds.last == "unknown"
    assert panel.shelf.text() == translate("Ownerless shelf", "vi") != "OWNERLESS"   # the shelf, not its code
    assert panel.timing.text()


def test_a_scale_typing_into_the_station_weighs_the_parcel(qtbot, depot):
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.screens.warehouse import ReceiveStation
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    consignment_order(db, st, ["SF9400000001", "SF9400000002"])
    station = ReceiveStation(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(station)
    station.show()
    field = station.panel.field
    qtbot.waitUntil(field.hasFocus)
    _gun(qtbot, field, "SF9400000001")
    _gun(qtbot, field, "1.25")                          # the scale, after the scan: this parcel's weight
    assert _status(db, "SF9400000001").weight_kg == Decimal("1.250")
    _gun(qtbot, field, "2,5 kg")                        # before the next scan: waits for it
    _gun(qtbot, field, "50x40x30")
    assert station.weight.text() == "2.5" and "10" in station.chargeable.text()
    _gun(qtbot, field, "SF9400000002")
    p = _status(db, "SF9400000002")
    assert (p.weight_kg, p.chargeable_kg) == (Decimal("2.500"), Decimal("10.000"))
    assert station.weight.text() == "" and field.hasFocus()
    # typing the weight by hand, then Enter, goes back to the scan field
    qtbot.mouseClick(station.weight, Qt.MouseButton.LeftButton)
    station.weight.setFocus()
    qtbot.keyClicks(station.weight, "0,8")
    qtbot.keyClick(station.weight, Qt.Key.Key_Return)
    qtbot.waitUntil(field.hasFocus)


def test_an_alert_note_stops_the_gun_until_someone_reads_it(qtbot, depot):
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.screens.warehouse import ReceiveStation
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    oid = consignment_order(db, st, ["SF9500000001"])
    alerts.pin_alert(db, st.care, "receive_cn", "Hàng dễ vỡ — chụp ảnh trước khi nhập kho", order_id=oid)
    station = ReceiveStation(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(station)
    station.show()
    panel = station.panel
    qtbot.waitUntil(panel.field.hasFocus)
    _gun(qtbot, panel.field, "SF9500000001")
    assert panel.last.outcome == Outcome.ALERT and panel.sounds.last == "alert"
    assert panel.ack_button.isVisible() and "dễ vỡ" in panel.detail.text()
    assert _status(db, "SF9500000001").status == "expected"
    qtbot.mouseClick(panel.ack_button, Qt.MouseButton.LeftButton)
    assert panel.last.outcome == Outcome.RECEIVED and _status(db, "SF9500000001").status == "received_cn"
    assert not panel.ack_button.isVisible() and panel.field.hasFocus()


def test_the_label_of_the_last_parcel_is_saved_as_pdf(qtbot, depot, tmp_path):
    from app.services.auth import login
    from tests.documents.conftest import pdf_pages
    from tests.factories import PASSWORD
    from ui.screens.warehouse import ReceiveStation
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    consignment_order(db, st, ["SF9600000001"])
    station = ReceiveStation(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(station)
    station.show()
    _gun(qtbot, station.panel.field, "SF9600000001")
    station.save_label(str(tmp_path / "tem.pdf"))
    text = pdf_pages(tmp_path / "tem.pdf")[0]
    assert "SF9600000001" in text and "VN-HN" in text


def test_an_ownerless_parcel_is_matched_from_its_window(qtbot, depot, open_main):
    db, st = depot["db"], depot["st"]
    hang = make_customer(db, st.care, name="Nguyễn Thị Hằng")
    oid = consignment_order(db, st, ["SF9700000001"], customer_id=hang)
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "JT9700000000001")
    pid = parcels.find_parcel(db, st.cn, "JT9700000000001")
    window = open_main(db, "trang")
    assert "parcels.ownerless" in [window.nav.item(i).data(Qt.ItemDataRole.UserRole) for i in range(window.nav.count())]
    window.open_record("parcel", pid)
    pw = window._windows[("parcel", pid)]
    qtbot.addWidget(pw)
    name = pw.findChild(QLineEdit, "ownerless_label_name")
    type_text(qtbot, name, f"Chị Hằng KH{hang:06d}")
    qtbot.mouseClick(pw.findChild(QPushButton, "ownerless_save"), Qt.MouseButton.LeftButton)
    table = pw.findChild(QTableWidget, "ownerless_candidates")
    assert table.rowCount() >= 1 and table.item(0, 0).text() == f"KG{oid:07d}"
    assert f"KH{hang:06d}" in table.item(0, 4).text()
    qtbot.mouseClick(pw.findChild(QPushButton, "ownerless_match"), Qt.MouseButton.LeftButton)
    p = _status(db, "JT9700000000001")
    assert not p.ownerless and p.order_id == oid
    assert pw.findChild(QTabWidget, "parcel_tabs").count() == 1          # only the activity is left


def test_a_shipment_packed_by_scanning_then_received_in_vietnam(qtbot, depot, open_main):
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.screens.shipment_screens import ShipmentWindow
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    codes = ["SF9800000001", "SF9800000002", "SF9800000003"]
    consignment_order(db, st, codes)
    for c in codes:
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, Measurements(Decimal("1.0")))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    packer = ShipmentWindow(Session(db, login(db, "wang", PASSWORD)), sid)
    qtbot.addWidget(packer)
    packer.show()
    for c in codes[:2]:
        _gun(qtbot, packer.panel.field, c)
    _gun(qtbot, packer.panel.field, codes[0])
    assert packer.panel.last.outcome == Outcome.ALREADY
    qtbot.waitUntil(lambda: packer.table.rowCount() == 2)
    assert packer.seal("2,4", "S-55")
    assert packer.findChild(QPushButton, "shipment_depart").isVisible()
    qtbot.mouseClick(packer.findChild(QPushButton, "shipment_depart"), Qt.MouseButton.LeftButton)
    assert packer.view.status == "departed" and not packer.panel.field.isEnabled()

    window = open_main(db, "nam")
    station = next(iter(_station(window, "station_receive_shipments").values()))
    qtbot.addWidget(station)
    field = station.panel.field
    _gun(qtbot, field, codes[0])                       # a parcel before the sack: refused
    assert station.panel.last.outcome == Outcome.WRONG
    check_seal_when_asked("S-55", "2,4")               # the sack is opened only after its seal is read
    _gun(qtbot, field, packer.view.code)
    assert station.panel.last.outcome == Outcome.SHIPMENT
    qtbot.waitUntil(lambda: station.view is not None and station.table.rowCount() == 2)
    _gun(qtbot, field, "1.9")                           # the scale
    _gun(qtbot, field, codes[0])
    assert station.panel.last.outcome == Outcome.WEIGHT_WARNING and station.panel.sounds.last == "warn"
    _gun(qtbot, field, codes[2])                        # not on the manifest
    assert station.panel.last.outcome == Outcome.EXTRA
    recon = station.reconcile(show=False)
    assert [r.tracking_code for r in recon.missing] == [codes[1]] and len(recon.extra) == 1
    assert _status(db, codes[0]).status == "ready"


def test_a_stocktake_from_start_to_missing_and_excess(qtbot, depot, monkeypatch):
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.screens.warehouse import StocktakeWindow
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    consignment_order(db, st, ["SF9900000001", "SF9900000002"])
    for c in ("SF9900000001", "SF9900000002"):
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c)
    monkeypatch.setattr("ui.common.confirm", lambda parent, text, title=None: True)
    w = StocktakeWindow(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(w)
    w.show()
    assert not w.panel.field.isEnabled()
    qtbot.mouseClick(w.findChild(QPushButton, "stocktake_start"), Qt.MouseButton.LeftButton)
    assert w.panel.field.isEnabled()
    _gun(qtbot, w.panel.field, "SF9900000001")
    _gun(qtbot, w.panel.field, "JT9900000000777")
    assert w.panel.last.outcome == Outcome.EXCESS
    qtbot.mouseClick(w.findChild(QPushButton, "stocktake_close"), Qt.MouseButton.LeftButton)
    results = w.findChild(QTableWidget, "stocktake_results")
    rows = {results.item(r, 1).text() for r in range(results.rowCount())}
    assert rows == {"SF9900000002", "JT9900000000777"}


def test_an_import_is_previewed_with_row_errors_then_imported(qtbot, depot, tmp_path):
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.screens.parcel_import import ImportDialog
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    consignment_order(db, st, ["SF9910000001"])
    bad = tmp_path / "bad.csv"
    bad.write_text("Mã vận đơn,Cân nặng\nSF9910000001,1.2\nxx,1\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("Mã vận đơn,Cân nặng\nSF9910000001,1.2\nJT9910000000002,0.4\n", encoding="utf-8")
    dialog = ImportDialog(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.choose(str(bad))
    run = dialog.findChild(QPushButton, "import_run")
    assert dialog.findChild(QTableWidget, "import_preview").rowCount() == 2 and not run.isEnabled()
    assert _status(db, "SF9910000001").status == "expected"
    dialog.choose(str(good))
    assert run.isEnabled()
    qtbot.mouseClick(run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hasattr(dialog, "import_result"), timeout=10000)
    assert _status(db, "SF9910000001").status == "received_cn" and _status(db, "JT9910000000002").ownerless


def test_a_delivery_from_request_to_signed_slip(qtbot, depot, open_main):
    from ui.screens.delivery_screens import HandOverDialog, NewDeliveryDialog, SignedDialog

    db, st = depot["db"], depot["st"]
    cid = make_customer(db, st.care, name="Phạm Thị Thu")
    oid = consignment_order(db, st, ["SF9920000001", "SF9920000002"], customer_id=cid)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in ("SF9920000001", "SF9920000002"):
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, Measurements(Decimal("0.4")))
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal("1"), "D1")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    for c in ("SF9920000001", "SF9920000002"):
        shipments.receive_scan(db, st.vn, sid, c)
    shipments.close_shipment(db, st.vn, sid)

    window = open_main(db, "lan")
    new = NewDeliveryDialog(window.session, window)
    qtbot.addWidget(new)
    new.show()
    type_text(qtbot, new.search, "thu")
    qtbot.keyClick(new.search, Qt.Key.Key_Return)               # opens the list; nobody is chosen yet
    assert new.customer_id is None
    qtbot.keyClick(new.hits, Qt.Key.Key_Return)
    table = new.findChild(QTableWidget, "delivery_parcels")
    assert table.rowCount() == 2
    type_text(qtbot, new.fee, "30000")
    method = new.findChild(QComboBox, "delivery_method")
    method.setCurrentIndex(method.findData("courier"))
    qtbot.mouseClick(new.findChild(QPushButton, "delivery_create"), Qt.MouseButton.LeftButton)
    assert new.delivery_id is not None
    window.open_record("delivery", new.delivery_id)
    dw = window._windows[("delivery", new.delivery_id)]
    qtbot.addWidget(dw)
    qtbot.waitUntil(dw.panel.field.hasFocus)
    _gun(qtbot, dw.panel.field, "SF9920000001")
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_next_box"), Qt.MouseButton.LeftButton)
    _gun(qtbot, dw.panel.field, "SF9920000002")
    assert dw.panel.last.title.endswith("2") and dw.panel.field.hasFocus()
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_issue_slip"), Qt.MouseButton.LeftButton)
    assert dw.view.status == "slip_issued" and dw.view.box_count == 2

    def fill(kind, fields, checks=()):
        def go():
            d = next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())
            for name, value in fields.items():
                d.findChild(QLineEdit, name).setText(value)
            for name in checks:
                d.findChild(QCheckBox, name).setChecked(True)
            d.accept()
        QTimer.singleShot(50, go)

    fill(HandOverDialog, {"handover_to": "Tài xế Bảy", "handover_courier": "GHN"})
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_hand_over"), Qt.MouseButton.LeftButton)
    assert dw.view.status == "handed_over"
    # the courier's tracking number comes later, by phone: entered from the window, linked on the order
    assert dw.findChild(QPushButton, "delivery_courier").isVisible()
    fill(HandOverDialog, {"handover_courier": "GHN", "handover_tracking": "GHN 889 900"})
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_courier"), Qt.MouseButton.LeftButton)
    link = dw.findChild(QLabel, "delivery_tracking_link")
    assert link.isVisible() and "https://donhang.ghn.vn/?order_code=GHN889900" in link.text()
    window.open_record("order", oid)
    ow = window._windows[("order", oid)]
    qtbot.addWidget(ow)
    links = ow.findChild(QLabel, "order_courier_links")
    assert "https://donhang.ghn.vn/?order_code=GHN889900" in links.text() and links.openExternalLinks()   # clickable
    with db.read() as s:     # the customer, told "on its way" without a number, now has the one to follow
        told = s.scalars(select(CustomerMessage.body).where(CustomerMessage.event == "order_on_the_way")).all()
    assert len(told) == 1 and "https://donhang.ghn.vn/?order_code=GHN889900" in told[0]
    fill(SignedDialog, {"signed_by": "Phạm Thị Thu"}, ["signed_has_copy"])
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_delivered"), Qt.MouseButton.LeftButton)
    assert dw.view.status == "delivered"
    from tests.services.warehouse_helpers import order_status
    assert order_status(db, oid) == "delivered"


def test_the_order_window_lists_the_orders_parcels(qtbot, depot, open_main):
    db, st = depot["db"], depot["st"]
    oid = consignment_order(db, st, ["SF9930000001", "SF9930000002"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF9930000001", Measurements(Decimal("3.2")))
    window = open_main(db, "trang")
    window.open_record("order", oid)
    ow = window._windows[("order", oid)]
    qtbot.addWidget(ow)
    tab = show_order_tab(ow, "order_tab_parcels")
    table = tab.findChild(QTableWidget, "order_parcels_table")
    assert table.rowCount() == 2
    texts = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(2)}
    assert set(texts) == {"SF9930000001", "SF9930000002"}
    assert "3,2" in tab.findChild(QLabel, "order_parcels_summary").text()


from app.services.scanning import Measurements  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402


def test_the_accountant_bills_an_order_from_its_queue_with_the_weighed_parcels_filled_in(qtbot, depot, open_main):
    from app.services import billing
    from app.services.scanning import Measurements
    from ui.screens.money_bills import BillingNoticeDialog

    db, st = depot["db"], depot["st"]
    make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Trần Kế Toán")
    oid, _so = purchase_order(db, st, ["YT7300000000001"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT7300000000001",
                       Measurements(Decimal("3.2"), Decimal("50"), Decimal("40"), Decimal("30")))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, "YT7300000000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("4"), "H8")
    shipments.depart_shipment(db, st.cn, sid)
    main = open_main(db, "ketoan")
    nav = main.findChild(QListWidget, "queue_nav")
    nav.setCurrentRow([q.name for q in main.queues].index("money.to_bill"))
    view = main.current_view()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    assert view.model.raw_row(0).code == f"DH{oid:07d}"
    dialog = BillingNoticeDialog(main.session, oid, f"DH{oid:07d}", main)
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget, "billing_packages")
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(4)] == ["3,2", "50", "40", "30"]   # Vietnamese decimals
    dialog.findChild(QPushButton, "billing_preview_button").click()
    preview = dialog.findChild(QTableWidget, "billing_preview")
    assert any("50×40×30/6000 = 10 kg" in preview.item(r, 2).text() for r in range(preview.rowCount()))
    dialog.findChild(QPushButton, "billing_issue").click()
    assert billing.order_money_view(db, st.accountant, oid).billed


def test_sealing_a_sack_with_an_unweighed_parcel_asks_first(qtbot, depot, monkeypatch):
    import ui.screens.shipment_screens as screens
    from app.models import User
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.screens.shipment_screens import ShipmentWindow
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    consignment_order(db, st, ["SF9940000001"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF9940000001")          # the scale was not used
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    assert shipments.pack_scan(db, st.cn, sid, "SF9940000001").tone == "warn"
    asked = []
    answers = iter([False, True])
    monkeypatch.setattr(screens, "confirm", lambda parent, text, title=None: asked.append(text) or next(answers))
    with db.read() as s:
        username = s.get(User, st.cn.user_id).username
    session = Session(db, login(db, username, PASSWORD))
    station = ShipmentWindow(session, sid)
    qtbot.addWidget(station)
    assert not station.seal("1,5", "S-9")                                   # "No": still open
    assert "SF9940000001" in asked[0]
    assert shipments.get_shipment(db, st.cn, sid).status == "open"
    assert station.seal("1,5", "S-9")                                       # "Yes": sealed
    assert shipments.get_shipment(db, st.cn, sid).status == "sealed"


def test_a_manager_declares_an_in_transit_parcel_lost_from_its_window(qtbot, depot, monkeypatch):
    from app.errors import ValidationFailed
    from app.models import User
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.screens.warehouse import ParcelWindow
    from ui.session import Session

    db, st = depot["db"], depot["st"]
    consignment_order(db, st, ["SF9950000001"])
    pid = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF9950000001", Measurements(Decimal("1.0"))).parcel_id
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, "SF9950000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("1.2"), "L1")
    shipments.depart_shipment(db, st.cn, sid)

    def window_for(actor):
        with db.read() as s:
            username = s.get(User, actor.user_id).username
        w = ParcelWindow(Session(db, login(db, username, PASSWORD)), pid)
        qtbot.addWidget(w)
        w.show()
        return w

    assert not window_for(st.cn).findChild(QPushButton, "parcel_declare_lost").isVisible()
    window = window_for(st.manager)
    button = window.findChild(QPushButton, "parcel_declare_lost")
    assert button.isVisible() and button.isEnabled()
    with pytest.raises(ValidationFailed):
        parcels.mark_parcel_lost(db, st.manager, pid, "  ")
    from PySide6.QtWidgets import QInputDialog

    from tests.ui.test_money_ui import when_shown

    asked = []

    def cancel(dialog):                                   # asked why, the manager thinks again
        asked.append(dialog.labelText())
        dialog.reject()

    done = when_shown(QInputDialog, cancel)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert asked and _status(db, "SF9950000001").status == "in_transit" and button.isVisible()

    def answer(dialog):
        dialog.setTextValue("Không thấy trong bao khi mở ở Hà Nội")
        dialog.accept()

    done = when_shown(QInputDialog, answer)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert _status(db, "SF9950000001").status == "lost"
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=5000)     # the window shows the parcel lost


def test_a_failed_delivery_tells_the_customer_and_gives_the_warehouse_a_new_task(qtbot, depot, open_main):
    from PySide6.QtWidgets import QInputDialog

    from app.services import deliveries
    from app.services.deliveries import DeliveryInput
    from tests.ui.test_money_ui import click, when_shown

    db, st = depot["db"], depot["st"]
    cid = make_customer(db, st.care, name="Phạm Thị Thu")
    consignment_order(db, st, ["SF9940000001"], customer_id=cid)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF9940000001", Measurements(Decimal("0.8")))
    shipments.pack_scan(db, st.cn, sid, "SF9940000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("1"), "F1")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    shipments.receive_scan(db, st.vn, sid, "SF9940000001")
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [p.id for p in ready]))
    deliveries.pack_scan(db, st.store, did, "SF9940000001")
    deliveries.issue_slip(db, st.store, did)
    deliveries.hand_over(db, st.store, did, "Tài xế Bảy")

    window = open_main(db, "lan")
    window.open_record("delivery", did)
    dw = window._windows[("delivery", did)]
    qtbot.addWidget(dw)
    done = when_shown(QInputDialog, lambda d: (d.setTextValue("Khách đi vắng, không nghe máy"), d.accept()))
    click(qtbot, dw, "delivery_failed")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    qtbot.waitUntil(lambda: dw.view.status == "slip_issued", timeout=5000)
    assert dw.findChild(QPushButton, "delivery_hand_over").isVisible()          # ready for the next attempt
    with db.read() as s:
        told = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "delivery_failed"))
        task = s.scalar(select(Task).where(Task.entity == "delivery", Task.entity_id == did, Task.status == "open"))
    assert told.customer_id == cid and "Khách đi vắng, không nghe máy" in told.body
    assert "gọi" in told.body.lower()                                            # what happens next: we call
    assert task.role == "warehouse_vn" and "Khách đi vắng, không nghe máy" in task.title
