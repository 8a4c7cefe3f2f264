"""The customers' queue (searched by name with or without accents, code or phone)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.i18n import N_
from app.models import Customer, User
from app.permissions import Perm, Role
from app.queries.paging import Column, Queue
from app.queries.queues.registry import CUSTOMER_SEARCH, QUEUES


# -- customers ----------------------------------------------------------------------------------

_cust_care = aliased(User)
QUEUES.add(Queue(
    "customers.all", N_("Customers"), "customer",
    lambda ctx: select(Customer.id.label("id"), Customer.code.label("code"), Customer.name.label("name"),
                       Customer.phone.label("phone"), Customer.email.label("email"),
                       _cust_care.full_name.label("care_staff"), Customer.created_at.label("created_at"))
    .outerjoin(_cust_care, _cust_care.id == Customer.care_staff_id),
    (Column("code", N_("Code"), sortable=True, width=100),
     Column("name", N_("Name"), sortable=True, width=200),
     Column("phone", N_("Phone"), width=130),
     Column("email", N_("E-mail"), width=180),
     Column("care_staff", N_("Customer care"), width=150),
     Column("created_at", N_("Created"), "datetime", sortable=True, width=130)),
    ("created_at", True), frozenset({"customers", "users"}), CUSTOMER_SEARCH,
    perm=Perm.VIEW_CUSTOMERS, hint=N_("Search by name (with or without accents), code or phone.")),
    [Role.CARE, Role.MANAGER, Role.ACCOUNTANT])
