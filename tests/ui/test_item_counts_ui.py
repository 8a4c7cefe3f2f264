"""Counting the goods from the order window, driven by objectName: the Vietnam warehouse opens
"Count the goods…", a count adding up to more than was bought is refused next to the table and
nothing is saved, a corrected count is saved and the items table's "received" column shows it;
care staff have no such command, and an order whose parcels are still in China offers none."""
import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QSpinBox, QTableWidget
from sqlalchemy import select

from app.models import Task, User
from app.services import orders
from tests.services.complaint_helpers import in_vietnam
from tests.services.warehouse_helpers import make_staff, purchase_order
from tests.ui.conftest import type_text
from tests.ui.test_money_ui import click, when_shown


@pytest.fixture
def world(sqlite_db):
    st = make_staff(sqlite_db)
    with sqlite_db.read() as s:
        st.usernames = {u.id: u.username for u in s.scalars(select(User))}
    return st


def order_window(open_main, db, st, actor, oid):
    main = open_main(db, st.usernames[actor.user_id])
    main.open_record("order", oid)
    window = main._windows.get(("order", oid))
    assert window is not None and window.isVisible()
    return window


def command(window, name):
    return window.more_menu.findChild(QAction, name)


def test_the_warehouse_counts_an_order_and_the_items_table_shows_what_was_received(qtbot, sqlite_db, world, open_main):
    from ui.screens.item_counts import CountGoodsDialog

    db, st = sqlite_db, world
    oid, _so, _codes = in_vietnam(db, st)
    window = order_window(open_main, db, st, st.store, oid)
    items = window.findChild(QTableWidget, "order_items_table")
    assert items.item(0, 6).text() == "0"
    action = command(window, "order_count_goods")
    assert action is not None and action.isEnabled()
    seen = {}

    def count(dialog):
        table = dialog.findChild(QTableWidget, "count_table")
        seen["rows"] = [(table.item(0, 1).text(), table.item(0, 2).text())]
        received = dialog.findChild(QSpinBox, "count_received_0")
        damaged = dialog.findChild(QSpinBox, "count_damaged_0")
        received.setValue(2)
        damaged.setValue(1)                          # 3 pieces of the 2 bought
        click(qtbot, dialog, "count_submit")
        error = dialog.findChild(QLabel, "count_counts_error")
        seen["refused"] = (dialog.isVisible(), error.isVisible(), error.text())
        seen["stored_after_refusal"] = orders.get_order(db, st.store, oid).items[0].quantity_received
        received.setValue(1)                         # one good, one broken
        type_text(qtbot, dialog.findChild(QPlainTextEdit, "count_note"), "Một chiếc vỡ")
        click(qtbot, dialog, "count_submit")
        seen["accepted"] = not dialog.isVisible()

    done = when_shown(CountGoodsDialog, count)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["rows"] == [("2", "2")]
    visible, error_shown, message = seen["refused"]
    assert visible and error_shown and "女士连衣裙" in message and "3" in message
    assert seen["stored_after_refusal"] == 0
    assert seen["accepted"]
    qtbot.waitUntil(lambda: items.item(0, 6).text().startswith("1 "), timeout=5000)
    assert "+1" in items.item(0, 6).text()             # the broken piece shows without hovering
    assert "1" in items.item(0, 6).toolTip()          # damaged: 1
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.entity == "order", Task.entity_id == oid,
                                           Task.kind == "count_differences", Task.status == "open"))
    assert task is not None and task.assignee_id == st.care.user_id


def test_all_arrived_fills_the_bought_pieces_and_leaves_nothing_to_follow_up(qtbot, sqlite_db, world, open_main):
    from ui.screens.item_counts import CountGoodsDialog

    db, st = sqlite_db, world
    oid, _so, _codes = in_vietnam(db, st)
    window = order_window(open_main, db, st, st.manager, oid)
    seen = {}

    def count(dialog):
        click(qtbot, dialog, "count_all_arrived")
        seen["received"] = dialog.findChild(QSpinBox, "count_received_0").value()
        click(qtbot, dialog, "count_submit")

    done = when_shown(CountGoodsDialog, count)
    command(window, "order_count_goods").trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["received"] == 2
    items = window.findChild(QTableWidget, "order_items_table")
    qtbot.waitUntil(lambda: items.item(0, 6).text() == "2", timeout=5000)
    with db.read() as s:
        assert s.scalar(select(Task).where(Task.entity == "order", Task.entity_id == oid,
                                           Task.kind == "count_differences")) is None


def test_care_staff_and_orders_still_in_china_have_no_count_command(qtbot, sqlite_db, world, open_main):
    db, st = sqlite_db, world
    oid, _so, _codes = in_vietnam(db, st)
    assert command(order_window(open_main, db, st, st.care, oid), "order_count_goods") is None
    in_china, _so = purchase_order(db, st, ["YT9000000000002"])
    assert command(order_window(open_main, db, st, st.store, in_china), "order_count_goods") is None


def _count_with_a_difference(db, st, oid):
    from app.services import item_counts
    from app.services.item_counts import ItemCount

    (it,) = orders.get_order(db, st.store, oid).items
    return item_counts.record_item_counts(db, st.store, oid, [ItemCount(it.id, 0, 2, 0)], "Vỡ cả hai")


def _check_and_open(qtbot, seen, typed_note):
    """What the proposed complaint dialog shows (filled in from the count), then care staff add a
    sentence and open it."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox

    def act(dialog):
        seen["kind"] = dialog.findChild(QComboBox, "complaint_kind").currentData()
        lines = dialog.findChild(QTableWidget, "complaint_lines")
        seen["ticked"] = lines.item(0, 0).checkState() == Qt.CheckState.Checked
        seen["pieces"] = dialog.findChild(QSpinBox, "complaint_lines_pieces_0").value()
        description = dialog.findChild(QPlainTextEdit, "complaint_description")
        seen["description"] = description.toPlainText()
        seen["banner"] = dialog.findChild(QLabel, "count_complaint_banner").isVisible()
        description.moveCursor(description.textCursor().MoveOperation.End)
        type_text(qtbot, description, typed_note)
        click(qtbot, dialog, "complaint_open_submit")
        seen["closed"] = not dialog.isVisible()
    return act


def test_care_staff_open_the_complaint_the_count_proposes_from_the_order_window(qtbot, sqlite_db, world, open_main):
    from app.services import complaints
    from ui.screens.item_counts import ProposedComplaintDialog

    db, st = sqlite_db, world
    oid, _so, _codes = in_vietnam(db, st)
    assert command(order_window(open_main, db, st, st.care, oid), "order_count_complaint") is None   # not counted
    out = _count_with_a_difference(db, st, oid)
    window = order_window(open_main, db, st, st.care, oid)
    action = command(window, "order_count_complaint")
    assert action is not None and action.isEnabled()
    notice = window.findChild(QLabel, "order_notice")
    assert notice.isVisible() and "▸" in notice.text()         # the window says a complaint is proposed
    seen = {}
    done = when_shown(ProposedComplaintDialog, _check_and_open(qtbot, seen, " Khách gửi ảnh qua Zalo."))
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["kind"] == "damaged" and seen["ticked"] and seen["pieces"] == 2 and seen["banner"]
    assert "女士连衣裙" in seen["description"] and "2" in seen["description"]
    assert seen["closed"]
    (opened,) = complaints.complaints_of_order(db, st.care, oid)
    view = complaints.get_complaint(db, st.care, opened.id)
    assert view.kind == "damaged" and [line.quantity for line in view.lines] == [2]
    assert view.description.endswith("Khách gửi ảnh qua Zalo.")
    with db.read() as s:
        assert s.get(Task, out.task_id).status == "done"
    qtbot.waitUntil(lambda: command(window, "order_count_complaint") is None, timeout=5000)   # taken up
    assert "▸" not in notice.text()


def test_care_staff_open_the_proposed_complaint_from_the_count_task(qtbot, sqlite_db, world, open_main):
    from app.services import complaints
    from ui.screens.item_counts import ProposedComplaintDialog
    from ui.screens.task_window import TaskWindow

    db, st = sqlite_db, world
    oid, _so, _codes = in_vietnam(db, st)
    out = _count_with_a_difference(db, st, oid)
    main = open_main(db, st.usernames[st.care.user_id])
    main.open_record("task", out.task_id)
    window = main._windows[("task", out.task_id)]
    assert isinstance(window, TaskWindow)
    button = window.findChild(QPushButton, "task_window_count_complaint")
    assert button.isVisible()
    seen = {}
    done = when_shown(ProposedComplaintDialog, _check_and_open(qtbot, seen, " Đã gọi khách."))
    click(qtbot, window, "task_window_count_complaint")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["kind"] == "damaged" and seen["closed"]
    (opened,) = complaints.complaints_of_order(db, st.care, oid)
    assert ("complaint", opened.id) in main._windows                   # the new complaint's window opened
    assert window.findChild(QLabel, "task_status").text() != ""
    assert not button.isVisible()                                      # the task is done: nothing more to open
    with db.read() as s:
        assert s.get(Task, out.task_id).status == "done"


def test_ordering_staff_exempt_an_item_from_the_tally_in_the_order_window_after_purchase(qtbot, sqlite_db, world,
                                                                                       open_main):
    from PySide6.QtCore import Qt

    from app.models import OrderService
    from ui.screens.item_counts import TallyExemptionDialog

    db, st = sqlite_db, world
    oid, _so = purchase_order(db, st, ["YT9000000000003"])
    with db.transaction() as tx:
        tx.add(OrderService(order_id=oid, code="inspection"))
    assert command(order_window(open_main, db, st, st.store, oid), "order_tally_exemption") is None   # warehouse
    window = order_window(open_main, db, st, st.ordering, oid)
    action = command(window, "order_tally_exemption")
    assert action is not None and action.isEnabled()
    seen = {}

    def tick(dialog):
        table = dialog.findChild(QTableWidget, "tally_items")
        seen["rows"] = [table.item(r, 1).text() for r in range(table.rowCount())]
        table.item(0, 0).setCheckState(Qt.CheckState.Checked)
        click(qtbot, dialog, "tally_submit")
        seen["closed"] = not dialog.isVisible()

    done = when_shown(TallyExemptionDialog, tick)
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["closed"] and "女士连衣裙" in seen["rows"][0]
    assert [i.tally_exempt for i in orders.get_order(db, st.care, oid).items] == [True]
    items = window.findChild(QTableWidget, "order_items_table")
    qtbot.waitUntil(lambda: items.item(0, 9).text() != "", timeout=5000)          # the note column says "no tally"
