"""Remedies that fit (seed 003): the rules, as pure functions of facts and settings (no database).

* ``suggest_remedies`` — what to offer a customer for a complaint or a delay: the kind of issue,
  the days past the committed delivery date, the order's value and how many complaints the
  customer made before decide a refund, a compensation and/or "priority shipping on the next
  order". Staff accept the suggestion in the plan dialog or change it; nothing is decided here.
* ``shop_review_flags`` — a shop whose KPIs fall under the company's thresholds (on-time rate,
  short-ship rate, complaints per 100 shop orders) is flagged for review, with which KPI and its
  value; the ordering screen and the shop KPI report both ask this rule.

Every threshold is a setting (``app.settings``, group "Remedies" and "Shop review"); the
``*_from_settings`` functions are the one place each of those settings is read.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Mapping

from app.i18n import N_, _, fmt_money, fmt_percent
from app.money import VND, Money
from app.workflows.complaints import ComplaintKind, RemedyKind

ZERO = Decimal(0)
HUNDRED = Decimal(100)
#: complaints about the goods themselves: the items' value is given back
GOODS_KINDS = frozenset({ComplaintKind.WRONG_ITEM.value, ComplaintKind.MISSING.value, ComplaintKind.DAMAGED.value})


# == compensation ================================================================================

@dataclass(frozen=True)
class CompensationRules:
    late_grace_days: int = 2                    # days late that earn nothing
    late_percent_per_day: Decimal = Decimal(1)  # % of the order value per day past the grace
    late_max_percent: Decimal = Decimal(10)     # at most this % of the order value for lateness
    priority_after_days: int = 7                # this late or more: priority shipping next time
    goods_refund_percent: Decimal = HUNDRED     # % of the complained items' value refunded
    repeat_complaints: int = 2                  # earlier complaints that make a repeat case
    repeat_extra_percent: Decimal = Decimal(2)  # extra compensation (% of the order value)
    round_vnd: int = 1000                       # amounts rounded to this many đồng


@dataclass(frozen=True)
class IssueFacts:
    kind: str                            # ComplaintKind value ("late" for a delay)
    days_late: int                       # whole days past the committed delivery date (0: on time)
    order_value: Money                   # VND: what the order was charged (or its goods' value)
    items_value: Money | None = None     # VND: the complained items' value, if known
    earlier_complaints: int = 0          # the customer's complaints before this one (history window)


@dataclass(frozen=True)
class SuggestedRemedy:
    kind: str                            # RemedyKind value
    amount: Money | None                 # VND, for money remedies


@dataclass(frozen=True)
class Suggestion:
    remedies: tuple[SuggestedRemedy, ...]
    reasons: tuple[str, ...]             # why, one line per rule that applied (reader's language)

    def remedy(self, kind: str) -> SuggestedRemedy | None:
        return next((r for r in self.remedies if r.kind == kind), None)


def _round(amount: Decimal, step: int) -> Money:
    if step <= 1:
        return Money(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP), VND)
    return Money((amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step, VND)


def suggest_remedies(facts: IssueFacts, rules: CompensationRules) -> Suggestion:
    """The remedies the rules propose for one issue; an empty tuple when none applies."""
    refund = compensation = ZERO
    reasons: list[str] = []
    priority = False
    value = facts.order_value.amount if facts.order_value.currency == VND else ZERO
    if facts.kind in GOODS_KINDS and facts.items_value is not None and not facts.items_value.is_zero():
        refund = facts.items_value.amount * rules.goods_refund_percent / HUNDRED
        reasons.append(_("Goods complaint: {percent} of the items' value {value} is refunded.").format(
            percent=fmt_percent(rules.goods_refund_percent), value=fmt_money(facts.items_value)))
    over = facts.days_late - rules.late_grace_days
    if over > 0 and value > 0:
        pct = min(rules.late_percent_per_day * over, rules.late_max_percent)
        compensation += value * pct / HUNDRED
        reasons.append(_("{days} days late ({over} past the {grace} days' grace): {percent} of the order "
                         "value {value}.").format(days=facts.days_late, over=over, grace=rules.late_grace_days,
                                                  percent=fmt_percent(pct), value=fmt_money(facts.order_value)))
    if facts.days_late >= rules.priority_after_days > 0:
        priority = True
        reasons.append(_("{days} days late (from {limit} days): priority shipping on the next order.").format(
            days=facts.days_late, limit=rules.priority_after_days))
    if rules.repeat_complaints > 0 and facts.earlier_complaints >= rules.repeat_complaints and value > 0 \
            and rules.repeat_extra_percent > 0:
        compensation += value * rules.repeat_extra_percent / HUNDRED
        reasons.append(_("The customer complained {n} times before: {percent} of the order value extra.").format(
            n=facts.earlier_complaints, percent=fmt_percent(rules.repeat_extra_percent)))
    out: list[SuggestedRemedy] = []
    if refund > 0:
        out.append(SuggestedRemedy(RemedyKind.REFUND.value, _round(refund, rules.round_vnd)))
    if compensation > 0:
        amount = _round(compensation, rules.round_vnd)
        if not amount.is_zero():
            out.append(SuggestedRemedy(RemedyKind.COMPENSATION.value, amount))
    if priority:
        out.append(SuggestedRemedy(RemedyKind.PRIORITY_SHIPPING.value, None))
    if not out:
        reasons.append(_("No rule proposes a remedy for this issue."))
    return Suggestion(tuple(out), tuple(reasons))


def compensation_rules_from_settings(get: Callable[[str], Any]) -> CompensationRules:
    return CompensationRules(
        late_grace_days=int(get("remedies.late_grace_days")),
        late_percent_per_day=Decimal(get("remedies.late_percent_per_day")),
        late_max_percent=Decimal(get("remedies.late_max_percent")),
        priority_after_days=int(get("remedies.priority_after_days")),
        goods_refund_percent=Decimal(get("remedies.goods_refund_percent")),
        repeat_complaints=int(get("remedies.repeat_complaints")),
        repeat_extra_percent=Decimal(get("remedies.repeat_extra_percent")),
        round_vnd=int(get("remedies.round_vnd")))


def complaint_history_days(get: Callable[[str], Any]) -> int:
    """How far back the customer's earlier complaints are counted."""
    return int(get("remedies.history_days"))


# == shops flagged for review ====================================================================

#: KPI key -> its name (as the shop KPI report calls it)
KPI_LABELS: dict[str, str] = {
    "on_time_rate": N_("Shipped on time (%)"),
    "short_rate": N_("Items short (%)"),
    "complaint_rate": N_("Complaints per 100 shop orders"),
}


@dataclass(frozen=True)
class ReviewThresholds:
    min_orders: int = 5                          # fewer shop orders: too few to judge
    on_time_percent: Decimal = Decimal(80)       # under this on-time rate: review
    short_percent: Decimal = Decimal(5)          # over this share of items short: review
    complaints_per_100: Decimal = Decimal(5)     # over this many complaints per 100 orders: review


@dataclass(frozen=True)
class ShopKpis:
    shop_orders: int
    on_time: int
    items: int
    short: int
    complaints: int


@dataclass(frozen=True)
class ReviewFlag:
    kpi: str                 # a KPI_LABELS key
    value: Decimal           # the shop's figure, in percent (or per 100 orders)
    threshold: Decimal

    def text(self) -> str:
        if self.kpi == "on_time_rate":
            return _("{kpi} {value} is under {threshold}").format(
                kpi=_(KPI_LABELS[self.kpi]), value=fmt_percent(self.value), threshold=fmt_percent(self.threshold))
        return _("{kpi} {value} is over {threshold}").format(
            kpi=_(KPI_LABELS[self.kpi]), value=fmt_percent(self.value), threshold=fmt_percent(self.threshold))


def _pct(part: int, whole: int) -> Decimal:
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def shop_review_flags(k: ShopKpis, t: ReviewThresholds) -> tuple[ReviewFlag, ...]:
    """Each KPI on the wrong side of its threshold; nothing for a shop with too few orders."""
    if k.shop_orders <= 0 or k.shop_orders < t.min_orders:
        return ()
    flags = []
    on_time = _pct(k.on_time, k.shop_orders)
    if on_time < t.on_time_percent:
        flags.append(ReviewFlag("on_time_rate", on_time, t.on_time_percent))
    if k.items > 0:
        short = _pct(k.short, k.items)
        if short > t.short_percent:
            flags.append(ReviewFlag("short_rate", short, t.short_percent))
    per_100 = _pct(k.complaints, k.shop_orders)
    if per_100 > t.complaints_per_100:
        flags.append(ReviewFlag("complaint_rate", per_100, t.complaints_per_100))
    return tuple(flags)


def review_thresholds_from_settings(get: Callable[[str], Any]) -> ReviewThresholds:
    return ReviewThresholds(
        min_orders=int(get("shops.review_min_orders")),
        on_time_percent=Decimal(get("shops.review_on_time_percent")),
        short_percent=Decimal(get("shops.review_short_percent")),
        complaints_per_100=Decimal(get("shops.review_complaints_per_100")))


def review_days(get: Callable[[str], Any]) -> int:
    """The days of shop orders the ordering screen judges a shop by."""
    return int(get("shops.review_days"))


def getter(values: Mapping[str, Any]) -> Callable[[str], Any]:
    """A settings mapping (``app.services.settings.load``) as the ``get`` the rules take."""
    from app.settings import SETTINGS

    return lambda key: values.get(key, SETTINGS[key].default)
