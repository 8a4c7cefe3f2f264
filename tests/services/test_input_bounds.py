"""Every input is checked before the database sees it, the same way on SQLite and PostgreSQL:
text that does not fit its column, NUL characters and numbers beyond what the column holds give a
message naming the field and the limit, never a database error; text is stored in NFC."""
import unicodedata
from datetime import date
from decimal import Decimal as D

import pytest

from app.errors import ValidationFailed
from app.permissions import Role
from app.services import customers, orders, wallets
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
        wallets.record_payment(db, accountant, "topup", cid, D(500_000), "FT" * 5000,
                               date(2026, 11, 22), bank)
    assert set(err.value.field_errors) == {"bank_reference"}
    assert "80" in err.value.field_errors["bank_reference"]
