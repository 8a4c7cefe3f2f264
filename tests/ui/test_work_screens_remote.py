"""The work screens driven through a real application server (real HTTP, real TLS), as a desktop
started with ``--server`` drives them: no database on the desktop (``session.db`` is None),
every read and every change one ``session.call``. Tasks, a shipment packed, sealed and received,
a delivery from request to signed slip with its note printed, a tracking list imported."""
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QTableWidget)
from sqlalchemy import select

from app.i18n import _, fmt_decimal
from app.models import Parcel, Task
from app.permissions import Role
from app.services import parcels, shipments
from app.services.scanning import Measurements, Outcome
from tests.factories import arrive_sealed, make_customer, make_user, make_warehouses
from tests.services.warehouse_helpers import consignment_order, make_staff, order_status
from tests.ui.conftest import check_seal_when_asked, type_text


@pytest.fixture(autouse=True)
def _no_viewer(monkeypatch):
    """No PDF viewer pops up: what would be opened (to print) is remembered instead."""
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    return opened


@pytest.fixture(autouse=True)
def _errors_fail_the_test(monkeypatch):
    def raise_it(parent, exc, title=None):
        raise AssertionError(f"error shown to the user: {exc}") from exc
    for module in ("ui.screens.task_window", "ui.screens.shipment_screens", "ui.screens.delivery_screens",
                   "ui.screens.outbox",
                   "ui.widgets.sheet_import"):
        monkeypatch.setattr(f"{module}.report_error", raise_it)


@pytest.fixture
def depot(sqlite_db):
    db = sqlite_db
    make_warehouses(db)
    st = make_staff(db)
    make_user(db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ")
    make_user(db, Role.FORWARDER_VN, username="nam", full_name="Đỗ Văn Nam", warehouse_code="VN-HN")
    make_user(db, Role.WAREHOUSE_VN, username="lan", full_name="Ngô Thị Lan", warehouse_code="VN-HN")
    return db, st


def _parcel(db, code):
    with db.read() as s:
        return s.scalar(select(Parcel).where(Parcel.tracking_code == code))


def _gun(qtbot, field, code):
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_manager_writes_a_task_and_the_warehouse_closes_it_through_the_server(qtbot, company, remote_sessions):
    from ui.screens.task_window import NewTaskDialog, TaskWindow

    db = company["db"]
    lan = make_user(db, Role.WAREHOUSE_VN, username="lan", full_name="Ngô Thị Lan")
    manager = remote_sessions("quanly")
    manager.switch_role(Role.MANAGER)
    assert manager.db is None

    dialog = NewTaskDialog(manager)
    qtbot.addWidget(dialog)
    dialog.show()
    submit = dialog.findChild(QPushButton, "new_task_submit")
    qtbot.mouseClick(submit, Qt.MouseButton.LeftButton)                    # no title: refused by the server
    assert dialog.findChild(QLabel, "new_task_title_error").isVisible() and dialog.task_id is None
    type_text(qtbot, dialog.findChild(QLineEdit, "new_task_title"), "Kiểm lại kệ A3 trước 17h")
    role = dialog.findChild(QComboBox, "new_task_role")
    role.setCurrentIndex(role.findData(Role.WAREHOUSE_VN.value))
    person = dialog.findChild(QComboBox, "new_task_person")
    assert person.findText("Ngô Thị Lan") >= 0                              # the department's people, from the server
    person.setCurrentIndex(person.findData(lan.user_id))
    dialog.findChild(QCheckBox, "new_task_has_due").setChecked(True)
    qtbot.mouseClick(submit, Qt.MouseButton.LeftButton)
    assert dialog.task_id is not None and not dialog.isVisible()
    with db.read() as s:
        task = s.get(Task, dialog.task_id)
        assert (task.title, task.role, task.assignee_id, task.status) == (
            "Kiểm lại kệ A3 trước 17h", "warehouse_vn", lan.user_id, "open")
        assert task.due_at is not None

    window = TaskWindow(remote_sessions("lan"), dialog.task_id)
    qtbot.addWidget(window)
    window.show()
    assert window.findChild(QLabel, "task_assignee").text() == "Ngô Thị Lan"
    created = window.timeline.topLevelItemCount()
    assert created >= 1                                                    # its history came with it
    done = window.findChild(QPushButton, "task_window_done")
    assert done.isEnabled()
    qtbot.mouseClick(done, Qt.MouseButton.LeftButton)
    with db.read() as s:
        assert s.get(Task, dialog.task_id).status == "done"
    assert window.view.status == "done" and not done.isEnabled()
    assert window.timeline.topLevelItemCount() > created


def test_a_shipment_is_opened_packed_sealed_and_received_through_the_server(qtbot, depot, remote_sessions, tmp_path):
    from ui.screens.shipment_screens import NewShipmentDialog, ShipmentWindow

    db, st = depot
    codes = ["SF9700000001", "SF9700000002", "SF9700000003"]
    consignment_order(db, st, codes)
    for c in codes:
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, Measurements(Decimal("1.0")))
    wang = remote_sessions("wang")
    new = NewShipmentDialog(wang)
    qtbot.addWidget(new)
    assert new.findChild(QComboBox, "shipment_origin").currentText().startswith("CN-GZ")
    assert new.findChild(QComboBox, "shipment_destination").currentText().startswith("VN-HN")
    qtbot.mouseClick(new.findChild(QPushButton, "shipment_create"), Qt.MouseButton.LeftButton)
    assert new.shipment_id is not None

    packer = ShipmentWindow(wang, new.shipment_id)
    qtbot.addWidget(packer)
    packer.show()
    calls = []
    real_call = wang.backend.call
    wang.backend.call = lambda op, *a, **k: calls.append(op) or real_call(op, *a, **k)
    for c in codes[:2]:
        _gun(qtbot, packer.panel.field, c)
    assert packer.panel.last.outcome == Outcome.PACKED
    qtbot.waitUntil(lambda: packer.table.rowCount() == 2)
    qtbot.wait(50)
    # each scan is journalled at the station and sent in batches; the manifest is read at most
    # every 2 s: never more than one request per scan
    # (the station's cache of the manifest may also be refreshed in the background meanwhile)
    scans = [c for c in calls if c != "stations.cache"]
    assert set(scans) <= {"stations.apply_scans", "shipments.get"} and len(scans) <= 2 * 2
    assert "stations.apply_scans" in scans
    assert {packer.table.item(r, 0).text() for r in range(2)} == set(codes[:2])
    assert packer.seal("2,4", "S-55")
    packer.save_manifest("pdf", str(tmp_path / "manifest.pdf"))
    assert (tmp_path / "manifest.pdf").read_bytes().startswith(b"%PDF")
    packer.save_manifest("xlsx", str(tmp_path / "manifest.xlsx"))
    assert (tmp_path / "manifest.xlsx").read_bytes().startswith(b"PK")
    qtbot.mouseClick(packer.findChild(QPushButton, "shipment_depart"), Qt.MouseButton.LeftButton)
    assert packer.view.status == "departed"

    station = ShipmentWindow(remote_sessions("nam"), None)
    qtbot.addWidget(station)
    station.show()
    check_seal_when_asked("s-55", "2,4")            # the sack is opened only after its seal is read
    _gun(qtbot, station.panel.field, packer.view.code)
    assert station.panel.last.outcome == Outcome.SHIPMENT
    qtbot.waitUntil(lambda: station.view is not None and station.table.rowCount() == 2)
    _gun(qtbot, station.panel.field, "1.9")                               # the scale
    _gun(qtbot, station.panel.field, codes[0])
    # 1.9 kg against 1.0 kg in China: warned at once, from the station's cache of the manifest (it
    # holds the China weights) or, when the cache has not arrived yet, by the server
    assert station.panel.last.outcome == Outcome.WEIGHT_WARNING
    _gun(qtbot, station.panel.field, codes[2])                            # not on the manifest
    assert station.panel.last.outcome == Outcome.EXTRA
    recon = station.reconcile(show=False)
    assert [r.tracking_code for r in recon.missing] == [codes[1]] and len(recon.extra) == 1
    assert _parcel(db, codes[0]).vn_weight_kg == Decimal("1.9")
    # the server agrees with what the station said: everything sent, nothing to review
    qtbot.waitUntil(lambda: station.link.station.status() == (True, 0, 0), timeout=10000)
    assert [ln.tracking_code for ln in recon.weight_warnings] == [codes[0]]


def test_a_sack_is_opened_and_received_at_a_station_whose_link_is_down(qtbot, depot, remote_sessions):
    """The receiving station caches the sacks on their way to its warehouse and their manifests:
    with the link down a sack whose seal does not match is kept closed, one that matches is opened
    and its parcels received; when the link returns the server holds the first (with its claim)
    and receives the second, nothing to review. With the link up the cache answers a sack too (no
    round trip to open it) and the server's shipment follows once the arrival is sent."""
    from app.remote.errors import ConnectionLost
    from app.services import seals
    from ui.screens.shipment_screens import ShipmentWindow

    db, st = depot
    sacks = []
    for n, codes in enumerate((["SF9800000001", "SF9800000002"], ["SF9800000009"], ["SF9800000007"])):
        consignment_order(db, st, codes)
        for c in codes:
            parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, Measurements(Decimal("1.0")))
        sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
        for c in codes:
            shipments.pack_scan(db, st.cn, sid, c)
        shipments.seal_shipment(db, st.cn, sid, Decimal("2.5"), f"S-8{n}")
        shipments.depart_shipment(db, st.cn, sid)
        sacks.append((sid, shipments.get_shipment(db, st.vn, sid).code, codes))
    (good, good_code, codes), (bad, bad_code, _bad_codes), (third, third_code, _third_codes) = sacks
    nam = remote_sessions("nam")
    window = ShipmentWindow(nam, None)
    qtbot.addWidget(window)
    window.show()
    station, wid = window.link.station, st.wh["VN-HN"]
    # the sacks on their way here and their manifests come in the background
    qtbot.waitUntil(lambda: station.sack(wid, good_code) is not None and station.sack(wid, bad_code) is not None
                    and station.journal.has_cache("receive_vn", good), timeout=15000)
    real_call = nam.backend.call

    def cut(op, *a, **k):
        raise ConnectionLost(server="https://server", reason="cut")
    nam.backend.call = cut
    check_seal_when_asked("S-99", "2,5")
    _gun(qtbot, window.panel.field, bad_code)
    r = window.panel.last
    # answered from the cache at once (the station does not know yet that the link is down)
    assert r.outcome == Outcome.WRONG and r.facts["held"] and bad_code in r.title
    assert window.shipment_id is None                      # kept closed: its parcels are not received
    qtbot.waitUntil(lambda: not station.status()[0])       # sending it, the station finds the link down
    check_seal_when_asked("s-80", "2,52")
    _gun(qtbot, window.panel.field, good_code)
    assert window.panel.last.outcome == Outcome.SHIPMENT and window.panel.last.facts["offline"]
    assert window.shipment_id == good
    qtbot.waitUntil(lambda: window.table.rowCount() == 2)
    assert window.code.text() == good_code
    for c in codes:
        _gun(qtbot, window.panel.field, c)
        assert window.panel.last.outcome == Outcome.RECEIVED and window.panel.last.facts["offline"]
    qtbot.waitUntil(lambda: {window.table.item(i, 7).text() for i in range(2)} == {_("received")})
    assert window.link.status.text() == _("Offline — {n} scans waiting").format(n=4)
    nam.backend.call = real_call                           # the link returns
    station.wake()
    qtbot.waitUntil(lambda: station.status() == (True, 0, 0), timeout=15000)
    view = shipments.get_shipment(db, st.vn, good)
    assert (view.status, view.received_count) == ("arrived", 2)
    assert [_parcel(db, c).status for c in codes] == ["received_vn"] * 2
    assert shipments.get_shipment(db, st.vn, bad).status == "departed"
    assert seals.seal_view(db, st.vn, bad).seal_check == "held"
    assert [c.shipment_id for c in seals.open_claims(db, st.vn)] == [bad]
    window.reload()                                        # the server's manifest again
    assert window.view is not None and window.view.received_count == 2
    # online: the next sack is answered from the cache and its arrival sent in the background
    calls = []
    nam.backend.call = lambda op, *a, **k: calls.append(op) or real_call(op, *a, **k)
    check_seal_when_asked("S-82", "2,5")
    _gun(qtbot, window.panel.field, third_code)
    r = window.panel.last
    assert r.outcome == Outcome.SHIPMENT and not r.facts["offline"] and window.shipment_id == third
    assert "shipments.arrive_scan_view" not in calls
    qtbot.waitUntil(lambda: window.view is not None and window.view.code == third_code, timeout=10000)
    assert window.view.status == "arrived" and station.status() == (True, 0, 0)


def _fill_when_shown(kind, fields, checks=(), attach=None):
    def go():
        d = next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())
        for name, value in fields.items():
            d.findChild(QLineEdit, name).setText(value)
        for name in checks:
            d.findChild(QCheckBox, name).setChecked(True)
        if attach:
            d.attach(attach)
        d.accept()
    QTimer.singleShot(50, go)


def test_a_delivery_is_created_its_note_printed_and_signed_through_the_server(qtbot, depot, remote_sessions,
                                                                             tmp_path, _no_viewer):
    from app.models import DeliveryRequest
    from ui.screens.delivery_screens import DeliveryWindow, HandOverDialog, NewDeliveryDialog, SignedDialog

    db, st = depot
    cid = make_customer(db, st.care, name="Phạm Thị Thu")
    oid = consignment_order(db, st, ["SF9720000001", "SF9720000002"], customer_id=cid)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in ("SF9720000001", "SF9720000002"):
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, Measurements(Decimal("0.4")))
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal("1"), "D1")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    for c in ("SF9720000001", "SF9720000002"):
        shipments.receive_scan(db, st.vn, sid, c)
    shipments.close_shipment(db, st.vn, sid)

    lan = remote_sessions("lan")
    new = NewDeliveryDialog(lan)
    qtbot.addWidget(new)
    new.show()
    assert new.findChild(QComboBox, "delivery_warehouse").currentText().startswith("VN-HN")
    new._choose(cid)                                   # the customer picker's choice (its search is its own)
    assert new.findChild(QTableWidget, "delivery_parcels").rowCount() == 2
    type_text(qtbot, new.fee, "30000")
    method = new.findChild(QComboBox, "delivery_method")
    method.setCurrentIndex(method.findData("courier"))
    qtbot.mouseClick(new.findChild(QPushButton, "delivery_create"), Qt.MouseButton.LeftButton)
    assert new.delivery_id is not None

    dw = DeliveryWindow(lan, new.delivery_id)
    qtbot.addWidget(dw)
    dw.show()
    _gun(qtbot, dw.panel.field, "SF9720000001")
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_next_box"), Qt.MouseButton.LeftButton)
    _gun(qtbot, dw.panel.field, "SF9720000002")
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_issue_slip"), Qt.MouseButton.LeftButton)
    assert dw.view.status == "slip_issued" and dw.view.box_count == 2
    printed = _no_viewer[-1].toLocalFile()                                 # no printer here: opened to print
    assert open(printed, "rb").read().startswith(b"%PDF")
    dw.save_note(str(tmp_path / "note.pdf"))
    assert (tmp_path / "note.pdf").read_bytes().startswith(b"%PDF")

    _fill_when_shown(HandOverDialog, {"handover_to": "Tài xế Bảy", "handover_courier": "GHN",
                                      "handover_tracking": "GHN 889 900"})
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_hand_over"), Qt.MouseButton.LeftButton)
    assert dw.view.status == "handed_over"
    assert "GHN889900" in dw.findChild(QLabel, "delivery_tracking_link").text()
    slip = tmp_path / "ky-nhan.jpg"
    slip.write_bytes(b"\xff\xd8\xff\xe0 signed slip photo")
    _fill_when_shown(SignedDialog, {"signed_by": "Phạm Thị Thu"}, ["signed_has_copy"], attach=str(slip))
    qtbot.mouseClick(dw.findChild(QPushButton, "delivery_delivered"), Qt.MouseButton.LeftButton)
    assert dw.view.status == "delivered"
    assert order_status(db, oid) == "delivered"
    with db.read() as s:
        assert s.get(DeliveryRequest, new.delivery_id).signed_by == "Phạm Thị Thu"


def test_a_tracking_list_is_previewed_mapped_and_imported_through_the_server(qtbot, depot, remote_sessions,
                                                                            tmp_path):
    from openpyxl import Workbook

    from ui.screens.parcel_import import ImportDialog

    db, st = depot
    consignment_order(db, st, ["SF9730000001", "SF9730000002"])
    bad = tmp_path / "bad.csv"
    bad.write_text("Mã vận đơn,Cân nặng\nSF9730000001,1.2\nxx,1\n", encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã vận đơn", "Khối lượng tịnh (gram)"])
    ws.append(["SF9730000001", 1500])
    ws.append(["SF9730000002", 800])
    good = tmp_path / "doi-tac.xlsx"
    wb.save(good)

    dialog = ImportDialog(remote_sessions("wang"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.findChild(QComboBox, "import_warehouse").currentText().startswith("CN-GZ")
    run = dialog.findChild(QPushButton, "import_run")
    preview = dialog.findChild(QTableWidget, "import_preview")
    dialog.choose(str(bad))                                                 # a row with an error: nothing imported
    assert preview.rowCount() == 2 and not run.isEnabled()
    assert preview.item(1, 6).text()                                        # the row's problem is shown
    assert _parcel(db, "SF9730000001").status == "expected"

    dialog.choose(str(good))                                                # the weight column is not recognised
    assert dialog.findChild(QLabel, "import_problems").isVisible() and not run.isEnabled()
    qtbot.wait(50)                                                          # the first file's combos are gone
    combo = dialog.findChild(QComboBox, "import_column_1")
    combo.setCurrentIndex(combo.findData("weight"))                        # mapped by hand
    qtbot.waitUntil(lambda: run.isEnabled())
    assert preview.item(0, 2).text() == fmt_decimal(Decimal("1.500"))       # grams read as kilograms
    qtbot.mouseClick(run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hasattr(dialog, "import_result"), timeout=10000)
    assert dialog.import_result.received == 2
    assert _parcel(db, "SF9730000001").status == "received_cn"
    assert _parcel(db, "SF9730000002").weight_kg == Decimal("0.800")
    assert dialog.findChild(QLabel, "import_summary").text() == _(
        "Imported: {received} received, {ownerless} ownerless, {excess} excess.").format(
        received=2, ownerless=0, excess=0)


def _when_modal(handler, delay=100):
    def run():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, run)
            return
        handler(dialog)
    QTimer.singleShot(delay, run)


def test_a_message_told_by_phone_and_the_mail_server_set_and_tried_through_the_server(qtbot, company,
                                                                                     remote_sessions):
    from PySide6.QtWidgets import QPlainTextEdit

    from app.models import Customer, CustomerMessage
    from app.services import outbox
    from app.services import settings as settings_service
    from app.services.notifications import notify_customer
    from tests.services.test_outbox_smtp import MailServer
    from ui.screens.outbox import MailServerDialog, OutboxMessageWindow

    db = company["db"]
    with db.transaction() as tx:
        c = tx.get(Customer, company["customer"])
        c.email = ""
        notify_customer(tx, c, "order_status", "order", company["orders"][0], code="DH0000001", status="Purchased")
    outbox.send_due(db)                                   # no address: kept for a call
    with db.read() as s:
        mid = s.scalar(select(CustomerMessage.id))
    window = OutboxMessageWindow(remote_sessions("trang"), mid)
    qtbot.addWidget(window)
    window.show()
    assert window.findChild(QLabel, "outbox_window_address").text() == _("none")
    lines = window.timeline.topLevelItemCount()
    phoned = window.findChild(QPushButton, "outbox_window_phoned")
    assert phoned.isEnabled()

    def say(dialog):
        dialog.findChild(QPlainTextEdit).setPlainText("Chị Hằng đã biết")
        dialog.accept()

    _when_modal(say)
    qtbot.mouseClick(phoned, Qt.MouseButton.LeftButton)
    with db.read() as s:
        assert s.get(CustomerMessage, mid).status == "phoned"
    assert window.view.status == "phoned" and not phoned.isEnabled()
    assert window.timeline.topLevelItemCount() == lines + 1

    server = MailServer(password="bi-mat-2024").start()
    try:
        admin = remote_sessions("admin")
        dialog = MailServerDialog(admin)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.findChild(QLineEdit, "mail_password").placeholderText() == _("not set")
        for name, text in (("mail_host", "127.0.0.1"), ("mail_user", "cskh"), ("mail_password", "bi-mat-2024"),
                           ("mail_sender", "cskh@hangnga.vn"), ("mail_test_to", "quanly@hangnga.vn")):
            type_text(qtbot, dialog.findChild(QLineEdit, name), text)
        port = dialog.findChild(QLineEdit, "mail_port")
        port.clear()
        type_text(qtbot, port, "not a port")
        qtbot.mouseClick(dialog.findChild(QPushButton, "mail_save"), Qt.MouseButton.LeftButton)
        assert dialog.findChild(QLabel, "mail.smtp_port_error").isVisible()   # refused by the server, field by field
        assert not outbox.smtp_password_is_set(db, company["admin"])          # all or nothing
        port.clear()
        type_text(qtbot, port, str(server.port))
        dialog.findChild(QCheckBox, "mail_starttls").setChecked(False)
        qtbot.mouseClick(dialog.findChild(QPushButton, "mail_test_send"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(server.messages) == 1, timeout=10_000)
        assert server.messages[0]["To"] == "quanly@hangnga.vn"
        assert server.logins == [("cskh", "bi-mat-2024")]                   # the password stored on the server
        accepted = _("The test message was accepted by the server. Check the inbox of {to}.").format(
            to="quanly@hangnga.vn")
        qtbot.waitUntil(lambda: dialog.findChild(QLabel, "mail_status").text() == accepted)
        values = settings_service.read_all(db)
        assert (values["mail.smtp_host"], values["mail.smtp_port"]) == ("127.0.0.1", server.port)
        assert outbox.smtp_password_is_set(db, company["admin"])
        again = MailServerDialog(admin)
        qtbot.addWidget(again)
        assert again.findChild(QLineEdit, "mail_password").text() == ""
        assert again.findChild(QLineEdit, "mail_password").placeholderText() == _(
            "stored — type a new one to replace it")
        assert again.findChild(QLineEdit, "mail_host").text() == "127.0.0.1"
    finally:
        server.stop()


def test_the_shipments_calendar_and_the_schedule_tab_through_the_server(qtbot, company, remote_sessions):
    from datetime import timedelta
    from types import SimpleNamespace

    from PySide6.QtCore import QDate

    from app.delay_rule import DELAY_STATE_LABELS
    from app.models import Order
    from app.services import delays, orders
    from tests.money_helpers import fund
    from ui.screens.delay_schedule import ScheduleTab, UpcomingShipmentsWindow, local_tz

    db = company["db"]
    for oid in company["orders"][:2]:
        with db.read() as s:
            fund(db, s.get(Order, oid).customer_id)
        orders.apply_action(db, company["care"], oid, "submit")
        orders.confirm_order(db, company["manager"], oid, company["care"].user_id, company["ordering"].user_id)
    first, second = company["orders"][:2]
    with db.read() as s:
        o = s.get(Order, second)
        ship_by, est_deliver = o.committed_ship_by, o.estimated_deliver_at
    orders.update_estimates(db, company["care"], second, ship_by + timedelta(hours=3), est_deliver, "Shop thiếu hàng")

    session = remote_sessions("quanly")
    window = UpcomingShipmentsWindow(session)
    qtbot.addWidget(window)
    window.show()
    day = ship_by.astimezone(local_tz()).date()
    window.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
    qtbot.waitUntil(lambda: day in window.calendar.counts)
    assert window.calendar.counts[day] == delays.DayCount(2, 1, 0)
    table = window.findChild(QTableWidget, "shipments_day_table")
    assert table.rowCount() == 2 and window.row_flag(0) == "delayed" and window.row_flag(1) is None

    tab = ScheduleTab(session, SimpleNamespace(id=second))
    qtbot.addWidget(tab)
    tab.show()                      # read when shown
    assert tab.findChild(QLabel, "schedule_state").text() == _(DELAY_STATE_LABELS["delayed"])
    assert tab.findChild(QTableWidget, "schedule_stages").rowCount() > 0


def test_a_manager_assigns_reschedules_and_cancels_a_task_from_its_window_through_the_server(qtbot, company,
                                                                                           remote_sessions):
    from datetime import timedelta

    from PySide6.QtCore import QDateTime
    from PySide6.QtWidgets import QPlainTextEdit

    from app.services import tasks
    from app.workflows.tasks import TaskKind
    from ui.screens.task_window import TaskWindow

    db = company["db"]
    with db.transaction() as tx:
        tid = tasks.open_task(tx, company["manager"], TaskKind.PLACE_ORDER, Role.ORDERING, "Đặt hàng gấp").id
    manager = remote_sessions("quanly")
    manager.switch_role(Role.MANAGER)
    window = TaskWindow(manager, tid)
    qtbot.addWidget(window)
    window.show()

    def choose(dialog):
        box = dialog.findChild(QComboBox, "task_assign_person")
        box.setCurrentIndex(box.findText("Vũ Minh Đức"))          # the ordering staff, from the server
        qtbot.mouseClick(dialog.findChild(QPushButton, "task_assign_submit"), Qt.MouseButton.LeftButton)

    _when_modal(choose)
    qtbot.mouseClick(window.findChild(QPushButton, "task_window_assign"), Qt.MouseButton.LeftButton)
    assert window.findChild(QLabel, "task_assignee").text() == "Vũ Minh Đức"
    with db.read() as s:
        assert s.get(Task, tid).assignee_id == company["ordering"].user_id

    due = db.clock.now() + timedelta(days=3)

    def new_due(dialog):
        dialog.findChild(type(dialog.due), "task_reschedule_due").setDateTime(QDateTime(due.astimezone()))
        dialog.reason.setPlainText("Shop nghỉ lễ")
        dialog.accept()

    _when_modal(new_due)
    qtbot.mouseClick(window.findChild(QPushButton, "task_window_reschedule"), Qt.MouseButton.LeftButton)
    with db.read() as s:
        stored = s.get(Task, tid).due_at
    assert abs((stored.replace(tzinfo=due.tzinfo) if stored.tzinfo is None else stored) - due) < timedelta(minutes=1)

    def why(dialog):
        dialog.findChild(QPlainTextEdit).setPlainText("Khách huỷ đơn")
        dialog.accept()

    _when_modal(why)
    qtbot.mouseClick(window.findChild(QPushButton, "task_window_cancel"), Qt.MouseButton.LeftButton)
    with db.read() as s:
        assert s.get(Task, tid).status == "cancelled"
    assert window.view.status == "cancelled"
