"""Remedies (issue 17): staff choose e-mail copies of their notices (users.email_notices; the
copy goes through the customer outbox with customer_messages.user_id, customer_id then empty);
"priority shipping on the next order" vouchers kept on the customer (priority_vouchers).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 12:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: a batch copy of users would drop a table every other table points at
    op.add_column('users', sa.Column('email_notices', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('customer_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_customer_messages_user_id_users'), 'users', ['user_id'], ['id'])
    op.create_table('priority_vouchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('used_order_id', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_priority_vouchers_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_priority_vouchers_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_priority_vouchers_customer_id_customers')),
    sa.ForeignKeyConstraint(['used_order_id'], ['orders.id'], name=op.f('fk_priority_vouchers_used_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_vouchers')),
    sa.UniqueConstraint('used_order_id', name=op.f('uq_priority_vouchers_used_order_id'))
    )
    with op.batch_alter_table('priority_vouchers', schema=None) as batch_op:
        batch_op.create_index('ix_priority_vouchers_customer', ['customer_id', 'used_order_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('priority_vouchers', schema=None) as batch_op:
        batch_op.drop_index('ix_priority_vouchers_customer')
    op.drop_table('priority_vouchers')
    op.execute("DELETE FROM customer_messages WHERE customer_id IS NULL")
    with op.batch_alter_table('customer_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customer_messages_user_id_users'), type_='foreignkey')
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('user_id')
    op.drop_column('users', 'email_notices')   # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), no table copy
