"""Settings, tasks and the activity log — on SQLite and PostgreSQL."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError, IntegrityError, InternalError

from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.models import ActivityEvent, Task, Warehouse
from app.permissions import Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import settings as settings_service
from app.services import tasks
from app.services.activity import history, record
from app.workflows.tasks import TaskKind
from tests.factories import make_user, make_warehouses


def test_a_bad_setting_is_reported_next_to_its_field_and_nothing_is_saved(db):
    admin = make_user(db, Role.ADMIN)
    with pytest.raises(ValidationFailed) as err:
        settings_service.update_settings(db, admin, {"orders.deposit_percent": "150",
                                                     "orders.cart_days": "7"})
    assert list(err.value.field_errors) == ["orders.deposit_percent"]
    assert settings_service.read_all(db)["orders.cart_days"] == 30  # the good one was not saved either


def test_a_good_setting_is_saved_typed_and_logged_with_old_and_new(db):
    admin = make_user(db, Role.ADMIN)
    changed = settings_service.update_settings(db, admin, {"orders.deposit_percent": "80,5",
                                                           "company.name": "Hằng Nga Logistics"})
    assert changed == {"orders.deposit_percent": Decimal("80.5"), "company.name": "Hằng Nga Logistics"}
    assert settings_service.read_all(db)["orders.deposit_percent"] == Decimal("80.5")
    with db.read() as s:
        ev = s.scalar(select(ActivityEvent).where(ActivityEvent.entity == "setting",
                                                  ActivityEvent.action == "orders.deposit_percent"))
    assert ev.before == {"orders.deposit_percent": "70"} and ev.after == {"orders.deposit_percent": "80.5"}
    assert ev.actor_id == admin.user_id


def test_only_admins_edit_settings(db):
    manager = make_user(db, Role.MANAGER)
    with pytest.raises(PermissionDenied):
        settings_service.update_settings(db, manager, {"ui.page_size": "50"})


def test_the_history_names_the_people_and_warehouses_its_changes_mention(db):
    admin = make_user(db, Role.ADMIN)
    ordering = make_user(db, Role.ORDERING, full_name="Vũ Minh Đức")
    warehouses = make_warehouses(db)
    hanoi = next(iter(warehouses.values()))
    with db.transaction() as tx:
        record(tx, admin, "task", 1, "assigned", {"assignee_id": None}, {"assignee_id": ordering.user_id})
        record(tx, admin, "task", 1, "edited", {"warehouse_id": hanoi, "note": "a"},
               {"warehouse_id": 999_999, "note": "b"})
        record(tx, admin, "task", 2, "assigned", {"assignee_id": admin.user_id}, {"assignee_id": None})
    lines = history(db, admin, "task", 1)
    with db.read() as s:
        hanoi_name = s.get(Warehouse, hanoi).name
    assert lines[0].names == {("user", ordering.user_id): "Vũ Minh Đức", ("warehouse", hanoi): hanoi_name}
    assert [line.flow for line in lines] == ["task", "task"]


def test_the_activity_log_refuses_updates_and_deletes(db):
    admin = make_user(db, Role.ADMIN)
    with db.transaction() as tx:
        record(tx, admin, "order", 1, "created")
    with pytest.raises((DatabaseError, IntegrityError, InternalError)):
        with db.transaction() as tx:
            tx.execute(update(ActivityEvent).values(note="rewritten"))
    with pytest.raises((DatabaseError, IntegrityError, InternalError)):
        with db.transaction() as tx:
            tx.execute(text("DELETE FROM activity_events"))
    with db.read() as s:
        assert s.scalar(select(ActivityEvent.note)) == ""


def test_a_task_lands_in_its_role_queue_and_an_assignees_list(db, clock):
    manager = make_user(db, Role.MANAGER)
    ordering = make_user(db, Role.ORDERING)
    with db.transaction() as tx:
        t = tasks.open_task(tx, manager, TaskKind.PLACE_ORDER, Role.ORDERING, "Đặt hàng DH-1",
                            "order", 1, due_in=timedelta(hours=24))
        task_id = t.id
    queue = reader.queue_page(db, ordering, "tasks.role", PageRequest())
    assert [r.id for r in queue.rows] == [task_id]
    assert reader.queue_page(db, ordering, "tasks.mine", PageRequest()).rows == []
    tasks.assign_task(db, manager, task_id, ordering.user_id)
    mine = reader.queue_page(db, ordering, "tasks.mine", PageRequest())
    assert [r.title for r in mine.rows] == ["Đặt hàng DH-1"]


def test_the_same_open_task_is_not_opened_twice(db):
    manager = make_user(db, Role.MANAGER)
    with db.transaction() as tx:
        a = tasks.open_task(tx, manager, TaskKind.HANDLE_ORDER, Role.CARE, "x", "order", 7)
        b = tasks.open_task(tx, manager, TaskKind.HANDLE_ORDER, Role.CARE, "x", "order", 7)
        assert a.id == b.id


def test_finishing_the_work_closes_its_task(db):
    manager = make_user(db, Role.MANAGER)
    with db.transaction() as tx:
        tasks.open_task(tx, manager, TaskKind.HANDLE_ORDER, Role.CARE, "x", "order", 7)
    with db.transaction() as tx:
        assert tasks.close_tasks(tx, manager, "order", 7) == 1
    with db.read() as s:
        assert s.scalar(select(Task.status)) == "done"


def test_a_task_can_only_go_to_someone_holding_its_role(db):
    manager = make_user(db, Role.MANAGER)
    forwarder = make_user(db, Role.FORWARDER_CN)
    with db.transaction() as tx:
        tid = tasks.open_task(tx, manager, TaskKind.PLACE_ORDER, Role.ORDERING, "x").id
    with pytest.raises(DomainError):
        tasks.assign_task(db, manager, tid, forwarder.user_id)


def test_staff_claim_open_tasks_of_their_role_only(db):
    manager = make_user(db, Role.MANAGER)
    a, b = make_user(db, Role.ORDERING), make_user(db, Role.ORDERING)
    care = make_user(db, Role.CARE)
    with db.transaction() as tx:
        tid = tasks.open_task(tx, manager, TaskKind.PLACE_ORDER, Role.ORDERING, "x").id
    with pytest.raises(DomainError):
        tasks.claim_task(db, care, tid)
    tasks.claim_task(db, a, tid)
    with pytest.raises(DomainError):
        tasks.claim_task(db, b, tid)


def test_overdue_tasks_are_flagged_by_the_clock(db, clock):
    manager = make_user(db, Role.MANAGER)
    with db.transaction() as tx:
        tasks.open_task(tx, manager, TaskKind.PLACE_ORDER, Role.ORDERING, "x", due_in=timedelta(hours=1))
    from app.queries.queues import QUEUES
    q = QUEUES["tasks.all_open"]
    row = reader.queue_page(db, manager, "tasks.all_open", PageRequest()).rows[0]
    assert q.flag(row, reader.context(db, manager)) is None
    clock.advance(hours=2)
    assert q.flag(row, reader.context(db, manager)) == "overdue"
