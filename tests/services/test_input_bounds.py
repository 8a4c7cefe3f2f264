"""Every input is checked before the database sees it, the same way on SQLite and PostgreSQL:
text that does not fit its column, NUL characters and numbers beyond what the column holds give a
message naming the field and the limit, never a database error; text is stored in NFC."""
import unicodedata
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from app.errors import ValidationFailed
from app.permissions import Role
from app.services import customers, wallets
from app.services.customers import AddressInput, CustomerInput
from tests.factories import item, make_customer, make_order, make_user
from tests.money_helpers import accounts

NFD_NAME = unicodedata.normalize("NFD", "Nguyễn Thị Hằng")


@pytest.fixture
def care(db):
    return make_user(db, Role.CARE, full_name="Lê Thu Trang")


def _customer(name, **kw):
    return CustomerInput(name=name, phone="0912 345 678",
                         addresses=[AddressInput("Nguyễn Thị Hằng", "12 Phố Huế", city="Hà Nội")], **kw)


def test_a_ten_thousand_character_customer_name_is_refused_with_the_limit(db, care):
    with pytest.raises(ValidationFailed) as err:
        customers.create_customer(db, care, _customer("Hằng" * 2500))
    assert set(err.value.field_errors) == {"name"}
    assert "120" in err.value.field_errors["name"]


def test_a_nul_character_in_a_customer_note_is_dropped_not_a_crash(db, care):
    cid = customers.create_customer(db, care, _customer("Trần\x00 Văn Bình", note="gọi\x00 trước"))
    view = customers.get_customer(db, care, cid)
    assert view.name == "Trần Văn Bình"
    assert view.note == "gọi trước"


def test_a_customer_named_in_nfd_is_stored_nfc_and_found_by_either_form(db, care):
    assert NFD_NAME != unicodedata.normalize("NFC", NFD_NAME)
    cid = customers.create_customer(db, care, _customer(NFD_NAME))
    view = customers.get_customer(db, care, cid)
    assert view.name == "Nguyễn Thị Hằng" and unicodedata.is_normalized("NFC", view.name)
    assert view.addresses[0].recipient == "Nguyễn Thị Hằng"
    for term in ("Nguyễn Thị Hằng", NFD_NAME, "hằng", unicodedata.normalize("NFD", "hằng")):
        assert [h.id for h in customers.find_customers(db, care, term)] == [cid], term


def test_a_huge_unit_price_times_quantity_is_refused_on_the_item(db, care):
    cid = make_customer(db, care)
    with pytest.raises(ValidationFailed) as err:
        make_order(db, care, cid, items=[item(qty=100_000, price="1000000000000")])
    assert list(err.value.field_errors) == ["items.0.unit_price_cny"]


def test_an_item_title_and_variant_of_ten_thousand_characters_are_refused(db, care):
    cid = make_customer(db, care)
    with pytest.raises(ValidationFailed) as err:
        make_order(db, care, cid, items=[item(title="裙" * 10_000, variant="L" * 10_000)])
    assert set(err.value.field_errors) == {"items.0.title", "items.0.variant"}


def test_a_ten_thousand_character_bank_reference_is_refused_not_cut(db, care):
    accountant = make_user(db, Role.ACCOUNTANT)
    cid = make_customer(db, care)
    bank = accounts(db)[0]
    with pytest.raises(ValidationFailed) as err:
        wallets.record_payment(db, accountant, "topup", cid, Decimal(500_000), "FT" * 5000,
                               date(2026, 11, 22), bank)
    assert set(err.value.field_errors) == {"bank_reference"}
    assert "80" in err.value.field_errors["bank_reference"]


# -- the safety net under every service: the same refusal on both databases ----------------------

def _raw_customer(**kw):
    from app.models import Customer

    at = datetime(2026, 11, 22, tzinfo=timezone.utc)
    values = dict(code="KH999999", name="Trần Văn Bình", created_at=at, updated_at=at)
    values.update(kw)
    return Customer(**values)


def test_a_value_written_past_the_services_is_checked_against_its_column(db):
    with pytest.raises(ValidationFailed) as err:
        with db.transaction() as tx:
            tx.add(_raw_customer(name="x" * 121, phone="1" * 41))
    errors = err.value.field_errors
    assert set(errors) == {"name", "phone"}
    assert "120" in errors["name"] and "40" in errors["phone"]
    assert str(err.value).count("\n•") == 2           # one message naming both fields


def test_text_written_past_the_services_is_stored_nfc_without_nul(db):
    from app.models import Customer

    with db.transaction() as tx:
        tx.add(_raw_customer(name=NFD_NAME + "\x00", note="a\x00b"))
    with db.read() as s:
        c = s.query(Customer).one()
        assert (c.name, c.note) == ("Nguyễn Thị Hằng", "ab")


def test_an_amount_beyond_a_64_bit_integer_of_minor_units_is_refused_on_both_databases(db, care):
    from app.models import Order
    from app.money import CNY, Money

    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    for amount in ("92233720368547758.08", "1E+20"):
        with pytest.raises(ValidationFailed) as err:
            with db.transaction() as tx:
                tx.get(Order, oid).goods_cny = Money(Decimal(amount), CNY)
        assert list(err.value.field_errors) == ["goods_cny"]


def test_a_core_statement_with_an_out_of_range_number_is_a_validation_error_not_a_driver_error(db, care):
    from sqlalchemy import update

    from app.models import Customer

    cid = make_customer(db, care)
    with pytest.raises(ValidationFailed):
        with db.transaction() as tx:
            tx.execute(update(Customer).where(Customer.id == cid).values(version=2**70))
