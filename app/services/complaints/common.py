"""What every part of a complaint's handling shares: the parties and channels of a contact, the
inputs, the checks that load a complaint or its current plan, and the question another capability
asks (is a complaint on this order still open?).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import DomainError, NotFound
from app.i18n import Lazy, N_
from app.models import Complaint, ComplaintPlan, Order, Parcel
from app.services.activity import stale_edit
from app.workflows.complaints import ACTIVE_COMPLAINT, ComplaintKind, ComplaintStatus, PlanStatus
from app.workflows.parcels import ParcelStatus


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



# -- loading ------------------------------------------------------------------------------------------

def load_complaint(tx: Session, complaint_id: int, lock: bool = True) -> Complaint:
    c = tx.get(Complaint, complaint_id, with_for_update=lock)
    if c is None:
        raise NotFound(what=Lazy(N_("The complaint")))
    return c


def check_version(tx: Session, c: Complaint, seen_version: int | None) -> None:
    if seen_version is not None and c.version != seen_version:
        raise stale_edit(tx, "complaint", c.id, N_("The complaint"))



def return_origin(tx: Session, order: Order, parcels: list[Parcel]) -> int | None:
    """The Vietnam warehouse a return leaves from: where the parcels are (or, for goods the
    customer has, the order's warehouse they come back to)."""
    origins = {p.warehouse_id if p.status != ParcelStatus.DELIVERED else (p.destination_warehouse_id or order.destination_warehouse_id)
               for p in parcels}
    return origins.pop() if len(origins) == 1 else None



def current_plan(tx: Session, c: Complaint, status: PlanStatus) -> ComplaintPlan:
    plan = tx.scalar(select(ComplaintPlan).where(ComplaintPlan.complaint_id == c.id,
                                                 ComplaintPlan.status == status.value)
                     .order_by(ComplaintPlan.id.desc()).limit(1))
    if plan is None:
        raise DomainError(N_("Complaint {code} has no plan waiting for this."), code=c.code)
    return plan
