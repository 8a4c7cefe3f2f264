"""Capability screens, declared without importing them.

Importing this package is cheap: it names the modules that hold each capability's windows (each
registers its windows, order tabs and order commands when imported) and the "New …" actions the
main window's toolbar and File menu offer, each by the "module:function" that runs it. The modules
themselves are imported when first needed (see ``ui.windows.registry``), so the main window is on
screen before they are.
"""
from app.i18n import N_
from app.permissions import Perm
from ui.windows.registry import CreateAction, declare_capabilities, register_create

declare_capabilities(
    "ui.screens.orders",        # the order window
    "ui.screens.customers",     # the customer window
    "ui.screens.warehouse",     # parcels, shipments, deliveries, stocktakes; the order's parcels tab
    "ui.screens.money",         # wallets, payments, bills, shop orders; the order's money tab
    "ui.screens.notify",        # tasks, outbox messages; the order's schedule tab
    "ui.screens.complaints",    # customer complaints: the complaint window, "Open complaint…"
    "ui.screens.order_complaints",  # the order's complaints tab; the customer's inspection
    "ui.screens.seller_complaints",  # claims against sellers: their window, "Claim from a seller…"
    "ui.screens.item_counts",   # counting the goods in Vietnam; the order's "Count the goods…"
    "ui.screens.remedies",      # the order's "Change committed date…"; suggestions, shop review flags
    "ui.screens.quotes",        # the order's quotes tab and "Send quote…"
    "ui.screens.statistics",
    "ui.screens.customer_mail",  # the customer chat by e-mail: "Check mail now", "Record rating…"
    "ui.screens.carrier_bills", # carriers' bills; a dispute task opens its bill
)

#: the toolbar's and File menu's "New …" actions: objectName, label, permission, shortcut, and
#: the "module:function" under ui.screens that runs it (session, parent)
ACTIONS = (
    ("new_purchase_order", N_("New purchase order"), Perm.CREATE_ORDERS, "Ctrl+N", "orders:new_purchase_order"),
    ("new_consignment_order", N_("New consignment order"), Perm.CREATE_ORDERS, "Ctrl+Shift+N",
     "orders:new_consignment_order"),
    ("new_customer", N_("New customer"), Perm.EDIT_CUSTOMERS, "Ctrl+Shift+K", "customers:new_customer"),
    ("station_receive_cn", N_("Receiving station (China)"), Perm.RECEIVE_CN, "F2", "warehouse:open_receive_cn"),
    ("new_shipment", N_("New shipment"), Perm.PACK_SHIPMENTS, "F4", "warehouse:new_shipment"),
    ("station_receive_shipments", N_("Receive shipments"), Perm.RECEIVE_VN, "F3",
     "warehouse:open_receive_shipments"),
    ("station_receive_returns", N_("Receive returned shipments"), Perm.RECEIVE_CN, "Ctrl+F3",
     "warehouse:open_receive_returns"),
    ("new_delivery", N_("New delivery request"), Perm.DELIVER, "F7", "warehouse:new_delivery"),
    ("station_stocktake", N_("Stocktake"), Perm.STOCKTAKE, "F6", "warehouse:open_stocktake"),
    ("import_parcels", N_("Import a tracking list…"), Perm.IMPORT_PARCELS, "Ctrl+Shift+I",
     "parcel_import:import_tracking_list"),
    ("pin_alert", N_("Pin an alert note…"), Perm.PIN_ALERTS, "Ctrl+Shift+L", "warehouse:pin_alert"),
    ("new_task", N_("New task…"), Perm.ASSIGN_TASKS, "Ctrl+Shift+J", "task_window:new_task"),
    ("open_statistics", N_("Statistics"), Perm.VIEW_STATISTICS, "Ctrl+Shift+S", "statistics:open_statistics"),
    ("open_shop_kpis", N_("Shop KPIs"), Perm.VIEW_VENDOR_KPIS, "Ctrl+Shift+V", "statistics:open_shop_kpis"),
    ("money_record_topup", N_("Record top-up…"), Perm.RECORD_PAYMENTS, "Ctrl+Shift+T", "money:record_topup"),
    ("money_exchange_rates", N_("Exchange rates…"), Perm.VIEW_MONEY, "Ctrl+Shift+X", "money:open_exchange_rates"),
    ("money_books", N_("Money books…"), Perm.VIEW_MONEY, "Ctrl+Shift+B", "money:open_money_books"),
    ("money_fees", N_("Fees, VIP levels and discount codes…"), Perm.EDIT_FEES, "Ctrl+Shift+F", "money:open_fees"),
    ("customer_mailbox", N_("Customers' e-mails…"), Perm.CHAT_CUSTOMER, "Ctrl+Shift+M", "customer_mail:open_mailbox"),
    ("carrier_bills", N_("Carriers' bills…"), Perm.APPROVE_PAYMENTS, "Ctrl+Alt+B", "carrier_bills:open_carrier_bills"),
)
#: the toolbar shows one button per kind of action (its first action for the role, the others
#: under its arrow), so a role holding many still fits a 1366-pixel screen
GROUPS = {"new_purchase_order": "new", "new_consignment_order": "new", "new_customer": "new",
          "pin_alert": "new", "new_task": "new", "station_receive_cn": "warehouse", "new_shipment": "warehouse",
          "station_receive_shipments": "warehouse", "station_receive_returns": "warehouse",
          "new_delivery": "warehouse", "station_stocktake": "warehouse", "import_parcels": "warehouse",
          "open_statistics": "reports", "open_shop_kpis": "reports", "money_record_topup": "money",
          "money_exchange_rates": "money", "money_books": "money", "money_fees": "money",
          "customer_mailbox": "new", "carrier_bills": "money"}
for _name, _label, _perm, _key, _target in ACTIONS:
    register_create(CreateAction(_name, _label, _perm, _key, f"ui.screens.{_target}", GROUPS.get(_name, "")))
