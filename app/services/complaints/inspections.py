"""The customer's inspection after delivery (accepted, rejected, requires rework, partly
accepted): a rejection opens a complaint.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _
from app.models import Customer, Inspection, Order
from app.permissions import Actor, Perm, Role, require
from app.services import order_lifecycle
from app.services.activity import now, record
from app.services.complaints.common import ComplaintInput, InspectionInput, LineInput, has_open_complaint
from app.services.complaints.lifecycle import complaint_lines, open_on_order
from app.services.tasks import close_tasks, open_task
from app.workflows.complaints import AFTER_RECEIPT, INSPECTION_LABELS, InspectionResult
from app.workflows.orders import STATUS_LABELS, OrderKind, OrderStatus
from app.workflows.tasks import TaskKind


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
            complaint = open_on_order(tx, actor, order, ComplaintInput(order.id, data.kind, note, rejected, data.photos),
                              via=_("inspection: {result}").format(result=_(INSPECTION_LABELS[data.result])))
        elif data.rejected:
            complaint_lines(tx, order, data.rejected, errors)
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
