"""Sacks that cannot be opened unseen: each hand-over of a shipment (shipment_custody), claims
against the carrier when a seal or a weight does not match on arrival (carrier_claims), and
whether a shipment's seal was checked (shipments.seal_check). Shipments already past their
arrival count as checked.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal_check', sa.String(10), nullable=False, server_default=''))
    op.execute("UPDATE shipments SET seal_check = 'ok' WHERE status IN ('arrived', 'reconciled')")
    op.create_table(
        'carrier_claims',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(24), nullable=False),
        sa.Column('shipment_id', sa.Integer(), sa.ForeignKey('shipments.id', name='fk_carrier_claims_shipment_id_shipments'), nullable=False),
        sa.Column('reasons', sa.String(60), nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('sealed_seal_no', sa.String(40), nullable=False),
        sa.Column('found_seal_no', sa.String(40), nullable=False),
        sa.Column('sealed_gross_kg', sa.BigInteger(), nullable=True),
        sa.Column('found_gross_kg', sa.BigInteger(), nullable=True),
        sa.Column('photo_file_id', sa.Integer(), sa.ForeignKey('stored_files.id', name='fk_carrier_claims_photo_file_id_stored_files'), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), sa.ForeignKey('users.id', name='fk_carrier_claims_opened_by_id_users'), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.UniqueConstraint('code', name='uq_carrier_claims_code'),
    )
    op.create_index('ix_carrier_claims_open', 'carrier_claims', ['status', 'id'])
    op.create_table(
        'shipment_custody',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shipment_id', sa.Integer(), sa.ForeignKey('shipments.id', name='fk_shipment_custody_shipment_id_shipments'), nullable=False),
        sa.Column('event', sa.String(16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by_id', sa.Integer(), sa.ForeignKey('users.id', name='fk_shipment_custody_by_id_users'), nullable=True),
        sa.Column('by_name', sa.String(120), nullable=False),
        sa.Column('seal_no', sa.String(40), nullable=False),
        sa.Column('seal_intact', sa.Boolean(), nullable=True),
        sa.Column('gross_weight_kg', sa.BigInteger(), nullable=True),
        sa.Column('photo_file_id', sa.Integer(), sa.ForeignKey('stored_files.id', name='fk_shipment_custody_photo_file_id_stored_files'), nullable=True),
        sa.Column('claim_id', sa.Integer(), sa.ForeignKey('carrier_claims.id', name='fk_shipment_custody_claim_id_carrier_claims'), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
    )
    op.create_index('ix_shipment_custody_shipment', 'shipment_custody', ['shipment_id', 'id'])


def downgrade() -> None:
    op.drop_table('shipment_custody')
    op.drop_table('carrier_claims')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_column('seal_check')
