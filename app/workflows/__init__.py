"""Status tables, one module per entity; the generic engine is in ``engine``.

``FLOWS`` maps an entity name (as used in the activity log) to its workflow so the UI and the
meta-tests can find every table in one place.
"""
from app.workflows.engine import Step, Workflow, step
from app.workflows.tasks import TASK_FLOW
from app.workflows.orders import CONSIGNMENT_FLOW, PURCHASE_FLOW
from app.workflows.parcels import PARCEL_FLOW
from app.workflows.shipments import SHIPMENT_FLOW
from app.workflows.deliveries import DELIVERY_FLOW
from app.workflows.money import BILL_FLOW, CARRIER_BILL_FLOW, PAYMENT_FLOW, SHOP_ORDER_FLOW
from app.workflows.complaints import COMPLAINT_FLOW, PLAN_FLOW, SELLER_COMPLAINT_FLOW
from app.workflows.warehouse import CARRIER_CLAIM_FLOW, SEAL_CHECK_FLOW, STOCKTAKE_FLOW
from app.workflows.messages import INBOUND_MAIL_FLOW, OUTBOX_FLOW
from app.workflows.quotes import QUOTE_FLOW

FLOWS: dict[str, Workflow] = {
    "task": TASK_FLOW,
    "order.purchase": PURCHASE_FLOW,
    "order.consignment": CONSIGNMENT_FLOW,
    "parcel": PARCEL_FLOW,
    "shipment": SHIPMENT_FLOW,
    "delivery": DELIVERY_FLOW,
    "shop_order": SHOP_ORDER_FLOW,
    "payment": PAYMENT_FLOW,
    "bill": BILL_FLOW,
    "complaint": COMPLAINT_FLOW,
    "seller_complaint": SELLER_COMPLAINT_FLOW,
    "complaint_plan": PLAN_FLOW,
    "stocktake": STOCKTAKE_FLOW,
    "carrier_claim": CARRIER_CLAIM_FLOW,
    "seal_check": SEAL_CHECK_FLOW,
    "carrier_bill": CARRIER_BILL_FLOW,
    "customer_message": OUTBOX_FLOW,
    "inbound_mail": INBOUND_MAIL_FLOW,
    "quote": QUOTE_FLOW,
}

__all__ = ["FLOWS", "Step", "Workflow", "step", "TASK_FLOW", "PURCHASE_FLOW", "CONSIGNMENT_FLOW",
           "PARCEL_FLOW", "SHIPMENT_FLOW", "DELIVERY_FLOW"]
