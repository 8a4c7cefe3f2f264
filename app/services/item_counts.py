"""Counting the goods (kiểm đếm, 点货): when an order's parcels are opened in the Vietnam
warehouse, staff record per item how many pieces arrived good, damaged, or were not the item
ordered. The numbers are the item's "received" column in the order window.

A difference (fewer good pieces than were bought, or any damaged or wrong piece) opens a
complaint proposal for the order's care staff: a task on the order ("Differences on order …")
and, from that task or the order window, a complaint ready to open in one action — its kind,
its items with the pieces concerned and a description of the count filled in from the
counted numbers (``complaint_proposal``), which care staff may change before opening it
(``open_count_complaint``, which also closes the task). It is not opened by the count itself:
one count can find a shortage on one item and damage on another (a complaint has one kind),
and a shortage at the count is often a parcel still on its way — care staff talk to the
customer first.

Counting again replaces the numbers (they are totals so far, e.g. after a late parcel): the
previous difference task is cancelled and a new one opens if differences remain; a full count
closes it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from app.bounds import too_long
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _
from app.models import Order, OrderItem, OrderMoney, Parcel, Task
from app.permissions import Actor, Perm, Role, require
from app.services.activity import now, record
from app.services.complaints.common import ComplaintInput, LineInput
from app.services.complaints.lifecycle import complainable_order, open_on_order
from app.services.notifications import notify_staff
from app.services.order_rows import check_order_version
from app.services.tasks import close_tasks, default_due_in, open_task
from app.text import clean
from app.workflows.complaints import ComplaintKind
from app.workflows.orders import CLOSED, OrderKind
from app.workflows.parcels import IN_VIETNAM, ParcelStatus
from app.workflows.tasks import TaskKind, TaskStatus

MAX_NOTE = 2000
NO_PROPOSAL = N_("No goods count of order {code} proposes a complaint now: nothing differs, or the "
                 "difference was already taken up.")


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
                            "customer, then open the proposed complaint (\"Open the proposed complaint…\" here or "
                            "in the order window) if the difference stands."),
                         who=actor.name, items=titles))
        if order.care_staff_id and order.care_staff_id != actor.user_id:
            notify_staff(tx, [order.care_staff_id],
                         Message(N_("Differences found counting order {code}"), code=order.code),
                         body=note, entity="order", entity_id=order.id)
        return CountOutcome(len(differing), task.id)


# -- the complaint the differences propose ---------------------------------------------------------

@dataclass(frozen=True)
class ProposedLine:
    """An item counted with a difference: the pieces concerned and what was found."""

    item_id: int
    title: str
    pieces: int
    missing: int
    damaged: int
    wrong: int


@dataclass(frozen=True)
class ComplaintProposal:
    """The complaint a count's differences propose: care staff may change any of it."""

    order_id: int
    order_code: str
    kind: str                       # ComplaintKind value: the difference with the most pieces
    lines: tuple[ProposedLine, ...]
    description: str                # in the reader's language; it becomes what care staff type

    def complaint_input(self) -> ComplaintInput:
        return ComplaintInput(self.order_id, self.kind, self.description,
                              [LineInput(order_item_id=line.item_id, quantity=line.pieces) for line in self.lines])


def _missing(item: OrderItem) -> int:
    return max(0, _expected(item) - item.quantity_received - item.quantity_damaged - item.quantity_wrong)


def proposes_complaint(tx, order_id: int) -> bool:
    """The count's differences still wait for care staff: its task on the order is open (opening
    the complaint, or care staff marking the task done, settles it; a new count proposes again)."""
    return tx.scalar(select(Task.id).where(
        Task.entity == "order", Task.entity_id == order_id, Task.kind == TaskKind.COUNT_DIFFERENCES.value,
        Task.status == TaskStatus.OPEN.value).limit(1)) is not None


def _proposal(tx, order: Order) -> ComplaintProposal | None:
    if not proposes_complaint(tx, order.id):
        return None
    lines = []
    for item in sorted(order.items, key=lambda i: (i.position, i.id)):
        missing, damaged, wrong = _missing(item), item.quantity_damaged or 0, item.quantity_wrong or 0
        if missing + damaged + wrong == 0:
            continue
        pieces = max(1, min(missing + damaged + wrong, item.quantity))
        lines.append(ProposedLine(item.id, item.title or item.product_url, pieces, missing, damaged, wrong))
    if not lines:
        return None
    totals = {ComplaintKind.WRONG_ITEM: sum(line.wrong for line in lines),
              ComplaintKind.DAMAGED: sum(line.damaged for line in lines),
              ComplaintKind.MISSING: sum(line.missing for line in lines)}
    # the most pieces decide; on a tie what the warehouse saw (wrong, damaged) before what may still come
    kind = max(totals, key=lambda k: (totals[k], -list(totals).index(k)))
    parts = [_("{item}: {missing} missing, {damaged} damaged, {wrong} wrong").format(
        item=line.title[:60], missing=line.missing, damaged=line.damaged, wrong=line.wrong) for line in lines]
    description = _("Found when the goods were counted in the Vietnam warehouse — {items}.").format(
        items="; ".join(parts))
    return ComplaintProposal(order.id, order.code, kind.value, tuple(lines), description)


def complaint_proposal(db: Database, actor: Actor, order_id: int) -> ComplaintProposal | None:
    """The complaint the Vietnam warehouse's count proposes (None when nothing differs, the goods
    were not counted yet, or care staff already took the difference up)."""
    require(actor, Perm.OPEN_COMPLAINTS)
    with db.read() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        return _proposal(s, order)


def open_count_complaint(db: Database, actor: Actor, data: ComplaintInput) -> int:
    """Open the complaint a count proposed (as care staff changed it, or not): the count's task
    on the order is done, and the order's history says the complaint came from the count."""
    require(actor, Perm.OPEN_COMPLAINTS)
    with db.transaction() as tx:
        order = complainable_order(tx, data.order_id)
        if _proposal(tx, order) is None:
            raise DomainError(NO_PROPOSAL, code=order.code)
        complaint = open_on_order(tx, actor, order, data,
                                  via=Message(N_("proposed by the goods count")))
        close_tasks(tx, actor, "order", order.id, {TaskKind.COUNT_DIFFERENCES})
        return complaint.id


# -- tally exemption (seed 004: "goods are exempt from tally") --------------------------------------

def set_tally_exemptions(db: Database, actor: Actor, order_id: int, exempt_item_ids: list[int],
                         seen_version: int | None = None) -> bool:
    """Which of a purchase order's items are not counted piece by piece (no tally fee for them):
    care staff, or ordering staff while they process the order, until its billing notice fixes
    the fee (the order form sets it only until purchasing starts). False when nothing changed."""
    if not actor.can(Perm.PURCHASE):
        require(actor, Perm.EDIT_ORDERS)
    wanted = set(exempt_item_ids or [])
    with db.transaction() as tx:
        order = tx.get(Order, order_id, with_for_update=True)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        check_order_version(tx, order, seen_version)
        if order.kind != OrderKind.PURCHASE:
            raise DomainError(N_("Order {code} is a consignment: it has no items to count."), code=order.code)
        if order.status in CLOSED:
            raise DomainError(N_("A closed order cannot be edited."))
        om = tx.get(OrderMoney, order.id)
        if om is not None and om.billed_at is not None:
            raise DomainError(N_("Order {code} is billed: its tally fee is settled and exemptions can no longer "
                                 "change."), code=order.code)
        items = {i.id: i for i in order.items}
        if wanted - set(items):
            raise ValidationFailed({"items": _("That item is not on order {code}.").format(code=order.code)})
        before = sorted(i.id for i in items.values() if i.tally_exempt)
        if before == sorted(wanted):
            return False
        for item in items.values():
            item.tally_exempt = item.id in wanted
        order.updated_at, order.updated_by_id = now(tx), actor.user_id
        flag_modified(order, "updated_at")        # the order row changes (a new version) even in the same second
        record(tx, actor, "order", order.id, "tally_exempt",
               {"tally_exempt": [(items[i].title or items[i].product_url)[:60] for i in before]},
               {"tally_exempt": [(items[i].title or items[i].product_url)[:60] for i in sorted(wanted)]})
        return True
