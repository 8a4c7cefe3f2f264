"""The queues' registry: every queue by name and each role's navigation, in the order the
capability modules register (``app.queries.queues.__init__`` imports them), plus what several
capabilities' queues share.
"""
from __future__ import annotations

from app.models import Customer
from app.permissions import STAFF_ROLES
from app.queries.paging import QueueRegistry, Search

QUEUES = QueueRegistry()
ALL_STAFF = STAFF_ROLES
#: the customers' search (name with or without accents, code, phone): the customers' queue, the
#: orders' search through their customer, the customer debts
CUSTOMER_SEARCH = Search(Customer.search_text, "customers_fts")
