"""A complaint from opening to its decision: opening it on an order's items or parcels (with
photos), the contacts with the customer and the shop, the plan proposed, approved or rejected by a
manager other than the proposer, and a complaint dismissed or withdrawn. Carrying the approved plan
out is ``execution``.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import Lazy, Message, N_, _, fmt_money, translate
from app.models import (Complaint, ComplaintContact, ComplaintFile, ComplaintLine, ComplaintPlan, ComplaintRemedy,
                        Customer, Order, OrderMoney, Parcel, ShopOrder)
from app.money import VND, Money
from app.permissions import ROLE_LABELS, Actor, Perm, Role, require
from app.services import files as file_store
from app.services.activity import now, record, stale_edit_after
from app.services.complaints.common import (CHANNELS, CS, MAX_AMOUNT, PARTIES, RETURNABLE, ComplaintInput,
                                            LineInput, RemedyInput, check_version, current_plan, load_complaint,
                                            return_origin)
from app.services.notifications import notify_customer, notify_staff, staff_ids_with_role
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.text import search_blob
from app.workflows.complaints import (ACTIVE_COMPLAINT, AFTER_RECEIPT, COMPLAINT_FLOW, NOT_COMPLAINABLE, PLAN_FLOW,
                                      MONEY_REMEDIES, REMEDY_LABELS, ComplaintKind, ComplaintStage, Fault,
                                      PlanStatus, RemedyKind)
from app.workflows.orders import STATUS_LABELS, OrderKind
from app.workflows.parcels import PARCEL_STATUS_LABELS
from app.workflows.tasks import TaskKind, TaskStatus


# -- opening ------------------------------------------------------------------------------------------

def complaint_lines(tx: Session, order: Order, lines: list[LineInput], errors: dict[str, str]) -> list[ComplaintLine]:
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


def open_on_order(tx: Session, actor: Actor, order: Order, data: ComplaintInput, via: str = "") -> Complaint:
    """Open a complaint in the caller's transaction (opening it, or an inspection's rejection)."""
    errors: dict[str, str] = {}
    if data.kind not in {k.value for k in ComplaintKind}:
        errors["kind"] = _("Choose what is wrong.")
    description = (data.description or "").strip()
    if not description:
        errors["description"] = _("Describe the problem as the customer or the warehouse sees it.")
    lines = complaint_lines(tx, order, data.lines, errors)
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
                 body=description[:500], entity_id=c.id)
    return c


def complainable_order(tx: Session, order_id: int) -> Order:
    """The order a complaint is opened on, locked; refused while there is nothing to complain about."""
    order = tx.get(Order, order_id, with_for_update=True)
    if order is None:
        raise NotFound(what=Lazy(N_("The order")))
    if order.status in NOT_COMPLAINABLE:
        raise DomainError(N_("Order {code} is {status}: there is nothing to complain about yet."),
                          code=order.code, status=Lazy(STATUS_LABELS[order.status]))
    return order


def open_complaint(db: Database, actor: Actor, data: ComplaintInput) -> int:
    """A complaint on an order: which items or parcels, what is wrong, photos. Before the
    customer has the goods (the VN warehouse's inspection) or after they received them."""
    require(actor, Perm.OPEN_COMPLAINTS)
    with db.transaction() as tx:
        return open_on_order(tx, actor, complainable_order(tx, data.order_id), data).id


def add_photos(db: Database, actor: Actor, complaint_id: int, photos: list[tuple[str, bytes]]) -> None:
    """More photos for a complaint still being handled."""
    if not actor.can(Perm.OPEN_COMPLAINTS):
        require(actor, Perm.HANDLE_COMPLAINTS)
    with db.transaction() as tx:
        c = load_complaint(tx, complaint_id)
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
        c = load_complaint(tx, complaint_id)
        if c.status not in ACTIVE_COMPLAINT:
            raise DomainError(N_("Complaint {code} is closed."), code=c.code)
        if c.status == CS.OPEN:
            move(tx, actor, c, COMPLAINT_FLOW, "investigate")
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
            elif return_origin(tx, order, parcels) is None:
                errors["remedies"] = _("The parcels are in different warehouses: open one complaint per warehouse.")
        out.append((r.kind, amount))
    return out


def propose_plan(db: Database, actor: Actor, complaint_id: int, fault: str, remedies: list[RemedyInput],
                 note: str = "", seen_version: int | None = None) -> int:
    """A plan for the complaint — remedies with amounts, and where the fault lies — for a
    manager to approve. Proposing answers the care and ordering staff's tasks."""
    require(actor, Perm.HANDLE_COMPLAINTS)
    try:
        with db.transaction() as tx:
            c = load_complaint(tx, complaint_id)
            check_version(tx, c, seen_version)
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
            move(tx, actor, c, COMPLAINT_FLOW, "propose", after={
                "fault": fault, "plan": plan.id,
                "remedies": [f"{k} {a.amount if a else ''}".strip() for k, a in checked], "total": total},
                note=plan.note)
            c.fault, c.proposed_at, c.updated_at = fault, at, at
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
            c = load_complaint(tx, complaint_id)
            check_version(tx, c, seen_version)
            COMPLAINT_FLOW.check(c, "approve", actor)
            plan = current_plan(tx, c, PlanStatus.PROPOSED)
            if plan.proposed_by_id is not None and plan.proposed_by_id == actor.user_id:
                raise DomainError(N_("You proposed this plan: another manager approves it."))
            at = now(tx)
            move(tx, actor, c, COMPLAINT_FLOW, "approve",
                 after={"plan": plan.id, "total": plan.total}, note=(note or "").strip())
            move(tx, actor, plan, PLAN_FLOW, "approve", log=False,
                 stamp={"decided_by_id": actor.user_id, "decided_by_name": actor.name, "decided_at": at,
                        "decision_note": (note or "").strip()})
            c.decided_at, c.updated_at = at, at
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
            c = load_complaint(tx, complaint_id)
            check_version(tx, c, seen_version)
            COMPLAINT_FLOW.check(c, "reject", actor, reason)
            plan = current_plan(tx, c, PlanStatus.PROPOSED)
            at = now(tx)
            move(tx, actor, c, COMPLAINT_FLOW, "reject", reason, after={"plan": plan.id})
            move(tx, actor, plan, PLAN_FLOW, "reject", reason, log=False,
                 stamp={"decided_by_id": actor.user_id, "decided_by_name": actor.name, "decided_at": at,
                        "decision_note": reason.strip()})
            c.updated_at, c.status_reason = at, reason.strip()
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



# -- ending without a remedy ----------------------------------------------------------------------------

def _end(db: Database, actor: Actor, complaint_id: int, action: str, reason: str, tell_customer: bool) -> None:
    try:
        with db.transaction() as tx:
            c = load_complaint(tx, complaint_id)
            COMPLAINT_FLOW.check(c, action, actor, reason)
            at = now(tx)
            move(tx, actor, c, COMPLAINT_FLOW, action, reason)
            c.status_reason, c.closed_at, c.updated_at = reason.strip(), at, at
            if action == "dismiss":
                c.decided_at = at
            for plan in tx.scalars(select(ComplaintPlan).where(ComplaintPlan.complaint_id == c.id,
                                                               ComplaintPlan.status == PlanStatus.PROPOSED.value)):
                move(tx, actor, plan, PLAN_FLOW, "abandon", log=False, cascade=True)
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
