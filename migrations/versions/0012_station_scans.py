"""Scans sent by scan stations from their own journal, one row per station-made scan id, so a
scan sent twice (the link dropped before the answer came back) is applied once.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-07 09:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('station_scans',
    sa.Column('scan_id', sa.String(length=36), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_station_scans_parcel_id_parcels')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_station_scans_user_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_station_scans_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('scan_id', name=op.f('pk_station_scans'))
    )
    with op.batch_alter_table('station_scans', schema=None) as batch_op:
        batch_op.create_index('ix_station_scans_station', ['station', 'received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('station_scans', schema=None) as batch_op:
        batch_op.drop_index('ix_station_scans_station')
    op.drop_table('station_scans')
