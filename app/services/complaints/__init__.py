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

The package, by job: ``common`` (inputs, constants, the shared checks), ``lifecycle`` (opening,
contacts, the plan proposed / approved / rejected, dismissed or withdrawn), ``execution``
(carrying the approved plan out), ``inspections`` (the customer's inspection), ``views`` (what
the screens read) and ``suggestions`` (what the rules in settings propose). Callers use the
names re-exported here: ``from app.services import complaints; complaints.open_complaint(...)``.
"""
from app.services.complaints.common import (CHANNELS, CS, MAX_AMOUNT, PARTIES, RETURNABLE, ComplaintInput,
                                            InspectionInput, LineInput, RemedyInput, has_open_complaint)
from app.services.complaints.execution import ExecutionResult, execute_plan
from app.services.complaints.inspections import InspectionOutcome, record_inspection
from app.services.complaints.lifecycle import (add_photos, approve_plan, dismiss_complaint, open_complaint,
                                               propose_plan, record_contact, reject_plan, store_photos,
                                               withdraw_complaint)
from app.services.complaints.suggestions import suggest_for_complaint
from app.services.complaints.views import (ComplaintChoices, ComplaintSummary, ComplaintView, ContactView, FileView,
                                           InspectionView, ItemChoice, LineView, ParcelChoice, PlanView, RemedyView,
                                           complaint_choices, complaints_of_order, get_complaint,
                                           inspections_of_order, read_photo)

__all__ = [
    "CHANNELS", "CS", "MAX_AMOUNT", "PARTIES", "RETURNABLE", "ComplaintInput", "InspectionInput", "LineInput",
    "RemedyInput", "has_open_complaint",
    "ExecutionResult", "execute_plan",
    "InspectionOutcome", "record_inspection",
    "add_photos", "approve_plan", "dismiss_complaint", "open_complaint", "propose_plan", "record_contact",
    "reject_plan", "store_photos", "withdraw_complaint",
    "suggest_for_complaint",
    "ComplaintChoices", "ComplaintSummary", "ComplaintView", "ContactView", "FileView", "InspectionView",
    "ItemChoice", "LineView", "ParcelChoice", "PlanView", "RemedyView", "complaint_choices", "complaints_of_order",
    "get_complaint", "inspections_of_order", "read_photo",
]
