"""Uniqueness rules the services checked before inserting become unique indexes, so two desktops
writing at the same moment cannot both pass the check: a bank reference per company account and
kind (a stored comparison key, cleared when the payment is rejected), a company account's name
(a stored comparison key), one open stocktake per warehouse, one open task of a kind per record
and role, one fee-policy version number per customer group.

Rows that already break a rule are kept: later duplicate payments and account names get no
comparison key (they stay as recorded), a second copy of an open task is cancelled, later
duplicate policy versions are numbered after the group's last.

Revision ID: 0008
Revises: 0011
Create Date: 2026-12-07 09:00:00.000000
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0011'
branch_labels = None
depends_on = None


def _key(reference: str) -> str | None:
    # the same as app.services.wallets.reference_key, frozen here
    key = unicodedata.normalize("NFC", (reference or "").strip()).lower()[:80]
    return key or None


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column('payments', sa.Column('reference_key', sa.String(length=80), nullable=True))
    payments = sa.table('payments', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                        sa.column('status', sa.String), sa.column('cash_account_id', sa.Integer),
                        sa.column('bank_reference', sa.String), sa.column('reference_key', sa.String))
    seen: set[tuple] = set()
    rows = conn.execute(sa.select(payments.c.id, payments.c.kind, payments.c.status, payments.c.cash_account_id,
                                  payments.c.bank_reference).order_by(payments.c.id)).all()
    for pid, kind, status, account_id, reference in rows:
        key = _key(reference)
        if key is None or status == 'rejected' or (account_id, kind, key) in seen:
            continue
        seen.add((account_id, kind, key))
        conn.execute(payments.update().where(payments.c.id == pid).values(reference_key=key))
    op.create_index('uq_payments_reference', 'payments', ['cash_account_id', 'kind', 'reference_key'], unique=True)

    op.add_column('ledger_accounts', sa.Column('name_key', sa.String(length=120), nullable=True))
    accounts = sa.table('ledger_accounts', sa.column('id', sa.Integer), sa.column('book', sa.String),
                        sa.column('name', sa.String), sa.column('name_key', sa.String))
    names: set[str] = set()
    for aid, name in conn.execute(sa.select(accounts.c.id, accounts.c.name).where(accounts.c.book.isnot(None))
                                  .order_by(accounts.c.id)).all():
        key = unicodedata.normalize("NFC", (name or "").strip()).lower()[:120]
        if key in names:
            continue
        names.add(key)
        conn.execute(accounts.update().where(accounts.c.id == aid).values(name_key=key))
    op.create_index('uq_ledger_accounts_name', 'ledger_accounts', ['name_key'], unique=True)

    open_where = sa.text("status = 'open'")
    op.create_index('uq_stocktakes_open', 'stocktakes', ['warehouse_id'], unique=True,
                    sqlite_where=open_where, postgresql_where=open_where)

    tasks = sa.table('tasks', sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('entity', sa.String),
                     sa.column('entity_id', sa.Integer), sa.column('role', sa.String), sa.column('status', sa.String))
    open_tasks: set[tuple] = set()
    for tid, kind, entity, entity_id, role in conn.execute(
            sa.select(tasks.c.id, tasks.c.kind, tasks.c.entity, tasks.c.entity_id, tasks.c.role)
            .where(tasks.c.status == 'open', tasks.c.entity.isnot(None), tasks.c.entity_id.isnot(None))
            .order_by(tasks.c.id)).all():
        if (kind, entity, entity_id, role) in open_tasks:     # a second copy of an open task
            conn.execute(tasks.update().where(tasks.c.id == tid).values(status='cancelled'))
        open_tasks.add((kind, entity, entity_id, role))
    op.create_index('uq_tasks_open', 'tasks', ['kind', 'entity', 'entity_id', 'role'], unique=True,
                    sqlite_where=open_where, postgresql_where=open_where)

    policies = sa.table('fee_policies', sa.column('id', sa.Integer), sa.column('vip_level_id', sa.Integer),
                        sa.column('version', sa.Integer))
    last: dict = {}
    used: set[tuple] = set()
    rows = conn.execute(sa.select(policies.c.id, policies.c.vip_level_id, policies.c.version)
                        .order_by(policies.c.id)).all()
    for _pid, group, version in rows:
        last[group] = max(last.get(group, 0), version)
    for pid, group, version in rows:
        if (group, version) in used:
            last[group] += 1
            version = last[group]
            conn.execute(policies.update().where(policies.c.id == pid).values(version=version))
        used.add((group, version))
    op.create_index('uq_fee_policies_version', 'fee_policies', ['vip_level_id', 'version'], unique=True)
    default_where = sa.text("vip_level_id IS NULL")
    op.create_index('uq_fee_policies_default_version', 'fee_policies', ['version'], unique=True,
                    sqlite_where=default_where, postgresql_where=default_where)


def downgrade() -> None:
    op.drop_index('uq_fee_policies_default_version', table_name='fee_policies')
    op.drop_index('uq_fee_policies_version', table_name='fee_policies')
    op.drop_index('uq_tasks_open', table_name='tasks')
    op.drop_index('uq_stocktakes_open', table_name='stocktakes')
    op.drop_index('uq_ledger_accounts_name', table_name='ledger_accounts')
    # ALTER TABLE … DROP COLUMN on both (SQLite ≥ 3.35): a batch copy of ledger_accounts would
    # drop a table the journal, wallets and payments refer to
    op.execute("ALTER TABLE ledger_accounts DROP COLUMN name_key")
    op.drop_index('uq_payments_reference', table_name='payments')
    op.execute("ALTER TABLE payments DROP COLUMN reference_key")
