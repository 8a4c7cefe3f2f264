"""Quotes that hold their rate: every version of an order's quote (quote_versions), and the
customer's e-mail carrying a document (customer_messages.attachment_file_id, attachment_name).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:45:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'quote_versions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('orders.id', name='fk_quote_versions_order_id_orders'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('selling_rate', sa.BigInteger(), nullable=False),
        sa.Column('rate_id', sa.Integer(), sa.ForeignKey('exchange_rates.id', name='fk_quote_versions_rate_id_exchange_rates'), nullable=True),
        sa.Column('goods_cny', sa.BigInteger(), nullable=False),
        sa.Column('goods_vnd', sa.BigInteger(), nullable=False),
        sa.Column('fees_vnd', sa.BigInteger(), nullable=False),
        sa.Column('total_vnd', sa.BigInteger(), nullable=False),
        sa.Column('deposit_percent', sa.BigInteger(), nullable=False),
        sa.Column('deposit_vnd', sa.BigInteger(), nullable=False),
        sa.Column('difference_vnd', sa.BigInteger(), nullable=True),
        sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('users.id', name='fk_quote_versions_created_by_id_users'), nullable=True),
        sa.Column('created_by_name', sa.String(120), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_name', sa.String(120), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.UniqueConstraint('order_id', 'version', name='uq_quote_versions_order_version'),
    )
    op.create_index('ix_quote_versions_status', 'quote_versions', ['status', 'valid_until', 'id'])
    # the customer's e-mail carries the quote's PDF
    with op.batch_alter_table('customer_messages') as batch:
        batch.add_column(sa.Column('attachment_file_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('attachment_name', sa.String(120), nullable=False, server_default=''))
        batch.create_foreign_key('fk_customer_messages_attachment_file_id_stored_files', 'stored_files',
                                 ['attachment_file_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('customer_messages') as batch:
        batch.drop_constraint('fk_customer_messages_attachment_file_id_stored_files', type_='foreignkey')
        batch.drop_column('attachment_name')
        batch.drop_column('attachment_file_id')
    op.drop_index('ix_quote_versions_status', table_name='quote_versions')
    op.drop_table('quote_versions')
