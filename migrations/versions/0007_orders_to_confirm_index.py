"""The "Orders to confirm" queue's partial index: deposited purchase orders and new consignment
orders by creation time. The queue's WHERE (an OR of two status-and-kind pairs) could use no
index in its order, so a first page sorted every order in those statuses (3 s on 1,000,000).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TO_CONFIRM = "(status = 'deposited' AND kind = 'purchase') OR (status = 'new' AND kind = 'consignment')"


def upgrade() -> None:
    where = sa.text(TO_CONFIRM)
    op.create_index('ix_orders_to_confirm', 'orders', ['created_at', 'id'], unique=False,
                    sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    op.drop_index('ix_orders_to_confirm', table_name='orders')
