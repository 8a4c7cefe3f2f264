"""Tasks from opening to closing, on SQLite and PostgreSQL: each kind is opened and closed by the
action that owns it, due times come from settings, overdue work escalates to managers once."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import db as dbmod
from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.i18n import render_stored, translate
from app.models import Order, StaffNotification, Task
from app.permissions import SYSTEM_ACTOR, Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import orders, tasks
from app.services import settings as settings_service
from app.workflows.tasks import TaskKind
from tests.factories import make_customer, make_order, make_user
from tests.money_helpers import fund, set_rates


@pytest.fixture
def staff(db):
    return {
        "care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
        "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
        "manager2": make_user(db, Role.MANAGER, full_name="Đỗ Thị Mai"),
        "ordering": make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
        "admin": make_user(db, Role.ADMIN),
    }


def _tasks(db, oid):
    """(kind, role, status, assignee) of every task about the order, oldest first."""
    with db.read() as s:
        return [(t.kind, t.role, t.status, t.assignee_id) for t in s.scalars(
            select(Task).where(Task.entity == "order", Task.entity_id == oid).order_by(Task.id))]


def _open(db, oid):
    return {(k, r) for k, r, st, _a in _tasks(db, oid) if st == "open"}


def _task(db, kind, oid):
    with db.read() as s:
        return s.scalar(select(Task).where(Task.kind == kind, Task.entity_id == oid).order_by(Task.id.desc()))


def vi(msgid, **params):
    """What a Vietnamese-speaking member of staff reads (staff are created with language vi)."""
    return translate(msgid, "vi").format(**{k: translate(v, "vi") for k, v in params.items()})


def _inbox(db, user):
    with db.read() as s:
        return [render_stored(n.title, n.title_key, n.title_params, "vi") for n in s.scalars(
            select(StaffNotification).where(StaffNotification.user_id == user.user_id)
            .order_by(StaffNotification.id))]


def _purchase(db, staff, services=(), funded=True):
    """A purchase order in a cart. Funded: submitting takes the deposit from the wallet at once;
    else the rates are set but the wallet cannot pay, so submitting leaves the deposit to chase."""
    cid = make_customer(db, staff["care"], care=staff["care"])
    oid = make_order(db, staff["care"], cid, services=services)
    if funded:
        fund(db, cid)
    else:
        set_rates(db, manager=staff["manager"])
    return oid, cid


def test_take_deposit_is_opened_by_submitting_and_closed_by_the_deposit(db, staff, clock):
    oid, cid = _purchase(db, staff, funded=False)
    orders.apply_action(db, staff["care"], oid, "submit")
    deposit = _task(db, TaskKind.TAKE_DEPOSIT, oid)
    assert (deposit.role, deposit.status, deposit.assignee_id) == ("care", "open", staff["care"].user_id)
    assert deposit.due_at == clock.now() + timedelta(hours=24)      # tasks.due_hours.take_deposit
    assert deposit.note                                              # why the wallet could not pay
    with pytest.raises(DomainError):
        orders.apply_action(db, staff["care"], oid, "deposit")       # not while the wallet cannot pay
    fund(db, cid)                                                    # the top-up pays the deposit
    assert _task(db, TaskKind.TAKE_DEPOSIT, oid).status == "done"
    assert _open(db, oid) == {("handle_order", "manager")}


def test_handle_order_is_the_managers_until_confirmed_then_care_looks_after_it_to_the_end(db, staff, clock):
    oid, _cid = _purchase(db, staff)
    orders.apply_action(db, staff["care"], oid, "submit")            # takes the deposit too
    orders.confirm_order(db, staff["manager"], oid, staff["care"].user_id, staff["ordering"].user_id)
    kinds = _tasks(db, oid)
    assert ("handle_order", "manager", "done", None) in kinds
    assert _open(db, oid) == {("handle_order", "care"), ("place_order", "ordering")}
    look_after = _task(db, TaskKind.HANDLE_ORDER, oid)
    with db.read() as s:
        committed = s.get(Order, oid).committed_deliver_by
    # due when the order should be complete: delivered, plus the feedback window
    assert look_after.due_at == committed + timedelta(days=14)
    assert look_after.assignee_id == staff["care"].user_id


def test_place_order_is_due_by_the_purchase_deadline_and_closed_by_marking_purchased(db, staff, clock):
    oid, _cid = _purchase(db, staff)
    orders.apply_action(db, staff["care"], oid, "submit")            # takes the deposit too
    orders.confirm_order(db, staff["manager"], oid, staff["care"].user_id, staff["ordering"].user_id)
    place = _task(db, TaskKind.PLACE_ORDER, oid)
    assert place.due_at == clock.now() + timedelta(hours=24) and place.assignee_id == staff["ordering"].user_id
    orders.apply_action(db, staff["ordering"], oid, "start_purchase")
    with db.transaction() as tx:
        for it in tx.get(Order, oid).items:
            it.quantity_bought = it.quantity
    orders.apply_action(db, staff["ordering"], oid, "mark_purchased")
    assert _task(db, TaskKind.PLACE_ORDER, oid).status == "done"
    assert _open(db, oid) == {("handle_order", "care")}


def test_approve_is_opened_for_a_service_needing_approval_and_closed_by_approving(db, staff):
    oid, _cid = _purchase(db, staff, services=("cargo_insurance",))
    orders.apply_action(db, staff["care"], oid, "submit")            # takes the deposit too
    orders.confirm_order(db, staff["manager"], oid, staff["care"].user_id, staff["ordering"].user_id)
    assert ("approve", "manager") in _open(db, oid) and ("place_order", "ordering") not in _open(db, oid)
    orders.apply_action(db, staff["manager"], oid, "approve")
    assert _task(db, TaskKind.APPROVE, oid).status == "done"
    assert ("place_order", "ordering") in _open(db, oid)


def test_handle_consignment_waits_on_managers_then_on_care_until_the_customer_has_the_goods(db, staff):
    cid = make_customer(db, staff["care"], care=staff["care"])
    oid = make_order(db, staff["care"], cid, "consignment")
    orders.apply_action(db, staff["care"], oid, "submit")
    assert _open(db, oid) == {("handle_consignment", "manager")}
    orders.confirm_order(db, staff["manager"], oid, staff["care"].user_id, None)
    assert _open(db, oid) == {("handle_consignment", "care")}
    for action in ("arrive_cn", "depart_cn", "arrive_vn", "start_delivery", "deliver"):
        orders.apply_action(db, SYSTEM_ACTOR, oid, action)
    orders.apply_action(db, staff["care"], oid, "confirm_received")
    assert _open(db, oid) == set()


def test_due_times_come_from_the_company_settings_per_task_kind(db, staff, clock):
    settings_service.update_settings(db, staff["admin"], {"tasks.due_hours.take_deposit": "6",
                                                          "tasks.due_hours.handle_order": "2"})
    oid, cid = _purchase(db, staff, funded=False)
    orders.apply_action(db, staff["care"], oid, "submit")
    assert _task(db, TaskKind.TAKE_DEPOSIT, oid).due_at == clock.now() + timedelta(hours=6)
    clock.advance(hours=1)
    fund(db, cid)                                                    # the top-up pays the deposit
    assert _task(db, TaskKind.HANDLE_ORDER, oid).due_at == clock.now() + timedelta(hours=2)
    with db.transaction() as tx:   # an owner that names its own due time keeps it
        t = tasks.open_task(tx, staff["manager"], TaskKind.OTHER, Role.CARE, "Gọi khách", due_in=timedelta(hours=3))
    assert t.due_at == clock.now() + timedelta(hours=3)


def test_an_overdue_task_escalates_to_the_managers_once_and_its_assignee_hears_of_it(db, staff, clock):
    with db.transaction() as tx:
        tid = tasks.open_task(tx, staff["manager"], TaskKind.PLACE_ORDER, Role.ORDERING, "Đặt hàng DH0000042",
                              "order", 42, due_in=timedelta(hours=2), assignee_id=staff["ordering"].user_id).id
    assert tasks.escalate_overdue(db) == 0
    assert reader.queue_page(db, staff["manager"], "tasks.escalated", PageRequest()).rows == []
    clock.advance(hours=3)
    assert tasks.escalate_overdue(db) == 1
    assert tasks.escalate_overdue(db) == 0                      # never twice
    clock.advance(hours=5)
    assert tasks.escalate_overdue(db) == 0
    for manager in (staff["manager"], staff["manager2"]):
        assert [t for t in _inbox(db, manager) if "DH0000042" in t] == [
            vi("Overdue: {kind} — {title}", kind="Place order with shop", title="Đặt hàng DH0000042")]
    assert _inbox(db, staff["ordering"]) == [vi("Your task is overdue: {title}", title="Đặt hàng DH0000042")]
    rows = reader.queue_page(db, staff["manager"], "tasks.escalated", PageRequest()).rows
    assert [r.id for r in rows] == [tid] and rows[0].escalated_at == clock.now() - timedelta(hours=5)


def test_the_escalation_waits_for_the_configured_grace(db, staff, clock):
    settings_service.update_settings(db, staff["admin"], {"tasks.escalate_after_hours": "4"})
    with db.transaction() as tx:
        tasks.open_task(tx, staff["manager"], TaskKind.OTHER, Role.CARE, "x", due_in=timedelta(hours=1))
    clock.advance(hours=3)
    assert tasks.escalate_overdue(db) == 0
    clock.advance(hours=3)
    assert tasks.escalate_overdue(db) == 1


def test_two_desktops_escalating_at_the_same_moment_tell_each_manager_once(db, staff, clock):
    with db.transaction() as tx:
        for i in range(30):
            tasks.open_task(tx, staff["manager"], TaskKind.OTHER, Role.CARE, f"Việc {i}", "order", i,
                            due_in=timedelta(minutes=10))
    clock.advance(hours=1)
    other = dbmod.Database(db.url.render_as_string(hide_password=False), clock=clock)
    counts, start = [], threading.Barrier(2)

    def run(database):
        start.wait()
        counts.append(tasks.escalate_overdue(database, batch=7))

    threads = [threading.Thread(target=run, args=(d,)) for d in (db, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    other.dispose()
    assert sum(counts) == 30
    assert len(_inbox(db, staff["manager"])) == 30 and len(_inbox(db, staff["manager2"])) == 30


def test_rescheduling_needs_a_reason_and_lets_the_task_escalate_again_later(db, staff, clock):
    with db.transaction() as tx:
        tid = tasks.open_task(tx, staff["manager"], TaskKind.OTHER, Role.CARE, "Gọi khách",
                              due_in=timedelta(hours=1), assignee_id=staff["care"].user_id).id
    clock.advance(hours=2)
    assert tasks.escalate_overdue(db) == 1
    with pytest.raises(ValidationFailed):
        tasks.reschedule_task(db, staff["manager"], tid, clock.now() + timedelta(days=1), " ")
    with pytest.raises(PermissionDenied):
        tasks.reschedule_task(db, staff["care"], tid, clock.now() + timedelta(days=1), "khách hẹn mai")
    tasks.reschedule_task(db, staff["manager"], tid, clock.now() + timedelta(days=1), "khách hẹn mai")
    view = tasks.get_task(db, staff["manager"], tid)
    assert view.escalated_at is None and not view.overdue
    assert vi("New due time for your task: {title}", title="Gọi khách") in _inbox(db, staff["care"])
    clock.advance(days=2)
    assert tasks.escalate_overdue(db) == 1


def test_a_manager_gives_a_task_to_someone_who_is_told_and_claiming_is_for_the_roles_staff(db, staff):
    with db.transaction() as tx:
        tid = tasks.open_task(tx, staff["manager"], TaskKind.PLACE_ORDER, Role.ORDERING, "Đặt hàng DH0000007").id
    view = tasks.get_task(db, staff["ordering"], tid)
    assert view.can_claim and not view.can_assign and view.kind_label == "Place order with shop"  # msgid
    assert tasks.get_task(db, staff["manager"], tid).can_assign
    assert not tasks.get_task(db, staff["care"], tid).can_claim
    tasks.assign_task(db, staff["manager"], tid, staff["ordering"].user_id)
    assert _inbox(db, staff["ordering"])[-1] == vi("{who} gave you a task: {title}", who="Phạm Quốc Hùng",
                                                   title="Đặt hàng DH0000007")
    after = tasks.get_task(db, staff["ordering"], tid)
    assert after.assignee_name == "Vũ Minh Đức" and not after.can_claim and after.can_complete
    tasks.complete_task(db, staff["ordering"], tid)
    assert tasks.get_task(db, staff["manager"], tid).status == "done"
    with pytest.raises(DomainError):
        tasks.assign_task(db, staff["manager"], tid, None)
