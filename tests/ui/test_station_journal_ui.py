"""The China receiving station when the database link drops: it keeps answering from its own
journal, says it is offline with the scans waiting, catches up when the link returns and lists
the scan whose answer changed under "To review" with the alert sound."""
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget
from sqlalchemy import event, func, select

from app.models import ActivityEvent, Parcel, StationScan
from app.permissions import Role
from app.services import parcels
from app.services.auth import login
from app.services.scanning import Outcome
from tests.factories import PASSWORD, make_user
from tests.services.warehouse_helpers import consignment_order, make_staff


def _gun(qtbot, field, code):
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_the_station_keeps_scanning_offline_then_catches_up_and_asks_for_a_review(qtbot, sqlite_db, monkeypatch):
    from app.i18n import set_language

    set_language("en")                          # the station's words are checked below (reset after the test)
    from ui.screens.warehouse import ReceiveStation
    from ui.session import Session

    db = sqlite_db
    st = make_staff(db)
    make_user(db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ")
    consignment_order(db, st, ["SF9800000001", "SF9800000002"])
    station = ReceiveStation(Session(db, login(db, "wang", PASSWORD)))
    qtbot.addWidget(station)
    station.show()
    link = station.link
    status = station.findChild(QLabel, "journal_status")
    review = station.findChild(QPushButton, "journal_review")
    qtbot.waitUntil(link.journal.has_expected_list, timeout=5000)     # the cache came in the background
    panel = station.panel

    cut = {"on": False}

    def do_execute(cursor, statement, parameters, context):
        if cut["on"]:
            raise sqlite3.OperationalError("unable to open database file")

    event.listen(db.engine, "do_execute", do_execute)
    cut["on"] = True
    _gun(qtbot, panel.field, "SF9800000001")
    assert panel.last.outcome == Outcome.RECEIVED and panel.last.shelf.startswith("HN-")
    assert "offline" in panel.title.text().lower() and "Something went wrong" not in panel.title.text()
    _gun(qtbot, panel.field, "SF9800000002")
    assert status.text() == "Offline — 2 scans waiting" and not review.isVisible()
    # meanwhile another desktop (still online) received the second parcel
    cut["on"] = False
    parcels.receive_cn(db, st.cn2, st.wh["CN-GZ"], "SF9800000002")
    panel.sounds.last = None
    link.station.wake()                               # the link is back
    qtbot.waitUntil(lambda: status.text() == "Online — every scan sent", timeout=15000)
    qtbot.waitUntil(review.isVisible, timeout=10_000)
    assert review.text() == "To review (1)" and panel.sounds.last == "review"     # its own sound
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StationScan)) == 2
        assert s.scalar(select(func.count()).select_from(ActivityEvent).where(
            ActivityEvent.action == "received_cn")) == 2
        assert s.scalar(select(Parcel.status).where(Parcel.tracking_code == "SF9800000001")) == "received_cn"

    seen = []

    def look():
        from PySide6.QtWidgets import QApplication

        dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "journal_review_dialog")
        table = dialog.findChild(QTableWidget, "journal_review_table")
        seen.append([table.item(0, c).text() for c in range(4)] if table.rowCount() == 1 else table.rowCount())
        qtbot.mouseClick(dialog.findChild(QPushButton, "journal_review_done"), Qt.MouseButton.LeftButton)

    from PySide6.QtCore import QTimer
    QTimer.singleShot(200, look)
    qtbot.mouseClick(review, Qt.MouseButton.LeftButton)
    (row,) = seen
    # what the station said offline, and what the database says: the other desk received it
    assert row[1] == "SF9800000002" and "offline" in row[2].lower() and "李华" in row[3]
    assert not review.isVisible() and link.journal.counts() == (0, 0)
    # online again: the next scan is answered by the database, as before
    _gun(qtbot, panel.field, "SF9800000001")
    assert panel.last.outcome == Outcome.ALREADY and not panel.last.facts.get("offline")
    link.stop()


def test_the_stocktake_station_through_a_server_answers_from_its_cache_and_counts_once(qtbot, sqlite_db,
                                                                                      remote_sessions):
    """The stocktake window on a desktop signed in to a server (no database on the desktop): the
    count is answered from the station's cache at once and reaches the server once."""
    from app.i18n import set_language
    from app.models import StocktakeLine
    from app.services import stocktakes
    from ui.screens.warehouse import StocktakeWindow

    set_language("en")
    db = sqlite_db
    st = make_staff(db)
    make_user(db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ")
    consignment_order(db, st, ["SF9810000001"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF9810000001")
    tid = stocktakes.start_stocktake(db, st.cn, st.wh["CN-GZ"])
    session = remote_sessions("wang")
    assert session.db is None
    window = StocktakeWindow(session, tid)
    qtbot.addWidget(window)
    window.show()
    link = window.link
    qtbot.waitUntil(lambda: link.journal.has_cache("stocktake", tid), timeout=10000)
    _gun(qtbot, window.panel.field, "SF9810000001")
    assert window.panel.last.outcome == Outcome.FOUND and window.panel.last.facts.get("local")
    assert "offline" not in window.panel.title.text().lower()
    status = window.findChild(QLabel, "journal_status")
    qtbot.waitUntil(lambda: status.text() == "Online — every scan sent", timeout=10000)
    _gun(qtbot, window.panel.field, "SF9810000001")
    assert window.panel.last.outcome == Outcome.ALREADY
    qtbot.waitUntil(lambda: link.journal.counts() == (0, 0), timeout=10000)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StocktakeLine)) == 1
        assert s.scalar(select(func.count()).select_from(StationScan)) == 2
    link.stop()


def test_the_receiving_station_through_a_server_answers_at_once_then_prints_the_label(qtbot, sqlite_db,
                                                                                     remote_sessions, tmp_path):
    """China receiving on a desktop signed in to a server: the scan is answered from the cache
    (no round trip waited for), received once on the server, and its label comes back as a PDF."""
    from app.i18n import set_language
    from ui.screens.warehouse import ReceiveStation

    set_language("en")
    db = sqlite_db
    st = make_staff(db)
    make_user(db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ")
    consignment_order(db, st, ["SF9820000001"])
    station = ReceiveStation(remote_sessions("wang"))
    qtbot.addWidget(station)
    station.show()
    link = station.link
    qtbot.waitUntil(link.journal.has_expected_list, timeout=10000)
    _gun(qtbot, station.panel.field, "SF9820000001")
    r = station.panel.last
    assert r.outcome == Outcome.RECEIVED and r.facts.get("local") and r.shelf.startswith("HN-")
    assert r.title.startswith("Received — ") and "offline" not in r.title.lower()
    qtbot.waitUntil(lambda: link.journal.counts() == (0, 0), timeout=10000)
    path = tmp_path / "label.pdf"
    station.save_label(str(path))
    assert path.read_bytes().startswith(b"%PDF")
    with db.read() as s:
        assert s.scalar(select(Parcel.status).where(Parcel.tracking_code == "SF9820000001")) == "received_cn"
        row = s.scalar(select(StationScan))
    assert (row.kind, row.user_id, row.scanned_by_id) == ("receive_cn", link.station.user_id, link.station.user_id)
    link.stop()


def test_closing_a_station_does_not_wait_for_a_call_stuck_on_a_slow_link_and_lets_go_on_the_ui_thread(
        qtbot, sqlite_db):
    """A forwarder closes the station while its sender waits on a slow link: the window closes at
    once, the sender ends after its call, and what the sender's calls use (the session) is let go
    on the UI thread, never on the sender's (a Qt object destroyed there crashes Qt)."""
    import threading
    import time

    from ui.session import Session
    from ui.widgets import journal_status

    db = sqlite_db
    st = make_staff(db)
    make_user(db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ")
    consignment_order(db, st, ["SF9800000001"])
    link = journal_status.StationLink(Session(db, login(db, "wang", PASSWORD)), lambda: st.wh["CN-GZ"])
    freed_on_main: list[bool] = []

    class Held:                     # stands for the session the sender's calls hold
        def __del__(self):
            freed_on_main.append(threading.current_thread() is threading.main_thread())

    held, in_call, link_back = Held(), threading.Event(), threading.Event()

    def slow_send(scans, session=held):
        in_call.set()
        link_back.wait(10)          # the answer is on its way over a slow link
        raise ConnectionError("link reset")

    link.station.send = slow_send
    del held, slow_send
    link.station.online = False     # journalled and answered here; the sender takes it
    link.scan(st.wh["CN-GZ"], "SF9800000001")
    link.station.wake()
    assert in_call.wait(5)
    started = time.monotonic()
    link.stop()                     # the station window closes
    assert time.monotonic() - started < 2.0          # it did not wait for the link
    del link
    assert journal_status._ending and freed_on_main == []
    link_back.set()
    qtbot.waitUntil(lambda: not journal_status._ending and bool(freed_on_main), timeout=5000)
    assert freed_on_main == [True]
