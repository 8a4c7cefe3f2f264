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


_EVERY_STAFF = {Perm.VIEW_TASKS, Perm.WORK_TASKS}

MATRIX: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(_EVERY_STAFF | {
        Perm.MANAGE_USERS, Perm.EDIT_SETTINGS, Perm.VIEW_SETTINGS, Perm.VIEW_ACTIVITY, Perm.MANAGE_BACKUPS, Perm.EDIT_FEES,
        Perm.VIEW_CUSTOMERS, Perm.VIEW_ORDERS, Perm.EXPORT_DATA,
    }),
    Role.MANAGER: frozenset(_EVERY_STAFF | {
        Perm.VIEW_SETTINGS, Perm.VIEW_ACTIVITY, Perm.ASSIGN_TASKS,
        Perm.VIEW_CUSTOMERS, Perm.EDIT_CUSTOMERS, Perm.VIEW_ORDERS, Perm.CREATE_ORDERS, Perm.EDIT_ORDERS,
        Perm.CONFIRM_ORDERS, Perm.CANCEL_ORDERS, Perm.CHAT_INTERNAL, Perm.CHAT_CUSTOMER, Perm.EXPORT_DATA,
        Perm.VIEW_MONEY, Perm.APPROVE_PAYMENTS, Perm.SET_EXCHANGE_RATES, Perm.EDIT_FEES, Perm.GRANT_CREDIT,
        Perm.APPROVE_BILLS, Perm.VIEW_PROFIT, Perm.MATCH_PARCELS, Perm.PIN_ALERTS,
        Perm.OPEN_COMPLAINTS, Perm.HANDLE_COMPLAINTS, Perm.APPROVE_COMPLAINTS, Perm.SELLER_COMPLAINTS,
        Perm.RECORD_INSPECTIONS, Perm.VIEW_STATISTICS, Perm.VIEW_COMMISSIONS, Perm.VIEW_VENDOR_KPIS, Perm.COUNT_GOODS,
    }),
    Role.CARE: frozenset(_EVERY_STAFF | {
        Perm.VIEW_CUSTOMERS, Perm.EDIT_CUSTOMERS, Perm.VIEW_ORDERS, Perm.CREATE_ORDERS, Perm.EDIT_ORDERS,
        Perm.CANCEL_ORDERS, Perm.CHAT_INTERNAL, Perm.CHAT_CUSTOMER, Perm.EXPORT_DATA,
        Perm.MATCH_PARCELS, Perm.PIN_ALERTS, Perm.OPEN_COMPLAINTS, Perm.HANDLE_COMPLAINTS, Perm.RECORD_INSPECTIONS,
    }),
    Role.ORDERING: frozenset(_EVERY_STAFF | {
        Perm.VIEW_CUSTOMERS, Perm.VIEW_ORDERS, Perm.CHAT_INTERNAL, Perm.CHAT_CUSTOMER, Perm.PURCHASE,
        Perm.PIN_ALERTS, Perm.HANDLE_COMPLAINTS, Perm.SELLER_COMPLAINTS, Perm.EXPORT_DATA, Perm.VIEW_VENDOR_KPIS,
    }),
    Role.FORWARDER_CN: frozenset(_EVERY_STAFF | {
        Perm.VIEW_ORDERS, Perm.RECEIVE_CN, Perm.MATCH_PARCELS, Perm.PACK_SHIPMENTS, Perm.STOCKTAKE,
        Perm.PIN_ALERTS, Perm.IMPORT_PARCELS,
    }),
    Role.FORWARDER_VN: frozenset(_EVERY_STAFF | {
        Perm.VIEW_ORDERS, Perm.RECEIVE_VN, Perm.STOCKTAKE, Perm.PIN_ALERTS, Perm.PACK_SHIPMENTS,
    }),
    Role.WAREHOUSE_VN: frozenset(_EVERY_STAFF | {
        Perm.VIEW_CUSTOMERS, Perm.VIEW_ORDERS, Perm.DELIVER, Perm.STOCKTAKE, Perm.PIN_ALERTS,
        Perm.OPEN_COMPLAINTS, Perm.PACK_SHIPMENTS, Perm.COUNT_GOODS,
    }),
    Role.ACCOUNTANT: frozenset(_EVERY_STAFF | {
        Perm.VIEW_CUSTOMERS, Perm.VIEW_ORDERS, Perm.VIEW_MONEY, Perm.RECORD_PAYMENTS, Perm.APPROVE_PAYMENTS,
        Perm.EXPORT_DATA, Perm.VIEW_COMMISSIONS, Perm.VIEW_PROFIT, Perm.VIEW_STATISTICS,
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
    Perm.MANAGE_USERS: N_("manage users and roles"),
    Perm.EDIT_SETTINGS: N_("change system settings"),
    Perm.VIEW_SETTINGS: N_("view system settings"),
    Perm.VIEW_ACTIVITY: N_("view the activity log"),
    Perm.MANAGE_BACKUPS: N_("back up and restore the database"),
    Perm.VIEW_TASKS: N_("view tasks"),
    Perm.ASSIGN_TASKS: N_("assign tasks"),
    Perm.WORK_TASKS: N_("work on tasks"),
    Perm.VIEW_CUSTOMERS: N_("view customers"),
    Perm.EDIT_CUSTOMERS: N_("edit customers"),
    Perm.VIEW_ORDERS: N_("view orders"),
    Perm.CREATE_ORDERS: N_("create orders"),
    Perm.EDIT_ORDERS: N_("edit orders"),
    Perm.CONFIRM_ORDERS: N_("confirm orders and assign staff"),
    Perm.CANCEL_ORDERS: N_("cancel orders"),
    Perm.CHAT_INTERNAL: N_("write in the internal chat"),
    Perm.CHAT_CUSTOMER: N_("write to the customer"),
    Perm.EXPORT_DATA: N_("export data"),
    Perm.VIEW_MONEY: N_("view money books and wallets"),
    Perm.RECORD_PAYMENTS: N_("record top-ups and refunds"),
    Perm.APPROVE_PAYMENTS: N_("approve large transactions"),
    Perm.SET_EXCHANGE_RATES: N_("set exchange rates"),
    Perm.EDIT_FEES: N_("edit fee tables, VIP levels and discount codes"),
    Perm.GRANT_CREDIT: N_("grant credit limits"),
    Perm.PURCHASE: N_("place shop orders"),
    Perm.APPROVE_BILLS: N_("approve bills and refunds"),
    Perm.VIEW_PROFIT: N_("view profit"),
    Perm.RECEIVE_CN: N_("receive parcels in China"),
    Perm.MATCH_PARCELS: N_("match ownerless parcels"),
    Perm.PACK_SHIPMENTS: N_("pack and dispatch shipments"),
    Perm.RECEIVE_VN: N_("receive shipments in Vietnam"),
    Perm.COUNT_GOODS: N_("count the goods received in Vietnam"),
    Perm.DELIVER: N_("deliver to customers"),
    Perm.STOCKTAKE: N_("run stocktakes"),
    Perm.PIN_ALERTS: N_("pin alert notes"),
    Perm.IMPORT_PARCELS: N_("import parcel lists"),
    Perm.OPEN_COMPLAINTS: N_("open complaints"),
    Perm.HANDLE_COMPLAINTS: N_("handle complaints"),
    Perm.APPROVE_COMPLAINTS: N_("approve complaint plans"),
    Perm.SELLER_COMPLAINTS: N_("complain to sellers"),
    Perm.RECORD_INSPECTIONS: N_("record the customer's inspection"),
    Perm.VIEW_STATISTICS: N_("view statistics"),
    Perm.VIEW_VENDOR_KPIS: N_("view shop KPIs"),
    Perm.VIEW_COMMISSIONS: N_("view commissions"),
}


def require(actor: Actor, perm: Perm) -> None:
    """Refuse, with a message naming the role and the action, unless the matrix allows it."""
    if not actor.can(perm):
        from app.errors import PermissionDenied

        raise PermissionDenied(role=Lazy(ROLE_LABELS[actor.role]), what=Lazy(PERM_LABELS[perm]))
