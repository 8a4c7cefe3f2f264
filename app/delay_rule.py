"""The delay rule (đơn trễ / dự kiến trễ), a pure function of an order's dates and status.

Each accepted order keeps committed dates (to be shipped by — leaves the China warehouse — and
to be delivered by) and current estimates. An order is

* **delayed** when a committed date has passed before that milestone was reached, or when the
  current estimate is later than the committed date;
* **expecting delay** when it is not delayed yet but the stages it still has to pass, at their
  usual durations, cannot fit before a committed date.

Usual durations come from the company's history (app.services.delays measures them); this
module only does the arithmetic, so it is tested without a database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from app.i18n import N_
from app.workflows.orders import CLOSED, OrderStatus, flow_for


ON_TIME, EXPECTING, DELAYED = "", "expecting", "delayed"
DELAY_STATE_LABELS = {
    ON_TIME: N_("On time"),
    EXPECTING: N_("Expecting delay"),
    DELAYED: N_("Delayed"),
}
#: why an order carries its flag, most serious first
DELAY_REASON_LABELS = {
    "deliver_date_passed": N_("The committed delivery date has passed"),
    "ship_date_passed": N_("The committed shipping date has passed"),
    "deliver_estimate_late": N_("The estimated delivery is later than committed"),
    "ship_estimate_late": N_("The estimated shipping is later than committed"),
    "deliver_forecast_late": N_("The stages left will not fit before the delivery date"),
    "ship_forecast_late": N_("The stages left will not fit before the shipping date"),
}

#: the order has left China once it reaches this status, and is delivered at that one
SHIPPED_AT = OrderStatus.IN_TRANSIT
DELIVERED_AT = OrderStatus.DELIVERED
#: before acceptance there are no commitments; these statuses are never delayed
NOT_COMMITTED = frozenset({OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.DEPOSITED})

UsualDuration = Callable[[str, str], timedelta]   # (order kind, status) -> usual time in it


@dataclass(frozen=True)
class OrderDates:
    kind: str
    status: str
    status_since: datetime
    committed_ship_by: datetime | None
    committed_deliver_by: datetime | None
    estimated_ship_at: datetime | None
    estimated_deliver_at: datetime | None


@dataclass(frozen=True)
class Stage:
    status: str
    usual: timedelta
    #: when the order is expected to leave this status
    ends_at: datetime


@dataclass(frozen=True)
class DelayAssessment:
    state: str                       # ON_TIME, EXPECTING or DELAYED
    reason: str                      # a DELAY_REASON_LABELS key, or ""
    forecast_ship_at: datetime | None
    forecast_deliver_at: datetime | None
    stages: tuple[Stage, ...] = ()

    @property
    def delayed(self) -> bool:
        return self.state == DELAYED

    @property
    def expecting_delay(self) -> bool:
        return self.state == EXPECTING


NOT_TRACKED = DelayAssessment(ON_TIME, "", None, None)


def stages_left(kind: str, status: str) -> list[str]:
    """The statuses the order still has to pass before it is delivered, its current one first.

    Optional side statuses (awaiting approval) count only while the order is in them."""
    flow = flow_for(kind)
    if status not in flow.statuses or status in flow.terminal:
        return []
    line = [s for s in flow.statuses if s not in flow.terminal and s not in (OrderStatus.RECEIVED,)]
    if DELIVERED_AT not in line:
        return []
    here = flow.rank(status)
    return [s for s in line[:line.index(DELIVERED_AT)]
            if flow.rank(s) >= here and (s not in flow.optional or s == status)]


def _reached(kind: str, status: str, milestone: str) -> bool:
    flow = flow_for(kind)
    return status not in flow.terminal and flow.rank(status) >= flow.rank(milestone)


def assess(order: OrderDates, now: datetime, usual: UsualDuration) -> DelayAssessment:
    """Delayed, expecting delay or on time — with the forecast dates and the stages left."""
    if order.status in CLOSED or order.status in NOT_COMMITTED or (
            order.committed_ship_by is None and order.committed_deliver_by is None) or \
            order.status not in flow_for(order.kind).statuses:   # a status this kind never has
        return NOT_TRACKED
    shipped = _reached(order.kind, order.status, SHIPPED_AT)
    delivered = _reached(order.kind, order.status, DELIVERED_AT)
    if delivered:
        return NOT_TRACKED

    # Walk the stages left: the current one only for what is left of its usual time.
    stages: list[Stage] = []
    cursor = now
    forecast_ship = None
    for i, status in enumerate(stages_left(order.kind, order.status)):
        if status == SHIPPED_AT and not shipped:
            forecast_ship = cursor
        length = usual(order.kind, status)
        step = max(length - (now - order.status_since), timedelta(0)) if i == 0 else length
        cursor = cursor + step
        stages.append(Stage(status, length, cursor))
    forecast_deliver = cursor

    c_ship, c_deliver = order.committed_ship_by, order.committed_deliver_by
    e_ship, e_deliver = order.estimated_ship_at, order.estimated_deliver_at
    checks = (
        (DELAYED, "deliver_date_passed", c_deliver is not None and now > c_deliver),
        (DELAYED, "ship_date_passed", not shipped and c_ship is not None and now > c_ship),
        (DELAYED, "deliver_estimate_late", c_deliver is not None and e_deliver is not None
         and e_deliver > c_deliver),
        (DELAYED, "ship_estimate_late", not shipped and c_ship is not None and e_ship is not None
         and e_ship > c_ship),
        (EXPECTING, "deliver_forecast_late", c_deliver is not None and forecast_deliver > c_deliver),
        (EXPECTING, "ship_forecast_late", not shipped and c_ship is not None
         and forecast_ship is not None and forecast_ship > c_ship),
    )
    for state, reason, holds in checks:
        if holds:
            return DelayAssessment(state, reason, forecast_ship, forecast_deliver, tuple(stages))
    return DelayAssessment(ON_TIME, "", forecast_ship, forecast_deliver, tuple(stages))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def time_in_status(events: list[tuple[datetime, str]]) -> list[tuple[str, timedelta]]:
    """From one order's status changes (when, new status) in order: how long each status lasted.

    The last status is still running, so it gives no sample."""
    return [(status, later - at) for (at, status), (later, _next) in zip(events, events[1:])
            if later >= at]
