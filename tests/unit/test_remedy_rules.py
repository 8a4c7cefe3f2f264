"""The remedy rules (app.remedy_rule) as tables, no database: what is suggested for each kind of
issue, days late, order value and history; when a shop is flagged for review; and every setting
of the two groups changes what the rules say."""
from decimal import Decimal

import pytest

from app.money import VND, Money
from app.remedy_rule import (CompensationRules, IssueFacts, ReviewThresholds, ShopKpis,
                          compensation_rules_from_settings, getter, review_thresholds_from_settings,
                          shop_review_flags, suggest_remedies)
from app.settings import SETTINGS



def vnd(n) -> Money:
    return Money.of(str(n), VND)


def plan(s) -> dict:
    return {r.kind: (r.amount.amount if r.amount is not None else None) for r in s.remedies}


RULES = CompensationRules()   # grace 2 days, 1 %/day, at most 10 %, priority from 7 days, refund 100 %,
                              # repeat from 2 earlier complaints: +2 %, rounded to 1 000 đồng

@pytest.mark.parametrize("facts, expected", [
    # on time or within the grace: nothing
    (IssueFacts("late", 0, vnd(2_000_000)), {}),
    (IssueFacts("late", 2, vnd(2_000_000)), {}),
    # 5 days late: 3 days past the grace × 1 % of 2 000 000 = 60 000
    (IssueFacts("late", 5, vnd(2_000_000)), {"compensation": Decimal(60_000)}),
    # 7 days: 5 % and priority shipping on the next order
    (IssueFacts("late", 7, vnd(2_000_000)), {"compensation": Decimal(100_000), "priority_shipping": None}),
    # 30 days: capped at 10 %
    (IssueFacts("late", 30, vnd(2_000_000)), {"compensation": Decimal(200_000), "priority_shipping": None}),
    # rounded to 1 000 đồng: 3 % of 1 234 567 = 37 037.01 -> 37 000
    (IssueFacts("late", 5, vnd(1_234_567)), {"compensation": Decimal(37_000)}),
    # damaged goods: the items' value back; on time, no compensation
    (IssueFacts("damaged", 0, vnd(2_000_000), vnd(455_300)), {"refund": Decimal(455_000)}),
    (IssueFacts("wrong_item", 0, vnd(2_000_000), vnd(100_000)), {"refund": Decimal(100_000)}),
    (IssueFacts("missing", 4, vnd(2_000_000), vnd(100_000)), {"refund": Decimal(100_000), "compensation": Decimal(40_000)}),
    # "other" has no goods rule; the items' value is ignored
    (IssueFacts("other", 0, vnd(2_000_000), vnd(100_000)), {}),
    # a repeat case: 2 earlier complaints add 2 % of the order value
    (IssueFacts("other", 0, vnd(2_000_000), None, 2), {"compensation": Decimal(40_000)}),
    (IssueFacts("late", 5, vnd(2_000_000), None, 1), {"compensation": Decimal(60_000)}),
    (IssueFacts("late", 5, vnd(2_000_000), None, 3), {"compensation": Decimal(100_000)}),
    # no order value: no percent of it
    (IssueFacts("late", 8, vnd(0)), {"priority_shipping": None}),
])
def test_suggestions(facts, expected):
    s = suggest_remedies(facts, RULES)
    assert plan(s) == expected
    assert s.reasons                       # every suggestion (or none) says why


@pytest.mark.parametrize("kpis, expected", [
    (ShopKpis(4, 0, 10, 10, 4), []),                                     # too few orders to judge
    (ShopKpis(10, 9, 100, 5, 0), []),                                    # 90 % on time, 5 % short: fine
    (ShopKpis(10, 7, 100, 5, 0), [("on_time_rate", Decimal("70.0"))]),
    (ShopKpis(10, 10, 100, 6, 0), [("short_rate", Decimal("6.0"))]),
    (ShopKpis(10, 10, 0, 0, 1), [("complaint_rate", Decimal("10.0"))]),        # 1 per 10 orders = 10 per 100
    (ShopKpis(3, 1, 8, 1, 1), []),
    (ShopKpis(5, 1, 8, 1, 1), [("on_time_rate", Decimal("20.0")), ("short_rate", Decimal("12.5")),
                               ("complaint_rate", Decimal("20.0"))]),
])
def test_shop_review_flags(kpis, expected):
    assert [(f.kpi, f.value) for f in shop_review_flags(kpis, ReviewThresholds())] == expected


def test_a_flag_says_which_kpi_its_value_and_the_threshold():
    (flag,) = shop_review_flags(ShopKpis(10, 7, 100, 0, 0), ReviewThresholds())
    text = flag.text()
    assert "70" in text and "80" in text


def _with(key, raw):
    values = {k: s.default for k, s in SETTINGS.items()}
    values[key] = SETTINGS[key].parse(raw)
    return getter(values)


ISSUES = [IssueFacts("late", d, vnd(2_000_000), None, h) for d in (3, 5, 8, 40) for h in (0, 1, 3)] + \
         [IssueFacts("damaged", 0, vnd(2_000_000), vnd(300_000))]
SHOPS = [ShopKpis(n, n * 7 // 10, 100, 6, 1) for n in (2, 5, 20)] + [ShopKpis(10, 9, 100, 3, 0)]

#: a value for each setting that differs from its default enough to change some outcome
CHANGED = {
    "remedies.late_grace_days": "0", "remedies.late_percent_per_day": "2", "remedies.late_max_percent": "3",
    "remedies.priority_after_days": "0", "remedies.goods_refund_percent": "50", "remedies.repeat_complaints": "1",
    "remedies.repeat_extra_percent": "5", "remedies.round_vnd": "1", "shops.review_min_orders": "1",
    "shops.review_on_time_percent": "95", "shops.review_short_percent": "2", "shops.review_complaints_per_100": "50",
}


@pytest.mark.parametrize("key", sorted(CHANGED))
def test_every_rule_setting_changes_what_the_rules_say(key):
    default = getter({k: s.default for k, s in SETTINGS.items()})
    changed = _with(key, CHANGED[key])
    if key.startswith("remedies."):
        before = [plan(suggest_remedies(f, compensation_rules_from_settings(default))) for f in ISSUES]
        after = [plan(suggest_remedies(f, compensation_rules_from_settings(changed))) for f in ISSUES]
        if key == "remedies.round_vnd":
            before = [plan(suggest_remedies(IssueFacts("late", 5, vnd(1_234_567)), compensation_rules_from_settings(default)))]
            after = [plan(suggest_remedies(IssueFacts("late", 5, vnd(1_234_567)), compensation_rules_from_settings(changed)))]
    else:
        before = [shop_review_flags(k, review_thresholds_from_settings(default)) for k in SHOPS]
        after = [shop_review_flags(k, review_thresholds_from_settings(changed)) for k in SHOPS]
    assert before != after


def test_every_setting_of_the_remedy_groups_is_covered_above():
    mine = {k for k in SETTINGS if k.startswith(("remedies.", "shops.review_"))}
    # history_days and review_days choose the window of facts the services gather (service tests)
    assert mine - set(CHANGED) == {"remedies.history_days", "shops.review_days"}
