"""Every role's queues, declared once: what each lists, its columns, sort, search and filters.

``QUEUES.for_role(role)`` is the left-hand navigation of the main window for that role; the
tests and benchmarks page through the very same declarations.

Like the reports (``app.reports``): the registry is ``registry.py``; each capability declares its
queues in a module of this package with ``QUEUES.add(Queue(...), roles)`` and is imported below.
The order of these imports is the order of each role's navigation.
"""
from app.queries.queues.registry import ALL_STAFF, CUSTOMER_SEARCH, QUEUES  # noqa: F401

from app.queries.queues import tasks, orders, customers, admin  # noqa: E402,F401
from app.queries.queues import warehouse  # noqa: E402,F401  (parcels, sacks, deliveries, stocktakes)
from app.queries.queues import money  # noqa: E402,F401  (money and purchasing)
from app.queries.queues import notify  # noqa: E402,F401  (overdue tasks, delays, outbox)
from app.queries.queues import complaints  # noqa: E402,F401  (complaints, claims against sellers)
