"""A manager writes a task by hand (nhiệm vụ khác) for a department or one person in it, on
SQLite and PostgreSQL: each task written is a task of its own, the person must work in that
department, a due time in the past or a title too long is refused by field, and without a due
time the setting for "other" tasks gives one."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.errors import PermissionDenied, ValidationFailed
from app.models import StaffNotification, Task
from app.permissions import Role
from app.services import settings as settings_service, tasks
from tests.factories import make_user


@pytest.fixture
def people(db):
    class People:
        manager = make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng")
        lan = make_user(db, Role.WAREHOUSE_VN, full_name="Ngô Thị Lan")
        care = make_user(db, Role.CARE, full_name="Lê Thu Trang")
        admin = make_user(db, Role.ADMIN)
    return People


def _task(db, tid):
    with db.read() as s:
        return s.get(Task, tid)


def test_two_tasks_written_for_one_department_are_two_tasks(db, people):
    first = tasks.create_manual_task(db, people.manager, Role.WAREHOUSE_VN, "Kiểm lại kệ A3 trước 17h")
    second = tasks.create_manual_task(db, people.manager, Role.WAREHOUSE_VN, "Dọn khu hàng trả về",
                                      assignee_id=people.lan.user_id)
    assert first != second
    a, b = _task(db, first), _task(db, second)
    assert (a.title, a.role, a.assignee_id, a.status) == ("Kiểm lại kệ A3 trước 17h", "warehouse_vn", None, "open")
    assert (b.title, b.role, b.assignee_id, b.status) == ("Dọn khu hàng trả về", "warehouse_vn", people.lan.user_id,
                                                          "open")
    with db.read() as s:
        told = s.scalars(select(StaffNotification).where(StaffNotification.user_id == people.lan.user_id)).all()
    assert [n.entity_id for n in told] == [second]            # the person given the task hears of it


def test_without_a_due_time_the_other_tasks_setting_gives_one(db, people):
    settings_service.update_settings(db, people.admin, {"tasks.due_hours.other": 6})
    t = _task(db, tasks.create_manual_task(db, people.manager, Role.CARE, "Gọi lại chị Hằng"))
    assert t.due_at - t.created_at == timedelta(hours=6)
    due = db.clock.now() + timedelta(hours=30)
    t = _task(db, tasks.create_manual_task(db, people.manager, Role.CARE, "Gửi báo giá", due_at=due))
    assert abs(t.due_at - due) < timedelta(seconds=1)


def test_a_bad_task_is_refused_by_field_and_nothing_is_written(db, people):
    for kwargs, field in ((dict(title="   "), "title"),
                          (dict(title="x" * 301), "title"),
                          (dict(title="Gọi khách", assignee_id=people.care.user_id), "assignee"),  # not warehouse
                          (dict(title="Gọi khách", due_at=db.clock.now() - timedelta(hours=1)), "due_at")):
        with pytest.raises(ValidationFailed) as refused:
            tasks.create_manual_task(db, people.manager, Role.WAREHOUSE_VN, **kwargs)
        assert field in refused.value.field_errors, kwargs
    with pytest.raises(ValidationFailed) as refused:
        tasks.create_manual_task(db, people.manager, Role.SYSTEM, "Việc của hệ thống")
    assert "role" in refused.value.field_errors
    with pytest.raises(PermissionDenied):
        tasks.create_manual_task(db, people.care, Role.CARE, "Tự giao việc")
    with db.read() as s:
        assert s.scalars(select(Task)).all() == []
