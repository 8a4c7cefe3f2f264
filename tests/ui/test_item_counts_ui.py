"""Counting the goods from the order window, driven by objectName: the Vietnam warehouse opens
"Count the goods…", a count adding up to more than was bought is refused next to the table and
nothing is saved, a corrected count is saved and the items table's "received" column shows it;
care staff have no such command, and an order whose parcels are still in China offers none."""
import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSpinBox, QTableWidget
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
    qtbot.waitUntil(lambda: items.item(0, 6).text() == "1", timeout=5000)
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
