"""Orders end to end on SQLite and PostgreSQL: every transition, every refusal, the activity log."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.i18n import translate
from app.errors import DomainError, PermissionDenied, StaleEdit, TransitionRefused, ValidationFailed
from app.models import ActivityEvent, CustomerMessage, Order, StaffNotification, StoredFile, Task
from app.money import CNY, Money
from app.permissions import SYSTEM_ACTOR, Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import orders
from app.workflows.orders import CONSIGNMENT_FLOW, PURCHASE_FLOW, OrderStatus
from tests.factories import item, make_customer, make_order, make_user
from tests.money_helpers import fund


@pytest.fixture
def staff(db):
    return {
        "care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
        "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
        "ordering": make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
        "accountant": make_user(db, Role.ACCOUNTANT),
        "warehouse": make_user(db, Role.WAREHOUSE_VN),
        "forwarder": make_user(db, Role.FORWARDER_CN),
    }


def _status(db, oid):
    with db.read() as s:
        return s.get(Order, oid).status


def _history(db, oid):
    with db.read() as s:
        return [(e.action, (e.before or {}).get("status"), (e.after or {}).get("status"), e.actor_name)
                for e in s.scalars(select(ActivityEvent).where(ActivityEvent.entity == "order",
                                                               ActivityEvent.entity_id == oid)
                                   .order_by(ActivityEvent.id))]


def test_a_purchase_order_walks_every_step_to_received(db, staff):
    care, manager, ordering = staff["care"], staff["manager"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    view = orders.get_order(db, care, oid)
    assert view.code == f"DH{oid:07d}" and view.status == OrderStatus.DRAFT
    assert view.goods_cny == Money.of("194.80", CNY)   # 2 × 59.90 + 3 × 25
    fund(db, cid)                                      # submitting takes the deposit from the wallet
    orders.apply_action(db, care, oid, "submit")
    assert orders.confirm_order(db, manager, oid, care.user_id, ordering.user_id) == OrderStatus.ACCEPTED
    orders.apply_action(db, ordering, oid, "start_purchase")
    with db.transaction() as tx:                       # what the purchasing capability records
        for it in tx.get(Order, oid).items:
            it.quantity_bought = it.quantity
    orders.apply_action(db, ordering, oid, "mark_purchased")
    orders.apply_action(db, ordering, oid, "seller_ship")
    for action in ("arrive_cn", "depart_cn", "arrive_vn", "start_delivery", "deliver"):
        orders.apply_action(db, SYSTEM_ACTOR, oid, action)
    orders.apply_action(db, care, oid, "confirm_received")
    assert _status(db, oid) == OrderStatus.RECEIVED
    moves = [(a, b, c) for a, b, c, _ in _history(db, oid) if c]
    assert moves[0] == ("created", None, "draft")
    assert [m[2] for m in moves[1:]] == ["new", "deposited", "accepted", "purchasing", "purchased",
                                         "seller_shipped", "in_cn_warehouse", "in_transit",
                                         "awaiting_delivery", "delivering", "delivered", "received"]
    tracker = orders.get_order(db, care, oid).tracker
    assert all(t.reached for t in tracker) and tracker[-1].current
    assert tracker[3].who == "Phạm Quốc Hùng"          # accepted by the manager


def test_a_consignment_order_walks_from_declared_codes_to_received(db, staff):
    care, manager = staff["care"], staff["manager"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid, "consignment", codes=[" yt 1234567890123 ", "SF:SF1400000001"])
    view = orders.get_order(db, care, oid)
    assert view.code.startswith("KG") and [c for c, _ in view.tracking_codes] == ["YT1234567890123", "SF1400000001"]
    orders.apply_action(db, care, oid, "submit")
    orders.confirm_order(db, manager, oid, care.user_id, None)
    for action in ("arrive_cn", "depart_cn", "arrive_vn", "start_delivery", "deliver", "confirm_received"):
        orders.apply_action(db, SYSTEM_ACTOR, oid, action)
    assert _status(db, oid) == OrderStatus.RECEIVED
    assert [c for _, _, c, _ in _history(db, oid) if c][-1] == "received"


@pytest.mark.parametrize("flow", [PURCHASE_FLOW, CONSIGNMENT_FLOW], ids=lambda f: f.name)
def test_every_step_refuses_every_role_it_does_not_name(flow):
    from types import SimpleNamespace

    from app.permissions import Actor
    for step in flow.steps:
        for role in Role:
            if role in step.roles:
                continue
            order = SimpleNamespace(status=next(iter(step.sources)), kind=flow.name.split(".")[1],
                                    items=[1], parcels=[1], care_staff_id=1, ordering_staff_id=1,
                                    needs_approval=False, declared_codes=["X"])
            with pytest.raises(PermissionDenied):
                flow.check(order, step.action, Actor(9, "x", role, frozenset({role})), reason="r")


@pytest.mark.parametrize("flow", [PURCHASE_FLOW, CONSIGNMENT_FLOW], ids=lambda f: f.name)
def test_every_action_is_refused_from_every_status_it_does_not_start_from(flow):
    from types import SimpleNamespace

    from app.permissions import Actor
    for action in flow.actions:
        sources = set().union(*(s.sources for s in flow.steps if s.action == action))
        roles = set().union(*(s.roles for s in flow.steps if s.action == action))
        role = next(iter(roles))
        for status in set(flow.statuses) - sources:
            order = SimpleNamespace(status=status)
            with pytest.raises(TransitionRefused):
                flow.check(order, action, Actor(9, "x", role, frozenset({role})), reason="r")


def test_forbidden_steps_through_the_service_change_nothing(db, staff):
    care, ordering, forwarder = staff["care"], staff["ordering"], staff["forwarder"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    with pytest.raises(TransitionRefused):
        orders.apply_action(db, care, oid, "deposit")            # a cart is not submitted yet
    with pytest.raises(PermissionDenied):
        orders.apply_action(db, ordering, oid, "submit")         # ordering staff do not submit
    with pytest.raises(PermissionDenied):
        orders.apply_action(db, forwarder, oid, "cancel", "x")
    fund(db, cid)
    orders.apply_action(db, care, oid, "submit")                 # takes the deposit too
    with pytest.raises(PermissionDenied):
        orders.confirm_order(db, care, oid, care.user_id, ordering.user_id)  # only managers confirm
    assert _status(db, oid) == OrderStatus.DEPOSITED
    assert [a for a, *_ in _history(db, oid)] == ["created", "submit", "deposit"]


def test_confirming_assigns_staff_opens_their_tasks_and_tells_manager_and_customer(db, staff):
    care, manager, ordering = staff["care"], staff["manager"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    fund(db, cid)                                   # submitting takes the deposit from the wallet
    orders.apply_action(db, care, oid, "submit")
    with pytest.raises(ValidationFailed) as err:
        orders.confirm_order(db, manager, oid, care.user_id, None)
    assert "ordering_staff_id" in err.value.field_errors
    orders.confirm_order(db, manager, oid, care.user_id, ordering.user_id)
    buy = reader.queue_page(db, ordering, "tasks.mine", PageRequest()).rows
    assert [(r.kind, r.entity_id if hasattr(r, "entity_id") else None) for r in buy][0][0] == "place_order"
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.kind == "place_order"))
        assert task.assignee_id == ordering.user_id and task.due_at is not None
        assert s.scalar(select(Task.status).where(Task.kind == "handle_order", Task.role == "manager")) == "done"
        told = set(s.scalars(select(StaffNotification.user_id).where(StaffNotification.entity_id == oid)))
        assert manager.user_id in told
        msg = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "order_confirmed"))
        code = s.get(Order, oid).code
        assert msg.language == "vi"
        assert msg.subject == translate("Order {code} confirmed", "vi").format(code=code) != f"Order {code} confirmed"
        assert "Lê Thu Trang" in msg.body
    ids = [r.id for r in reader.queue_page(db, ordering, "orders.to_buy", PageRequest()).rows]
    assert oid in ids


def test_an_order_needing_approval_waits_for_the_manager(db, staff):
    care, manager, ordering = staff["care"], staff["manager"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid, services=["cargo_insurance"])
    fund(db, cid)                                   # submitting takes the deposit from the wallet
    orders.apply_action(db, care, oid, "submit")
    assert orders.confirm_order(db, manager, oid, care.user_id, ordering.user_id) == OrderStatus.AWAITING_APPROVAL
    with pytest.raises(TransitionRefused):
        orders.apply_action(db, ordering, oid, "start_purchase")
    orders.apply_action(db, manager, oid, "approve")
    orders.apply_action(db, ordering, oid, "start_purchase")
    assert _status(db, oid) == OrderStatus.PURCHASING


def test_cancel_needs_a_reason_and_closes_the_orders_tasks(db, staff):
    care = staff["care"]
    oid = make_order(db, care, make_customer(db, care))
    orders.apply_action(db, care, oid, "submit")
    with pytest.raises(DomainError):
        orders.apply_action(db, care, oid, "cancel", "  ")
    orders.apply_action(db, care, oid, "cancel", "Khách đổi ý")
    assert _status(db, oid) == OrderStatus.CANCELLED
    with db.read() as s:
        assert set(s.scalars(select(Task.status).where(Task.entity_id == oid))) == {"cancelled"}
    assert _history(db, oid)[-1][0] == "cancel"


def test_an_ordering_staff_claims_a_deposited_order(db, staff):
    care, ordering = staff["care"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    fund(db, cid)                                   # submitting takes the deposit from the wallet
    orders.apply_action(db, care, oid, "submit")
    orders.apply_action(db, ordering, oid, "claim")
    view = orders.get_order(db, ordering, oid)
    assert view.status == OrderStatus.ACCEPTED and view.ordering_staff_id == ordering.user_id


def test_the_window_offers_only_what_the_role_may_do_now(db, staff):
    care, manager, ordering = staff["care"], staff["manager"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    assert {a.action for a in orders.get_order(db, care, oid).actions} == {"submit", "cancel"}
    assert {a.action for a in orders.get_order(db, ordering, oid).actions} == set()
    fund(db, cid)
    orders.apply_action(db, care, oid, "submit")       # takes the deposit from the wallet
    assert {a.action for a in orders.get_order(db, ordering, oid).actions} == {"claim"}
    assert {a.action for a in orders.get_order(db, manager, oid).actions} == {"accept", "cancel"}
    with pytest.raises(DomainError):     # the step itself needs the staff the confirm dialog names
        orders.apply_action(db, manager, oid, "accept")


def test_invalid_items_are_reported_per_field_and_nothing_is_saved(db, staff):
    care = staff["care"]
    cid = make_customer(db, care)
    bad = item(qty=0, price="-1")
    bad.product_url = "item.taobao.com"
    with pytest.raises(ValidationFailed) as err:
        make_order(db, care, cid, items=[item(), bad])
    assert set(err.value.field_errors) == {"items.1.quantity", "items.1.unit_price_cny", "items.1.product_url"}
    with db.read() as s:
        assert s.scalar(select(Order.id)) is None


def test_two_desktops_saving_the_same_order_the_second_is_refused_naming_the_first(db, staff):
    care = staff["care"]
    other = make_user(db, Role.CARE, full_name="Đỗ Thị Lan")
    oid = make_order(db, care, make_customer(db, care))
    a = orders.get_order(db, care, oid)
    b = orders.get_order(db, other, oid)
    data = orders.OrderInput("purchase", a.customer_id, a.destination_warehouse_id, a.receiving_warehouse_id,
                             items=[item(), item("男士T恤", 3, "25")], note="Giao giờ hành chính")
    orders.update_order(db, other, oid, b.version, data)
    data.note = "Gọi trước khi giao"
    with pytest.raises(StaleEdit) as err:
        orders.update_order(db, care, oid, a.version, data)
    assert "Đỗ Thị Lan" in str(err.value)
    assert orders.get_order(db, care, oid).note == "Giao giờ hành chính"


def test_items_are_locked_once_purchasing_starts(db, staff):
    care, manager, ordering = staff["care"], staff["manager"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    fund(db, cid)
    orders.apply_action(db, care, oid, "submit")       # takes the deposit from the wallet
    orders.confirm_order(db, manager, oid, care.user_id, ordering.user_id)
    orders.apply_action(db, ordering, oid, "start_purchase")
    v = orders.get_order(db, care, oid)
    with pytest.raises(DomainError):
        orders.update_order(db, care, oid, v.version, orders.OrderInput(
            "purchase", v.customer_id, v.destination_warehouse_id, v.receiving_warehouse_id, items=[item()]))


def test_a_cart_expires_after_the_configured_days(db, staff, clock):
    care = staff["care"]
    oid = make_order(db, care, make_customer(db, care))
    clock.advance(days=29)
    assert orders.expire_carts(db) == 0
    clock.advance(days=2)
    assert orders.expire_carts(db) == 1
    assert _status(db, oid) == OrderStatus.CANCELLED
    assert _history(db, oid)[-1][:3] == ("expire", "draft", "cancelled")


def test_a_tracking_code_belongs_to_one_order_only(db, staff):
    care = staff["care"]
    cid = make_customer(db, care)
    make_order(db, care, cid, "consignment", codes=["YT9999999999"])
    with pytest.raises(ValidationFailed) as err:
        make_order(db, care, cid, "consignment", codes=["yt9999999999"])
    assert "tracking_codes" in err.value.field_errors
    with pytest.raises(ValidationFailed):
        make_order(db, care, cid, "consignment", codes=["abc"])


def test_the_same_image_on_two_items_is_stored_once_and_bad_files_are_refused(db, staff):
    care = staff["care"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    a, b = item(), item("男士T恤")
    a.image = ("a.png", png)
    b.image = ("b.png", png)
    oid = make_order(db, care, make_customer(db, care), items=[a, b])
    with db.read() as s:
        assert s.query(StoredFile).count() == 1
    from app.services.files import FileRefused
    with pytest.raises(FileRefused):
        orders.attach_file(db, care, oid, "virus.exe", b"MZ\x90\x00")
    with pytest.raises(FileRefused):
        orders.attach_file(db, care, oid, "big.png", png + b"\x00" * (11 * 1024 * 1024))
    orders.attach_file(db, care, oid, "kiểm hàng.png", png, "inspection")
    view = orders.get_order(db, care, oid)
    assert [(f.name, f.kind) for f in view.files] == [("kiểm hàng.png", "inspection")]


def test_both_chats_keep_their_own_lines(db, staff):
    care, ordering = staff["care"], staff["ordering"]
    oid = make_order(db, care, make_customer(db, care))
    orders.post_message(db, care, oid, "internal", "Shop hết màu đỏ, hỏi khách?")
    orders.post_message(db, care, oid, "customer", "Chị ơi, màu đỏ hết rồi ạ")
    orders.post_message(db, care, oid, "customer", "Lấy màu đen nhé", from_customer=True)
    internal = orders.list_messages(db, ordering, oid, "internal")
    customer = orders.list_messages(db, care, oid, "customer")
    assert [m.body for m in internal] == ["Shop hết màu đỏ, hỏi khách?"]
    assert [(m.author_name, m.from_customer) for m in customer] == [("Lê Thu Trang", False), ("Nguyễn Thị Hằng", True)]
    with pytest.raises(ValidationFailed):
        orders.post_message(db, care, oid, "internal", "   ")


def test_a_new_order_goes_to_the_customers_default_address(db, staff):
    care = staff["care"]
    oid = make_order(db, care, make_customer(db, care))
    assert orders.get_order(db, care, oid).delivery_address == "12 Phố Huế, Hai Bà Trưng, Hà Nội"
