"""Tally exemption per item (seed 004), on SQLite and PostgreSQL: care staff mark an item "not
counted piece by piece" in the order form (orders.update_order), the order keeps it, and the fee
engine leaves its pieces out of the tally fee — in the order's money tab and on the billing
notice, each saying how many exempt pieces were not counted."""
from decimal import Decimal

import pytest

from app.i18n import set_language
from app.services import billing, orders
from app.services.orders import ItemInput, OrderInput
from tests.factories import item, make_customer, make_order, make_user, make_warehouses
from app.permissions import Role


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("vi")


def _inputs(view, exempt: set[int]) -> OrderInput:
    """The order form as saved again with the items at positions ``exempt`` ticked "no tally"."""
    return OrderInput(view.kind, view.customer_id, view.destination_warehouse_id, view.receiving_warehouse_id,
                      view.delivery_address_id, services=list(view.services),
                      items=[ItemInput(shop_name=it.shop_name, platform=it.platform, product_url=it.product_url,
                                       title=it.title, variant=it.variant, quantity=it.quantity,
                                       unit_price_cny=it.unit_price_cny, note=it.note,
                                       tally_exempt=n in exempt, id=it.id, image_file_id=it.image_file_id)
                             for n, it in enumerate(view.items)])


def _tally(db, actor, oid):
    line = next(l for l in billing.order_money_view(db, actor, oid).quote.lines if l.code == "inspection")
    return line.amount.amount, line.explanation


def test_an_item_marked_no_tally_leaves_the_tally_fee_and_says_so(db):
    make_warehouses(db)
    care = make_user(db, Role.CARE)
    accountant = make_user(db, Role.ACCOUNTANT)
    cid = make_customer(db, care)
    # 4 dresses at 59.90 ¥ and 3 shirts at 25 ¥: 7 pieces counted, band from 6 at 3 500 ₫ each
    oid = make_order(db, care, cid, items=[item("女士连衣裙", 4, "59.90"), item("男士T恤", 3, "25")],
                     services=["inspection"])
    assert _tally(db, care, oid)[0] == Decimal(7 * 3500)
    view = orders.get_order(db, care, oid)
    orders.update_order(db, care, oid, view.version, _inputs(view, {1}))      # only the tick changes
    view = orders.get_order(db, care, oid)
    assert [it.tally_exempt for it in view.items] == [False, True]
    amount, explanation = _tally(db, care, oid)
    assert amount == Decimal(4 * 5000)                       # 4 pieces: the first band, 5 000 ₫ each
    assert "3 exempt items not counted" in explanation
    # the billing notice's preview charges the same
    quote = billing.preview_billing(db, accountant, oid, [billing.PackageInput("1.5")])
    line = next(l for l in quote.lines if l.code == "inspection")
    assert line.amount.amount == Decimal(4 * 5000) and "3 exempt" in line.explanation
    # ticked off again: counted again
    orders.update_order(db, care, oid, view.version, _inputs(view, set()))
    assert _tally(db, care, oid)[0] == Decimal(7 * 3500)


def test_saving_the_form_unchanged_writes_no_item_change_into_the_history(db):
    """The form sends the price it shows (25, not 25.00): that is not a change of the item."""
    from sqlalchemy import select

    from app.models import ActivityEvent

    make_warehouses(db)
    care = make_user(db, Role.CARE)
    oid = make_order(db, care, make_customer(db, care), items=[item("男士T恤", 3, "25.00")])
    view = orders.get_order(db, care, oid)
    data = _inputs(view, set())
    data.items[0].unit_price_cny = Decimal("25")
    orders.update_order(db, care, oid, view.version, data)
    with db.read() as s:
        assert s.scalars(select(ActivityEvent).where(ActivityEvent.entity == "order", ActivityEvent.entity_id == oid,
                                                     ActivityEvent.action == "edited")).all() == []


# -- after the form is locked: ordering staff processing the order (seed 004) --------------------------

def _bought_with_tally(db, st, code):
    from app.models import OrderService
    from tests.services.warehouse_helpers import purchase_order

    oid, _so = purchase_order(db, st, [code])
    with db.transaction() as tx:
        tx.add(OrderService(order_id=oid, code="inspection"))
    return oid


def test_ordering_staff_exempt_an_item_after_purchasing_started_until_the_order_is_billed(db):
    from app.errors import DomainError, PermissionDenied, StaleEdit, ValidationFailed
    from app.services import item_counts
    from tests.services.complaint_helpers import new_codes
    from tests.services.warehouse_helpers import carried_and_billed, make_staff

    st = make_staff(db)
    code, = new_codes()
    oid = _bought_with_tally(db, st, code)
    view = orders.get_order(db, st.ordering, oid)
    assert not view.editable_items                            # the order form no longer changes items
    (dress,) = view.items
    assert _tally(db, st.care, oid)[0] == Decimal(2 * 5000)
    with pytest.raises(PermissionDenied):
        item_counts.set_tally_exemptions(db, st.store, oid, [dress.id])
    with pytest.raises(ValidationFailed):
        item_counts.set_tally_exemptions(db, st.ordering, oid, [dress.id + 999])
    assert item_counts.set_tally_exemptions(db, st.ordering, oid, [dress.id], seen_version=view.version)
    assert [i.tally_exempt for i in orders.get_order(db, st.care, oid).items] == [True]
    amount, explanation = _tally(db, st.care, oid)
    assert amount == 0 and "2 exempt items not counted" in explanation
    with pytest.raises(StaleEdit):                            # saved from what a screen showed before
        item_counts.set_tally_exemptions(db, st.care, oid, [], seen_version=view.version)
    assert item_counts.set_tally_exemptions(db, st.care, oid, [dress.id]) is False     # nothing changes
    carried_and_billed(db, st, oid, code, "1.2", "1.2")
    with pytest.raises(DomainError, match="billed"):
        item_counts.set_tally_exemptions(db, st.ordering, oid, [])
    assert [i.tally_exempt for i in orders.get_order(db, st.care, oid).items] == [True]
