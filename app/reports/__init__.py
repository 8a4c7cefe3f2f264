"""Statistics: declared reports (app.reports.base), read through app.reports.reader by the
dashboard, the reports screen and the Excel export alike.

Each capability declares its reports in a module of this package and imports it below (orders,
customers and shops, staff KPIs, money, commissions); warehouse and complaint reports join the
same way.
"""
from app.reports.base import REPORTS, Period, Report  # noqa: F401

# Report modules register themselves; their order here does not matter (Report.order does).
from app.reports import orders, customers, staff, money, commissions, vendors, complaints  # noqa: E402,F401
from app.reports import satisfaction  # noqa: E402,F401  (customer satisfaction, inspection acceptance)
from app.reports import carriers  # noqa: E402,F401  (carriers' bills per month)
