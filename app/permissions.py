"""Roles, permissions and the role × permission matrix — data, read by services and the UI.

Services call ``require(actor, Perm.X)`` before they touch anything; the UI reads the same
matrix only to hide what a role cannot do. A user may hold several roles but acts in one at a
time (the role switcher), and it is that active role which is checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.i18n import N_, Lazy


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    CARE = "care"
    ORDERING = "ordering"
    FORWARDER_CN = "forwarder_cn"
    FORWARDER_VN = "forwarder_vn"
    WAREHOUSE_VN = "warehouse_vn"
    ACCOUNTANT = "accountant"
    #: automatic moves (parcels driving orders, timers); never held by a person
    SYSTEM = "system"


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: N_("Administrator"),
    Role.MANAGER: N_("Manager"),
    Role.CARE: N_("Customer care"),
    Role.ORDERING: N_("Ordering staff"),
    Role.FORWARDER_CN: N_("Forwarder (China)"),
    Role.FORWARDER_VN: N_("Forwarder (Vietnam)"),
    Role.WAREHOUSE_VN: N_("Warehouse (Vietnam)"),
    Role.ACCOUNTANT: N_("Accountant"),
    Role.SYSTEM: N_("System"),
}

#: roles a person can be given (SYSTEM is the automation's own)
STAFF_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.SYSTEM)


class Perm(StrEnum):
    # administration
    MANAGE_USERS = "manage_users"
    EDIT_SETTINGS = "edit_settings"
    VIEW_SETTINGS = "view_settings"
    VIEW_ACTIVITY = "view_activity"
    MANAGE_BACKUPS = "manage_backups"
    # tasks
    VIEW_TASKS = "view_tasks"
    ASSIGN_TASKS = "assign_tasks"
    WORK_TASKS = "work_tasks"
    # customers and orders
    VIEW_CUSTOMERS = "view_customers"
    EDIT_CUSTOMERS = "edit_customers"
    VIEW_ORDERS = "view_orders"
    CREATE_ORDERS = "create_orders"
    EDIT_ORDERS = "edit_orders"
    CONFIRM_ORDERS = "confirm_orders"
    CANCEL_ORDERS = "cancel_orders"
    CHAT_INTERNAL = "chat_internal"
    CHAT_CUSTOMER = "chat_customer"
    EXPORT_DATA = "export_data"
    # money and purchasing
    VIEW_MONEY = "view_money"
    RECORD_PAYMENTS = "record_payments"
    APPROVE_PAYMENTS = "approve_payments"
    SET_EXCHANGE_RATES = "set_exchange_rates"
    EDIT_FEES = "edit_fees"
    GRANT_CREDIT = "grant_credit"
    PURCHASE = "purchase"
    APPROVE_BILLS = "approve_bills"
    VIEW_PROFIT = "view_profit"
    # warehouses and shipments
    RECEIVE_CN = "receive_cn"
    MATCH_PARCELS = "match_parcels"
    PACK_SHIPMENTS = "pack_shipments"
    RECEIVE_VN = "receive_vn"
    COUNT_GOODS = "count_goods"
    DELIVER = "deliver"
    STOCKTAKE = "stocktake"
    PIN_ALERTS = "pin_alerts"
    IMPORT_PARCELS = "import_parcels"
    # complaints
    OPEN_COMPLAINTS = "open_complaints"
    HANDLE_COMPLAINTS = "handle_complaints"
    APPROVE_COMPLAINTS = "approve_complaints"
    SELLER_COMPLAINTS = "seller_complaints"
    RECORD_INSPECTIONS = "record_inspections"
    # statistics
    VIEW_STATISTICS = "view_statistics"
    VIEW_VENDOR_KPIS = "view_vendor_kpis"
    VIEW_COMMISSIONS = "view_commissions"


P = Perm
_EVERY_STAFF = {P.VIEW_TASKS, P.WORK_TASKS}

MATRIX: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(_EVERY_STAFF | {
        P.MANAGE_USERS, P.EDIT_SETTINGS, P.VIEW_SETTINGS, P.VIEW_ACTIVITY, P.MANAGE_BACKUPS, P.EDIT_FEES,
        P.VIEW_CUSTOMERS, P.VIEW_ORDERS, P.EXPORT_DATA,
    }),
    Role.MANAGER: frozenset(_EVERY_STAFF | {
        P.VIEW_SETTINGS, P.VIEW_ACTIVITY, P.ASSIGN_TASKS,
        P.VIEW_CUSTOMERS, P.EDIT_CUSTOMERS, P.VIEW_ORDERS, P.CREATE_ORDERS, P.EDIT_ORDERS,
        P.CONFIRM_ORDERS, P.CANCEL_ORDERS, P.CHAT_INTERNAL, P.CHAT_CUSTOMER, P.EXPORT_DATA,
        P.VIEW_MONEY, P.APPROVE_PAYMENTS, P.SET_EXCHANGE_RATES, P.EDIT_FEES, P.GRANT_CREDIT,
        P.APPROVE_BILLS, P.VIEW_PROFIT, P.MATCH_PARCELS, P.PIN_ALERTS,
        P.OPEN_COMPLAINTS, P.HANDLE_COMPLAINTS, P.APPROVE_COMPLAINTS, P.SELLER_COMPLAINTS,
        P.RECORD_INSPECTIONS, P.VIEW_STATISTICS, P.VIEW_COMMISSIONS, P.VIEW_VENDOR_KPIS, P.COUNT_GOODS,
    }),
    Role.CARE: frozenset(_EVERY_STAFF | {
        P.VIEW_CUSTOMERS, P.EDIT_CUSTOMERS, P.VIEW_ORDERS, P.CREATE_ORDERS, P.EDIT_ORDERS,
        P.CANCEL_ORDERS, P.CHAT_INTERNAL, P.CHAT_CUSTOMER, P.EXPORT_DATA,
        P.MATCH_PARCELS, P.PIN_ALERTS, P.OPEN_COMPLAINTS, P.HANDLE_COMPLAINTS, P.RECORD_INSPECTIONS,
    }),
    Role.ORDERING: frozenset(_EVERY_STAFF | {
        P.VIEW_CUSTOMERS, P.VIEW_ORDERS, P.CHAT_INTERNAL, P.CHAT_CUSTOMER, P.PURCHASE,
        P.PIN_ALERTS, P.HANDLE_COMPLAINTS, P.SELLER_COMPLAINTS, P.EXPORT_DATA, P.VIEW_VENDOR_KPIS,
    }),
    Role.FORWARDER_CN: frozenset(_EVERY_STAFF | {
        P.VIEW_ORDERS, P.RECEIVE_CN, P.MATCH_PARCELS, P.PACK_SHIPMENTS, P.STOCKTAKE,
        P.PIN_ALERTS, P.IMPORT_PARCELS,
    }),
    Role.FORWARDER_VN: frozenset(_EVERY_STAFF | {
        P.VIEW_ORDERS, P.RECEIVE_VN, P.STOCKTAKE, P.PIN_ALERTS, P.PACK_SHIPMENTS,
    }),
    Role.WAREHOUSE_VN: frozenset(_EVERY_STAFF | {
        P.VIEW_CUSTOMERS, P.VIEW_ORDERS, P.DELIVER, P.STOCKTAKE, P.PIN_ALERTS,
        P.OPEN_COMPLAINTS, P.PACK_SHIPMENTS, P.COUNT_GOODS,
    }),
    Role.ACCOUNTANT: frozenset(_EVERY_STAFF | {
        P.VIEW_CUSTOMERS, P.VIEW_ORDERS, P.VIEW_MONEY, P.RECORD_PAYMENTS, P.APPROVE_PAYMENTS,
        P.EXPORT_DATA, P.VIEW_COMMISSIONS, P.VIEW_PROFIT, P.VIEW_STATISTICS,
    }),
    Role.SYSTEM: frozenset(Perm),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in person in one of their roles, or the system itself."""

    user_id: int | None
    name: str
    role: Role
    roles: frozenset[Role] = field(default_factory=frozenset)
    warehouse_id: int | None = None
    language: str = "vi"

    def can(self, perm: Perm) -> bool:
        return perm in MATRIX.get(self.role, frozenset())

    def as_role(self, role: Role) -> "Actor":
        if role not in self.roles:
            raise ValueError(f"{self.name} does not hold the role {role}")
        return Actor(self.user_id, self.name, role, self.roles, self.warehouse_id, self.language)


SYSTEM_ACTOR = Actor(None, "system", Role.SYSTEM, frozenset({Role.SYSTEM}))

PERM_LABELS: dict[Perm, str] = {
    P.MANAGE_USERS: N_("manage users and roles"),
    P.EDIT_SETTINGS: N_("change system settings"),
    P.VIEW_SETTINGS: N_("view system settings"),
    P.VIEW_ACTIVITY: N_("view the activity log"),
    P.MANAGE_BACKUPS: N_("back up and restore the database"),
    P.VIEW_TASKS: N_("view tasks"),
    P.ASSIGN_TASKS: N_("assign tasks"),
    P.WORK_TASKS: N_("work on tasks"),
    P.VIEW_CUSTOMERS: N_("view customers"),
    P.EDIT_CUSTOMERS: N_("edit customers"),
    P.VIEW_ORDERS: N_("view orders"),
    P.CREATE_ORDERS: N_("create orders"),
    P.EDIT_ORDERS: N_("edit orders"),
    P.CONFIRM_ORDERS: N_("confirm orders and assign staff"),
    P.CANCEL_ORDERS: N_("cancel orders"),
    P.CHAT_INTERNAL: N_("write in the internal chat"),
    P.CHAT_CUSTOMER: N_("write to the customer"),
    P.EXPORT_DATA: N_("export data"),
    P.VIEW_MONEY: N_("view money books and wallets"),
    P.RECORD_PAYMENTS: N_("record top-ups and refunds"),
    P.APPROVE_PAYMENTS: N_("approve large transactions"),
    P.SET_EXCHANGE_RATES: N_("set exchange rates"),
    P.EDIT_FEES: N_("edit fee tables, VIP levels and discount codes"),
    P.GRANT_CREDIT: N_("grant credit limits"),
    P.PURCHASE: N_("place shop orders"),
    P.APPROVE_BILLS: N_("approve bills and refunds"),
    P.VIEW_PROFIT: N_("view profit"),
    P.RECEIVE_CN: N_("receive parcels in China"),
    P.MATCH_PARCELS: N_("match ownerless parcels"),
    P.PACK_SHIPMENTS: N_("pack and dispatch shipments"),
    P.RECEIVE_VN: N_("receive shipments in Vietnam"),
    P.COUNT_GOODS: N_("count the goods received in Vietnam"),
    P.DELIVER: N_("deliver to customers"),
    P.STOCKTAKE: N_("run stocktakes"),
    P.PIN_ALERTS: N_("pin alert notes"),
    P.IMPORT_PARCELS: N_("import parcel lists"),
    P.OPEN_COMPLAINTS: N_("open complaints"),
    P.HANDLE_COMPLAINTS: N_("handle complaints"),
    P.APPROVE_COMPLAINTS: N_("approve complaint plans"),
    P.SELLER_COMPLAINTS: N_("complain to sellers"),
    P.RECORD_INSPECTIONS: N_("record the customer's inspection"),
    P.VIEW_STATISTICS: N_("view statistics"),
    P.VIEW_VENDOR_KPIS: N_("view shop KPIs"),
    P.VIEW_COMMISSIONS: N_("view commissions"),
}


def require(actor: Actor, perm: Perm) -> None:
    """Refuse, with a message naming the role and the action, unless the matrix allows it."""
    if not actor.can(perm):
        from app.errors import PermissionDenied

        raise PermissionDenied(role=Lazy(ROLE_LABELS[actor.role]), what=Lazy(PERM_LABELS[perm]))
