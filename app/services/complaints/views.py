"""What the complaint screens read: a complaint with its lines, photos, contacts and plans; the
complaints, inspections and choices of an order; a photo.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import NotFound
from app.i18n import Lazy, N_
from app.models import (Complaint, ComplaintContact, ComplaintFile, ComplaintPlan, Customer, DiscountCode,
                        Inspection, Order, OrderMoney, Parcel, Shipment, StoredFile, User)
from app.money import CNY, VND, Money
from app.permissions import Actor, Perm, require
from app.workflows.complaints import (ACTIVE_COMPLAINT, AFTER_RECEIPT, COMPLAINT_FLOW, NOT_COMPLAINABLE, PLAN_FLOW,
                                      ComplaintStage)
from app.workflows.parcels import PARCEL_STATUS_LABELS


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
