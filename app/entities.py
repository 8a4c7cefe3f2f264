"""The kinds of record the activity log, tasks and detail views name, with their labels."""
from app.i18n import N_

ENTITY_LABELS: dict[str, str] = {
    "order": N_("Order"),
    "customer": N_("Customer"),
    "user": N_("User"),
    "task": N_("Task"),
    "setting": N_("Setting"),
    "company": N_("Company"),
    "warehouse": N_("Warehouse"),
    "parcel": N_("Parcel"),
    "shipment": N_("Shipment"),
    "shop_order": N_("Shop order"),
    "complaint": N_("Complaint"),
    "activity": N_("Activity"),
    "carrier_bill": N_("Carrier's bill"),
}
