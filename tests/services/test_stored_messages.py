"""What the app writes down to be read later — task subjects and notes, money memos — is stored as a
message (key and values) and read in the reader's language, on SQLite and PostgreSQL."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.i18n import fmt_decimal, fmt_money, fmt_percent, set_language, translate
from app.models import JournalEntry, Order, OrderMoney, Task
from app.money import Money
from app.permissions import Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import activity, ledger, orders, tasks
from tests.factories import make_customer, make_order, make_user
from tests.money_helpers import fund


@pytest.fixture
def staff(db):
    return {"care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
            "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
            "ordering": make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
            "accountant": make_user(db, Role.ACCOUNTANT)}


def _confirmed_purchase(db, staff):
    cid = make_customer(db, staff["care"], name="Nguyễn Thị Hằng")
    oid = make_order(db, staff["care"], cid)
    fund(db, cid)
    orders.apply_action(db, staff["care"], oid, "submit")          # Vietnamese desktops write it all
    orders.confirm_order(db, staff["manager"], oid, staff["care"].user_id, staff["ordering"].user_id)
    with db.read() as s:
        return s.get(Order, oid)


def test_a_task_the_app_opens_reads_in_the_readers_language_and_is_found_in_either(db, staff):
    order = _confirmed_purchase(db, staff)
    with db.read() as s:
        tid = s.scalar(select(Task.id).where(Task.entity == "order", Task.entity_id == order.id,
                                             Task.role == Role.CARE.value))
    subject = "Look after order {code} for {customer}"
    set_language("en")
    assert tasks.get_task(db, staff["care"], tid).title == f"Look after order {order.code} for Nguyễn Thị Hằng"
    set_language("zh_CN")
    assert tasks.get_task(db, staff["care"], tid).title == translate(subject, "zh_CN").format(
        code=order.code, customer="Nguyễn Thị Hằng")
    set_language("vi")
    vi_title = translate(subject, "vi").format(code=order.code, customer="Nguyễn Thị Hằng")
    assert tasks.get_task(db, staff["care"], tid).title == vi_title
    for term in (vi_title, f"Look after order {order.code}"):      # searched in either language
        page = reader.queue_page(db, staff["care"], "tasks.mine", PageRequest(search=term))
        assert [r.id for r in page.rows] == [tid], term


def test_a_notification_about_a_task_carries_the_task_subject_in_the_readers_language(db, staff):
    from dataclasses import replace

    from app.services import staff_inbox

    order = _confirmed_purchase(db, staff)
    with db.read() as s:
        tid = s.scalar(select(Task.id).where(Task.entity == "order", Task.entity_id == order.id,
                                             Task.role == Role.CARE.value))
    other = make_user(db, Role.CARE, full_name="Đỗ Thị Mai")
    tasks.assign_task(db, staff["manager"], tid, other.user_id)
    got = staff_inbox.inbox(db, replace(other, language="en"))[0].title
    assert got == f"Phạm Quốc Hùng gave you a task: Look after order {order.code} for Nguyễn Thị Hằng"


def test_a_money_memo_reads_in_the_readers_language(db, staff):
    order = _confirmed_purchase(db, staff)
    with db.read() as s:
        eid = s.scalar(select(JournalEntry.id).where(JournalEntry.order_id == order.id,
                                                     JournalEntry.kind == "deposit"))
        om = s.get(OrderMoney, order.id)
        pct, rate, goods = om.deposit_percent, om.selling_rate, order.goods_cny
    memo = "Deposit {percent} of goods {goods} × {rate}"
    for lang in ("en", "vi", "zh_CN"):
        set_language(lang)
        assert ledger.get_entry(db, staff["accountant"], eid).memo == translate(memo, lang).format(
            percent=fmt_percent(pct, lang), goods=fmt_money(goods, lang), rate=fmt_decimal(rate, lang)), lang
    set_language("en")
    memo_en = ledger.get_entry(db, staff["accountant"], eid).memo
    assert memo_en.startswith("Deposit ")
    # the activity log's line of the same entry says it in the reader's language too
    [line] = activity.history(db, staff["manager"], "journal_entry", eid)
    assert line.note == memo_en


def test_rows_written_before_messages_were_stored_show_their_own_text(db, staff):
    with db.transaction() as tx:
        task = Task(kind="other", status="open", role=Role.CARE.value, title="Gọi lại cho chị Hằng",
                    search_text="goi lai cho chi hang", created_at=db.clock.now(), note="Trước 5 giờ chiều")
        tx.add(task)
        tx.flush()
        tid = task.id
        entry = ledger.post(tx, staff["accountant"], "adjustment", [
            ledger.debit(ledger.account(tx, "compensation").id, Money(Decimal("1000"), "VND")),
            ledger.credit(ledger.account(tx, "unrecovered_cost").id, Money(Decimal("1000"), "VND"))],
            memo="Điều chỉnh tay")
        eid = entry.id
    set_language("en")
    view = tasks.get_task(db, staff["care"], tid)
    assert (view.title, view.note) == ("Gọi lại cho chị Hằng", "Trước 5 giờ chiều")
    assert ledger.get_entry(db, staff["accountant"], eid).memo == "Điều chỉnh tay"
