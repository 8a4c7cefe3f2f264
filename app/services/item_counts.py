"""Counting the goods (kiểm đếm, 点货): when an order's parcels are opened in the Vietnam
warehouse, staff record per item how many pieces arrived good, damaged, or were not the item
ordered. The numbers are the item's "received" column in the order window.

A difference (fewer good pieces than were bought, or any damaged or wrong piece) is not made
into a complaint here: it opens a care task on the order ("Differences on order …") for the
order's care staff, who talk to the customer and open the complaint from the order window if
the difference stands. One count can find a shortage on one item and damage on another (a
complaint has one kind), and a shortage at the count is often a parcel still on its way — a
complaint would also task ordering staff and hold the order open before anyone has looked.

Counting again replaces the numbers (they are totals so far, e.g. after a late parcel): the
previous difference task is cancelled and a new one opens if differences remain; a full count
closes it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.bounds import too_long
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _
from app.models import Order, OrderItem, Parcel
from app.permissions import Actor, Perm, Role, require
from app.services.activity import record
from app.services.notifications import notify_staff
from app.services.tasks import close_tasks, default_due_in, open_task
from app.text import clean
from app.workflows.orders import OrderKind
from app.workflows.parcels import IN_VIETNAM, ParcelStatus
from app.workflows.tasks import TaskKind, TaskStatus

#: parcel statuses in which the goods have reached a Vietnam warehouse (and can be counted)
MAX_NOTE = 2000


@dataclass
class ItemCount:
    """One item's count: good pieces, damaged pieces, pieces that are not the item ordered."""

    item_id: int
    received: int
    damaged: int = 0
    wrong: int = 0


@dataclass(frozen=True)
class CountRow:
    item_id: int
    shop_name: str
    title: str
    variant: str
    quantity: int               # ordered
    quantity_bought: int | None
    received: int
    damaged: int
    wrong: int

    @property
    def expected(self) -> int:
        """The pieces that should arrive: what was bought (what was ordered until it is known)."""
        return self.quantity if self.quantity_bought is None else self.quantity_bought


@dataclass(frozen=True)
class CountSheet:
    order_id: int
    order_code: str
    rows: tuple[CountRow, ...]


@dataclass(frozen=True)
class CountOutcome:
    differences: int            # items counted with a difference
    task_id: int | None         # the care task the differences opened


def _expected(item: OrderItem) -> int:
    return item.quantity if item.quantity_bought is None else item.quantity_bought


def _countable(tx, order: Order | None) -> Order:
    if order is None:
        raise NotFound(what=Lazy(N_("The order")))
    if order.kind != OrderKind.PURCHASE:
        raise DomainError(N_("Order {code} is a consignment: it has no items to count."), code=order.code)
    arrived = tx.scalar(select(Parcel.id).where(Parcel.order_id == order.id,
                                                Parcel.status.in_([s.value for s in IN_VIETNAM])).limit(1))
    if arrived is None:
        raise DomainError(N_("None of order {code}'s parcels has reached a Vietnam warehouse yet: "
                             "there is nothing to count."), code=order.code)
    return order


def count_sheet(db: Database, actor: Actor, order_id: int) -> CountSheet:
    """What the count dialog shows: every item with what was ordered, bought and counted so far."""
    require(actor, Perm.COUNT_GOODS)
    with db.read() as s:
        order = _countable(s, s.get(Order, order_id))
        rows = tuple(CountRow(i.id, i.shop.name if i.shop else "", i.title or i.product_url, i.variant,
                              i.quantity, i.quantity_bought, i.quantity_received, i.quantity_damaged,
                              i.quantity_wrong) for i in order.items)
        return CountSheet(order.id, order.code, rows)


def _pieces(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_shape(counts: list[ItemCount], note: str) -> dict[str, str]:
    """What can be checked without the order: whole numbers, each item once, the note's length."""
    errors: dict[str, str] = {}
    if not counts:
        errors["counts"] = _("Count at least one item.")
    seen: set[int] = set()
    for n, c in enumerate(counts):
        for name in ("received", "damaged", "wrong"):
            if not _pieces(getattr(c, name)):
                errors[f"counts.{n}.{name}"] = _("Enter a whole number of pieces, 0 or more.")
        if c.item_id in seen:
            errors["counts"] = _("The same item is counted twice.")
        seen.add(c.item_id)
    if len(note) > MAX_NOTE:
        errors["note"] = too_long(_("Note"), MAX_NOTE)
    return errors


def record_item_counts(db: Database, actor: Actor, order_id: int, counts: list[ItemCount],
                       note: str = "") -> CountOutcome:
    """The Vietnam warehouse's count of an order's items. Each item's received + damaged + wrong
    may not exceed the pieces bought (ordered, until the purchase is recorded). Differences open
    a care task on the order; a count without differences closes it."""
    require(actor, Perm.COUNT_GOODS)
    note = clean(note)
    counts = list(counts or [])
    errors = _check_shape(counts, note)
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        order = _countable(tx, tx.get(Order, order_id, with_for_update=True))
        items = {i.id: i for i in tx.scalars(select(OrderItem).where(OrderItem.order_id == order.id)
                                             .order_by(OrderItem.position, OrderItem.id).with_for_update())}
        for n, c in enumerate(counts):
            item = items.get(c.item_id)
            if item is None:
                errors["counts"] = _("That item is not on order {code}.").format(code=order.code)
                continue
            limit = _expected(item)
            if c.received + c.damaged + c.wrong > limit:
                errors[f"counts.{n}"] = _("{item}: received, damaged and wrong add up to {total}, more than "
                                          "the {max} pieces bought.").format(
                    item=(item.title or item.product_url)[:40], total=c.received + c.damaged + c.wrong, max=limit)
        if errors:
            raise ValidationFailed(errors)
        rows, before = [], []
        for c in counts:
            item = items[c.item_id]
            before.append({"item": item.id, "received": item.quantity_received,
                           "damaged": item.quantity_damaged, "wrong": item.quantity_wrong})
            item.quantity_received, item.quantity_damaged, item.quantity_wrong = c.received, c.damaged, c.wrong
            rows.append({"item": item.id, "expected": _expected(item), "received": c.received,
                         "damaged": c.damaged, "wrong": c.wrong})
        # the differences of the whole order as it now stands (an item left out keeps its count)
        everything = list(items.values())
        differing = [i for i in everything
                     if i.quantity_received < _expected(i) or i.quantity_damaged or i.quantity_wrong]
        short = sum(max(0, _expected(i) - i.quantity_received - i.quantity_damaged - i.quantity_wrong)
                    for i in everything)
        damaged = sum(i.quantity_damaged for i in everything)
        wrong = sum(i.quantity_wrong for i in everything)
        record(tx, actor, "order", order.id, "goods_counted", {"rows": before},
               {"rows": rows, "received": sum(r["received"] for r in rows), "damaged": damaged, "wrong": wrong},
               note=note)
        # the previous count's differences are replaced by this count's
        close_tasks(tx, actor, "order", order.id, {TaskKind.COUNT_DIFFERENCES},
                    status=TaskStatus.CANCELLED if differing else TaskStatus.DONE)
        if not differing:
            return CountOutcome(0, None)
        titles = "; ".join((i.title or i.product_url)[:60] for i in differing)
        task = open_task(tx, actor, TaskKind.COUNT_DIFFERENCES, Role.CARE, Message(
            N_("Differences on order {code}: {short} missing, {damaged} damaged, {wrong} wrong"),
            code=order.code, short=short, damaged=damaged, wrong=wrong),
            "order", order.id, due_in=default_due_in(tx, TaskKind.COMPLAINT_CARE),
            assignee_id=order.care_staff_id,
            note=Message(N_("Counted by {who}: {items}. The counts are in the order's items; talk to the "
                            "customer and open a complaint on the order if the difference stands."),
                         who=actor.name, items=titles))
        if order.care_staff_id and order.care_staff_id != actor.user_id:
            notify_staff(tx, [order.care_staff_id],
                         Message(N_("Differences found counting order {code}"), code=order.code),
                         body=note, entity="order", entity_id=order.id)
        return CountOutcome(len(differing), task.id)
