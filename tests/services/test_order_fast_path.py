"""The scan stations' fast path (Core statements) writes what ``order_lifecycle.move`` writes:
for every quiet step of every order workflow, from every status it is offered from, two equal
orders are moved — one through the fast path, one through the ORM path — and their status,
version, stamps, delay flags and activity events are the same."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.models import ActivityEvent, Order
from app.services import order_lifecycle
from app.services.writes import system_actor_for
from app.workflows.orders import flow_for
from tests.services.warehouse_helpers import consignment_order, make_staff, purchase_order

COLUMNS = ("status", "status_changed_at", "updated_at", "updated_by_id", "delay_state", "delay_reason",
           "forecast_ship_at", "forecast_deliver_at")


def _cases():
    for kind in ("purchase", "consignment"):
        flow = flow_for(kind)
        for st in flow.steps:
            if st.action in order_lifecycle.QUIET_STEPS:
                for source in sorted(st.sources):
                    yield kind, st.action, str(source)


def _order(db, st, kind, n):
    if kind == "purchase":
        return purchase_order(db, st, [f"YT88{n:011d}"], shipped=False)[0]
    return consignment_order(db, st, [f"SF88{n:010d}"])


def _state(db, oid):
    with db.read() as s:
        o = s.get(Order, oid)
        row = {c: getattr(o, c) for c in COLUMNS} | {"version": o.version}
        events = [(e.action, e.before, e.after, e.actor_name, e.role) for e in s.scalars(
            select(ActivityEvent).where(ActivityEvent.entity == "order", ActivityEvent.entity_id == oid)
            .order_by(ActivityEvent.id))]
    return row, events


@pytest.mark.parametrize("kind,action,source", list(_cases()))
def test_the_fast_path_writes_what_move_writes(db, kind, action, source):
    st = make_staff(db)
    fast, orm = _order(db, st, kind, 1), _order(db, st, kind, 2)
    with db.transaction() as tx:            # both at the step's source status
        tx.execute(update(Order).where(Order.id.in_((fast, orm))).values(status=source))
    before = {oid: _state(db, oid) for oid in (fast, orm)}
    robot = system_actor_for(st.cn)
    with db.transaction() as tx:            # not in the session: the Core statements
        taken_fast = order_lifecycle.follow_parcels(tx, robot, fast, [action])
    with db.transaction() as tx:            # already loaded: the ORM path (move)
        tx.get(Order, orm)
        taken_orm = order_lifecycle.follow_parcels(tx, robot, orm, [action])
    assert taken_fast == taken_orm == [action]
    (row_fast, ev_fast), (row_orm, ev_orm) = _state(db, fast), _state(db, orm)
    assert row_fast["version"] - before[fast][0]["version"] == row_orm["version"] - before[orm][0]["version"] == 1
    assert {c: row_fast[c] for c in COLUMNS} == {c: row_orm[c] for c in COLUMNS}
    assert ev_fast[len(before[fast][1]):] == ev_orm[len(before[orm][1]):]
