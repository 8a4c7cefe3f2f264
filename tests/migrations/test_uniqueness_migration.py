"""Migration 0008 on a database where the old check-then-insert let duplicates in: the upgrade
keeps every row, and the rules hold from then on."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, Table, select, text

from app import db as dbmod
from app.errors import ValidationFailed
from app.fees import DEFAULT_TARIFF
from app.permissions import Role
from app.services import fee_policies, ledger, wallets
from app.services.tasks import open_task
from app.workflows.tasks import TaskKind
from tests.factories import make_customer, make_user
from tests.money_helpers import accounts, set_rates


def _copy(conn, table: str, row_id: int, **changes) -> int:
    """A second copy of a row, as a race under the old code would have written it."""
    t = Table(table, MetaData(), autoload_with=conn)
    row = dict(conn.execute(select(t).where(t.c.id == row_id)).mappings().one())
    row.pop("id")
    row.update(changes)
    return conn.execute(t.insert().values(**row).returning(t.c.id)).scalar_one()


def test_duplicates_written_before_the_rules_are_kept_and_the_rules_hold_after(db, clock):
    set_rates(db)
    bank, _cny = accounts(db)
    accountant, manager = make_user(db, Role.ACCOUNTANT), make_user(db, Role.MANAGER)
    cid = make_customer(db)
    pid = wallets.record_payment(db, accountant, "topup", cid, Decimal(100000), "FT 777", date(2026, 11, 22), bank).payment_id
    policy = fee_policies.create_policy(db, manager, "Biểu phí mới", None, clock.now() + timedelta(days=1),
                                        DEFAULT_TARIFF.to_json())
    with db.transaction() as tx:
        task = open_task(tx, manager, TaskKind.CHECK_PARCEL, Role.WAREHOUSE_VN, "Kiểm hàng", "stocktake", 1).id
    dbmod.downgrade(db, "0007")
    with db.engine.begin() as conn:
        dup_payment = _copy(conn, "payments", pid, bank_reference="ft 777", entry_id=None)
        dup_policy = _copy(conn, "fee_policies", policy)
        dup_task = _copy(conn, "tasks", task)
        acc = conn.execute(text("SELECT id, name FROM ledger_accounts WHERE id = :i"), {"i": bank}).one()
        dup_account = _copy(conn, "ledger_accounts", bank, code="cash_vnd:99", name=acc.name.upper(), balance=0)
    dbmod.upgrade(db)
    with db.engine.begin() as conn:
        keys = dict(conn.execute(text("SELECT id, reference_key FROM payments")).all())
        assert keys == {pid: "ft 777", dup_payment: None}
        versions = dict(conn.execute(text("SELECT id, version FROM fee_policies WHERE vip_level_id IS NULL")).all())
        assert versions[policy] == 2 and versions[dup_policy] == 3
        statuses = dict(conn.execute(text("SELECT id, status FROM tasks")).all())
        assert statuses == {task: "open", dup_task: "cancelled"}
        names = dict(conn.execute(text("SELECT id, name_key FROM ledger_accounts WHERE book = 'vn'")).all())
        assert names[bank] == acc.name.lower() and names[dup_account] is None
    with pytest.raises(ValidationFailed):
        wallets.record_payment(db, accountant, "topup", cid, Decimal(100000), "FT 777", date(2026, 11, 22), bank)
    with pytest.raises(ValidationFailed):
        ledger.create_cash_account(db, accountant, acc.name, "vn")
