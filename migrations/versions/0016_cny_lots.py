"""CNY lots: yuan bought together with their VND cost, consumed first in, first out by payments to
Chinese shops (cny_lots, cny_lot_uses). Each CNY account's balance at upgrade becomes an opening
lot valued at the latest buying rate (or, for an account below zero, a borrowed use the next lot
settles).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 12:15:00.000000
"""
from datetime import datetime, timezone
from decimal import Decimal, ROUND_HALF_UP

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'cny_lots',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('ledger_accounts.id', name='fk_cny_lots_account_id_ledger_accounts'), nullable=False),
        sa.Column('source', sa.String(12), nullable=False),
        sa.Column('entry_id', sa.Integer(), sa.ForeignKey('journal_entries.id', name='fk_cny_lots_entry_id_journal_entries'), nullable=True),
        sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('value_date', sa.Date(), nullable=True),
        sa.Column('cny_total', sa.BigInteger(), nullable=False),
        sa.Column('vnd_total', sa.BigInteger(), nullable=False),
        sa.Column('cny_left', sa.BigInteger(), nullable=False),
        sa.Column('vnd_left', sa.BigInteger(), nullable=False),
        sa.Column('reference', sa.String(120), nullable=False, server_default=''),
        sa.CheckConstraint('cny_left >= 0 AND cny_left <= cny_total', name='ck_cny_lots_left'),
        sa.CheckConstraint('cny_total > 0', name='ck_cny_lots_total'),
    )
    op.create_index('ix_cny_lots_fifo', 'cny_lots', ['account_id', 'acquired_at', 'id'])
    op.create_table(
        'cny_lot_uses',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('lot_id', sa.Integer(), sa.ForeignKey('cny_lots.id', name='fk_cny_lot_uses_lot_id_cny_lots'), nullable=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('ledger_accounts.id', name='fk_cny_lot_uses_account_id_ledger_accounts'), nullable=False),
        sa.Column('entry_id', sa.Integer(), sa.ForeignKey('journal_entries.id', name='fk_cny_lot_uses_entry_id_journal_entries'), nullable=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('orders.id', name='fk_cny_lot_uses_order_id_orders'), nullable=True),
        sa.Column('shop_order_id', sa.Integer(), sa.ForeignKey('shop_orders.id', name='fk_cny_lot_uses_shop_order_id_shop_orders'), nullable=True),
        sa.Column('kind', sa.String(12), nullable=False),
        sa.Column('cny', sa.BigInteger(), nullable=False),
        sa.Column('vnd', sa.BigInteger(), nullable=False),
        sa.Column('vnd_predicted', sa.BigInteger(), nullable=False, server_default='0'),
        sa.Column('settles_id', sa.Integer(), sa.ForeignKey('cny_lot_uses.id', name='fk_cny_lot_uses_settles_id_cny_lot_uses'), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_cny_lot_uses_lot', 'cny_lot_uses', ['lot_id', 'id'])
    op.create_index('ix_cny_lot_uses_order', 'cny_lot_uses', ['order_id'])
    op.create_index('ix_cny_lot_uses_shop_order', 'cny_lot_uses', ['shop_order_id'])
    op.create_index('ix_cny_lot_uses_account', 'cny_lot_uses', ['account_id', 'lot_id', 'id'])

    conn = op.get_bind()
    rate = conn.execute(sa.text("SELECT value FROM exchange_rates WHERE kind = 'buying' "
                                "ORDER BY effective_from DESC, id DESC LIMIT 1")).scalar()
    # Fixed(6) is stored as integer millionths
    buying = Decimal(rate) / Decimal(1_000_000) if rate is not None else Decimal(0)
    now = datetime.now(timezone.utc)
    if conn.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)
    for acc_id, balance in conn.execute(sa.text(
            "SELECT id, balance FROM ledger_accounts WHERE book = 'cn' AND balance <> 0")).all():
        vnd = int((Decimal(abs(balance)) / 100 * buying).quantize(Decimal(1), ROUND_HALF_UP))
        if balance > 0:
            conn.execute(sa.text(
                "INSERT INTO cny_lots (account_id, source, acquired_at, cny_total, vnd_total, cny_left, "
                "vnd_left, reference) VALUES (:a, 'opening', :at, :c, :v, :c, :v, '')"),
                {"a": acc_id, "at": now, "c": balance, "v": vnd})
        else:
            conn.execute(sa.text(
                "INSERT INTO cny_lot_uses (account_id, kind, cny, vnd, vnd_predicted, at) "
                "VALUES (:a, 'borrow', :c, :v, :v, :at)"), {"a": acc_id, "c": -balance, "v": vnd, "at": now})


def downgrade() -> None:
    op.drop_table('cny_lot_uses')
    op.drop_table('cny_lots')
