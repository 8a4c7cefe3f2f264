"""Counting the goods in the Vietnam warehouse, on SQLite and PostgreSQL: the counts become the
item's received / damaged / wrong numbers the order window shows, bad counts are refused field
by field before anything is stored, a difference gives the order's care staff a task and a full
count gives nobody anything (and closes the earlier count's task)."""
import pytest
from sqlalchemy import select

from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.i18n import render_stored, set_language
from app.models import ActivityEvent, Order, StaffNotification, Task
from app.services import complaints, item_counts, orders
from app.services.item_counts import ItemCount
from tests.services.complaint_helpers import in_vietnam
from tests.services.warehouse_helpers import make_staff, purchase_order


@pytest.fixture(autouse=True)
def english():
    """The messages are read in English here, whatever the catalogs say (the suite's default is vi)."""
    set_language("en")
    yield
    set_language("vi")


@pytest.fixture
def st(db):
    return make_staff(db)


@pytest.fixture
def arrived(db, st):
    oid, _so, _codes = in_vietnam(db, st)
    return oid


def the_item(db, st, oid):
    (it,) = orders.get_order(db, st.care, oid).items
    return it


def count_tasks(db, oid, status="open"):
    with db.read() as s:
        return list(s.scalars(select(Task).where(Task.entity == "order", Task.entity_id == oid,
                                                 Task.kind == "count_differences", Task.status == status)))


def test_the_count_is_what_the_order_window_shows_as_received(db, st, arrived):
    it = the_item(db, st, arrived)
    assert (it.quantity, it.quantity_bought, it.quantity_received) == (2, 2, 0)
    out = item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 2, 0, 0)], "Đủ hàng")
    it = the_item(db, st, arrived)
    assert (it.quantity_received, it.quantity_damaged, it.quantity_wrong) == (2, 0, 0)
    assert out.differences == 0 and out.task_id is None
    assert count_tasks(db, arrived) == []
    with db.read() as s:
        ev = s.scalars(select(ActivityEvent).where(ActivityEvent.entity == "order", ActivityEvent.entity_id == arrived,
                                                   ActivityEvent.action == "goods_counted")).one()
        assert ev.after["received"] == 2 and ev.note == "Đủ hàng" and ev.actor_name == "Ngô Thị Lan"
    sheet = item_counts.count_sheet(db, st.store, arrived)
    assert [(r.quantity, r.quantity_bought, r.received) for r in sheet.rows] == [(2, 2, 2)]


def test_a_shortage_gives_the_care_staff_a_task_naming_the_order(db, st, arrived):
    it = the_item(db, st, arrived)
    out = item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 1, 0, 0)], "")
    assert out.differences == 1
    (task,) = count_tasks(db, arrived)
    assert task.id == out.task_id and task.role == "care" and task.assignee_id == st.care.user_id
    code = orders.get_order(db, st.care, arrived).code
    title = render_stored(task.title, task.title_key, task.title_params, "en")
    assert title == f"Differences on order {code}: 1 missing, 0 damaged, 0 wrong"
    assert "女士连衣裙" in render_stored(task.note, task.note_key, task.note_params, "en")
    with db.read() as s:
        told = s.scalars(select(StaffNotification).where(StaffNotification.user_id == st.care.user_id,
                                                         StaffNotification.entity == "order",
                                                         StaffNotification.entity_id == arrived)).all()
        assert [render_stored(n.title, n.title_key, n.title_params, "en") for n in told
                if n.title_key and "counting" in n.title_key] == [f"Differences found counting order {code}"]
    assert the_item(db, st, arrived).quantity_received == 1


def test_damaged_and_wrong_pieces_are_differences_even_when_every_piece_came(db, st, arrived):
    it = the_item(db, st, arrived)
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 0, 1, 1)])
    (task,) = count_tasks(db, arrived)
    assert render_stored(task.title, task.title_key, task.title_params, "en").endswith(
        ": 0 missing, 1 damaged, 1 wrong")
    it = the_item(db, st, arrived)
    assert (it.quantity_received, it.quantity_damaged, it.quantity_wrong) == (0, 1, 1)


def test_a_full_recount_closes_the_difference_task_and_a_new_difference_replaces_it(db, st, arrived):
    it = the_item(db, st, arrived)
    first = item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 0, 0, 0)])
    second = item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 1, 1, 0)])
    assert [t.id for t in count_tasks(db, arrived)] == [second.task_id] != [first.task_id]
    assert [t.id for t in count_tasks(db, arrived, "cancelled")] == [first.task_id]
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 2, 0, 0)])
    assert count_tasks(db, arrived) == []
    assert [t.id for t in count_tasks(db, arrived, "done")] == [second.task_id]


@pytest.mark.parametrize("count,field", [
    (dict(received=-1), "counts.0.received"),
    (dict(damaged=1.5), "counts.0.damaged"),
    (dict(wrong=True), "counts.0.wrong"),
    (dict(received="2"), "counts.0.received"),
    (dict(received=2, damaged=1), "counts.0"),          # 3 pieces counted of 2 bought
    (dict(received=3), "counts.0"),
])
def test_bad_counts_are_refused_by_field_and_nothing_changes(db, st, arrived, count, field):
    it = the_item(db, st, arrived)
    data = {"received": 0, "damaged": 0, "wrong": 0} | count
    with pytest.raises(ValidationFailed) as refused:
        item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, **data)])
    assert field in refused.value.field_errors
    if field == "counts.0":
        assert "more than the 2 pieces bought" in refused.value.field_errors[field]
    assert the_item(db, st, arrived).quantity_received == 0
    assert count_tasks(db, arrived) == []


def test_an_item_of_another_order_twice_or_none_is_refused(db, st, arrived):
    it = the_item(db, st, arrived)
    other, _so, _c = in_vietnam(db, st)
    foreign = the_item(db, st, other)
    for counts, message in (([ItemCount(foreign.id, 1)], "not on order"),
                            ([ItemCount(it.id, 1), ItemCount(it.id, 1)], "counted twice"),
                            ([], "at least one")):
        with pytest.raises(ValidationFailed) as refused:
            item_counts.record_item_counts(db, st.store, arrived, counts)
        assert message in refused.value.field_errors["counts"]
    assert the_item(db, st, other).quantity_received == 0


def test_only_the_warehouse_and_managers_count_and_only_goods_that_arrived(db, st, arrived):
    it = the_item(db, st, arrived)
    for actor in (st.care, st.ordering, st.accountant):
        with pytest.raises(PermissionDenied):
            item_counts.record_item_counts(db, actor, arrived, [ItemCount(it.id, 2)])
    item_counts.record_item_counts(db, st.manager, arrived, [ItemCount(it.id, 2)])
    not_yet, _so = purchase_order(db, st, ["YT9000000000001"])
    (item,) = orders.get_order(db, st.care, not_yet).items
    with pytest.raises(DomainError, match="nothing to count"):
        item_counts.record_item_counts(db, st.store, not_yet, [ItemCount(item.id, 2)])
    with db.read() as s:
        assert s.get(Order, not_yet).items[0].quantity_received == 0


def test_a_note_longer_than_the_limit_is_refused_under_the_note(db, st, arrived):
    it = the_item(db, st, arrived)
    with pytest.raises(ValidationFailed) as refused:
        item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 2)], "x" * 2001)
    assert set(refused.value.field_errors) == {"note"}
    assert the_item(db, st, arrived).quantity_received == 0


def test_an_item_left_out_of_a_count_keeps_its_numbers_and_its_shortage(db, st, arrived):
    from decimal import Decimal

    from app.models import OrderItem

    with db.transaction() as tx:
        tx.add(OrderItem(order_id=arrived, position=1, title="男士T恤", quantity=3, quantity_bought=3,
                         unit_price_cny=Decimal("25")))
    dress, shirt = orders.get_order(db, st.care, arrived).items
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(shirt.id, 1, 0, 0)])
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(dress.id, 2, 0, 0)])
    dress, shirt = orders.get_order(db, st.care, arrived).items
    assert (dress.quantity_received, shirt.quantity_received) == (2, 1)
    (task,) = count_tasks(db, arrived)
    assert render_stored(task.title, task.title_key, task.title_params, "en").endswith(
        ": 2 missing, 0 damaged, 0 wrong")
    assert "男士T恤" in render_stored(task.note, task.note_key, task.note_params, "en")


# -- the complaint the differences propose ----------------------------------------------------------

def _two_items(db, arrived):
    """A second item on the order: 3 shirts bought (the first item is 2 dresses)."""
    from decimal import Decimal

    from app.models import OrderItem

    with db.transaction() as tx:
        tx.add(OrderItem(order_id=arrived, position=1, title="男士T恤", quantity=3, quantity_bought=3,
                         unit_price_cny=Decimal("25")))


def test_no_count_or_a_full_count_proposes_no_complaint(db, st, arrived):
    assert item_counts.complaint_proposal(db, st.care, arrived) is None          # nothing counted yet
    it = the_item(db, st, arrived)
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 2, 0, 0)])
    assert item_counts.complaint_proposal(db, st.care, arrived) is None
    assert orders.get_order(db, st.care, arrived).has_count_differences is False
    with pytest.raises(DomainError, match="proposes a complaint now"):
        item_counts.open_count_complaint(db, st.care, complaints.ComplaintInput(arrived, "missing", "x", []))


def test_the_differences_propose_a_complaint_with_its_kind_items_and_pieces(db, st, arrived):
    _two_items(db, arrived)
    dress, shirt = orders.get_order(db, st.care, arrived).items
    # dresses: 1 good, 1 missing; shirts: 1 good, 2 damaged → damaged has the most pieces
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(dress.id, 1, 0, 0), ItemCount(shirt.id, 1, 2, 0)])
    assert orders.get_order(db, st.care, arrived).has_count_differences is True
    proposal = item_counts.complaint_proposal(db, st.care, arrived)
    assert proposal.kind == "damaged"
    assert [(line.item_id, line.pieces, line.missing, line.damaged, line.wrong) for line in proposal.lines] == [
        (dress.id, 1, 1, 0, 0), (shirt.id, 2, 0, 2, 0)]
    assert "女士连衣裙" in proposal.description and "男士T恤" in proposal.description
    assert "2 damaged" in proposal.description and "1 missing" in proposal.description
    # a recount: now 2 dresses are the wrong item, the shirts all good → wrong_item, one line
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(dress.id, 0, 0, 2), ItemCount(shirt.id, 3, 0, 0)])
    proposal = item_counts.complaint_proposal(db, st.care, arrived)
    assert proposal.kind == "wrong_item"
    assert [(line.item_id, line.pieces) for line in proposal.lines] == [(dress.id, 2)]
    with pytest.raises(PermissionDenied):
        item_counts.complaint_proposal(db, st.accountant, arrived)


def test_care_staff_open_the_proposed_complaint_as_proposed_or_changed_and_the_task_is_done(db, st, arrived):
    it = the_item(db, st, arrived)
    out = item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 1, 0, 0)])
    proposal = item_counts.complaint_proposal(db, st.care, arrived)
    assert proposal.kind == "missing"
    data = proposal.complaint_input()
    data.description += " Khách xác nhận thiếu 1 chiếc."           # care staff add what the customer said
    cid = item_counts.open_count_complaint(db, st.care, data)
    view = complaints.get_complaint(db, st.care, cid)
    assert (view.kind, view.stage) == ("missing", "before_receipt")
    assert [(line.order_item_id, line.quantity) for line in view.lines] == [(it.id, 1)]
    assert view.description.endswith("Khách xác nhận thiếu 1 chiếc.")
    assert count_tasks(db, arrived) == []
    assert [t.id for t in count_tasks(db, arrived, "done")] == [out.task_id]
    # taken up: the order proposes no second complaint for the same count
    assert item_counts.complaint_proposal(db, st.care, arrived) is None
    assert orders.get_order(db, st.care, arrived).has_count_differences is False
    with pytest.raises(DomainError, match="proposes a complaint now"):
        item_counts.open_count_complaint(db, st.care, proposal.complaint_input())
    assert len(complaints.complaints_of_order(db, st.care, arrived)) == 1
    with db.read() as s:
        ev = s.scalars(select(ActivityEvent).where(ActivityEvent.entity == "order", ActivityEvent.entity_id == arrived,
                                                   ActivityEvent.action == "complaint_opened")).one()
        assert ev.note_key == "proposed by the goods count"
        # the complaint's own tasks are the ones any complaint opens
        kinds = {t.kind for t in s.scalars(select(Task).where(Task.entity == "complaint", Task.entity_id == cid))}
    assert kinds == {"complaint_care", "complaint_ordering"}
    with pytest.raises(PermissionDenied):
        item_counts.open_count_complaint(db, st.accountant, proposal.complaint_input())


def test_a_proposed_complaint_changed_badly_is_refused_by_field_and_the_task_stays(db, st, arrived):
    it = the_item(db, st, arrived)
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 0, 2, 0)])
    data = item_counts.complaint_proposal(db, st.care, arrived).complaint_input()
    data.description = "   "
    data.lines[0].quantity = 9                                     # more pieces than were ordered
    with pytest.raises(ValidationFailed) as refused:
        item_counts.open_count_complaint(db, st.care, data)
    assert {"description", "lines.0"} <= set(refused.value.field_errors)
    assert len(count_tasks(db, arrived)) == 1
    assert complaints.complaints_of_order(db, st.care, arrived) == []


def test_care_staff_who_set_the_difference_aside_leave_no_proposal_until_a_new_count(db, st, arrived):
    from app.services import tasks

    it = the_item(db, st, arrived)
    out = item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 1, 0, 0)])
    tasks.complete_task(db, st.care, out.task_id, "Khách đồng ý, hàng còn 1 kiện trên đường")
    assert item_counts.complaint_proposal(db, st.care, arrived) is None
    item_counts.record_item_counts(db, st.store, arrived, [ItemCount(it.id, 1, 0, 1)])    # counted again
    assert item_counts.complaint_proposal(db, st.care, arrived).kind == "wrong_item"
