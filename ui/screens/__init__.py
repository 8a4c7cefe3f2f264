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
    "ui.screens.complaints",    # complaints and seller claims; the order's complaints tab
    "ui.screens.statistics",
)

for _action in (
    CreateAction("new_purchase_order", N_("New purchase order"), Perm.CREATE_ORDERS, "Ctrl+N",
                 "ui.screens.orders:new_purchase_order"),
    CreateAction("new_consignment_order", N_("New consignment order"), Perm.CREATE_ORDERS, "Ctrl+Shift+N",
                 "ui.screens.orders:new_consignment_order"),
    CreateAction("new_customer", N_("New customer"), Perm.EDIT_CUSTOMERS, "Ctrl+Shift+K",
                 "ui.screens.customers:new_customer"),
    CreateAction("station_receive_cn", N_("Receiving station (China)"), Perm.RECEIVE_CN, "F2",
                 "ui.screens.warehouse:open_receive_cn"),
    CreateAction("new_shipment", N_("New shipment"), Perm.PACK_SHIPMENTS, "F4", "ui.screens.warehouse:new_shipment"),
    CreateAction("station_receive_shipments", N_("Receive shipments"), Perm.RECEIVE_VN, "F3",
                 "ui.screens.warehouse:open_receive_shipments"),
    CreateAction("station_receive_returns", N_("Receive returned shipments"), Perm.RECEIVE_CN, "Ctrl+F3",
                 "ui.screens.warehouse:open_receive_returns"),
    CreateAction("new_delivery", N_("New delivery request"), Perm.DELIVER, "F7", "ui.screens.warehouse:new_delivery"),
    CreateAction("station_stocktake", N_("Stocktake"), Perm.STOCKTAKE, "F6", "ui.screens.warehouse:open_stocktake"),
    CreateAction("import_parcels", N_("Import a tracking list…"), Perm.IMPORT_PARCELS, "Ctrl+Shift+I",
                 "ui.screens.warehouse:import_tracking_list"),
    CreateAction("pin_alert", N_("Pin an alert note…"), Perm.PIN_ALERTS, "Ctrl+Shift+L",
                 "ui.screens.warehouse:pin_alert"),
    CreateAction("open_statistics", N_("Statistics"), Perm.VIEW_STATISTICS, "Ctrl+Shift+S",
                 "ui.screens.statistics:open_statistics"),
    CreateAction("open_shop_kpis", N_("Shop KPIs"), Perm.VIEW_VENDOR_KPIS, "Ctrl+Shift+V",
                 "ui.screens.statistics:open_shop_kpis"),
    CreateAction("money_record_topup", N_("Record top-up…"), Perm.RECORD_PAYMENTS, "Ctrl+Shift+T",
                 "ui.screens.money:record_topup"),
    CreateAction("money_exchange_rates", N_("Exchange rates…"), Perm.VIEW_MONEY, "Ctrl+Shift+X",
                 "ui.screens.money:open_exchange_rates"),
    CreateAction("money_books", N_("Money books…"), Perm.VIEW_MONEY, "Ctrl+Shift+B", "ui.screens.money:open_money_books"),
    CreateAction("money_fees", N_("Fees, VIP levels and discount codes…"), Perm.EDIT_FEES, "Ctrl+Shift+F",
                 "ui.screens.money:open_fees"),
):
    register_create(_action)
