"""Remembered column mappings of imported files, per import kind and source (a partner
warehouse, a customer): a column mapped by hand once is read the same way next time.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-07 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_column_maps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('header', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_import_column_maps_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_column_maps')),
    sa.UniqueConstraint('kind', 'source', 'header', name='uq_import_column_maps_header')
    )


def downgrade() -> None:
    op.drop_table('import_column_maps')
