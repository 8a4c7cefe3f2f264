"""Eight desktops at once on one carrier's bill (real parallel connections): the same bill
recorded by all of them is recorded once (the others read why), and the same bill accepted by
all of them posts its payable once."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, ValidationFailed
from app.models import CarrierBill, JournalEntry
from app.services import carrier_bills as cb
from tests.services.carrier_helpers import bill_csv, make_sacks
from tests.services.test_uniqueness_races import DESKTOPS, one_wins, race

pytestmark = pytest.mark.fault


def test_eight_desktops_importing_one_bill_record_it_once(db):
    sacks = make_sacks(db)
    header = cb.BillHeader("Vận tải Hưng Phát", "HD-2026-11", date(2026, 11, 30))
    content = bill_csv(sacks.a, sacks.b)

    def record(i, database):
        return cb.import_file(database, sacks.st.accountant, header, "hd.csv", content)

    results, errors = race(db, record, before_insert_into="carrier_bills")
    _winner, lost = one_wins(results, errors)
    assert all("bill_no" in e.field_errors for e in lost)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CarrierBill)) == 1


def test_eight_desktops_accepting_one_bill_post_its_payable_once(db):
    sacks = make_sacks(db)
    bill_id = cb.import_file(db, sacks.st.accountant, cb.BillHeader("Hưng Phát", "HD-1", date(2026, 11, 30)),
                             "hd.csv", bill_csv(sacks.a, sacks.b))

    def accept(i, database):
        return cb.accept_bill(database, sacks.st.accountant, bill_id)

    results, errors = race(db, accept)
    one_wins(results, errors, DomainError)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "carrier_bill")) == 1
    assert len(errors) == DESKTOPS - 1
