"""The feedback window and the staff notification centre, on SQLite and PostgreSQL."""
import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import db as dbmod
from app.i18n import Lazy, Message, fmt_money, translate
from app.models import ActivityEvent, Order, StaffNotification, Task
from app.money import Money
from app.permissions import SYSTEM_ACTOR, Role
from app.services import feedback, orders, staff_inbox
from app.services import settings as settings_service
from app.services.housekeeping import run_housekeeping
from app.services.notifications import notify_staff
from tests.factories import make_customer, make_order, make_user


@pytest.fixture
def staff(db):
    return {"care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
            "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
            "admin": make_user(db, Role.ADMIN)}


def delivered(db, staff, code="YT1234567890123"):
    cid = make_customer(db, staff["care"], care=staff["care"])
    oid = make_order(db, staff["care"], cid, "consignment", codes=[code])
    orders.apply_action(db, staff["care"], oid, "submit")
    orders.confirm_order(db, staff["manager"], oid, staff["care"].user_id, None)
    for action in ("arrive_cn", "depart_cn", "arrive_vn", "start_delivery", "deliver"):
        orders.apply_action(db, SYSTEM_ACTOR, oid, action)
    return oid


def _status(db, oid):
    with db.read() as s:
        return s.get(Order, oid).status


def test_a_delivered_order_without_complaint_completes_when_the_window_closes(db, staff, clock):
    oid = delivered(db, staff)
    clock.advance(days=13, hours=23)
    assert feedback.complete_after_feedback_window(db) == 0 and _status(db, oid) == "delivered"
    clock.advance(hours=2)
    assert feedback.complete_after_feedback_window(db) == 1
    assert _status(db, oid) == "received"
    with db.read() as s:
        step = s.scalar(select(ActivityEvent).where(ActivityEvent.entity_id == oid,
                                                    ActivityEvent.action == "confirm_received"))
        open_tasks = s.scalars(select(Task).where(Task.entity_id == oid, Task.status == "open")).all()
    assert step.role == "system" and step.after == {"status": "received"} and "14" in step.note
    assert open_tasks == []                                    # the care task closed with the order
    assert feedback.complete_after_feedback_window(db) == 0


def test_the_window_follows_the_setting(db, staff, clock):
    settings_service.update_settings(db, staff["admin"], {"orders.feedback_days": "3"})
    oid = delivered(db, staff)
    clock.advance(days=3, minutes=1)
    run_housekeeping(db)
    assert _status(db, oid) == "received"


def test_an_open_complaint_keeps_the_order_open(db, staff, clock, monkeypatch):
    oid = delivered(db, staff)
    monkeypatch.setattr(feedback, "has_open_complaint", lambda tx, order_id: order_id == oid)
    clock.advance(days=20)
    assert feedback.complete_after_feedback_window(db) == 0 and _status(db, oid) == "delivered"


def test_two_desktops_closing_windows_at_once_move_each_order_once(db, staff, clock):
    ids = [delivered(db, staff, f"YT12345678901{i:02d}") for i in range(4)]
    clock.advance(days=15)
    other = dbmod.Database(db.url.render_as_string(hide_password=False), clock=clock)
    done, start = [], threading.Barrier(2)

    def run(database):
        start.wait()
        done.append(feedback.complete_after_feedback_window(database))

    threads = [threading.Thread(target=run, args=(d,)) for d in (db, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    other.dispose()
    assert sum(done) == 4 and {_status(db, i) for i in ids} == {"received"}
    with db.read() as s:
        moves = s.scalars(select(ActivityEvent.entity_id).where(ActivityEvent.action == "confirm_received")).all()
    assert sorted(moves) == sorted(ids)


def test_the_notification_centre_counts_lists_newest_first_and_marks_read(db, staff):
    care, manager = staff["care"], staff["manager"]
    with db.transaction() as tx:
        for i in range(5):
            staff_inbox.tell_staff(tx, [care.user_id], "Order {code} confirmed", entity="order", entity_id=i,
                                   code=f"DH000000{i}")
        staff_inbox.tell_staff(tx, [manager.user_id], "Order {code} confirmed", code="DH0000009")
    assert staff_inbox.unread_count(db, care) == 5
    page = staff_inbox.inbox(db, care, limit=3)
    confirmed = translate("Order {code} confirmed", "vi")               # staff read it in their language
    assert [n.title for n in page] == [confirmed.format(code=f"DH000000{i}") for i in (4, 3, 2)]
    assert [n.entity_id for n in staff_inbox.inbox(db, care, before_id=page[-1].id)] == [1, 0]
    assert staff_inbox.mark_read(db, care, [page[0].id, page[1].id]) == 2
    assert staff_inbox.mark_read(db, manager, [page[2].id]) == 0          # not theirs
    assert staff_inbox.unread_count(db, care) == 3
    assert [n.entity_id for n in staff_inbox.inbox(db, care, unread_only=True)] == [2, 1, 0]
    assert staff_inbox.mark_all_read(db, care) == 3
    assert staff_inbox.unread_count(db, care) == 0 and staff_inbox.unread_count(db, manager) == 1


def test_staff_read_a_notification_in_the_language_they_use_now(db, staff):
    """What is stored is the message, not a rendering: each reader reads it in their language,
    and the same notification reads in English once its reader switched to English."""
    with db.transaction() as tx:
        staff_inbox.tell_staff(tx, [staff["care"].user_id, staff["manager"].user_id],
                               "Your task is overdue: {title}", title="Gọi khách")
        notify_staff(tx, [staff["care"].user_id], Message(
            "Approve {kind} of {amount} for {customer} ({reference})", kind=Lazy("top-up"),
            amount=Money(Decimal("1500000"), "VND"), customer="Nguyễn Thị Hằng", reference="CK01"))
    care_zh = replace(staff["care"], language="zh_CN")
    got = {"care": staff_inbox.inbox(db, care_zh)[1].title,
           "manager": staff_inbox.inbox(db, staff["manager"])[0].title}
    assert got["care"] == translate("Your task is overdue: {title}", "zh_CN").format(title="Gọi khách")
    assert got["manager"] == translate("Your task is overdue: {title}", "vi").format(title="Gọi khách")
    care_en = replace(staff["care"], language="en")
    newest, older = staff_inbox.inbox(db, care_en)
    assert older.title == "Your task is overdue: Gọi khách"
    assert newest.title == "Approve top-up of ₫1,500,000 for Nguyễn Thị Hằng (CK01)"   # money as English reads it
    assert staff_inbox.inbox(db, staff["care"])[0].title == translate(
        "Approve {kind} of {amount} for {customer} ({reference})", "vi").format(
        kind=translate("top-up", "vi"), amount=fmt_money(Money(Decimal("1500000"), "VND"), "vi"), customer="Nguyễn Thị Hằng", reference="CK01")


def test_notifications_written_before_messages_were_stored_show_their_text(db, staff):
    with db.transaction() as tx:
        tx.add(StaffNotification(user_id=staff["care"].user_id, title="Đơn DH0000033 đã được xác nhận",
                                 body="", created_at=db.clock.now()))
    care_en = replace(staff["care"], language="en")
    assert staff_inbox.inbox(db, care_en)[0].title == "Đơn DH0000033 đã được xác nhận"
