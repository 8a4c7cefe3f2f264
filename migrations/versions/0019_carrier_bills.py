"""Freight carriers' bills and their lines, each line beside our own weights and the route's cost
(checked, then accepted into the ledger or disputed).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:24:51.759209
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('carrier_bills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=120), nullable=False),
    sa.Column('bill_no', sa.String(length=60), nullable=False),
    sa.Column('bill_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('billed', sa.BigInteger(), nullable=False),
    sa.Column('expected', sa.BigInteger(), nullable=False),
    sa.Column('accepted_amount', sa.BigInteger(), nullable=True),
    sa.Column('flagged_lines', sa.Integer(), nullable=False),
    sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispute_reason', sa.Text(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_carrier_bills_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_carrier_bills_decided_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_carrier_bills_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_carrier_bills_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_bills')),
    sa.UniqueConstraint('carrier', 'bill_no', name='uq_carrier_bills_number')
    )
    with op.batch_alter_table('carrier_bills', schema=None) as batch_op:
        batch_op.create_index('ix_carrier_bills_carrier_date', ['carrier', 'bill_date', 'id'], unique=False)

    op.create_table('carrier_bill_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('shipment_code', sa.String(length=24), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=True),
    sa.Column('billed_kg', sa.BigInteger(), nullable=True),
    sa.Column('billed_m3', sa.BigInteger(), nullable=True),
    sa.Column('unit_price', sa.BigInteger(), nullable=True),
    sa.Column('surcharges', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('our_gross_kg', sa.BigInteger(), nullable=True),
    sa.Column('our_parcels_kg', sa.BigInteger(), nullable=True),
    sa.Column('our_m3', sa.BigInteger(), nullable=True),
    sa.Column('expected', sa.BigInteger(), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['bill_id'], ['carrier_bills.id'], name=op.f('fk_carrier_bill_lines_bill_id_carrier_bills'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_carrier_bill_lines_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_bill_lines')),
    sa.UniqueConstraint('bill_id', 'shipment_code', name='uq_carrier_bill_lines_shipment')
    )
    with op.batch_alter_table('carrier_bill_lines', schema=None) as batch_op:
        batch_op.create_index('ix_carrier_bill_lines_shipment', ['shipment_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('carrier_bill_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_carrier_bill_lines_shipment')

    op.drop_table('carrier_bill_lines')
    with op.batch_alter_table('carrier_bills', schema=None) as batch_op:
        batch_op.drop_index('ix_carrier_bills_carrier_date')

    op.drop_table('carrier_bills')
