"""Commission accruals: the commissions each completed order earned — its customer care and
ordering staff (a percentage of its service fee) and the forwarders who received its parcels
(VND per kg, per warehouse) — at the rates in force when it completed, with the journal entry
that booked them on commission_expense / commissions_payable.

Only adds a table (money as integer đồng, kg and rates as scaled integers: app.models.types).
Orders completed before this version have no accruals: their commissions were never booked.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commission_accruals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=True),
    sa.Column('parcels', sa.Integer(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('kg', sa.BigInteger(), nullable=False),
    sa.Column('rate', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_commission_accruals_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_commission_accruals_order_id_orders')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_commission_accruals_user_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_commission_accruals_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_accruals'))
    )
    with op.batch_alter_table('commission_accruals', schema=None) as batch_op:
        batch_op.create_index('ix_commission_accruals_at', ['at', 'id'], unique=False)
        batch_op.create_index('ix_commission_accruals_order', ['order_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('commission_accruals', schema=None) as batch_op:
        batch_op.drop_index('ix_commission_accruals_order')
        batch_op.drop_index('ix_commission_accruals_at')

    op.drop_table('commission_accruals')
