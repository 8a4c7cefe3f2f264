"""Complaints (khiếu nại, 投诉): a customer's complaint on an order, from opening to the plan
carried out.

Care staff (or the Vietnam warehouse, when its inspection finds a problem before the customer
has the goods) open a complaint on an order's items or parcels. Care and ordering staff record
their contacts with the customer and the shop and propose a plan — refund, reship, return to
China, discount on a later order, compensation, with amounts — which a manager other than the
proposer approves or rejects. Carrying out the approved plan books the money (balanced entries,
in the same transaction), opens the return shipment or the reship order, makes the discount
code, and closes the complaint. The customer is told when the complaint is decided. Every step
that waits on someone is a task in that role's queue, closed by the action that finishes it.

The customer's inspection after delivery (accepted, rejected, requires rework, partly accepted)
is recorded here too: a rejection opens a complaint.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import posting_rules
from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from app.fees import DISCOUNTABLE, to_vnd
from app.i18n import Lazy, Message, N_, _, fmt_money, translate
from app.models import (AlertNote, Complaint, ComplaintContact, ComplaintFile, ComplaintLine,
                        ComplaintPlan, ComplaintRemedy, Customer, DiscountCode, Inspection,
                        JournalEntry, Order, OrderItem, OrderMoney, Parcel, Shipment, ShopOrder,
                        StoredFile, User, Warehouse)
from app.money import CNY, VND, Money
from app.permissions import ROLE_LABELS, Actor, Perm, Role, require
from app.remedies import (IssueFacts, Suggestion, complaint_history_days, compensation_rules_from_settings,
                          suggest_remedies)
from app.services import files as file_store
from app.services import ledger, order_lifecycle, order_money, shipments
from app.services import settings as settings_service
from app.services.activity import now, record, stale_edit, stale_edit_after
from app.services.notifications import notify_customer, notify_staff, staff_ids_with_role
from app.services.remedies import days_late, delivered_at, grant_voucher
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.services.writes import system_actor_for
from app.text import search_blob
from app.workflows.complaints import (ACTIVE_COMPLAINT, AFTER_RECEIPT, COMPLAINT_FLOW, NOT_COMPLAINABLE, PLAN_FLOW, INSPECTION_LABELS,
                                      MONEY_REMEDIES, REMEDY_LABELS, ComplaintKind, ComplaintStage,
                                      ComplaintStatus, Fault, InspectionResult, PlanStatus,
                                      RemedyKind)
from app.workflows.orders import STATUS_LABELS, OrderKind, OrderStatus
from app.workflows.parcels import PARCEL_STATUS_LABELS, ParcelStatus, Stage
from app.workflows.shipments import Direction
from app.workflows.tasks import TaskKind, TaskStatus

CS = ComplaintStatus
MAX_AMOUNT = Decimal(10_000_000_000)    # ten billion đồng: anything above is a typo
#: parcels a return to China can take: in the Vietnam warehouse, or already with the customer
RETURNABLE = {ParcelStatus.RECEIVED_VN, ParcelStatus.READY, ParcelStatus.DELIVERED}
PARTIES = {"customer": N_("Customer"), "shop": N_("Shop"), "internal": N_("Internal note")}
CHANNELS = {"phone": N_("Phone"), "zalo": N_("Zalo"), "wangwang": N_("Platform chat (Wangwang)"),
            "email": N_("E-mail"), "other": N_("Other")}


# -- input ------------------------------------------------------------------------------------------

@dataclass
class LineInput:
    """An item of the order (with how many pieces are concerned) or one of its parcels."""

    order_item_id: int | None = None
    parcel_id: int | None = None
    quantity: int | None = None


@dataclass
class ComplaintInput:
    order_id: int
    kind: str
    description: str
    lines: list[LineInput] = field(default_factory=list)
    photos: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class RemedyInput:
    kind: str
    amount: Decimal | None = None          # VND, for refund, discount and compensation


@dataclass
class InspectionInput:
    order_id: int
    result: str
    note: str = ""
    rejected: list[LineInput] = field(default_factory=list)
    kind: str = ComplaintKind.OTHER.value  # the complaint a rejection opens
    photos: list[tuple[str, bytes]] = field(default_factory=list)


# -- the question another capability asks -----------------------------------------------------------

def has_open_complaint(tx: Session, order_id: int) -> bool:
    """Whether a complaint on the order still waits on someone (then the order must not be
    completed automatically)."""
    return tx.scalar(select(Complaint.id).where(
        Complaint.order_id == order_id,
        Complaint.status.in_([s.value for s in ACTIVE_COMPLAINT])).limit(1)) is not None


# -- opening ------------------------------------------------------------------------------------------

def _load(tx: Session, complaint_id: int, lock: bool = True) -> Complaint:
    c = tx.get(Complaint, complaint_id, with_for_update=lock)
    if c is None:
        raise NotFound(what=Lazy(N_("The complaint")))
    return c


def _check_version(tx: Session, c: Complaint, seen_version: int | None) -> None:
    if seen_version is not None and c.version != seen_version:
        raise stale_edit(tx, "complaint", c.id, N_("The complaint"))


def _lines(tx: Session, order: Order, lines: list[LineInput], errors: dict[str, str]) -> list[ComplaintLine]:
    """The complained-about lines, checked against the order (each item or parcel once)."""
    items = {i.id: i for i in order.items}
    out: list[ComplaintLine] = []
    seen: set[tuple[str, int]] = set()
    for n, line in enumerate(lines):
        if (line.order_item_id is None) == (line.parcel_id is None):
            errors["lines"] = _("Each line is an item or a parcel.")
            continue
        if line.order_item_id is not None:
            item = items.get(line.order_item_id)
            if item is None:
                errors["lines"] = _("That item is not on order {code}.").format(code=order.code)
                continue
            q = line.quantity
            if not isinstance(q, int) or isinstance(q, bool) or not 1 <= q <= item.quantity:
                errors[f"lines.{n}"] = _("{item}: the pieces concerned are a whole number from 1 to {max}.").format(
                    item=(item.title or item.product_url)[:40], max=item.quantity)
                continue
            key = ("item", item.id)
            shop_id = item.shop_id
            out_line = ComplaintLine(order_item_id=item.id, quantity=q, shop_id=shop_id)
        else:
            p = tx.get(Parcel, line.parcel_id)
            if p is None or p.order_id != order.id:
                errors["lines"] = _("That parcel is not on order {code}.").format(code=order.code)
                continue
            key = ("parcel", p.id)
            shop_id = None
            if p.shop_order_id is not None:
                shop_id = tx.scalar(select(ShopOrder.shop_id).where(ShopOrder.id == p.shop_order_id))
            out_line = ComplaintLine(parcel_id=p.id, shop_id=shop_id)
        if key in seen:
            errors["lines"] = _("The same item or parcel is listed twice.")
            continue
        seen.add(key)
        out.append(out_line)
    return out


def store_photos(tx: Session, actor: Actor, photos: list[tuple[str, bytes]], complaint_id: int | None = None,
                  seller_complaint_id: int | None = None) -> None:
    at = now(tx)
    for name, data in photos:
        stored = file_store.store(tx, name, data, images_only=True)
        tx.add(ComplaintFile(complaint_id=complaint_id, seller_complaint_id=seller_complaint_id,
                             file_id=stored.id, name=name[:255], uploaded_by_id=actor.user_id, uploaded_at=at))


def _title(c: Complaint, order: Order, customer: Customer) -> str:
    return f"{c.code} · {order.code} · {customer.name}"


def _open(tx: Session, actor: Actor, order: Order, data: ComplaintInput, via: str = "") -> Complaint:
    """Open a complaint in the caller's transaction (opening it, or an inspection's rejection)."""
    errors: dict[str, str] = {}
    if data.kind not in {k.value for k in ComplaintKind}:
        errors["kind"] = _("Choose what is wrong.")
    description = (data.description or "").strip()
    if not description:
        errors["description"] = _("Describe the problem as the customer or the warehouse sees it.")
    lines = _lines(tx, order, data.lines, errors)
    if not data.lines and data.kind not in (ComplaintKind.LATE, ComplaintKind.OTHER):
        errors["lines"] = _("Tick the items or parcels the complaint is about.")
    if errors:
        raise ValidationFailed(errors)
    stage = ComplaintStage.AFTER_RECEIPT if order.status in AFTER_RECEIPT else ComplaintStage.BEFORE_RECEIPT
    if actor.role is Role.WAREHOUSE_VN and stage is ComplaintStage.AFTER_RECEIPT:
        raise PermissionDenied(role=Lazy(ROLE_LABELS[actor.role]),
                               what=Lazy(N_("open a complaint about goods the customer has received")))
    customer = tx.get(Customer, order.customer_id)
    at = now(tx)
    care_id = order.care_staff_id or (actor.user_id if actor.role is Role.CARE else None)
    c = Complaint(code=f"~{uuid.uuid4().hex[:16]}", order_id=order.id, customer_id=customer.id,
                  stage=stage.value, kind=data.kind, description=description, status=CS.OPEN.value,
                  care_staff_id=care_id,
                  ordering_staff_id=order.ordering_staff_id if order.kind == OrderKind.PURCHASE else None,
                  opened_by_id=actor.user_id, opened_by_name=actor.name, opened_at=at, updated_at=at)
    c.lines = lines
    tx.add(c)
    tx.flush()
    c.code = f"KN{c.id:07d}"
    c.search_text = search_blob(c.code, order.code, customer.code, customer.name, customer.phone)
    store_photos(tx, actor, data.photos, complaint_id=c.id)
    after = {"code": c.code, "order": order.code, "stage": c.stage, "kind": c.kind,
             "lines": len(lines), "photos": len(data.photos)}
    record(tx, actor, "complaint", c.id, "opened", after=after, note=description[:500])
    record(tx, actor, "order", order.id, "complaint_opened", after={"complaint": c.code, "kind": c.kind},
           note=via)
    title = _title(c, order, customer)
    open_task(tx, actor, TaskKind.COMPLAINT_CARE, Role.CARE, title, "complaint", c.id, assignee_id=c.care_staff_id,
              note=Message(N_("Talk to the customer and propose a plan.")))
    if order.kind == OrderKind.PURCHASE:
        open_task(tx, actor, TaskKind.COMPLAINT_ORDERING, Role.ORDERING, title, "complaint", c.id, assignee_id=c.ordering_staff_id,
                  note=Message(N_("Contact the shop and record its answer.")))
    notify_staff(tx, [u for u in (c.care_staff_id, c.ordering_staff_id) if u != actor.user_id],
                 Message(N_("New complaint {code} on order {order}"), code=c.code, order=order.code),
                 body=description[:500], entity="complaint", entity_id=c.id)
    return c


def open_complaint(db: Database, actor: Actor, data: ComplaintInput) -> int:
    """A complaint on an order: which items or parcels, what is wrong, photos. Before the
    customer has the goods (the VN warehouse's inspection) or after they received them."""
    require(actor, Perm.OPEN_COMPLAINTS)
    with db.transaction() as tx:
        order = tx.get(Order, data.order_id, with_for_update=True)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        if order.status in NOT_COMPLAINABLE:
            raise DomainError(N_("Order {code} is {status}: there is nothing to complain about yet."),
                              code=order.code, status=Lazy(STATUS_LABELS[order.status]))
        return _open(tx, actor, order, data).id


def add_photos(db: Database, actor: Actor, complaint_id: int, photos: list[tuple[str, bytes]]) -> None:
    """More photos for a complaint still being handled."""
    if not actor.can(Perm.OPEN_COMPLAINTS):
        require(actor, Perm.HANDLE_COMPLAINTS)
    with db.transaction() as tx:
        c = _load(tx, complaint_id)
        if c.status not in ACTIVE_COMPLAINT:
            raise DomainError(N_("Complaint {code} is closed."), code=c.code)
        store_photos(tx, actor, photos, complaint_id=c.id)
        c.updated_at = now(tx)
        record(tx, actor, "complaint", c.id, "photos", after={"added": [n for n, _d in photos]})


# -- working on it ---------------------------------------------------------------------------------------

def record_contact(db: Database, actor: Actor, complaint_id: int, party: str, note: str,
                   channel: str = "") -> int:
    """A conversation with the customer or the shop (or a note between staff). The first one
    starts the investigation; the shop's answer finishes the ordering staff's task."""
    require(actor, Perm.HANDLE_COMPLAINTS)
    errors: dict[str, str] = {}
    if party not in PARTIES:
        errors["party"] = _("Choose who was contacted.")
    if channel and channel not in CHANNELS:
        errors["channel"] = _("Choose how.")
    text = (note or "").strip()
    if not text:
        errors["note"] = _("Write what was said.")
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        c = _load(tx, complaint_id)
        if c.status not in ACTIVE_COMPLAINT:
            raise DomainError(N_("Complaint {code} is closed."), code=c.code)
        if c.status == CS.OPEN:
            COMPLAINT_FLOW.apply(c, "investigate", actor)
            record(tx, actor, "complaint", c.id, "investigate", {"status": CS.OPEN.value}, {"status": c.status})
        at = now(tx)
        contact = ComplaintContact(complaint_id=c.id, party=party, channel=channel, note=text, at=at,
                                   by_id=actor.user_id, by_name=actor.name)
        tx.add(contact)
        tx.flush()
        c.updated_at = at
        record(tx, actor, "complaint", c.id, "contact", after={"party": party, "channel": channel}, note=text[:500])
        if party == "shop":
            close_tasks(tx, actor, "complaint", c.id, {TaskKind.COMPLAINT_ORDERING})
        return contact.id


def _money_amount(value: Any, key: str, errors: dict[str, str]) -> Money | None:
    if isinstance(value, float) or not isinstance(value, Decimal) or not value.is_finite():
        errors[key] = _("Enter the amount in đồng.")
        return None
    if value <= 0:
        errors[key] = _("The amount must be more than zero.")
        return None
    if value != value.to_integral_value():
        errors[key] = _("Đồng have no decimals: enter a whole amount.")
        return None
    if value > MAX_AMOUNT:
        errors[key] = _("That amount is too large to be right; check the digits.")
        return None
    return Money(value, VND)


def _return_origin(tx: Session, order: Order, parcels: list[Parcel]) -> int | None:
    """The Vietnam warehouse a return leaves from: where the parcels are (or, for goods the
    customer has, the order's warehouse they come back to)."""
    origins = {p.warehouse_id if p.status != ParcelStatus.DELIVERED else (p.destination_warehouse_id or order.destination_warehouse_id)
               for p in parcels}
    return origins.pop() if len(origins) == 1 else None


def _check_remedies(tx: Session, c: Complaint, order: Order, remedies: list[RemedyInput],
                    errors: dict[str, str]) -> list[tuple[str, Money | None]]:
    kinds = [r.kind for r in remedies]
    out: list[tuple[str, Money | None]] = []
    if not remedies:
        errors["remedies"] = _("Choose at least one remedy.")
    if len(set(kinds)) != len(kinds):
        errors["remedies"] = _("Each remedy appears once in a plan.")
    for r in remedies:
        if r.kind not in {k.value for k in RemedyKind}:
            errors["remedies"] = _("Unknown remedy.")
            continue
        amount = None
        if r.kind in MONEY_REMEDIES:
            amount = _money_amount(r.amount, f"amount.{r.kind}", errors)
        elif r.amount is not None:
            errors[f"amount.{r.kind}"] = _("{remedy} carries no amount.").format(remedy=_(REMEDY_LABELS[r.kind]))
        if r.kind == RemedyKind.REFUND and amount is not None:
            om = tx.get(OrderMoney, order.id)
            charged = om.charged if om is not None else Money.zero(VND)
            if amount > charged:
                errors["amount.refund"] = _("A refund gives back at most what the order was charged ({charged}); "
                                            "give the rest as compensation.").format(charged=fmt_money(charged))
        if r.kind == RemedyKind.RESHIP:
            if order.kind != OrderKind.PURCHASE:
                errors["remedies"] = _("Only purchased goods are reshipped; a consignment's seller is the customer's.")
            elif not any(line.order_item_id for line in c.lines):
                errors["remedies"] = _("A reship buys the complained items again: the complaint lists none.")
        if r.kind == RemedyKind.RETURN_CN:
            parcels = [tx.get(Parcel, line.parcel_id) for line in c.lines if line.parcel_id]
            if not parcels:
                errors["remedies"] = _("A return to China sends parcels back: the complaint lists none.")
            elif any(p.status not in RETURNABLE for p in parcels):
                bad = next(p for p in parcels if p.status not in RETURNABLE)
                errors["remedies"] = _("Parcel {code} is {status}: only parcels in the Vietnam warehouse or "
                                       "with the customer go back to China.").format(
                    code=bad.tracking_code, status=_(PARCEL_STATUS_LABELS[bad.status]).lower())
            elif _return_origin(tx, order, parcels) is None:
                errors["remedies"] = _("The parcels are in different warehouses: open one complaint per warehouse.")
        out.append((r.kind, amount))
    return out


def _current_plan(tx: Session, c: Complaint, status: PlanStatus) -> ComplaintPlan:
    plan = tx.scalar(select(ComplaintPlan).where(ComplaintPlan.complaint_id == c.id,
                                                 ComplaintPlan.status == status.value)
                     .order_by(ComplaintPlan.id.desc()).limit(1))
    if plan is None:
        raise DomainError(N_("Complaint {code} has no plan waiting for this."), code=c.code)
    return plan


def propose_plan(db: Database, actor: Actor, complaint_id: int, fault: str, remedies: list[RemedyInput],
                 note: str = "", seen_version: int | None = None) -> int:
    """A plan for the complaint — remedies with amounts, and where the fault lies — for a
    manager to approve. Proposing answers the care and ordering staff's tasks."""
    require(actor, Perm.HANDLE_COMPLAINTS)
    try:
        with db.transaction() as tx:
            c = _load(tx, complaint_id)
            _check_version(tx, c, seen_version)
            COMPLAINT_FLOW.check(c, "propose", actor)
            order = tx.get(Order, c.order_id)
            errors: dict[str, str] = {}
            if fault not in {f.value for f in Fault}:
                errors["fault"] = _("Say where the fault lies.")
            checked = _check_remedies(tx, c, order, remedies, errors)
            if errors:
                raise ValidationFailed(errors)
            at = now(tx)
            total = Money.total((a for _k, a in checked if a is not None), VND)
            plan = ComplaintPlan(complaint_id=c.id, status=PlanStatus.PROPOSED.value, fault=fault,
                                 note=(note or "").strip(), total=total, proposed_by_id=actor.user_id,
                                 proposed_by_name=actor.name, proposed_at=at)
            plan.remedies = [ComplaintRemedy(kind=k, amount=a) for k, a in checked]
            tx.add(plan)
            tx.flush()
            before = c.status
            COMPLAINT_FLOW.apply(c, "propose", actor)
            c.fault, c.proposed_at, c.updated_at = fault, at, at
            record(tx, actor, "complaint", c.id, "propose", {"status": before}, {
                "status": c.status, "fault": fault, "plan": plan.id,
                "remedies": [f"{k} {a.amount if a else ''}".strip() for k, a in checked], "total": total},
                note=plan.note)
            close_tasks(tx, actor, "complaint", c.id, {TaskKind.COMPLAINT_CARE, TaskKind.COMPLAINT_ORDERING})
            customer = tx.get(Customer, c.customer_id)
            title = Message(N_("Approve the plan for {complaint} ({total})"),
                            complaint=_title(c, order, customer), total=total)
            open_task(tx, actor, TaskKind.APPROVE, Role.MANAGER, title, "complaint", c.id)
            notify_staff(tx, [u for u in staff_ids_with_role(tx, Role.MANAGER) if u != actor.user_id], title,
                         entity="complaint", entity_id=c.id)
            return plan.id
    except StaleDataError:
        raise stale_edit_after(db, "complaint", complaint_id, N_("The complaint")) from None


def _decision_text(tx: Session, plan: ComplaintPlan, lang: str) -> str:
    """What was decided, in the customer's language: each remedy with its amount."""
    parts = []
    for r in plan.remedies:
        label = translate(REMEDY_LABELS[r.kind], lang)
        parts.append(f"{label} {fmt_money(r.amount, lang)}" if r.amount is not None else label)
    return "; ".join(parts) + "."


def approve_plan(db: Database, actor: Actor, complaint_id: int, note: str = "",
                 seen_version: int | None = None) -> None:
    """A manager — not the one who proposed it — approves the plan; the customer is told what
    was decided, and care staff get the task of carrying it out."""
    require(actor, Perm.APPROVE_COMPLAINTS)
    try:
        with db.transaction() as tx:
            c = _load(tx, complaint_id)
            _check_version(tx, c, seen_version)
            COMPLAINT_FLOW.check(c, "approve", actor)
            plan = _current_plan(tx, c, PlanStatus.PROPOSED)
            if plan.proposed_by_id is not None and plan.proposed_by_id == actor.user_id:
                raise DomainError(N_("You proposed this plan: another manager approves it."))
            at = now(tx)
            before = c.status
            COMPLAINT_FLOW.apply(c, "approve", actor)
            move(tx, actor, plan, PLAN_FLOW, "approve", log=False,
                 stamp={"decided_by_id": actor.user_id, "decided_by_name": actor.name, "decided_at": at,
                        "decision_note": (note or "").strip()})
            c.decided_at, c.updated_at = at, at
            record(tx, actor, "complaint", c.id, "approve", {"status": before},
                   {"status": c.status, "plan": plan.id, "total": plan.total}, note=plan.decision_note)
            close_tasks(tx, actor, "complaint", c.id, {TaskKind.APPROVE})
            order = tx.get(Order, c.order_id)
            customer = tx.get(Customer, c.customer_id)
            open_task(tx, actor, TaskKind.COMPLAINT_CARE, Role.CARE, _title(c, order, customer), "complaint", c.id,
                      assignee_id=c.care_staff_id,
                      note=Message(N_("The plan is approved: carry it out.")))
            notify_staff(tx, [c.care_staff_id, plan.proposed_by_id],
                         Message(N_("Plan for {code} approved: carry it out"), code=c.code),
                         entity="complaint", entity_id=c.id)
            notify_customer(tx, customer, "complaint_decided", "complaint", c.id, code=order.code,
                            decision=_decision_text(tx, plan, customer.language or "vi"))
    except StaleDataError:
        raise stale_edit_after(db, "complaint", complaint_id, N_("The complaint")) from None


def reject_plan(db: Database, actor: Actor, complaint_id: int, reason: str,
                seen_version: int | None = None) -> None:
    """A manager sends the plan back with the reason; care staff propose another."""
    require(actor, Perm.APPROVE_COMPLAINTS)
    try:
        with db.transaction() as tx:
            c = _load(tx, complaint_id)
            _check_version(tx, c, seen_version)
            COMPLAINT_FLOW.check(c, "reject", actor, reason)
            plan = _current_plan(tx, c, PlanStatus.PROPOSED)
            at = now(tx)
            before = c.status
            COMPLAINT_FLOW.apply(c, "reject", actor, reason)
            move(tx, actor, plan, PLAN_FLOW, "reject", reason, log=False,
                 stamp={"decided_by_id": actor.user_id, "decided_by_name": actor.name, "decided_at": at,
                        "decision_note": reason.strip()})
            c.updated_at, c.status_reason = at, reason.strip()
            record(tx, actor, "complaint", c.id, "reject", {"status": before}, {"status": c.status, "plan": plan.id},
                   note=reason.strip())
            close_tasks(tx, actor, "complaint", c.id, {TaskKind.APPROVE})
            order = tx.get(Order, c.order_id)
            customer = tx.get(Customer, c.customer_id)
            open_task(tx, actor, TaskKind.COMPLAINT_CARE, Role.CARE, _title(c, order, customer), "complaint", c.id,
                      assignee_id=c.care_staff_id,
                      note=Message(N_("Plan rejected: {reason}"), reason=reason.strip()))
            notify_staff(tx, [c.care_staff_id, plan.proposed_by_id],
                         Message(N_("Plan for {code} rejected: {reason}"), code=c.code, reason=reason.strip()),
                         entity="complaint", entity_id=c.id)
    except StaleDataError:
        raise stale_edit_after(db, "complaint", complaint_id, N_("The complaint")) from None


# -- carrying out the approved plan ---------------------------------------------------------------------

@dataclass(frozen=True)
class ExecutionResult:
    complaint_id: int
    entry_ids: tuple[int, ...]
    shipment_id: int | None
    reship_order_id: int | None
    discount_code: str | None


def _refund(tx: Session, actor: Actor, c: Complaint, order: Order, customer: Customer, amount: Money) -> JournalEntry:
    """Give back part of what the order was charged: first off what it still owes, the rest into
    the wallet. The goods' cost is then a cost not recovered from the customer."""
    om = tx.get(OrderMoney, order.id)
    charged = om.charged if om is not None else Money.zero(VND)
    if amount > charged:
        raise DomainError(N_("A refund gives back at most what the order was charged ({charged}); "
                             "give the rest as compensation."), charged=charged)
    owed = om.balance_due if om.balance_due > Money.zero(VND) else Money.zero(VND)
    to_debt = min(amount, owed)
    to_wallet = amount - to_debt
    entry = ledger.post_lines(tx, actor, "complaint_refund",
                              posting_rules.complaint_refund(amount, to_debt, to_wallet, order.id),
        memo=Message(N_("Complaint {complaint}: refund {amount} ({debt} off what the order owes, {wallet} to the wallet)"),
                     complaint=c.code, amount=amount, debt=to_debt, wallet=to_wallet),
        reference=c.code, counterpart=customer.name, order_id=order.id, customer_id=customer.id)
    om.charged = om.charged - amount
    return entry


def _compensate(tx: Session, actor: Actor, c: Complaint, order: Order, customer: Customer, amount: Money) -> JournalEntry:
    """Compensation is the company's loss paid into the wallet; what the order owes is untouched."""
    return ledger.post_lines(tx, actor, "compensation", posting_rules.compensation(amount),
        memo=Message(N_("Complaint {complaint}: compensation {amount} to the wallet"),
                     complaint=c.code, amount=amount),
        reference=c.code, counterpart=customer.name, order_id=order.id, customer_id=customer.id)


def _discount(tx: Session, actor: Actor, c: Complaint, order: Order, customer: Customer, amount: Money) -> DiscountCode:
    """A one-use discount code for the customer's next order, off any fee a code may reduce."""
    at = now(tx)
    days = settings_service.get(tx, "complaints.discount_valid_days")
    code = c.code
    n = 1
    while tx.scalar(select(DiscountCode.id).where(DiscountCode.code == code)) is not None:
        n += 1
        code = f"{c.code}-{n}"
    d = DiscountCode(code=code, description=_("Complaint {complaint} on order {order}").format(
                         complaint=c.code, order=order.code),
                     percent=None, amount=amount, fee_codes=",".join(sorted(DISCOUNTABLE)), valid_from=at,
                     valid_until=at + timedelta(days=days), max_uses=1, max_uses_per_customer=1,
                     customer_id=customer.id, used_count=0, is_active=True, created_by_id=actor.user_id,
                     created_at=at)
    tx.add(d)
    tx.flush()
    record(tx, actor, "discount_code", d.id, "created", after={
        "code": code, "amount": amount, "customer": customer.code, "complaint": c.code,
        "valid_until": d.valid_until})
    return d


def _reship(tx: Session, actor: Actor, c: Complaint, order: Order, customer: Customer) -> Order:
    """A new purchase order buying the complained items again, free to the customer: made as a
    cart and moved by its ``reship`` step straight to accepted (the plan was approved) with the
    same staff, its items at no price, no deposit and no service fee; what the shop is paid for
    it shows as the order's negative bargaining profit."""
    at = now(tx)
    new = Order(code=f"~{uuid.uuid4().hex[:16]}", kind=OrderKind.PURCHASE.value, status=OrderStatus.DRAFT.value,
                customer_id=order.customer_id, care_staff_id=order.care_staff_id,
                ordering_staff_id=order.ordering_staff_id,
                destination_warehouse_id=order.destination_warehouse_id,
                receiving_warehouse_id=order.receiving_warehouse_id,
                delivery_address_id=order.delivery_address_id,
                note=_("Reship for complaint {complaint} on order {order}: free to the customer.").format(
                    complaint=c.code, order=order.code),
                created_at=at, created_by_id=actor.user_id, updated_at=at, updated_by_id=actor.user_id,
                status_changed_at=at)
    items = {i.id: i for i in order.items}
    for pos, line in enumerate(line for line in c.lines if line.order_item_id):
        src = items[line.order_item_id]
        new.items.append(OrderItem(position=pos, shop_id=src.shop_id, product_url=src.product_url,
                                   title=src.title, variant=src.variant, image_file_id=src.image_file_id,
                                   quantity=line.quantity, unit_price_cny=Decimal(0),
                                   note=_("Reship of {order}").format(order=order.code)))
    new.item_count = sum(i.quantity for i in new.items)
    new.goods_cny = Money.zero(CNY)
    tx.add(new)
    tx.flush()
    new.code = f"DH{new.id:07d}"
    old = tx.get(OrderMoney, order.id)
    tx.add(OrderMoney(order_id=new.id, customer_id=new.customer_id,
                      selling_rate=old.selling_rate if old else None, rate_id=old.rate_id if old else None,
                      fee_policy_id=old.fee_policy_id if old else None, deposit_percent=Decimal(0),
                      deposit_held=Money.zero(VND), charged=Money.zero(VND), balance_due=Money.zero(VND),
                      service_fee_booked=True))
    record(tx, actor, "order", new.id, "created", after={
        "code": new.code, "kind": new.kind, "status": new.status, "customer": customer.code,
        "items": len(new.items), "reship_of": order.code, "complaint": c.code})
    order_lifecycle.move(tx, system_actor_for(actor), new, "reship")
    record(tx, actor, "order", order.id, "reship_order", after={"order": new.code, "complaint": c.code})
    notify_staff(tx, [new.ordering_staff_id], Message(N_("Reship order {code} for complaint {complaint}: buy it again"),
        code=new.code, complaint=c.code), entity="order", entity_id=new.id)
    return new


def _return(tx: Session, actor: Actor, c: Complaint, order: Order) -> Shipment:
    """The return shipment (Vietnam → China) the complaint's parcels are scanned into at the
    warehouse; parcels still on the shelves are stopped from being delivered meanwhile."""
    parcels = [tx.get(Parcel, line.parcel_id, with_for_update=True) for line in c.lines if line.parcel_id]
    bad = [p for p in parcels if p.status not in RETURNABLE]
    if bad:
        raise DomainError(N_("Parcel {code} is {status} now: it cannot go back to China."),
                          code=bad[0].tracking_code, status=Lazy(PARCEL_STATUS_LABELS[bad[0].status]))
    origin_id = _return_origin(tx, order, parcels)
    origin = tx.get(Warehouse, origin_id) if origin_id else None
    dest = tx.get(Warehouse, order.receiving_warehouse_id) if order.receiving_warehouse_id else None
    if dest is None or dest.country != "CN":
        dest = tx.scalar(select(Warehouse).where(Warehouse.country == "CN", Warehouse.is_active.is_(True))
                         .order_by(Warehouse.id).limit(1))
    if origin is None or origin.country != "VN" or dest is None:
        raise DomainError(N_("No Vietnam warehouse to send the return from, or no China warehouse to send it to."))
    sh = shipments.new_shipment(tx, actor, origin, dest, Direction.TO_CN,
                      note=_("Return for complaint {complaint} on order {order}").format(
                          complaint=c.code, order=order.code))
    at = now(tx)
    codes = [p.tracking_code for p in parcels]
    for p in parcels:
        if p.status != ParcelStatus.DELIVERED:
            tx.add(AlertNote(stage=Stage.DELIVERY.value, tracking_code=p.tracking_code, created_at=at,
                             created_by_id=actor.user_id, created_by_name=actor.name,
                             text=_("Do not deliver: goes back to China in {shipment} (complaint {complaint}).").format(
                                 shipment=sh.code, complaint=c.code)))
    title = Message(N_("Pack {n} parcel(s) of {complaint} into return shipment {shipment}: {codes}"),
                    n=len(parcels), complaint=c.code, shipment=sh.code, codes=", ".join(codes))
    open_task(tx, actor, TaskKind.RETURN_TO_CHINA, Role.WAREHOUSE_VN, title, "shipment", sh.id,
              note=Message(N_("Goods the customer still has come back to the warehouse first; scanning them "
                             "into the shipment takes them back.")))
    notify_staff(tx, staff_ids_with_role(tx, Role.WAREHOUSE_VN), title, entity="shipment", entity_id=sh.id)
    record(tx, actor, "order", order.id, "return_to_china", after={"shipment": sh.code, "parcels": codes,
                                                                   "complaint": c.code})
    return sh


def execute_plan(db: Database, actor: Actor, complaint_id: int, seen_version: int | None = None) -> ExecutionResult:
    """Carry out the approved plan in one transaction: the money entries (each balanced), the
    return shipment, the reship order, the discount code; the complaint is closed."""
    require(actor, Perm.HANDLE_COMPLAINTS)
    try:
        with db.transaction() as tx:
            c = _load(tx, complaint_id)
            _check_version(tx, c, seen_version)
            COMPLAINT_FLOW.check(c, "execute", actor)
            plan = _current_plan(tx, c, PlanStatus.APPROVED)
            order = order_money.lock_order(tx, c.order_id)
            customer = tx.get(Customer, c.customer_id)
            entries: list[int] = []
            shipment_id = reship_id = None
            discount_code = None
            done: dict[str, Any] = {}
            for r in plan.remedies:
                if r.kind == RemedyKind.REFUND:
                    r.entry_id = _refund(tx, actor, c, order, customer, r.amount).id
                    entries.append(r.entry_id)
                elif r.kind == RemedyKind.COMPENSATION:
                    r.entry_id = _compensate(tx, actor, c, order, customer, r.amount).id
                    entries.append(r.entry_id)
                elif r.kind == RemedyKind.DISCOUNT:
                    d = _discount(tx, actor, c, order, customer, r.amount)
                    r.discount_code_id, discount_code = d.id, d.code
                    done["discount_code"] = d.code
                elif r.kind == RemedyKind.RESHIP:
                    new = _reship(tx, actor, c, order, customer)
                    r.reship_order_id = reship_id = new.id
                    done["reship_order"] = new.code
                elif r.kind == RemedyKind.RETURN_CN:
                    sh = _return(tx, actor, c, order)
                    r.shipment_id = shipment_id = sh.id
                    done["return_shipment"] = sh.code
                elif r.kind == RemedyKind.PRIORITY_SHIPPING:
                    done["priority_voucher"] = grant_voucher(tx, actor, c).id
            at = now(tx)
            before = c.status
            COMPLAINT_FLOW.apply(c, "execute", actor)
            move(tx, actor, plan, PLAN_FLOW, "execute", log=False,
                 stamp={"executed_by_id": actor.user_id, "executed_at": at})
            c.closed_at = c.updated_at = at
            record(tx, actor, "complaint", c.id, "execute", {"status": before},
                   {"status": c.status, "plan": plan.id, "entries": entries, **done})
            record(tx, actor, "order", order.id, "complaint_closed", after={"complaint": c.code, **done})
            close_tasks(tx, actor, "complaint", c.id)
            return ExecutionResult(c.id, tuple(entries), shipment_id, reship_id, discount_code)
    except StaleDataError:
        raise stale_edit_after(db, "complaint", complaint_id, N_("The complaint")) from None


def _end(db: Database, actor: Actor, complaint_id: int, action: str, reason: str, tell_customer: bool) -> None:
    try:
        with db.transaction() as tx:
            c = _load(tx, complaint_id)
            COMPLAINT_FLOW.check(c, action, actor, reason)
            at = now(tx)
            before = c.status
            COMPLAINT_FLOW.apply(c, action, actor, reason)
            c.status_reason, c.closed_at, c.updated_at = reason.strip(), at, at
            if action == "dismiss":
                c.decided_at = at
            for plan in tx.scalars(select(ComplaintPlan).where(ComplaintPlan.complaint_id == c.id,
                                                               ComplaintPlan.status == PlanStatus.PROPOSED.value)):
                move(tx, actor, plan, PLAN_FLOW, "abandon", log=False, cascade=True)
            record(tx, actor, "complaint", c.id, action, {"status": before}, {"status": c.status}, note=reason.strip())
            close_tasks(tx, actor, "complaint", c.id, status=TaskStatus.CANCELLED)
            order = tx.get(Order, c.order_id)
            record(tx, actor, "order", order.id, "complaint_closed", after={"complaint": c.code, "status": c.status},
                   note=reason.strip())
            if tell_customer:
                customer = tx.get(Customer, c.customer_id)
                lang = customer.language or "vi"
                notify_customer(tx, customer, "complaint_decided", "complaint", c.id, code=order.code,
                                decision=translate(N_("no remedy. {reason}"), lang).format(reason=reason.strip()))
    except StaleDataError:
        raise stale_edit_after(db, "complaint", complaint_id, N_("The complaint")) from None


def dismiss_complaint(db: Database, actor: Actor, complaint_id: int, reason: str) -> None:
    """A manager decides the complaint is unfounded: closed without a remedy, the customer told why."""
    require(actor, Perm.APPROVE_COMPLAINTS)
    _end(db, actor, complaint_id, "dismiss", reason, tell_customer=True)


def withdraw_complaint(db: Database, actor: Actor, complaint_id: int, reason: str) -> None:
    """The customer withdrew the complaint."""
    require(actor, Perm.HANDLE_COMPLAINTS)
    _end(db, actor, complaint_id, "withdraw", reason, tell_customer=False)


# -- the return shipment's packing scan asks ------------------------------------------------------------

# -- what the rules in settings propose (seed 003) ------------------------------------------------------

def suggest_for_complaint(db: Database, actor: Actor, complaint_id: int) -> Suggestion:
    """What the rules in settings propose for this complaint (a delay is a complaint of kind
    "late"): staff take it into the plan or change it."""
    require(actor, Perm.HANDLE_COMPLAINTS)
    view = get_complaint(db, actor, complaint_id)
    with db.read() as s:
        get = lambda key: settings_service.get(s, key)   # noqa: E731
        order = s.get(Order, view.order_id)
        at = s.get(Complaint, complaint_id).opened_at
        delivered = delivered_at(s, order.id)
        late = days_late(order.committed_deliver_by, min(delivered, at) if delivered else at)
        since = at - timedelta(days=complaint_history_days(get))
        earlier = s.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.customer_id == view.customer_id, Complaint.id != complaint_id,
            Complaint.opened_at >= since, Complaint.opened_at <= at)) or 0
        rate = view.selling_rate
        order_value = view.charged
        if order_value.is_zero() and rate and not order.goods_cny.is_zero():
            order_value = to_vnd(order.goods_cny, rate)
        items_value = to_vnd(view.items_value_cny, rate) if rate and not view.items_value_cny.is_zero() else None
        rules = compensation_rules_from_settings(get)
    return suggest_remedies(IssueFacts(view.kind, late, order_value, items_value, int(earlier)), rules)


# -- the customer's inspection after delivery -----------------------------------------------------------

@dataclass(frozen=True)
class InspectionOutcome:
    inspection_id: int
    complaint_id: int | None
    order_status: str


def record_inspection(db: Database, actor: Actor, data: InspectionInput) -> InspectionOutcome:
    """The customer inspected what was delivered. Accepted confirms receipt; rejected (all, or
    the lines given) and partly accepted open a complaint on what was not accepted; rework
    gives care staff a task to agree the next step with the customer."""
    require(actor, Perm.RECORD_INSPECTIONS)
    errors: dict[str, str] = {}
    if data.result not in {r.value for r in InspectionResult}:
        errors["result"] = _("Choose the customer's verdict.")
    note = (data.note or "").strip()
    if data.result != InspectionResult.ACCEPTED and not note:
        errors["note"] = _("Write what the customer said is wrong.")
    if data.result == InspectionResult.ACCEPTED and data.rejected:
        errors["lines"] = _("Accepted means nothing was rejected.")
    if data.result == InspectionResult.PARTLY_ACCEPTED and not data.rejected:
        errors["lines"] = _("Tick what the customer did not accept.")
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        order = tx.get(Order, data.order_id, with_for_update=True)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        if order.status not in AFTER_RECEIPT:
            raise DomainError(N_("The customer inspects the goods once order {code} is delivered (now: {status})."),
                              code=order.code, status=Lazy(STATUS_LABELS[order.status]))
        rejected = list(data.rejected)
        if data.result == InspectionResult.REJECTED and not rejected:
            if order.kind == OrderKind.PURCHASE:
                rejected = [LineInput(order_item_id=i.id, quantity=i.quantity) for i in order.items]
            else:
                rejected = [LineInput(parcel_id=p.id) for p in order.parcels]
        at = now(tx)
        complaint = None
        if data.result in (InspectionResult.REJECTED, InspectionResult.PARTLY_ACCEPTED):
            complaint = _open(tx, actor, order, ComplaintInput(order.id, data.kind, note, rejected, data.photos),
                              via=_("inspection: {result}").format(result=_(INSPECTION_LABELS[data.result])))
        elif data.rejected:
            _lines(tx, order, data.rejected, errors)
            if errors:
                raise ValidationFailed(errors)
        inspection = Inspection(order_id=order.id, result=data.result, note=note,
                                rejected=[{k: v for k, v in vars(line).items() if v is not None} for line in rejected],
                                complaint_id=complaint.id if complaint else None, recorded_by_id=actor.user_id,
                                recorded_by_name=actor.name, recorded_at=at)
        tx.add(inspection)
        tx.flush()
        record(tx, actor, "order", order.id, "inspection", after={
            "result": data.result, "rejected": len(rejected), "complaint": complaint.code if complaint else None},
            note=note)
        customer = tx.get(Customer, order.customer_id)
        if data.result == InspectionResult.REWORK:
            open_task(tx, actor, TaskKind.COMPLAINT_CARE, Role.CARE,
                      Message(N_("{order} · {customer}: agree the rework with the customer"),
                              order=order.code, customer=customer.name), "order", order.id,
                      assignee_id=order.care_staff_id, note=note)
        elif data.result == InspectionResult.ACCEPTED:
            close_tasks(tx, actor, "order", order.id, {TaskKind.COMPLAINT_CARE})
            if order.status == OrderStatus.DELIVERED and not has_open_complaint(tx, order.id) \
                    and actor.role in (Role.CARE, Role.MANAGER):
                order_lifecycle.move(tx, actor, order, "confirm_received")
        return InspectionOutcome(inspection.id, complaint.id if complaint else None, order.status)


# -- reading ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineView:
    id: int
    order_item_id: int | None
    parcel_id: int | None
    label: str
    quantity: int | None
    value_cny: Money | None           # the pieces concerned at the customer's unit price
    shop_name: str
    parcel_status: str | None


@dataclass(frozen=True)
class FileView:
    id: int
    file_id: int
    name: str
    mime: str
    uploaded_at: datetime
    uploaded_by: str


@dataclass(frozen=True)
class ContactView:
    id: int
    party: str
    channel: str
    note: str
    at: datetime
    by_name: str


@dataclass(frozen=True)
class RemedyView:
    kind: str
    amount: Money | None
    entry_id: int | None
    shipment_id: int | None
    shipment_code: str
    reship_order_id: int | None
    reship_order_code: str
    discount_code: str


@dataclass(frozen=True)
class PlanView:
    id: int
    status: str
    fault: str
    note: str
    total: Money
    proposed_by: str
    proposed_by_id: int | None
    proposed_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    executed_at: datetime | None
    remedies: tuple[RemedyView, ...]

    @property
    def awaiting_approval(self) -> bool:
        """Proposed: a manager (not the one who proposed it) approves or rejects it (PLAN_FLOW)."""
        return self.status in PLAN_FLOW.sources("approve")


@dataclass(frozen=True)
class ComplaintView:
    id: int
    code: str
    version: int
    status: str
    status_label: str
    status_reason: str
    stage: str
    kind: str
    description: str
    fault: str | None
    order_id: int
    order_code: str
    order_kind: str
    order_status: str
    customer_id: int
    customer_code: str
    customer_name: str
    customer_phone: str
    care_staff: str
    ordering_staff: str
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    lines: tuple[LineView, ...]
    files: tuple[FileView, ...]
    contacts: tuple[ContactView, ...]
    plans: tuple[PlanView, ...]
    actions: tuple[tuple[str, str, bool], ...]    # (action, label, needs reason)
    charged: Money                                 # what the order was charged: a refund's ceiling
    selling_rate: Decimal | None
    items_value_cny: Money

    @property
    def current_plan(self) -> PlanView | None:
        return self.plans[-1] if self.plans else None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_COMPLAINT

    @property
    def plan_pending(self) -> bool:
        """A plan waits for a manager's approval or to be carried out (its tab is what matters)."""
        return self.status in COMPLAINT_FLOW.sources("approve") | COMPLAINT_FLOW.sources("execute")


def _names(s: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(s.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def get_complaint(db: Database, actor: Actor, complaint_id: int) -> ComplaintView:
    """Everything the complaint window shows, read in one short transaction."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        c = s.get(Complaint, complaint_id)
        if c is None:
            raise NotFound(what=Lazy(N_("The complaint")))
        order = s.get(Order, c.order_id)
        customer = s.get(Customer, c.customer_id)
        names = _names(s, {c.care_staff_id, c.ordering_staff_id})
        items = {i.id: i for i in order.items}
        lines = []
        for line in c.lines:
            if line.order_item_id is not None:
                i = items.get(line.order_item_id)
                label = f"{i.title or i.product_url}" + (f" · {i.variant}" if i.variant else "") if i else "?"
                value = Money(i.unit_price_cny * line.quantity, CNY) if i else None
                lines.append(LineView(line.id, line.order_item_id, None, label, line.quantity, value,
                                      i.shop.name if i and i.shop else "", None))
            else:
                p = s.get(Parcel, line.parcel_id)
                lines.append(LineView(line.id, None, p.id, p.tracking_code, None, None, "", p.status))
        files = tuple(FileView(f.id, f.file_id, f.name, mime, f.uploaded_at, who or "")
                      for f, mime, who in s.execute(
                          select(ComplaintFile, StoredFile.mime, User.full_name)
                          .join(StoredFile, StoredFile.id == ComplaintFile.file_id)
                          .outerjoin(User, User.id == ComplaintFile.uploaded_by_id)
                          .where(ComplaintFile.complaint_id == c.id).order_by(ComplaintFile.id)))
        contacts = tuple(ContactView(x.id, x.party, x.channel, x.note, x.at, x.by_name) for x in s.scalars(
            select(ComplaintContact).where(ComplaintContact.complaint_id == c.id).order_by(ComplaintContact.id)))
        plans = []
        for plan in s.scalars(select(ComplaintPlan).where(ComplaintPlan.complaint_id == c.id).order_by(ComplaintPlan.id)):
            remedies = []
            for r in plan.remedies:
                sh_code = s.scalar(select(Shipment.code).where(Shipment.id == r.shipment_id)) if r.shipment_id else ""
                o_code = s.scalar(select(Order.code).where(Order.id == r.reship_order_id)) if r.reship_order_id else ""
                d_code = s.scalar(select(DiscountCode.code).where(DiscountCode.id == r.discount_code_id)) \
                    if r.discount_code_id else ""
                remedies.append(RemedyView(r.kind, r.amount, r.entry_id, r.shipment_id, sh_code or "",
                                           r.reship_order_id, o_code or "", d_code or ""))
            plans.append(PlanView(plan.id, plan.status, plan.fault, plan.note, plan.total, plan.proposed_by_name,
                                  plan.proposed_by_id, plan.proposed_at, plan.decided_by_name, plan.decided_at,
                                  plan.decision_note, plan.executed_at, tuple(remedies)))
        om = s.get(OrderMoney, order.id)
        actions = tuple((st.action, st.label, st.needs_reason) for st in COMPLAINT_FLOW.allowed(c, actor)
                        if st.action != "investigate")
        value = Money.total((line.value_cny for line in lines if line.value_cny is not None), CNY)
        return ComplaintView(
            c.id, c.code, c.version, c.status, COMPLAINT_FLOW.label(c.status), c.status_reason, c.stage, c.kind,
            c.description, c.fault, order.id, order.code, order.kind, order.status, customer.id, customer.code,
            customer.name, customer.phone, names.get(c.care_staff_id, ""), names.get(c.ordering_staff_id, ""),
            c.opened_by_name, c.opened_at, c.closed_at, tuple(lines), files, contacts, tuple(plans), actions,
            om.charged if om else Money.zero(VND), om.selling_rate if om else None, value)


def read_photo(db: Database, actor: Actor, file_id: int) -> tuple[str, bytes]:
    """A complaint's photo (MIME type, content)."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        f = s.get(StoredFile, file_id)
        if f is None or s.scalar(select(ComplaintFile.id).where(ComplaintFile.file_id == file_id).limit(1)) is None:
            raise NotFound(what=Lazy(N_("The file")))
        return f.mime, f.data


@dataclass(frozen=True)
class ComplaintSummary:
    id: int
    code: str
    status: str
    status_label: str
    kind: str
    stage: str
    opened_at: datetime
    opened_by: str
    description: str


def complaints_of_order(db: Database, actor: Actor, order_id: int) -> list[ComplaintSummary]:
    """The order's complaints, oldest first (the order window's Complaints tab)."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        return [ComplaintSummary(c.id, c.code, c.status, COMPLAINT_FLOW.label(c.status), c.kind, c.stage,
                                 c.opened_at, c.opened_by_name, c.description)
                for c in s.scalars(select(Complaint).where(Complaint.order_id == order_id).order_by(Complaint.id))]


@dataclass(frozen=True)
class ItemChoice:
    id: int
    label: str
    shop_name: str
    quantity: int
    unit_price_cny: Decimal


@dataclass(frozen=True)
class ParcelChoice:
    id: int
    tracking_code: str
    status: str
    status_label: str


@dataclass(frozen=True)
class ComplaintChoices:
    order_id: int
    order_code: str
    order_kind: str
    order_status: str
    stage: str
    complainable: bool
    items: tuple[ItemChoice, ...]
    parcels: tuple[ParcelChoice, ...]


def complaint_choices(db: Database, actor: Actor, order_id: int) -> ComplaintChoices:
    """What a complaint (or an inspection) on the order can name: its items and its parcels."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        items = tuple(ItemChoice(i.id, (i.title or i.product_url) + (f" · {i.variant}" if i.variant else ""),
                                 i.shop.name if i.shop else "", i.quantity, i.unit_price_cny) for i in order.items)
        parcels = tuple(ParcelChoice(p.id, p.tracking_code, p.status, PARCEL_STATUS_LABELS.get(p.status, p.status))
                        for p in order.parcels)
        stage = ComplaintStage.AFTER_RECEIPT if order.status in AFTER_RECEIPT else ComplaintStage.BEFORE_RECEIPT
        return ComplaintChoices(order.id, order.code, order.kind, order.status, stage.value,
                                order.status not in NOT_COMPLAINABLE, items, parcels)


@dataclass(frozen=True)
class InspectionView:
    id: int
    result: str
    note: str
    complaint_code: str
    recorded_by: str
    recorded_at: datetime


def inspections_of_order(db: Database, actor: Actor, order_id: int) -> list[InspectionView]:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        rows = s.execute(select(Inspection, Complaint.code).outerjoin(Complaint, Complaint.id == Inspection.complaint_id)
                         .where(Inspection.order_id == order_id).order_by(Inspection.id))
        return [InspectionView(i.id, i.result, i.note, code or "", i.recorded_by_name, i.recorded_at)
                for i, code in rows]

