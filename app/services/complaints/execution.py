"""Carrying out a complaint's approved plan: the money booked (balanced entries, in the same
transaction), the return shipment or the reship order opened, the discount code made, and the
complaint closed.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import posting_rules
from app.db import Database
from app.errors import DomainError
from app.fees import DISCOUNTABLE
from app.i18n import Lazy, Message, N_, _
from app.models import (AlertNote, Complaint, Customer, DiscountCode, JournalEntry, Order, OrderItem, OrderMoney,
                        Parcel, Shipment, Warehouse)
from app.money import CNY, VND, Money
from app.permissions import Actor, Perm, Role, require
from app.services import ledger, order_lifecycle, order_money, shipments
from app.services import settings as settings_service
from app.services.activity import now, record, stale_edit_after
from app.services.complaints.common import RETURNABLE, check_version, current_plan, load_complaint, return_origin
from app.services.notifications import notify_staff, staff_ids_with_role
from app.services.remedies import grant_voucher
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.services.writes import system_actor_for
from app.workflows.complaints import COMPLAINT_FLOW, PLAN_FLOW, PlanStatus, RemedyKind
from app.workflows.orders import OrderKind, OrderStatus
from app.workflows.parcels import PARCEL_STATUS_LABELS, ParcelStatus, Stage
from app.workflows.shipments import Direction
from app.workflows.tasks import TaskKind


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
    origin_id = return_origin(tx, order, parcels)
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
            c = load_complaint(tx, complaint_id)
            check_version(tx, c, seen_version)
            COMPLAINT_FLOW.check(c, "execute", actor)
            plan = current_plan(tx, c, PlanStatus.APPROVED)
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
            move(tx, actor, c, COMPLAINT_FLOW, "execute",
                 after={"plan": plan.id, "entries": entries, **done})
            move(tx, actor, plan, PLAN_FLOW, "execute", log=False,
                 stamp={"executed_by_id": actor.user_id, "executed_at": at})
            c.closed_at = c.updated_at = at
            record(tx, actor, "order", order.id, "complaint_closed", after={"complaint": c.code, **done})
            close_tasks(tx, actor, "complaint", c.id)
            return ExecutionResult(c.id, tuple(entries), shipment_id, reship_id, discount_code)
    except StaleDataError:
        raise stale_edit_after(db, "complaint", complaint_id, N_("The complaint")) from None
