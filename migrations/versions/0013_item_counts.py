"""The Vietnam warehouse's count of each order item: pieces damaged and pieces that are the wrong
item, next to the pieces received (order_items.quantity_received, until now never filled).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:25:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quantity_damaged', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('quantity_wrong', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_column('quantity_wrong')
        batch_op.drop_column('quantity_damaged')
