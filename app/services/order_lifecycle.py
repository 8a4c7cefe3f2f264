"""An order's lifecycle: the one door through which an order changes status.

``move(tx, actor, order, action, reason)`` takes one step of the order's workflow
(``app.workflows.orders``: who may take it, from where, to where) and then what follows it:
``EFFECTS`` holds one small function per step (tasks opened and closed, money taken or given
back, people told), and the delay flags are refreshed. Nothing else sets an order's status.

Orders follow their parcels through ``follow_parcels``. Steps whose effect is ``quiet`` — only
the status change, its stamp, its activity event and the delay flags — may be taken there with
prebuilt Core statements (the scan station's hot path) when the order is not loaded already;
the set of those steps is read from ``EFFECTS``, so a step given a real effect leaves the fast
path by itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, Callable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.clock import local_day
from app.errors import NotFound
from app.i18n import Lazy, Message, N_
from app.models import Customer, Order, Parcel, Shipment, ShipmentParcel, User, Warehouse
from app.permissions import Actor, Role
from app.services import commissions, order_money, satisfaction
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.delays import (ORDER_DELAY_COLUMNS, announce_delay, delay_flags_after_move, expected_delivery,
                                 refresh_order_delay)
from app.services.notifications import notify_customer, notify_staff, staff_ids_with_role
from app.services.tasks import close_tasks, open_task
from app.services.writes import core, log_event
from app.workflows.orders import STATUS_LABELS, OrderKind, OrderStatus, flow_for
from app.workflows.tasks import TaskKind, TaskStatus


Run = Callable[[Session, Actor, Order, "str | None"], None]


@dataclass(frozen=True)
class Effect:
    """What follows one step of an order's workflow."""

    run: Run
    #: only the status change, its stamp, its activity event and the delay flags follow: the
    #: scan path may take the step with Core statements (``follow_parcels``)
    quiet: bool = False
    #: the delay flags are refreshed after the step
    delays: bool = True


def move(tx: Session, actor: Actor, order: Order, action: str, reason: str | None = None) -> str:
    """Take ``action`` on ``order`` (refused unless its workflow lets ``actor`` take it now),
    stamp who and when (and why), write the activity event, then what the step sets off.
    Part of the caller's transaction; returns the status the order had before."""
    before = _set_status(tx, actor, order, action, reason)
    effect = EFFECTS[action]
    effect.run(tx, actor, order, reason)
    if effect.delays:
        refresh_order_delay(tx, actor, order)
    return before


def _set_status(tx: Session, actor: Actor, order: Order, action: str, reason: str | None = None) -> str:
    flow = flow_for(order.kind)
    before = order.status
    flow.apply(order, action, actor, reason)
    at = now(tx)
    order.status_changed_at = at
    order.updated_at, order.updated_by_id = at, actor.user_id
    if reason:
        order.status_reason = reason.strip()
    record(tx, actor, "order", order.id, action, {"status": before}, {"status": order.status},
           note=(reason or "").strip())
    return before


# -- what each step sets off -------------------------------------------------------------------------

def _customer(tx: Session, order: Order) -> Customer:
    return tx.get(Customer, order.customer_id)


def _title(tx: Session, order: Order) -> str:
    customer = _customer(tx, order)
    return f"{order.code} · {customer.code} {customer.name}"


def open_purchase_task(tx: Session, actor: Actor, order: Order, title: str) -> None:
    """The ordering staff's task to buy the order, due within the configured hours."""
    hours = settings_service.get(tx, "orders.purchase_deadline_hours")
    open_task(tx, actor, TaskKind.PLACE_ORDER, Role.ORDERING, title, "order", order.id,
              due_in=timedelta(hours=hours), assignee_id=order.ordering_staff_id)


def set_commitments(tx: Session, order: Order) -> None:
    """Committed ship-by and deliver-by dates are fixed when the company accepts the order."""
    at = now(tx)
    if order.committed_ship_by is None:
        order.committed_ship_by = at + timedelta(days=settings_service.get(tx, "orders.ship_days"))
        order.estimated_ship_at = order.committed_ship_by
    if order.committed_deliver_by is None:
        order.committed_deliver_by = at + timedelta(days=settings_service.get(tx, "orders.delivery_days"))
        order.estimated_deliver_at = order.committed_deliver_by


def _shipment_facts(tx: Session, order: Order) -> dict:
    """Where the goods are, for the customer: the shipment carrying the order, its transport, the
    warehouse it goes to and the expected delivery date (the forecast the order window's Schedule
    tab shows, ``delays.expected_delivery``)."""
    sh = tx.scalar(select(Shipment).join(ShipmentParcel, ShipmentParcel.shipment_id == Shipment.id)
                   .join(Parcel, Parcel.id == ShipmentParcel.parcel_id)
                   .where(Parcel.order_id == order.id, Shipment.direction == "to_vn")
                   .order_by(Shipment.departed_at.desc(), Shipment.id.desc()).limit(1))
    dest = tx.get(Warehouse, sh.destination_warehouse_id) if sh is not None else None
    return {"shipment": sh.code if sh is not None else "—",
            "transport": (sh.transport if sh is not None else "") or "—",
            # the city ("Hà Nội"), which the sentence names as "our Vietnam warehouse …": the
            # warehouse's own name ("Kho Hà Nội") read "kho Việt Nam Kho Hà Nội"
            "warehouse": (dest.city or dest.name) if dest is not None else "",
            "date": local_day(expected_delivery(tx, order))}


def _nothing(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    """The seller shipped, or a warehouse scan moved the order (arrive_cn, start_delivery):
    nobody to tell, nothing to open — only the delay flags; no customer read on the scan path."""


def _submitted(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    title = _title(tx, order)
    order.submitted_at = now(tx)
    order.expires_at = None
    if order.kind == OrderKind.PURCHASE:
        # Money: the deposit is taken from the wallet now if it can pay; else care staff chase it.
        outcome = order_money.take_deposit(tx, actor, order)
        if outcome.taken:
            move(tx, actor, order, "deposit")
        else:
            open_task(tx, actor, TaskKind.TAKE_DEPOSIT, Role.CARE, title, "order", order.id,
                      assignee_id=order.care_staff_id, note=outcome.why)
    else:
        open_task(tx, actor, TaskKind.HANDLE_CONSIGNMENT, Role.MANAGER, title, "order", order.id)
        notify_staff(tx, staff_ids_with_role(tx, Role.MANAGER),
                     Message(N_("New consignment order {code} to confirm"), code=order.code),
                     entity="order", entity_id=order.id)


def _deposited(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    title = _title(tx, order)
    if order.kind == OrderKind.PURCHASE:
        order_money.take_deposit(tx, actor, order, required=True)   # refused unless the wallet pays
    close_tasks(tx, actor, "order", order.id, {TaskKind.TAKE_DEPOSIT})
    open_task(tx, actor, TaskKind.HANDLE_ORDER, Role.MANAGER, title, "order", order.id)
    notify_staff(tx, staff_ids_with_role(tx, Role.MANAGER),
                 Message(N_("Order {code} is deposited and waits for confirmation"), code=order.code),
                 entity="order", entity_id=order.id)


def _accepted(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    customer = _customer(tx, order)
    title = f"{order.code} · {customer.code} {customer.name}"
    order.accepted_at = now(tx)
    close_tasks(tx, actor, "order", order.id, {TaskKind.HANDLE_ORDER, TaskKind.HANDLE_CONSIGNMENT})
    set_commitments(tx, order)
    care_title = Message(N_("Look after order {code} for {customer}"), code=order.code, customer=customer.name)
    # Looking after the order lasts its whole life: due when it should be complete.
    look_after_until = order.committed_deliver_by + timedelta(
        days=settings_service.get(tx, "orders.feedback_days"))
    open_task(tx, actor, TaskKind.HANDLE_CONSIGNMENT if order.kind == OrderKind.CONSIGNMENT
              else TaskKind.HANDLE_ORDER, Role.CARE, care_title, "order", order.id,
              due_at=look_after_until, assignee_id=order.care_staff_id)
    if order.kind == OrderKind.PURCHASE and order.status == OrderStatus.ACCEPTED:
        open_purchase_task(tx, actor, order, title)
    if order.status == OrderStatus.AWAITING_APPROVAL:
        open_task(tx, actor, TaskKind.APPROVE, Role.MANAGER, title, "order", order.id)
    notify_staff(tx, staff_ids_with_role(tx, Role.MANAGER) + [order.care_staff_id, order.ordering_staff_id],
                 Message(N_("Order {code} confirmed"), code=order.code), entity="order", entity_id=order.id)
    care = tx.get(User, order.care_staff_id) if order.care_staff_id else None
    notify_customer(tx, customer, "order_confirmed", "order", order.id, code=order.code,
                    care=care.full_name if care else "")


def _approved(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    title = _title(tx, order)
    close_tasks(tx, actor, "order", order.id, {TaskKind.APPROVE})
    if order.kind == OrderKind.PURCHASE:
        open_purchase_task(tx, actor, order, title)


def _reshipped(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    """A reship for a complaint (``complaints``' remedy): the plan was approved, so the new order
    is accepted at once with the same staff, its deposit and service fee already settled."""
    at = now(tx)
    order.submitted_at = order.accepted_at = at
    order.expires_at = None
    set_commitments(tx, order)
    open_purchase_task(tx, actor, order, _title(tx, order))


def _purchase_started(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    if order.ordering_staff_id is None:
        order.ordering_staff_id = actor.user_id


def _purchased(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    customer = _customer(tx, order)
    order_money.book_service_fee(tx, actor, order)
    close_tasks(tx, actor, "order", order.id, {TaskKind.PLACE_ORDER})
    notify_customer(tx, customer, "order_purchased", "order", order.id, code=order.code)


def _ended(refund: bool, event: str) -> Run:
    """Cancelled, out of stock, lost, refused: the deposit back (before anything was bought),
    every task of the order cancelled, the customer told."""
    def run(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
        customer = _customer(tx, order)
        if refund:
            order_money.refund_deposit(tx, actor, order, reason or "")
        close_tasks(tx, actor, "order", order.id, status=TaskStatus.CANCELLED)
        notify_customer(tx, customer, event, "order", order.id, code=order.code, reason=reason or "",
                        status=STATUS_LABELS[order.status])
    return run


def _received(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    close_tasks(tx, actor, "order", order.id)
    commissions.accrue_for_completed_order(tx, actor, order)
    satisfaction.ask_for_rating(tx, order)


def _tell(event: str, facts: bool) -> Run:
    """Shipped, arrived, delivered: the customer told (with where the goods are on the way)."""
    def run(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
        customer = _customer(tx, order)
        where = _shipment_facts(tx, order) if facts else {}
        notify_customer(tx, customer, event, "order", order.id, code=order.code, **where)
    return run


def _cart_expired(tx: Session, actor: Actor, order: Order, reason: str | None) -> None:
    """A cart nobody submitted: nothing follows (no task, no money, nobody told)."""


#: step -> what follows it (every action of both order workflows; a meta-test checks it)
EFFECTS: dict[str, Effect] = {
    "submit": Effect(_submitted),
    "expire": Effect(_cart_expired, delays=False),
    "deposit": Effect(_deposited),
    "accept": Effect(_accepted),
    "claim": Effect(_accepted),
    "approve": Effect(_approved),
    "reship": Effect(_reshipped),
    "start_purchase": Effect(_purchase_started),
    "mark_purchased": Effect(_purchased),
    "out_of_stock": Effect(_ended(True, "order_status")),
    "cancel": Effect(_ended(True, "order_cancelled")),
    "mark_lost": Effect(_ended(False, "order_status")),
    "refuse": Effect(_ended(False, "order_status")),
    "seller_ship": Effect(_nothing, quiet=True),
    "arrive_cn": Effect(_nothing, quiet=True),
    "depart_cn": Effect(_tell("order_shipped", facts=True)),
    "arrive_vn": Effect(_tell("order_arrived", facts=True)),
    "start_delivery": Effect(_nothing, quiet=True),
    "deliver": Effect(_tell("order_delivered", facts=False)),
    "confirm_received": Effect(_received),
}
#: steps the scan path may take with Core statements (read from ``EFFECTS``, never listed by hand)
QUIET_STEPS = frozenset(action for action, effect in EFFECTS.items() if effect.quiet)


# -- orders follow their parcels ------------------------------------------------------------------

def _offered(flow: Any, status: str, actor: Actor, action: str) -> bool:
    """The workflow offers ``action`` to ``actor``'s role from ``status`` (orders following their
    parcels skip a step already passed rather than refuse it)."""
    return any(status in st.sources and actor.role in st.roles for st in flow.steps if st.action == action)


def follow_parcels(tx: Session, actor: Actor, order_id: int, actions: list[str],
                   seen: dict[str, Any] | None = None) -> list[str]:
    """Orders' statuses follow their parcels: take each of ``actions`` (arrive_cn, depart_cn,
    arrive_vn, start_delivery, deliver — in that order) that the order's workflow offers
    ``actor`` from its status at that moment; steps already passed are skipped. Part of the
    warehouse action's transaction; each step is ``move``d, with the effects of the same step
    taken by hand (tasks, the customer told, delay flags). ``seen``: the order's columns as the
    caller just read them (``QUIET_COLUMNS`` by name), which spares reading them again.
    Returns the actions taken."""
    if QUIET_STEPS.issuperset(actions) and identity_key(Order, order_id) not in tx.identity_map:
        return _follow_quietly(tx, actor, order_id, actions, seen)
    order = tx.get(Order, order_id, with_for_update=True)
    if order is None:
        raise NotFound(what=Lazy(N_("The order")))
    flow = flow_for(order.kind)
    taken: list[str] = []
    for action in actions:
        if not _offered(flow, order.status, actor, action):
            continue
        move(tx, actor, order, action)
        taken.append(action)
    return taken


_orders = Order.__table__
#: what the workflow and the delay rule read of an order the scan station moves
QUIET_COLUMNS = (Order.id, Order.code, Order.kind, Order.status, Order.care_staff_id,
                 Order.ordering_staff_id, *(getattr(Order, c) for c in ORDER_DELAY_COLUMNS))
#: built once: building a statement costs more than running it on the scan path
_QUIET_SELECT = select(*QUIET_COLUMNS).where(Order.id == bindparam("oid")).with_for_update()
#: what ``_set_status`` writes on the order (the activity event aside)
_MOVE_COLUMNS = ("status", "status_changed_at", "updated_at", "updated_by_id")
_FLAG_COLUMNS = ("delay_state", "delay_reason", "forecast_ship_at", "forecast_deliver_at")
#: the move, only if the order is still where it was read (another desktop may have moved it)
_QUIET_MOVE = {flags: _orders.update()
               .where(_orders.c.id == bindparam("oid"), _orders.c.status == bindparam("was"))
               .values({**{c: bindparam(c) for c in _MOVE_COLUMNS + (_FLAG_COLUMNS if flags else ())},
                        "version": _orders.c.version + 1}) for flags in (False, True)}


def _follow_quietly(tx: Session, actor: Actor, order_id: int, actions: list[str],
                    seen: dict[str, Any] | None) -> list[str]:
    """``follow_parcels`` for ``quiet`` steps (a parcel received in China moving its order): what
    ``move`` does for them — the same status, stamp, activity event and delay flags — written
    with Core statements, the scan station's hot path, where loading and flushing the ORM order
    cost more than the scan itself. Only used when the order is not in the session already.
    The order as ``seen`` is moved only if it has not moved since; else it is read again, locked."""
    conn = core(tx, "orders")
    while True:
        if seen is None:
            row = conn.execute(_QUIET_SELECT, {"oid": order_id}).first()
            if row is None:
                raise NotFound(what=Lazy(N_("The order")))
            seen = dict(row._mapping)
            locked = True
        else:
            locked = False
        order = SimpleNamespace(**seen)
        was = order.status
        flow = flow_for(order.kind)
        moves: list[tuple[str, str, str]] = []
        for action in actions:
            if not _offered(flow, order.status, actor, action):
                continue
            before = order.status
            flow.apply(order, action, actor)
            moves.append((action, before, order.status))
        if not moves:
            return []
        at = now(tx)
        order.status_changed_at = at
        flags, assessment = delay_flags_after_move(tx, order)
        done = conn.execute(_QUIET_MOVE[bool(flags)], {
            "oid": order_id, "was": was, "status": order.status, "status_changed_at": at,
            "updated_at": at, "updated_by_id": actor.user_id, **flags})
        if done.rowcount == 1:
            break
        if locked:      # cannot happen under the row lock; never loop on it
            raise NotFound(what=Lazy(N_("The order")))
        seen = None     # moved meanwhile by another desktop: read it again, locked
    for action, before, after in moves:
        log_event(tx, actor, at, "order", order_id, action, {"status": before}, {"status": after})
    if flags:
        announce_delay(tx, actor, order, order.delay_state, assessment)
    return [action for action, _before, _after in moves]
