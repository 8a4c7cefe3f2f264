"""Claims against sellers (KNNB) on SQLite and PostgreSQL: the after-sale window from the
platform's settings counted down with a moved clock, the timer's warning and expiry, the CNY
recovered booked into the company CNY account; the complaint queues and the per-shop figures."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.models import JournalLine, LedgerAccount, StaffNotification, Task
from app.money import CNY, Money
from app.permissions import Role
from app.queries import paging, reader
from app.queries.complaint_figures import complaints_per_shop
from app.queries.paging import PageRequest
from app.queries.queues import QUEUES
from app.services import complaints, seller_complaints, settings
from app.services.complaints import ComplaintInput, LineInput, RemedyInput
from app.services.notifications import staff_ids_with_role
from app.services.seller_complaints import SellerComplaintInput
from tests.factories import make_user
from tests.money_helpers import accounts
from tests.services.complaint_helpers import entry_lines, in_vietnam
from tests.services.warehouse_helpers import make_staff, purchase_order


def cny(text_: str) -> Money:
    return Money.of(text_, CNY)


@pytest.fixture
def st(db):
    return make_staff(db)


def claim(db, st, so_id, amount="30.00", actor=None, reason="defective"):
    return seller_complaints.open_seller_complaint(db, actor or st.ordering, SellerComplaintInput(
        so_id, reason, "Kho TQ kiểm: 1 váy rách, ảnh đính kèm", Decimal(amount),
        photos=[("rach.jpg", b"\xff\xd8\xff" + b"2" * 50)]))


def open_tasks(db, sc_id):
    with db.read() as s:
        return list(s.scalars(select(Task).where(Task.entity == "seller_complaint", Task.entity_id == sc_id,
                                                 Task.status == "open")))


def test_the_after_sale_window_runs_from_the_sellers_shipping_by_the_platforms_settings(db, st, clock):
    shipped = clock.now()
    _oid, so_id = purchase_order(db, st, ["YT8000000000001"])
    clock.advance(days=3)
    sc = claim(db, st, so_id)
    v = seller_complaints.get_seller_complaint(db, st.ordering, sc)
    assert v.code == f"NB{sc:07d}" and v.status == "open" and v.platform == "taobao"
    assert v.seller_shipped_at == shipped and v.deadline_at == shipped + timedelta(days=10 + 15)
    assert v.time_left == timedelta(days=22) and "22" in v.countdown
    clock.advance(days=21, hours=20, minutes=30)
    v = seller_complaints.get_seller_complaint(db, st.ordering, sc)
    assert v.time_left == timedelta(hours=3, minutes=30)
    assert len(v.files) == 1
    (task,) = open_tasks(db, sc)
    assert (task.kind, task.role, task.assignee_id, task.due_at) == (
        "seller_complaint", "ordering", st.ordering.user_id, v.deadline_at)
    # the days are settings per platform; a claim takes the window of its day
    admin = make_user(db, Role.ADMIN)
    settings.update_settings(db, admin, {"complaints.taobao_confirm_days": "7", "complaints.taobao_after_sale_days": "7"})
    _oid2, so2 = purchase_order(db, st, ["YT8000000000002"])
    assert seller_complaints.get_seller_complaint(db, st.ordering, claim(db, st, so2)).deadline_at == \
        clock.now() + timedelta(days=14)


def test_no_claim_once_the_window_has_closed(db, st, clock):
    _oid, so_id = purchase_order(db, st, ["YT8000000000003"])
    clock.advance(days=25)
    with pytest.raises(DomainError) as err:
        claim(db, st, so_id)
    assert "2026" in str(err.value)


def test_the_timer_warns_once_before_the_window_closes_and_expires_claims_never_filed(db, st, clock):
    _o1, so1 = purchase_order(db, st, ["YT8000000000004"])
    _o2, so2 = purchase_order(db, st, ["YT8000000000005"])
    filed, unfiled = claim(db, st, so1), claim(db, st, so2)
    seller_complaints.file_seller_complaint(db, st.ordering, filed, " 2345 6789 ")
    assert open_tasks(db, filed) == []
    assert seller_complaints.warn_seller_deadlines(db) == seller_complaints.DeadlineSweep(0, 0)
    clock.advance(days=25, hours=-71)            # 71 h left: inside the 72 h warning
    assert seller_complaints.warn_seller_deadlines(db) == seller_complaints.DeadlineSweep(2, 0)
    assert seller_complaints.warn_seller_deadlines(db) == seller_complaints.DeadlineSweep(0, 0)
    assert len(open_tasks(db, filed)) == 1 and len(open_tasks(db, unfiled)) == 1
    with db.read() as s:
        notified = {n.user_id for n in s.scalars(select(StaffNotification).where(
            StaffNotification.entity == "seller_complaint", StaffNotification.entity_id == unfiled))}
        managers = set(staff_ids_with_role(s, Role.MANAGER))
    assert st.manager.user_id in managers and notified == {st.ordering.user_id} | managers
    clock.advance(hours=72)
    assert seller_complaints.warn_seller_deadlines(db) == seller_complaints.DeadlineSweep(0, 1)
    assert seller_complaints.get_seller_complaint(db, st.ordering, unfiled).status == "expired"
    assert open_tasks(db, unfiled) == []
    v = seller_complaints.get_seller_complaint(db, st.ordering, filed)
    assert (v.status, v.platform_case_no) == ("claimed", "23456789")        # filed in time: goes on


def test_money_recovered_from_the_seller_goes_into_the_cny_account_it_arrived_in(db, st):
    _oid, so_id = purchase_order(db, st, ["YT8000000000006"])
    sc = claim(db, st, so_id)
    vnd_account, cny_account = accounts(db)
    with db.read() as s:
        before = s.get(LedgerAccount, cny_account).balance
    with pytest.raises(ValidationFailed):
        seller_complaints.record_recovery(db, st.ordering, sc, Decimal("30.005"), cny_account)
    with pytest.raises(ValidationFailed):
        seller_complaints.record_recovery(db, st.ordering, sc, Decimal("30.00"), vnd_account)
    with pytest.raises(ValidationFailed):
        seller_complaints.record_recovery(db, st.ordering, sc, Decimal("500.00"), cny_account)   # > paid
    entry = seller_complaints.record_recovery(db, st.ordering, sc, Decimal("30.00"), cny_account)
    lines = entry_lines(db, entry)
    assert lines == {lines_key(db, cny_account): cny("30.00"), "purchase_cost": cny("-30.00")}
    with db.read() as s:
        assert s.get(LedgerAccount, cny_account).balance - before == 3000
        (line,) = s.scalars(select(JournalLine).where(JournalLine.entry_id == entry, JournalLine.account_id == cny_account))
        assert line.book == "cn" and line.amount_vnd == 30 * 3600
    v = seller_complaints.get_seller_complaint(db, st.ordering, sc)
    with db.read() as s:
        name = s.get(LedgerAccount, cny_account).name
    assert (v.status, v.recovered_cny, v.account_name) == ("recovered", cny("30.00"), name)
    assert open_tasks(db, sc) == []


def lines_key(db, account_id):
    with db.read() as s:
        return s.get(LedgerAccount, account_id).code


def test_claims_are_checked_and_only_buyers_make_them(db, st):
    oid, so_id = purchase_order(db, st, ["YT8000000000007"])
    for actor in (st.care, st.cn, st.store, st.accountant):
        with pytest.raises(PermissionDenied):
            claim(db, st, so_id, actor=actor)
    with pytest.raises(ValidationFailed) as err:
        claim(db, st, so_id, amount="0")
    assert "claimed_cny" in err.value.field_errors
    with pytest.raises(ValidationFailed):
        claim(db, st, so_id, amount="91.01")             # more than was paid
    with pytest.raises(ValidationFailed):
        claim(db, st, so_id, reason="because")
    sc = claim(db, st, so_id, actor=st.manager)
    with pytest.raises(DomainError):
        seller_complaints.record_seller_refusal(db, st.ordering, sc, "Shop từ chối")   # not filed yet
    seller_complaints.file_seller_complaint(db, st.ordering, sc, "TB-DISPUTE-1")
    with pytest.raises(DomainError):
        seller_complaints.record_seller_refusal(db, st.ordering, sc, " ")
    seller_complaints.record_seller_refusal(db, st.ordering, sc, "Shop nói hàng đúng mô tả")
    assert seller_complaints.get_seller_complaint(db, st.ordering, sc).status == "refused"
    assert [x.code for x in seller_complaints.seller_complaints_of_order(db, st.care, oid)] == [f"NB{sc:07d}"]


def test_a_claim_may_follow_a_customer_complaint_on_the_same_order(db, st):
    oid, so_id, _codes = in_vietnam(db, st)
    other, _so2, _c2 = in_vietnam(db, st)
    mine = complaints.open_complaint(db, st.care, ComplaintInput(oid, "late", "Chậm", []))
    theirs = complaints.open_complaint(db, st.care, ComplaintInput(other, "late", "Chậm", []))
    data = SellerComplaintInput(so_id, "wrong_item", "Sai mẫu", Decimal("10.00"), complaint_id=theirs)
    with pytest.raises(ValidationFailed):
        seller_complaints.open_seller_complaint(db, st.ordering, data)
    data.complaint_id = mine
    sc = seller_complaints.open_seller_complaint(db, st.ordering, data)
    assert seller_complaints.get_seller_complaint(db, st.ordering, sc).complaint_code == f"KN{mine:07d}"


# -- queues ---------------------------------------------------------------------------------------------------

COMPLAINT_QUEUES = {
    "complaints.care": ("care", "ix_complaints_care"),
    "complaints.ordering": ("ordering", "ix_complaints_ordering"),
    "complaints.to_approve": ("manager", "ix_complaints_status"),
    "complaints.all": ("manager", "ix_complaints_opened"),
    "seller_complaints.active": ("ordering", "ix_seller_complaints_active"),
    "seller_complaints.all": ("manager", "ix_seller_complaints_opened"),
}


@pytest.fixture
def world(db, st, clock):
    oid, so_id, _codes = in_vietnam(db, st)
    o2, so2, _c = in_vietnam(db, st)
    items = complaints.complaint_choices(db, st.care, oid).items
    a = complaints.open_complaint(db, st.care, ComplaintInput(oid, "damaged", "Rách", [
        LineInput(order_item_id=items[0].id, quantity=1)]))
    clock.advance(hours=1)
    b = complaints.open_complaint(db, st.care, ComplaintInput(o2, "late", "Chậm", []))
    complaints.propose_plan(db, st.care, b, "transport", [RemedyInput("compensation", Decimal(20000))])
    clock.advance(hours=1)
    done = complaints.open_complaint(db, st.care, ComplaintInput(o2, "other", "Hỏi lại", []))
    complaints.withdraw_complaint(db, st.care, done, "Khách tự xử lý")
    late_claim = claim(db, st, so2)
    clock.advance(days=2)
    early_claim = claim(db, st, so_id)
    with db.transaction() as tx:          # the first shop shipped earlier: its window closes first
        from app.models import SellerComplaint

        tx.get(SellerComplaint, early_claim).deadline_at = clock.now() + timedelta(days=1)
    st.ids = {"a": a, "b": b, "done": done, "late_claim": late_claim, "early_claim": early_claim}
    return st


def _ids(db, actor, name, **req):
    return [r.id for r in reader.queue_page(db, actor, name, PageRequest(**req)).rows]


def test_each_role_sees_its_complaint_queues(db, world, clock):
    st, ids = world, world.ids
    assert _ids(db, st.care, "complaints.care") == [ids["a"], ids["b"]]
    assert _ids(db, st.ordering, "complaints.ordering") == [ids["a"], ids["b"]]
    assert _ids(db, st.manager, "complaints.to_approve") == [ids["b"]]
    assert _ids(db, st.manager, "complaints.all") == [ids["done"], ids["b"], ids["a"]]
    assert _ids(db, st.manager, "complaints.all", filters={"status": "withdrawn"}) == [ids["done"]]
    assert _ids(db, st.care, "complaints.all", search=f"KN{ids['a']:07d}".lower()) == [ids["a"]]
    assert _ids(db, st.ordering, "seller_complaints.active") == [ids["early_claim"], ids["late_claim"]]
    names = {q.name for q in reader.queues_for(st.ordering)}
    assert {"complaints.ordering", "seller_complaints.active"} <= names and "complaints.care" not in names
    assert "seller_complaints.active" not in {q.name for q in reader.queues_for(st.care)}
    with pytest.raises(PermissionDenied):
        reader.queue_page(db, st.care, "seller_complaints.active", PageRequest())


def test_the_claims_queue_highlights_by_the_time_left(db, world, clock):
    st, ids = world, world.ids
    flag = QUEUES["seller_complaints.active"].flag

    def flags():
        return {r.id: flag(r, reader.context(db, st.ordering))
                for r in reader.queue_page(db, st.ordering, "seller_complaints.active", PageRequest()).rows}

    assert flags() == {ids["early_claim"]: None, ids["late_claim"]: None}
    seller_complaints.warn_seller_deadlines(db)                   # 1 day left: inside the warning
    assert flags() == {ids["early_claim"]: "warning", ids["late_claim"]: None}
    clock.advance(days=1, minutes=1)
    assert flags()[ids["early_claim"]] == "overdue"


def _plan(db, actor, name, req: PageRequest) -> str:
    queue = QUEUES[name]
    with db.read() as s:
        dialect = s.get_bind().dialect
        sel = paging._filtered(queue, reader.context(db, actor), req, dialect.name)
        key, desc = queue.sort
        sort_expr, id_expr = paging._expr(sel, key), paging._expr(sel, "id")
        order = (sort_expr.desc(), id_expr.desc()) if desc else (sort_expr.asc(), id_expr.asc())
        compiled = sel.order_by(*order).limit(100).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        if dialect.name == "sqlite":
            return "\n".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        # a test's few rows fit under the page's LIMIT, so the planner would rather sort them:
        # forbid sorting, and the plan shows whether an index gives the queue's order
        s.execute(text("SET enable_seqscan = off"))
        s.execute(text("SET enable_sort = off"))
        return "\n".join(r[0] for r in s.execute(text(f"EXPLAIN {compiled}")))


@pytest.mark.parametrize("name", sorted(COMPLAINT_QUEUES))
def test_every_complaint_queue_pages_along_its_own_index(db, world, name):
    role, index = COMPLAINT_QUEUES[name]
    plan = _plan(db, getattr(world, role), name, PageRequest())
    assert index in plan, plan
    if db.kind == "sqlite":
        table = name.split(".")[0]
        assert f"SCAN {table}\n" not in plan + "\n", plan


def test_the_status_filter_reads_the_status_index(db, world):
    assert "ix_complaints_status" in _plan(db, world.manager, "complaints.all", PageRequest(filters={"status": "open"}))


def test_every_declared_complaint_queue_is_covered_here():
    mine = {n for n, q in QUEUES.queues.items() if q.entity in ("complaint", "seller_complaint")}
    assert mine == set(COMPLAINT_QUEUES)


# -- per-shop figures ----------------------------------------------------------------------------------------

def test_complaints_and_claims_are_counted_per_shop_in_a_period(db, st, clock):
    start = clock.now()
    oid, so_id, _codes = in_vietnam(db, st)
    items = complaints.complaint_choices(db, st.care, oid).items
    complaints.open_complaint(db, st.care, ComplaintInput(oid, "damaged", "Rách", [
        LineInput(order_item_id=items[0].id, quantity=1)]))
    complaints.open_complaint(db, st.care, ComplaintInput(oid, "late", "Chậm", []))      # names no shop
    sc = claim(db, st, so_id, "30.00")
    seller_complaints.record_recovery(db, st.ordering, sc, Decimal("12.50"), accounts(db)[1])
    claim(db, st, so_id, "5.00")
    end = clock.advance(hours=1)
    (fig,) = complaints_per_shop(db, st.manager, start, end)
    assert (fig.shop_name, fig.platform, fig.complaints, fig.seller_complaints) == ("杭州女装旗舰店", "taobao", 1, 2)
    assert (fig.claimed, fig.recovered) == (cny("35.00"), cny("12.50"))
    assert complaints_per_shop(db, st.manager, end, end + timedelta(days=1)) == []
    with pytest.raises(PermissionDenied):
        complaints_per_shop(db, st.ordering, start, end)
