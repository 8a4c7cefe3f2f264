"""Remote operations of CNY lots: what each order's yuan really cost (see app.remote.decl)."""
from __future__ import annotations

from app.services import cny_lots


def declare(add) -> None:
    add("cny_lots.order_result", cny_lots.order_currency_result)
    add("cny_lots.report", cny_lots.lots_report)
