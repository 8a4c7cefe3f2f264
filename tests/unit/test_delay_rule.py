"""The delay rule on its own: delayed, expecting delay or on time, from dates and usual durations."""
from datetime import datetime, timedelta, timezone

from app.delay_rule import (DELAYED, EXPECTING, ON_TIME, OrderDates, assess, median, stages_left,
                        time_in_status)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def usual_days(**days):
    """Usual durations in days per status (1 day for anything not named)."""
    return lambda kind, status: timedelta(days=days.get(status, 1))


def order(status="accepted", since=NOW, ship=NOW + 7 * DAY, deliver=NOW + 15 * DAY, est_ship=None,
          est_deliver=None, kind="purchase"):
    return OrderDates(kind, status, since, ship, deliver, est_ship or ship, est_deliver or deliver)


def test_an_order_with_time_to_spare_is_on_time_and_forecast_from_the_stages_left():
    # accepted, purchasing, purchased, seller shipped, in CN warehouse: 5 days to leave China;
    # then transit, VN warehouse, delivering: 8 days to the customer.
    a = assess(order(), NOW, usual_days())
    assert a.state == ON_TIME and a.reason == ""
    assert a.forecast_ship_at == NOW + 5 * DAY
    assert a.forecast_deliver_at == NOW + 8 * DAY
    assert [s.status for s in a.stages] == ["accepted", "purchasing", "purchased", "seller_shipped",
                                            "in_cn_warehouse", "in_transit", "awaiting_delivery",
                                            "delivering"]


def test_a_passed_committed_delivery_date_makes_the_order_delayed():
    a = assess(order("in_transit", deliver=NOW - timedelta(hours=1)), NOW, usual_days())
    assert a.state == DELAYED and a.reason == "deliver_date_passed"


def test_a_passed_shipping_date_counts_only_until_the_order_has_left_china():
    late_ship = NOW - timedelta(hours=2)
    assert assess(order("in_cn_warehouse", ship=late_ship), NOW, usual_days()).reason == "ship_date_passed"
    assert assess(order("in_transit", ship=late_ship), NOW, usual_days()).state == ON_TIME


def test_an_estimate_later_than_the_commitment_makes_the_order_delayed():
    a = assess(order("purchased", est_deliver=NOW + 16 * DAY), NOW, usual_days())
    assert a.state == DELAYED and a.reason == "deliver_estimate_late"
    a = assess(order("purchased", est_ship=NOW + 8 * DAY), NOW, usual_days())
    assert a.state == DELAYED and a.reason == "ship_estimate_late"


def test_stages_that_cannot_fit_before_the_committed_date_mean_expecting_delay():
    # Still being bought with 1 day to the shipping date, buying and shipping usually take 5 days.
    a = assess(order("purchasing", ship=NOW + DAY, deliver=NOW + 30 * DAY), NOW, usual_days())
    assert a.state == EXPECTING and a.reason == "ship_forecast_late"
    # Transit usually takes 6 days, 3 are left to the delivery date.
    a = assess(order("in_transit", deliver=NOW + 3 * DAY), NOW, usual_days(in_transit=6))
    assert a.state == EXPECTING and a.reason == "deliver_forecast_late"


def test_time_already_spent_in_the_current_status_counts_against_its_usual_duration():
    # In transit for 5 of its usual 6 days: 1 + 1 + 1 days left.
    a = assess(order("in_transit", since=NOW - 5 * DAY, deliver=NOW + 3 * DAY), NOW, usual_days(in_transit=6))
    assert a.state == ON_TIME and a.forecast_deliver_at == NOW + 3 * DAY
    # Stuck longer than usual: the stage is assumed to end now, never in the past.
    a = assess(order("in_transit", since=NOW - 9 * DAY, deliver=NOW + 3 * DAY), NOW, usual_days(in_transit=6))
    assert a.forecast_deliver_at == NOW + 2 * DAY


def test_delayed_wins_over_expecting_and_the_delivery_date_over_the_shipping_date():
    a = assess(order("purchasing", ship=NOW - DAY, deliver=NOW - timedelta(minutes=1)), NOW, usual_days())
    assert a.state == DELAYED and a.reason == "deliver_date_passed"


def test_orders_without_commitments_delivered_or_closed_carry_no_flag():
    for status in ("draft", "new", "deposited", "delivered", "received", "cancelled", "lost"):
        a = assess(order(status, deliver=NOW - DAY), NOW, usual_days())
        assert a.state == ON_TIME and a.forecast_deliver_at is None, status
    assert assess(order(ship=None, deliver=None), NOW, usual_days()).state == ON_TIME
    # a status the kind of order never has (bad imported data) is left alone, not a crash
    assert assess(order("seller_shipped", kind="consignment"), NOW, usual_days()).state == ON_TIME


def test_approval_counts_only_for_an_order_waiting_for_it_and_consignments_skip_purchasing():
    assert stages_left("purchase", "awaiting_approval")[:2] == ["awaiting_approval", "accepted"]
    assert "awaiting_approval" not in stages_left("purchase", "accepted")
    assert stages_left("consignment", "accepted") == ["accepted", "in_cn_warehouse", "in_transit",
                                                      "awaiting_delivery", "delivering"]


def test_time_in_status_pairs_each_change_with_the_next_and_the_median_is_the_middle():
    events = [(NOW, "accepted"), (NOW + DAY, "purchasing"), (NOW + 3 * DAY, "purchased")]
    assert time_in_status(events) == [("accepted", DAY), ("purchasing", 2 * DAY)]
    assert median([5, 1, 3]) == 3 and median([1, 2, 3, 10]) == 2.5
