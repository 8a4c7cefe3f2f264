"""Station scans of every station kind: who scanned (the journal's person; ``user_id`` is who was
signed in when the scan was sent) and what it was scanned into (the shipment packed or received,
the stocktake counted).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 11:45:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('station_scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scanned_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('target_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_station_scans_scanned_by_id_users'), 'users',
                                    ['scanned_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('station_scans', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_station_scans_scanned_by_id_users'), type_='foreignkey')
        batch_op.drop_column('target_id')
        batch_op.drop_column('scanned_by_id')
