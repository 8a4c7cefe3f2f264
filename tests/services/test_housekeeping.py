"""The desktop timer's housekeeping run: time passing is noticed without anyone asking —
parcels that never came are flagged lost, shops that never shipped are chased, and the tasks
it raises are due after the hours set for their kind."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Task
from app.permissions import Role
from app.services import settings as settings_service
from app.services.housekeeping import run_housekeeping
from tests.factories import make_user
from tests.services.warehouse_helpers import make_staff, parcel, purchase_order


@pytest.fixture
def st(db):
    return make_staff(db)


def _tasks(db, kind):
    with db.read() as s:
        return list(s.scalars(select(Task).where(Task.kind == kind, Task.status == "open")))


def test_a_parcel_that_never_came_is_flagged_lost_by_the_timer_with_a_task_due_per_the_setting(db, st, clock):
    admin = make_user(db, Role.ADMIN)
    settings_service.update_settings(db, admin, {"tasks.due_hours.lost_parcel": "6"})
    purchase_order(db, st, ["YT3300000000001"])
    clock.advance(days=11)                                             # default: 10 days
    results = run_housekeeping(db)
    assert results["parcels_lost"] == 1 and parcel(db, "YT3300000000001").status == "lost"
    (task,) = _tasks(db, "lost_parcel")
    assert task.due_at - clock.now() == timedelta(hours=6)
    assert run_housekeeping(db)["parcels_lost"] == 0                   # once


def test_a_shop_order_paid_without_a_tracking_code_is_chased_by_the_timer(db, st, clock):
    oid, so = purchase_order(db, st, [], shipped=False)
    assert _tasks(db, "chase_shop") == []
    clock.advance(days=2)
    assert run_housekeeping(db)["shops_chased"] == 0                   # default: 3 days
    clock.advance(days=2)
    results = run_housekeeping(db)
    assert results["shops_chased"] == 1
    (task,) = _tasks(db, "chase_shop")
    assert task.entity_id == so and task.assignee_id == st.ordering.user_id


def test_one_job_failing_does_not_stop_the_others(db, st, clock, monkeypatch):
    import app.services.housekeeping as hk

    def broken(database):
        raise RuntimeError("mail server on fire")
    monkeypatch.setattr(hk, "JOBS", (("broken", broken),) + hk.JOBS)
    purchase_order(db, st, ["YT3300000000002"])
    clock.advance(days=11)
    results = run_housekeeping(db)
    assert isinstance(results["broken"], RuntimeError) and results["parcels_lost"] == 1
