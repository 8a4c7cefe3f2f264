"""Migration 0003 on a database that already has orders with declared tracking codes."""
from sqlalchemy import text

from app import db as dbmod
from tests.factories import make_customer, make_order, make_user
from app.permissions import Role


def test_parcels_declared_before_the_warehouse_capability_get_their_owner_destination_and_search(db):
    care = make_user(db, Role.CARE)
    oid = make_order(db, care, make_customer(db, care), "consignment", codes=["YT1234567890123"])
    with db.engine.begin() as conn:
        order = conn.execute(text("SELECT customer_id, destination_warehouse_id FROM orders WHERE id = :i"),
                             {"i": oid}).one()
    dbmod.downgrade(db, "0001")
    with db.engine.begin() as conn:
        assert "customer_id" not in {c for c in conn.execute(text("SELECT * FROM parcels")).keys()}
    dbmod.upgrade(db)
    with db.engine.begin() as conn:
        p = conn.execute(text("SELECT customer_id, destination_warehouse_id, search_text, ownerless, shelf "
                              "FROM parcels")).one()
    assert (p.customer_id, p.destination_warehouse_id) == (order.customer_id, order.destination_warehouse_id)
    assert p.search_text == "yt1234567890123" and not p.ownerless and p.shelf == ""
